import { MAX_TEXT_LENGTH, type RequestList, type RequestView } from '../../../flows/index.js';
import type { DoneMark, ShownList } from '../../shown-lists.js';
import { CARD_VERSION, type Card, cardData, INPUT, VERB } from './request-card.js';
import { entryText, escapeMarkdown, escapeWithin, nameText, teamsTime } from './text.js';

/** Items in one list card; Teams cards stay small (28 KB) and readable. */
export const LIST_LIMIT = 10;

export const NOTHING_PENDING = 'Nothing is waiting for your decision. 🎉';

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
): Card {
  const body: Card[] = [
    { type: 'TextBlock', text: escapeMarkdown(list.title), size: 'Medium', weight: 'Bolder', wrap: true },
  ];
  if (list.items.length === 0) body.push({ type: 'TextBlock', text: empty, wrap: true });
  list.items.slice(0, LIST_LIMIT).forEach((item, index) => {
    const done = shown?.done[item.id];
    const said = notice?.requestId === item.id ? notice : undefined;
    body.push(row(item, done, said?.text));
    // A decided row loses its buttons, as does one that can no longer be decided; one only
    // commented on keeps them.
    if (item.actions.includes('approve') && done?.kind !== 'approve' && done?.kind !== 'reject' && !said?.stale)
      body.push(itemActions(item, index, shown?.id));
  });
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

function row(item: RequestView, done: DoneMark | undefined, notice: string | undefined): Card {
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
  if (done) items.push({ type: 'TextBlock', text: doneLine(done), wrap: true, weight: 'Bolder' });
  if (notice) items.push({ type: 'TextBlock', text: notice, wrap: true, color: 'Attention' });
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
  return {
    type: 'ActionSet',
    actions: [
      { type: 'Action.Execute', title: 'Approve', verb: VERB.approve, style: 'positive', data },
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
