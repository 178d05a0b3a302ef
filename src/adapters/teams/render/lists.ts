import { MAX_TEXT_LENGTH, type RequestList, type RequestView } from '../../../flows/index.js';
import type { DoneMark, ShownList } from '../../shown-lists.js';
import { CARD_VERSION, type Card, cardData, INPUT, VERB } from './request-card.js';
import { entryText, escapeMarkdown, escapeWithin, nameText, teamsTime } from './text.js';

/** Items in one list card; Teams cards stay small (28 KB) and readable. */
export const LIST_LIMIT = 10;

export const NOTHING_PENDING = 'Nothing is waiting for your decision. 🎉';

/** How to draw the selection of several rows (`several.ts` decides them). */
export interface ListOptions {
  /** Rejecting needs a reason by policy: the reason box of "Reject selected" is required. */
  rejectNeedsReason?: boolean;
  /** Lines on top, one per item just decided together: what became of each. */
  outcomes?: string[];
}

/** A line beside one row: why a decision from the list was refused. */
export interface RowNotice {
  requestId: string;
  text: string;
  /** The row can no longer be decided from here (decided meanwhile, closed, moved on): no buttons. */
  stale?: boolean;
}

/**
 * A list of requests as one card. A kept list (`shown`) names itself in each row's buttons, so the
 * card Teams shows after a decision from it (the invoke's answer replaces the whole card) is the
 * same list with that row done.
 */
export function listCard(
  list: RequestList,
  empty: string,
  shown?: Pick<ShownList, 'id' | 'done'>,
  notice?: RowNotice,
  options: ListOptions = {},
): Card {
  const body: Card[] = [
    { type: 'TextBlock', text: escapeMarkdown(list.title), size: 'Medium', weight: 'Bolder', wrap: true },
  ];
  for (const line of options.outcomes ?? []) body.push({ type: 'TextBlock', text: line, wrap: true, spacing: 'Small' });
  if (list.items.length === 0) body.push({ type: 'TextBlock', text: empty, wrap: true });
  const open = list.items.slice(0, LIST_LIMIT).map((item) => {
    const done = shown?.done[item.id];
    const said = notice?.requestId === item.id ? notice : undefined;
    // A decided row loses its buttons, as does one that can no longer be decided; one only
    // commented on keeps them.
    return item.actions.includes('approve') && done?.kind !== 'approve' && done?.kind !== 'reject' && !said?.stale;
  });
  // Selecting is offered once there is more than one row to decide.
  const selectable = open.filter(Boolean).length > 1;
  list.items.slice(0, LIST_LIMIT).forEach((item, index) => {
    const said = notice?.requestId === item.id ? notice : undefined;
    const toggle = open[index] && selectable ? selectToggle(index) : undefined;
    body.push(row(item, shown?.done[item.id], said?.text, toggle));
    if (open[index]) body.push(itemActions(item, index, shown?.id));
  });
  if (selectable) {
    const picks = list.items.slice(0, LIST_LIMIT).flatMap((item, index) => (open[index] ? [pickOf(item, index)] : []));
    const risky = list.items.slice(0, LIST_LIMIT).some((item, index) => open[index] && item.risk?.approveNeedsReason);
    body.push(selectedActions({ picks, ...(shown ? { l: shown.id } : {}) }, risky, options.rejectNeedsReason === true));
  }
  if (list.items.length > LIST_LIMIT) {
    body.push({
      type: 'TextBlock',
      text: `…and ${list.items.length - LIST_LIMIT} more in the governance portal.`,
      wrap: true,
    });
  }
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
  };
}

/** Input ids of the row toggles: unique in the card, named by each pick so the server reads its own. */
export const PICK_INPUT = (index: number) => `pick_${index}`;
export const SELECTED_REASON = 'selectedReason';
export const SELECTED_APPROVE_REASON = 'selectedApproveReason';

/** One selectable row as "Approve selected" names it: the request, its step, and its toggle's input id. */
export interface SelectedPick {
  r: string;
  t?: string;
  p: string;
}

function pickOf(item: RequestView, index: number): SelectedPick {
  return { ...cardData(item), p: PICK_INPUT(index) };
}

function selectToggle(index: number): Card {
  return {
    type: 'Input.Toggle',
    id: PICK_INPUT(index),
    // A toggle's title is plain text in Teams: no user text, so nothing to escape; the row above says what it is.
    title: 'Select',
    value: 'false',
    valueOn: 'true',
    valueOff: 'false',
    spacing: 'Small',
  };
}

/**
 * "Approve selected" and "Reject selected" under the list: each names every selectable row and the
 * toggle that says whether it was picked, so the server decides exactly those (each re-authorized
 * on its own). Reject, and Approve when a selectable grant is risky, first unfold a reason box.
 */
