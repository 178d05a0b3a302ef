import { type ActivityUser, type Envelope, invokeAction } from './activities.js';
import { isDynamic } from './card-actions.js';
import type { DriverResponse } from './delivery.js';
import type { Json } from './records.js';

/**
 * Dynamic type-ahead, as Teams runs it for an Input.ChoiceSet with `choices.data` of type Data.Query
 * (Teams docs, "Typeahead search in Adaptive Cards"): while the person types, the client posts an
 * `application/search` invoke whose value is `{ queryText, queryOptions: { skip, top }, dataset }`
 * (no `kind`: the client leaves it out), and shows the `results` of the bot's
 * `application/vnd.microsoft.search.searchResponse`, at most 15 of them.
 */

export const SEARCH_INVOKE = 'application/search';
export const SEARCH_RESPONSE_TYPE = 'application/vnd.microsoft.search.searchResponse';
/** Teams shows at most 15 options in a type-ahead dropdown. */
export const MAX_SEARCH_RESULTS = 15;

export interface SearchResult {
  title: string;
  value: string;
}

/** The dataset of a dynamic Input.ChoiceSet with this id anywhere in the card, or why there is none. */
export function datasetOf(card: Json, inputId: string): string | { problem: string } {
  const input = findInput(card, inputId);
  if (!input) return { problem: `the card has no input '${inputId}'` };
  if (input.type !== 'Input.ChoiceSet' || !isDynamic(input)) {
    return { problem: `'${inputId}' is not an Input.ChoiceSet with choices.data of type Data.Query` };
  }
  const query = input['choices.data'] as Json;
  return typeof query.dataset === 'string' ? query.dataset : { problem: `'${inputId}' names no dataset` };
}

export function searchInvoke(
  envelope: Envelope,
  options: { user: ActivityUser; queryText: string; dataset: string; skip: number; top: number },
): Json {
  const { user, queryText, dataset, skip, top } = options;
  const base = invokeAction(envelope, { user, replyToId: '', verb: '', data: {}, trigger: 'manual' });
  const { replyToId: _replyToId, ...activity } = base;
  return { ...activity, name: SEARCH_INVOKE, value: { queryText, queryOptions: { skip, top }, dataset } };
}

/** The options Teams would show from the bot's answer, and what it would object to in that answer. */
export function readSearchAnswer(response: DriverResponse): { results: SearchResult[]; problems: string[] } {
  if (response.statusCode !== 200) {
    return { results: [], problems: [`the bot answered HTTP ${response.statusCode} to a type-ahead search`] };
  }
  const body = response.body as Json | undefined;
  if (body?.type !== SEARCH_RESPONSE_TYPE) {
    return { results: [], problems: [`a type-ahead answer must be of type ${SEARCH_RESPONSE_TYPE}`] };
  }
  const value = body.value as Json | undefined;
  const raw = Array.isArray(value?.results) ? value.results : undefined;
  if (!raw) return { results: [], problems: ['a type-ahead answer needs value.results, an array'] };
  const problems: string[] = [];
  const results: SearchResult[] = [];
  for (const item of raw as unknown[]) {
    const result = item as Json;
    if (typeof result?.title === 'string' && typeof result.value === 'string') {
      results.push({ title: result.title, value: result.value });
    } else problems.push(`a type-ahead result needs a string title and value: ${JSON.stringify(item)}`);
  }
  if (results.length > MAX_SEARCH_RESULTS) {
    problems.push(`${results.length} results; Teams shows at most ${MAX_SEARCH_RESULTS}`);
  }
  return { results: results.slice(0, MAX_SEARCH_RESULTS), problems };
}

/** The input with this id anywhere in the card (ShowCards included). */
export function findInput(card: Json, inputId: string): Json | undefined {
  const seen: Json[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const object = node as Json;
    if (typeof object.type === 'string' && object.type.startsWith('Input.') && object.id === inputId) seen.push(object);
    for (const [key, value] of Object.entries(object)) if (key !== 'choices.data') visit(value);
  };
  visit(card);
  return seen[0];
}
