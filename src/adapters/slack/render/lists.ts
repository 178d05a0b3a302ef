import type { KnownBlock } from '@slack/types';
import { type AccessView, type Failure, helpLines, type RequestList, type RequestView } from '../../../flows/index.js';
import type { DoneMark, ShownList } from '../../shown-lists.js';
import { riskLines } from './approver-context.js';
import { ACTION, approveAction, buttonValue, renderRequestCard, type SlackMessage } from './request-card.js';
import { selectionBlocks } from './several.js';
import { entryText, escapeText, escapeWithin, linkText, mrkdwn, nameText, plain, slackTime } from './text.js';

/** Items shown in one message; more would crowd the 50-block limit and the reader. */
export const LIST_LIMIT = 10;

export const NOTHING_PENDING = 'Nothing is waiting for your decision. :tada:';

/**
 * A list of requests. A kept list (`shown`) names itself in each row's buttons, so a decision made
 * from it can redraw it with that row done.
 */
export function renderList(list: RequestList, empty: string, shown?: Pick<ShownList, 'id' | 'done'>): SlackMessage {
  const blocks: KnownBlock[] = [{ type: 'header', text: plain(list.title, 150) }];
  if (list.items.length === 0) blocks.push({ type: 'section', text: mrkdwn(empty) });
  list.items.slice(0, LIST_LIMIT).forEach((item, index) => {
    blocks.push(...listItem(item, index, shown && { listId: shown.id, done: shown.done[item.id] }));
  });
  if (list.items.length > LIST_LIMIT) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`…and ${list.items.length - LIST_LIMIT} more in the governance portal.`)],
    });
  }
  // Only a kept list can be redrawn once several are decided from it.
  if (shown) blocks.push(...selectionBlocks(list.items.slice(0, LIST_LIMIT), shown));
  return { text: `${list.title}: ${list.items.length}`, blocks };
}

/**
 * A kept list after several of it were decided at once: what happened to each, then the rows still
 * to decide (the ones decided now or before are left out).
 */
export function renderListAfterSeveral(list: ShownList, outcome: KnownBlock): SlackMessage {
  const decided = (item: RequestView) => ['approve', 'reject'].includes(list.done[item.id]?.kind ?? '');
  const remaining = { ...list, items: list.items.filter((item) => !decided(item)) };
  const drawn = renderList(remaining, NOTHING_PENDING, remaining);
  const [header, ...rest] = drawn.blocks;
  return { text: drawn.text, blocks: [...(header ? [header] : []), outcome, ...rest] };
}

export function listItem(item: RequestView, index: number, from?: { listId: string; done?: DoneMark }): KnownBlock[] {
  const step = item.currentStep;
  const where = step ? ` · step ${step.index}${step.total ? ` of ${step.total}` : ''}` : '';
  const line =
    `*${entryText(item.entry.name)}* · \`${escapeText(item.id)}\`\n` +
    `${escapeText(item.statusLabel)}${where} · for ${nameText(item.requestedFor.name)} · ${slackTime(item.created)}` +
    (item.justification ? `\n_${escapeWithin(item.justification, 200).text}_` : '') +
    (item.currentStep
      ? riskLines(item, { compact: true })
          .map((risk) => `\n${risk}`)
          .join('')
      : '');
  const blocks: KnownBlock[] = [{ type: 'section', block_id: `item_${index}`, text: mrkdwn(line) }];
  const done = from?.done;
  if (done) blocks.push({ type: 'context', block_id: `item_${index}_done`, elements: [mrkdwn(doneLine(done))] });
  // A decided row loses its buttons; one only commented on keeps them.
  if (item.actions.includes('approve') && done?.kind !== 'approve' && done?.kind !== 'reject') {
    const value = buttonValue(item, from && { l: from.listId });
    blocks.push({
      type: 'actions',
      block_id: `item_${index}_actions`,
      elements: [
        { type: 'button', action_id: approveAction(item), text: plain('Approve'), style: 'primary', value },
        { type: 'button', action_id: ACTION.reject, text: plain('Reject'), style: 'danger', value },
        { type: 'button', action_id: ACTION.comment, text: plain('Comment'), value },
      ],
    });
  }
  return blocks;
}

function doneLine(done: DoneMark): string {
  if (done.kind === 'comment') return `:speech_balloon: You commented ${slackTime(done.at)}`;
  return done.kind === 'approve'
    ? `:white_check_mark: *You approved* ${slackTime(done.at)}`
    : `:x: *You rejected* ${slackTime(done.at)}`;
}

/** One request in answer to "status <id>": the same card its approvers see. */
export function renderStatus(request: RequestView): SlackMessage {
  const role = request.actions.includes('approve') ? 'approval' : 'requester';
  return renderRequestCard(role, request);
}

export const NO_ACCESS = 'Gatehouse sees no access of yours yet. `/access request <what>` asks for something.';

/** `/access my access`: each thing the person holds, when time-bound access ends, and any caveat. */
export function renderAccess(items: AccessView[]): SlackMessage {
  const title = 'Your access';
  const blocks: KnownBlock[] = [{ type: 'header', text: plain(title, 150) }];
  if (items.length === 0) blocks.push({ type: 'section', text: mrkdwn(escapeText(NO_ACCESS)) });
  // In the flow's order (the soonest to end first), as every platform shows it.
  // Five lines per section keeps each under Slack's 3000 characters and the whole well under 50 blocks.
  const lines = items.slice(0, ACCESS_LIMIT).map(accessLine);
  for (let at = 0; at < lines.length; at += 5) {
    blocks.push({ type: 'section', text: mrkdwn(lines.slice(at, at + 5).join('\n')) });
  }
  if (items.length > ACCESS_LIMIT) {
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`…and ${items.length - ACCESS_LIMIT} more in the governance portal.`)],
    });
  }
  return { text: `${title}: ${items.length}`, blocks };
}

/** Access lines shown in one message. */
const ACCESS_LIMIT = 40;

const ACCESS_STATUS: Record<AccessView['status'], string> = {
  active: '',
  scheduled: ' · scheduled',
  expired: ' · ended',
  inactive: ' · inactive',
};

function accessLine(item: AccessView): string {
  // Only time-bound access has an end; nothing is claimed about access whose dates are not known.
  const ends = item.expiresAt ? ` · ${item.status === 'expired' ? 'ended' : 'ends'} ${slackTime(item.expiresAt)}` : '';
  const caveat = item.caveat ? `\n   _${escapeWithin(item.caveat, 200).text}_` : '';
  return `• *${escapeWithin(item.entry.name, 150).text}*${ACCESS_STATUS[item.status] ?? ''}${ends}${caveat}`;
}

export function renderFailure(failure: Failure): SlackMessage {
  const link = failure.link ? ` ${linkText(failure.link)}` : '';
  const text = `:warning: ${escapeWithin(failure.message, 2900 - link.length).text}${link}`;
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/** Our own words (already escaped where they quote anyone) as a message. */
export function renderText(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

export function renderHelp(intro?: string): SlackMessage {
  const lines = helpLines('/access').map(
    (line) => `• \`${escapeText(line.split(' — ')[0] ?? '')}\` — ${escapeText(line.split(' — ')[1] ?? '')}`,
  );
  const text = [
    intro ? `${intro}\n` : '',
    '*Gatehouse* gets you access without another portal.',
    '• `/access` — open the request form',
    ...lines,
    'Approvers get a message with Approve, Reject and Comment buttons.',
  ]
    .filter(Boolean)
    .join('\n');
  return { text: 'How to use /access', blocks: [{ type: 'section', text: mrkdwn(text) }] };
}