function selectedActions(
  data: { picks: SelectedPick[]; l?: string },
  risky: boolean,
  rejectNeedsReason: boolean,
): Card {
  const reasonBox = (id: string, required: boolean, placeholder: string, action: Card): Card => ({
    type: 'AdaptiveCard',
    body: [
      {
        type: 'Input.Text',
        id,
        isMultiline: true,
        maxLength: MAX_TEXT_LENGTH,
        placeholder,
        ...(required ? { label: 'Reason', isRequired: true, errorMessage: 'A reason is needed.' } : {}),
      },
    ],
    actions: [action],
  });
  const approve: Card = {
    type: 'Action.Execute',
    title: 'Approve selected',
    verb: VERB.approveSelected,
    style: 'positive',
    data: risky ? { ...data, input: SELECTED_APPROVE_REASON } : data,
  };
  const reject: Card = {
    type: 'Action.Execute',
    title: 'Reject selected',
    verb: VERB.rejectSelected,
    style: 'destructive',
    data: { ...data, input: SELECTED_REASON },
  };
  return {
    type: 'ActionSet',
    separator: true,
    spacing: 'Medium',
    actions: [
      risky
        ? {
            type: 'Action.ShowCard',
            title: 'Approve selected',
            card: reasonBox(
              SELECTED_APPROVE_REASON,
              true,
              'A selected grant is risky: why approve? The requesters and auditors see this.',
              approve,
            ),
          }
        : approve,
      {
        type: 'Action.ShowCard',
        title: 'Reject selected',
        card: reasonBox(
          SELECTED_REASON,
          rejectNeedsReason,
          rejectNeedsReason ? 'Why? The requesters see this.' : 'Why? (optional; the requesters see this)',
          reject,
        ),
      },
    ],
  };
}

function row(item: RequestView, done: DoneMark | undefined, notice: string | undefined, toggle?: Card): Card {
  const step = item.currentStep ? ` · step ${item.currentStep.index}` : '';
  const items: Card[] = [
    { type: 'TextBlock', text: `**${entryText(item.entry.name)}** · ${escapeMarkdown(item.id)}`, wrap: true },
    {
      type: 'TextBlock',
      text: `${escapeMarkdown(item.statusLabel)}${step} · for ${nameText(item.requestedFor.name)} · ${teamsTime(item.created)}`,
      wrap: true,
      isSubtle: true,
      spacing: 'None',
    },
  ];
  if (item.justification) {
    items.push({ type: 'TextBlock', text: `_${escapeWithin(item.justification, 200)}_`, wrap: true, spacing: 'None' });
  }
  const conflicts = item.risk?.conflicts ?? [];
  if (conflicts.length > 0) {
    const rules = conflicts.slice(0, 3).map((conflict) => escapeWithin(conflict.rule, 100));
    const more = conflicts.length > 3 ? ` and ${conflicts.length - 3} more` : '';
    items.push({
      type: 'TextBlock',
      text: `⚠️ Separation of duties: ${rules.join(', ')}${more}`,
      wrap: true,
      color: 'Warning',
      spacing: 'None',
    });
  }
  if (done) items.push({ type: 'TextBlock', text: doneLine(done), wrap: true, weight: 'Bolder' });
  if (notice) items.push({ type: 'TextBlock', text: notice, wrap: true, color: 'Attention' });
  if (toggle) items.push(toggle);
  return { type: 'Container', id: `item_${item.id}`, separator: true, items };
}

function doneLine(done: DoneMark): string {
  if (done.kind === 'comment') return `💬 You commented at ${teamsTime(done.at)}`;
  return done.kind === 'approve'
    ? `✅ You approved at ${teamsTime(done.at)}`
    : `❌ You rejected at ${teamsTime(done.at)}`;
}

/**
 * Approve, Reject and Comment on one row. Reject and Comment open their text box under the row
 * (Action.ShowCard in the row's own ActionSet). Input ids must be unique in a card, so each row's
 * boxes are numbered and the button names the one it reads (`input`).
 */
function itemActions(item: RequestView, index: number, listId: string | undefined): Card {
  const data = { ...cardData(item), from: 'list', ...(listId ? { l: listId } : {}) };
  const reason = `${INPUT.reason}_${index}`;
  const comment = `${INPUT.comment}_${index}`;
  const box = (id: string, placeholder: string, action: Card): Card => ({
    type: 'AdaptiveCard',
    body: [{ type: 'Input.Text', id, isMultiline: true, maxLength: MAX_TEXT_LENGTH, placeholder }],
    actions: [action],
  });
  const approve: Card = { type: 'Action.Execute', title: 'Approve', verb: VERB.approve, style: 'positive', data };
  const approveReason = `${INPUT.approveReason}_${index}`;
  return {
    type: 'ActionSet',
    actions: [
      // A risky grant's Approve asks first for the reason the backend requires, as on the request's own card.
      item.risk?.approveNeedsReason
        ? {
            type: 'Action.ShowCard',
            title: 'Approve',
            card: {
              type: 'AdaptiveCard',
              body: [
                {
                  type: 'Input.Text',
                  id: approveReason,
                  label: 'Reason to approve (a risky grant)',
                  isRequired: true,
                  errorMessage: 'Approving this grant needs a reason.',
                  isMultiline: true,
                  maxLength: MAX_TEXT_LENGTH,
                },
              ],
              actions: [{ ...approve, data: { ...data, input: approveReason } }],
            },
          }
        : approve,
      {
        type: 'Action.ShowCard',
        title: 'Reject',
        card: box(reason, 'Why?', {
          type: 'Action.Execute',
          title: 'Reject',
          verb: VERB.reject,
          style: 'destructive',
          data: { ...data, input: reason },
        }),
      },
      {
        type: 'Action.ShowCard',
        title: 'Comment',
        card: box(comment, 'Your comment (the requester and approvers see it)', {
          type: 'Action.Execute',
          title: 'Comment',
          verb: VERB.comment,
          data: { ...data, input: comment },
        }),
      },
    ],
  };
}
