import { isDeepStrictEqual } from 'node:util';
import type { Json } from './records.js';

/**
 * Reading a card the way a Teams client does when someone presses a button: where its Action.Execute
 * buttons are (anywhere: the card's action bar, ActionSets, select actions, inside Action.ShowCard
 * cards), which inputs a button gathers (those of its own card and, inside a ShowCard, of the cards
 * around it), and the `data` Teams sends: the action's data with each input's value merged in by
 * input id, inputs winning over data keys of the same name.
 */

/**
 * An Action.Execute named by what the card says of it, as a client knows the button it drew: its
 * `id` when it has one, else its verb and its own `data` (before any input is merged in). A list
 * repeats Approve under every item with the same verb; the data (the item's request) tells them apart.
 */
export interface ExecuteIdentity {
  id?: string;
  verb?: string;
  data?: unknown;
}

export type ActionChoice = string | ((action: Json) => boolean) | ExecuteIdentity;

interface Scope {
  card: Json;
  parent?: Scope;
}

export interface FoundAction {
  action: Json;
  scope: Scope;
}

/**
 * The Action.Execute a person means: by verb, else by title; by predicate; or by its identity.
 * Refuses when none or several match.
 */
export function findExecute(card: Json, choice: ActionChoice): FoundAction {
  const all = executesIn(card, { card });
  const byVerb = all.filter(({ action }) => matchesChoice(action, choice));
  const matches =
    byVerb.length > 0 || typeof choice !== 'string' ? byVerb : all.filter(({ action }) => action.title === choice);
  const names = all.map(({ action }) => `${String(action.title ?? '(untitled)')} [${String(action.verb)}]`).join(', ');
  if (matches.length === 0)
    throw new Error(`no Action.Execute ${describe(choice)} on the card (buttons: ${names || 'none'})`);
  if (matches.length > 1)
    throw new Error(
      `several Action.Execute match ${describe(choice)} (${names}); name the one meant by its id or data, or pass a predicate`,
    );
  return matches[0] as FoundAction;
}

/**
 * The data Teams sends for this action: its own data with the values of the inputs it gathers. The
 * person's entries are `inputs` by input id; untouched inputs send their initial value, or nothing.
 * Returns what the client would refuse to send instead (a required input left empty, a regex not met).
 */
export function actionData(
  found: FoundAction,
  inputs: Record<string, string> = {},
): { data: unknown } | { refusals: string[] } {
  const { action } = found;
  const gathered = String(action.associatedInputs ?? 'auto').toLowerCase() === 'none' ? [] : inputsIn(found.scope);
  const byId = new Map(gathered.map((input) => [String(input.id), input]));
  for (const id of Object.keys(inputs)) {
    if (!byId.has(id))
      throw new Error(`this action gathers no input '${id}' (inputs: ${[...byId.keys()].join(', ') || 'none'})`);
  }
  const values: Record<string, string> = {};
  const refusals: string[] = action.isEnabled === false ? ['the button is disabled'] : [];
  for (const [id, input] of byId) {
    const value = inputs[id] ?? initialValue(input);
    checkChoice(input, inputs[id]);
    if (input.isRequired === true && (value === undefined || value === ''))
      refusals.push(`${labelOf(input)} is required`);
    if (
      value !== undefined &&
      value !== '' &&
      typeof input.regex === 'string' &&
      !new RegExp(input.regex).test(value)
    ) {
      refusals.push(`${labelOf(input)} does not match ${input.regex}`);
    }
    if (value !== undefined) values[id] = value;
  }
  if (refusals.length > 0) return { refusals: [...new Set(refusals)] };
  if (typeof action.data === 'string') return { data: action.data };
  return { data: { ...(isObject(action.data) ? action.data : {}), ...values } };
}

