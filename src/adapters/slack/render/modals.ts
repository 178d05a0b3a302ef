import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import {
  type CatalogEntryView,
  type CatalogItemView,
  MAX_TEXT_LENGTH,
  type RequestView,
} from '../../../flows/index.js';
import { describeDuration, durationSeconds } from '../../../flows/wording.js';
import { clip, entryText, escapeText, escapeWithin, mrkdwn, nameText, plain } from './text.js';

/** callback_id of each modal, and the block/action ids their handlers read. */
export const MODAL = { request: 'request_form', decision: 'decision_reason', comment: 'comment_text' } as const;
export const FIELD = { entry: 'entry', justification: 'justification', duration: 'duration', text: 'text' } as const;

const PRESETS = ['PT1H', 'PT2H', 'PT4H', 'PT8H', 'P1D', 'P3D', 'P7D', 'P14D', 'P30D', 'P90D'];
const NO_LIMIT = 'none';

export interface RequestFormState {
  /** The entry chosen so far, with its rules; absent until one is picked. */
  entry?: CatalogEntryView;
  /** Candidates when typed text named several entries. */
  choices?: CatalogItemView[];
  /** What the person typed, when it matched nothing or several. */
  query?: string;
  justification?: string;
  /** ISO 8601 duration asked for in the one-line command. */
  duration?: string;
  /** Asking again for access the person holds until a date (Extend): said on top, sent as an extension. */
  extend?: boolean;
  /** What the one-line command left out, said on top: why the form opened instead of a request. */
  missing?: ('justification' | 'duration')[];
}

/** Kept in private_metadata so the form can be redrawn after a selection without losing the typed duration. */
export interface RequestFormMetadata {
  duration?: string;
  extend?: true;
}

