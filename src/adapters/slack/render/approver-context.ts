import type { KnownBlock } from '@slack/types';
import type { RequestView } from '../../../flows/index.js';
import { escapeWithin, mrkdwn, nameText, slackTime } from './text.js';

/**
 * What an approver needs to decide without opening a portal (issue 21, point 2): who is asking, from
 * the directory; since when the request waits (in the reader's own time zone, through Slack's date
 * markup); and the backend's risk assessment, one warning line per separation-of-duties conflict.
 * Only while the request is open: a decided card says how it ended instead.
 */

/** Conflicts listed on a card; more are counted, not listed, so the card stays readable. */
const CONFLICTS_SHOWN = 5;
const COMPACT_CONFLICTS_SHOWN = 2;

export const APPROVE_NEEDS_REASON = ':memo: Approving needs a reason.';

export function approverContext(request: RequestView): KnownBlock[] {
  if (!request.currentStep) return [];
  const blocks: KnownBlock[] = [];
  const about = [
    askingLine(request),
    request.waitingSince ? `Waiting since ${slackTime(request.waitingSince)}` : '',
    request.onBehalfOf ? `You decide this for ${nameText(request.onBehalfOf.name)}, as their delegate` : '',
  ]
    .filter(Boolean)
    .map((line) => mrkdwn(line));
  if (about.length > 0) blocks.push({ type: 'context', block_id: 'request_context', elements: about });
  const risk = riskLines(request);
  if (risk.length > 0) blocks.push({ type: 'section', block_id: 'request_risk', text: mrkdwn(risk.join('\n')) });
  return blocks;
}

/** "Alice Nguyen: Account Executive · Sales · reports to Bob Martinez", from what the directory holds. */
function askingLine(request: RequestView): string {
  const context = request.requesterContext;
  if (!context) return '';
  const parts = [
    context.title ? escapeWithin(context.title, 150).text : '',
    context.department ? escapeWithin(context.department, 150).text : '',
    context.manager ? `reports to ${nameText(context.manager.name)}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return '';
  return `*${nameText(request.requestedFor.name)}*: ${parts.join(' · ')}`;
}

/**
 * The risk as warning lines (and the reason it asks for), empty when nothing was found or assessed.
 * `compact` (a row of a list, several to a message): fewer conflicts, without their descriptions.
 */
export function riskLines(request: Pick<RequestView, 'risk'>, options: { compact?: boolean } = {}): string[] {
  const risk = request.risk;
  if (!risk) return [];
  const shown = options.compact ? COMPACT_CONFLICTS_SHOWN : CONFLICTS_SHOWN;
  const lines = risk.conflicts.slice(0, shown).map((conflict) => {
    const why = conflict.description && !options.compact ? `: ${escapeWithin(conflict.description, 300).text}` : '';
    return `:warning: Conflicts with *${escapeWithin(conflict.rule, 150).text}*${why}`;
  });
  const more = risk.conflicts.length - shown;
  if (more > 0) lines.push(`:warning: …and ${more} more separation-of-duties conflict${more === 1 ? '' : 's'}.`);
  if (risk.approveNeedsReason) lines.push(APPROVE_NEEDS_REASON);
  return lines;
}