function matchesChoice(action: Json, choice: ActionChoice): boolean {
  if (typeof choice === 'string') return action.verb === choice;
  if (typeof choice === 'function') return choice(action);
  if (choice.id !== undefined) return action.id === choice.id;
  if (choice.verb !== undefined && action.verb !== choice.verb) return false;
  return !('data' in choice) || isDeepStrictEqual(action.data, choice.data);
}

function executesIn(card: Json, scope: Scope): FoundAction[] {
  const found: FoundAction[] = [];
  const visitAction = (action: unknown) => {
    if (!isObject(action)) return;
    if (action.type === 'Action.Execute') found.push({ action, scope });
    if (action.type === 'Action.ShowCard' && isObject(action.card)) {
      found.push(...executesIn(action.card, { card: action.card, parent: scope }));
    }
  };
  const visitElement = (element: unknown) => {
    if (!isObject(element)) return;
    for (const action of arrayOf(element.actions)) visitAction(action);
    visitAction(element.selectAction);
    visitAction(element.inlineAction);
    for (const child of childElements(element)) visitElement(child);
  };
  for (const element of arrayOf(card.body)) visitElement(element);
  for (const action of arrayOf(card.actions)) visitAction(action);
  visitAction(card.selectAction);
  return found;
}

/** Inputs of a card (not those of its ShowCards), then of the cards around it. */
function inputsIn(scope: Scope): Json[] {
  const own: Json[] = [];
  const visit = (element: unknown) => {
    if (!isObject(element)) return;
    if (typeof element.type === 'string' && element.type.startsWith('Input.') && typeof element.id === 'string')
      own.push(element);
    for (const child of childElements(element)) visit(child);
  };
  for (const element of arrayOf(scope.card.body)) visit(element);
  return scope.parent ? [...own, ...inputsIn(scope.parent)] : own;
}

/** Elements nested in containers, columns and table cells. */
function childElements(element: Json): unknown[] {
  const cells = arrayOf(element.rows).flatMap((row) => (isObject(row) ? arrayOf(row.cells) : []));
  return [...arrayOf(element.items), ...arrayOf(element.columns), ...cells];
}

function initialValue(input: Json): string | undefined {
  if (input.type === 'Input.Toggle') return String(input.value ?? input.valueOff ?? 'false');
  return input.value === undefined || input.value === null ? undefined : String(input.value);
}

/** A client only lets a person pick offered choices or flip a toggle; anything else is a mistake in the test. */
function checkChoice(input: Json, given: string | undefined): void {
  if (given === undefined) return;
  // A type-ahead's choices come from the bot's search answers, which the card does not hold.
  if (input.type === 'Input.ChoiceSet' && !isDynamic(input)) {
    const offered = arrayOf(input.choices).map((choice) => (isObject(choice) ? String(choice.value) : ''));
    const picked = input.isMultiSelect === true ? given.split(',') : [given];
    const unknown = picked.filter((value) => value !== '' && !offered.includes(value));
    if (unknown.length > 0)
      throw new Error(`${labelOf(input)} offers ${offered.join(', ')}, not ${unknown.join(', ')}`);
  }
  if (input.type === 'Input.Toggle') {
    const states = [String(input.valueOn ?? 'true'), String(input.valueOff ?? 'false')];
    if (!states.includes(given)) throw new Error(`${labelOf(input)} is either ${states.join(' or ')}, not ${given}`);
  }
}

/** An Input.ChoiceSet whose choices Teams asks the bot for as the person types (`choices.data`). */
export function isDynamic(input: Json): boolean {
  const query = input['choices.data'];
  return isObject(query) && query.type === 'Data.Query';
}

const labelOf = (input: Json) => (typeof input.label === 'string' ? `${input.label} (${input.id})` : String(input.id));
const describe = (choice: ActionChoice) =>
  typeof choice === 'string'
    ? `'${choice}'`
    : typeof choice === 'function'
      ? 'the predicate'
      : `${JSON.stringify(choice)}`;
const arrayOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