export function requestForm(state: RequestFormState): ModalView {
  const blocks: KnownBlock[] = [];
  if (state.query !== undefined && !state.entry) {
    const query = escapeWithin(state.query, 200).text;
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          state.choices?.length
            ? `Several things you can request match “${query}”. Pick one.`
            : `Nothing you can request matches “${query}”. Search the catalog below.`,
        ),
      ],
    });
  }
  if (state.missing?.length && state.entry) {
    const what = state.missing
      .map((field) => (field === 'justification' ? 'why you need it' : 'for how long'))
      .join(' and ');
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(`*${entryText(state.entry.name)}* needs to know ${what}: fill it in below, then press Request.`),
      ],
    });
  }
  if (state.extend) {
    const longer = state.duration ? ` for another ${escapeText(describeDuration(state.duration))}` : '';
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `This asks again${longer}: a new request for the same access, approved as usual. What you have now stays until it ends.`,
        ),
      ],
    });
  }
  blocks.push(entryPicker(state));
  if (state.entry?.description) {
    blocks.push({ type: 'context', elements: [plain(clip(state.entry.description, 2000))] });
  }
  blocks.push({
    type: 'input',
    block_id: FIELD.justification,
    optional: !state.entry?.justificationRequired,
    label: plain(state.entry?.justificationRequired ? 'Why do you need it? (required)' : 'Why do you need it?'),
    element: {
      type: 'plain_text_input',
      action_id: FIELD.justification,
      multiline: true,
      // The backend's own limit once the entry is known (Okta takes 1,000), so nobody types past it.
      max_length: state.entry?.justificationMaxLength ?? MAX_TEXT_LENGTH,
      ...(state.justification
        ? { initial_value: clip(state.justification, state.entry?.justificationMaxLength ?? MAX_TEXT_LENGTH) }
        : {}),
    },
  });
  if (state.entry?.duration.allowed) blocks.push(durationPicker(state.entry, state.duration));
  const metadata: RequestFormMetadata = {
    ...(state.duration ? { duration: state.duration } : {}),
    ...(state.extend ? { extend: true } : {}),
  };
  return {
    type: 'modal',
    callback_id: MODAL.request,
    title: plain(state.extend ? 'Extend access' : 'Request access', 24),
    submit: plain(state.extend ? 'Extend' : 'Request', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

function entryOption(item: CatalogItemView): PlainTextOption {
  return {
    text: plain(clip(item.name, 75)),
    value: item.id,
    ...(item.description ? { description: plain(clip(item.description, 75)) } : {}),
  };
}

export { entryOption };

function entryPicker(state: RequestFormState): KnownBlock {
  const initial = state.entry ? { initial_option: entryOption(state.entry) } : {};
  const element = state.choices?.length
    ? {
        type: 'static_select' as const,
        action_id: FIELD.entry,
        placeholder: plain('Choose one'),
        options: dedupe([...(state.entry ? [state.entry] : []), ...state.choices])
          .slice(0, 100)
          .map(entryOption),
        ...initial,
      }
    : {
        type: 'external_select' as const,
        action_id: FIELD.entry,
        placeholder: plain('Type to search the catalog'),
        min_query_length: 0,
        ...initial,
      };
  return { type: 'input', block_id: FIELD.entry, dispatch_action: true, label: plain('What do you need?'), element };
}

function dedupe(items: CatalogItemView[]): CatalogItemView[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(item.id) && seen.add(item.id));
}

function durationPicker(entry: CatalogEntryView, asked?: string): KnownBlock {
  const max = entry.duration.max ? durationSeconds(entry.duration.max) : undefined;
  const fits = (iso: string) => max === undefined || (durationSeconds(iso) ?? Infinity) <= max;
  const values = PRESETS.filter(fits);
  if (entry.duration.max && !values.includes(entry.duration.max)) values.push(entry.duration.max);
  if (asked && fits(asked) && !values.includes(asked)) values.push(asked);
  values.sort((a, b) => (durationSeconds(a) ?? 0) - (durationSeconds(b) ?? 0));
  const options: PlainTextOption[] = values.map((iso) => ({ text: plain(describeDuration(iso)), value: iso }));
  if (!entry.duration.required) options.unshift({ text: plain('No time limit'), value: NO_LIMIT });
  const initial = options.find((option) => option.value === (asked ?? (entry.duration.required ? '' : NO_LIMIT)));
  return {
    type: 'input',
    block_id: FIELD.duration,
    optional: !entry.duration.required,
    label: plain(
      entry.duration.required
        ? `For how long? (at most ${entry.duration.maxLabel ?? 'the limit'})`
        : `For how long?${entry.duration.maxLabel ? ` (at most ${entry.duration.maxLabel})` : ''}`,
    ),
    element: {
      type: 'static_select',
      action_id: FIELD.duration,
      placeholder: plain('Choose a duration'),
      options: options.slice(0, 100),
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

/** The chosen duration, or undefined for "no time limit". */
export function chosenDuration(value: string | undefined): string | undefined {
  return value && value !== NO_LIMIT ? value : undefined;
}

export interface DecisionMetadata {
  /** request id, task id, and what the form is for. */
  r: string;
  t?: string;
  k: 'approve' | 'reject' | 'comment';
  /** The kept list the form was opened from, and that click's response_url (the only way to redraw it). */
  l?: string;
  u?: string;
  /** The card in a conversation the form was opened from (channel, ts), to show the decision there first. */
  c?: string;
  m?: string;
}

/** The request's details when they came in time; its id alone otherwise. */
type AboutRequest = { id: string } & Partial<Pick<RequestView, 'requestedFor' | 'entry' | 'justification'>>;

export function decisionForm(request: AboutRequest, metadata: DecisionMetadata, required: boolean): ModalView {
  const kind = metadata.k;
  const title = kind === 'comment' ? 'Comment' : kind === 'approve' ? 'Approve request' : 'Reject request';
  const submit = kind === 'comment' ? 'Post comment' : kind === 'approve' ? 'Approve' : 'Reject';
  const label =
    kind === 'comment'
      ? 'Your comment (the requester and approvers see it)'
      : `Reason${required ? '' : ' (optional)'} — the requester sees it`;
  const about =
    request.requestedFor && request.entry
      ? `*${nameText(request.requestedFor.name)}* asks for *${entryText(request.entry.name)}* (\`${escapeText(request.id)}\`)${
          request.justification ? `\n_${escapeWithin(request.justification, 500).text}_` : ''
        }`
      : `Request \`${escapeText(request.id)}\``;
  return {
    type: 'modal',
    callback_id: kind === 'comment' ? MODAL.comment : MODAL.decision,
    title: plain(title, 24),
    submit: plain(submit, 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      { type: 'section', text: mrkdwn(about) },
      {
        type: 'input',
        block_id: FIELD.text,
        optional: !required,
        label: plain(label),
        element: { type: 'plain_text_input', action_id: FIELD.text, multiline: true, max_length: MAX_TEXT_LENGTH },
      },
    ],
  };
}

/** A modal that only tells something: the result of a submission, or why nothing can be done. */
export function messageView(title: string, text: string): ModalView {
  return {
    type: 'modal',
    title: plain(title, 24),
    close: plain('Done', 24),
    blocks: [{ type: 'section', text: mrkdwn(text) }],
  };
}
