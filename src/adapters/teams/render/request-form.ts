import { firstCharacters } from '../../../domain/text.js';
import { type CatalogEntryView, type CatalogItemView, MAX_TEXT_LENGTH } from '../../../flows/index.js';
import { describeDuration, durationSeconds } from '../../../flows/wording.js';
import { CARD_VERSION, type Card, VERB } from './request-card.js';
import { escapeWithin } from './text.js';

/**
 * The request form as an Adaptive Card. Its durations are always those of one entry: Teams cannot
 * redraw a card when a choice changes (an Input's `valueChangedAction` only takes
 * Action.ResetInputs, which never reaches the bot, and dependent Data.Query inputs exist neither in
 * GCC/sovereign clouds nor in clients without dynamic search). So a form drawn before the entry is
 * known asks no duration, and pressing Request with an entry that has durations answers with the
 * form drawn for that entry (as Slack's modal redraws on dispatch_action), which its Request sends.
 */

/** Teams shows at most 15 options in a type-ahead dropdown (Teams docs, "Typeahead search in Adaptive Cards"). */
export const FORM_CHOICES_MAX = 15;

export const NO_LIMIT = 'none';
const PRESETS = ['PT1H', 'PT4H', 'PT8H', 'P1D', 'P3D', 'P7D', 'P14D', 'P30D', 'P90D'];

export interface FormState {
  /** Static choices: the first entries of the catalog, or those the typed words matched. */
  choices?: CatalogItemView[];
  /** The entry already picked (its id). */
  entry?: string;
  /** The entry whose rules the form is drawn with (its durations); absent until one is known. */
  drawnFor?: CatalogEntryView;
  query?: string;
  justification?: string;
  duration?: string;
  /** Why the last submission was refused, shown on top. */
  problem?: string;
  /** What to do next, shown on top (the second step's "choose for how long"). */
  next?: string;
  /** Asking again for access held until a date (Extend): said on top, sent as an extension. */
  extend?: boolean;
}

export function requestFormCard(state: FormState): Card {
  const body: Card[] = [{ type: 'TextBlock', text: 'Request access', size: 'Medium', weight: 'Bolder', wrap: true }];
  if (state.problem) body.push({ type: 'TextBlock', text: `⚠️ ${state.problem}`, color: 'Attention', wrap: true });
  if (state.next) body.push({ type: 'TextBlock', text: state.next, wrap: true, weight: 'Bolder' });
  if (state.extend) {
    const longer =
      state.duration && state.duration !== NO_LIMIT ? ` for another ${describeDuration(state.duration)}` : '';
    body.push({
      type: 'TextBlock',
      wrap: true,
      text: `This asks again${longer}: a new request for the same access, approved as usual. What you have now stays until it ends.`,
    });
  }
  if (state.query !== undefined) {
    body.push({
      type: 'TextBlock',
      wrap: true,
      text: state.choices?.length
        ? `Several things you can request match “${escapeWithin(state.query, 200)}”. Pick one.`
        : `Nothing you can request matches “${escapeWithin(state.query, 200)}”. Search the catalog below.`,
    });
  }
  const choices = dedupe([...(state.drawnFor ? [state.drawnFor] : []), ...(state.choices ?? [])]);
  const picked = state.entry ?? state.drawnFor?.id ?? (choices.length === 1 ? choices[0]?.id : undefined);
  body.push(
    {
      type: 'Input.ChoiceSet',
      id: 'entry',
      label: 'What do you need?',
      isRequired: true,
      errorMessage: 'Choose what you need access to.',
      style: 'filtered',
      placeholder: 'Type to search the catalog',
      // Static choices for every client; the dynamic query searches the whole catalog where Teams can.
      choices: choices
        .slice(0, FORM_CHOICES_MAX)
        .map((item) => ({ title: firstCharacters(item.name, 200), value: item.id })),
      ...(picked ? { value: picked } : {}),
      'choices.data': { type: 'Data.Query', dataset: 'catalog' },
    },
    {
      type: 'Input.Text',
      id: 'justification',
      label: state.drawnFor?.justificationRequired ? 'Why do you need it? (required)' : 'Why do you need it?',
      isMultiline: true,
      maxLength: state.drawnFor?.justificationMaxLength ?? MAX_TEXT_LENGTH,
      ...(state.drawnFor?.justificationRequired ? { isRequired: true, errorMessage: 'Say why you need it.' } : {}),
      ...(state.justification ? { value: firstCharacters(state.justification, MAX_TEXT_LENGTH) } : {}),
    },
  );
  if (state.drawnFor?.duration.allowed) body.push(durationInput(state.drawnFor, state.duration));
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    actions: [
      {
        type: 'Action.Execute',
        title: state.extend ? 'Extend' : 'Request',
        verb: VERB.request,
        // Which entry the durations on this form were drawn for: another entry gets its own first.
        // A duration typed in the one-line command rides along until the form can offer it.
        data: {
          ...(state.drawnFor ? { for: state.drawnFor.id } : state.duration ? { duration: state.duration } : {}),
          ...(state.extend ? { extend: true } : {}),
        },
      },
    ],
  };
}

/** The durations an entry allows: presets up to its maximum, the maximum itself, no limit unless it requires one. */
export function allowedDurations(entry: CatalogEntryView, asked?: string): string[] {
  const max = entry.duration.max ? durationSeconds(entry.duration.max) : undefined;
  const fits = (iso: string) => max === undefined || (durationSeconds(iso) ?? Number.POSITIVE_INFINITY) <= max;
  const values = PRESETS.filter(fits);
  if (entry.duration.max && !values.includes(entry.duration.max)) values.push(entry.duration.max);
  if (asked && asked !== NO_LIMIT && durationSeconds(asked) !== undefined && fits(asked) && !values.includes(asked))
    values.push(asked);
  values.sort((a, b) => (durationSeconds(a) ?? 0) - (durationSeconds(b) ?? 0));
  return entry.duration.required ? values : [NO_LIMIT, ...values];
}

function durationInput(entry: CatalogEntryView, asked?: string): Card {
  const values = allowedDurations(entry, asked);
  const initial = asked && values.includes(asked) ? asked : entry.duration.required ? undefined : NO_LIMIT;
  const most = entry.duration.maxLabel ? ` (at most ${entry.duration.maxLabel})` : '';
  return {
    type: 'Input.ChoiceSet',
    id: 'duration',
    label: `For how long?${most}`,
    ...(entry.duration.required ? { isRequired: true, errorMessage: 'Choose for how long.' } : {}),
    ...(initial ? { value: initial } : {}),
    choices: values.map((iso) => ({ title: iso === NO_LIMIT ? 'No time limit' : describeDuration(iso), value: iso })),
  };
}

function dedupe(items: CatalogItemView[]): CatalogItemView[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.id) && seen.add(item.id));
}
