import type { AlreadyHasAccess } from '../../../flows/requesting.js';
import { describeDuration } from '../../../flows/wording.js';
import type { Notice } from '../../../notifier/index.js';
import type { SlackMessage } from './request-card.js';
import { entryText, escapeText, escapeWithin, mrkdwn, nameText, slackTime, TEXT_MAX } from './text.js';

/** Short messages about a request: comments in threads, and what the requester is told. */
export function renderNotice(notice: Notice): SlackMessage {
  const request = notice.request;
  const what = entryText(request.entry.name);
  const id = `\`${escapeText(request.id)}\``;
  let text: string;
  switch (notice.kind) {
    case 'comment':
      text = `:speech_balloon: *${nameText(notice.author.name)}* commented:\n`;
      text += escapeWithin(notice.text, TEXT_MAX - text.length).text;
      break;
    case 'step-decided': {
      const step = request.steps.find((s) => s.index === notice.step);
      const decision = step?.decision;
      const verb = decision?.decision === 'reject' ? 'rejected' : 'approved';
      const next = request.currentStep
        ? ` It now waits for step ${request.currentStep.index}${request.currentStep.total ? ` of ${request.currentStep.total}` : ''}.`
        : '';
      text = `Step ${notice.step} of your request for *${what}* (${id}) was ${verb} by ${nameText(decision?.by.name ?? 'an approver')} ${decision ? slackTime(decision.at) : ''}.${next}`;
      break;
    }
    case 'closed': {
      const outcome = request.outcome;
      const reason = outcome?.reason ? `\n>${escapeWithin(outcome.reason, 1000).text.replace(/\n/g, '\n>')}` : '';
      if (outcome) {
        const verb = outcome.decision === 'approve' ? ':white_check_mark: approved' : ':x: rejected';
        text = `Your request for *${what}* (${id}) was ${verb} by ${nameText(outcome.by.name)} ${slackTime(outcome.at)}.${reason}`;
      } else if (request.status === 'expired') {
        text = `:hourglass: Your request for *${what}* (${id}) expired: nobody decided in time. You can ask again.`;
      } else if (request.closedUnreadIn) {
        text = `Your request for *${what}* (${id}) was closed in ${escapeText(request.closedUnreadIn)}; Gatehouse cannot tell how. Check it there.`;
      } else if (request.status === 'canceled') {
        text = `Your request for *${what}* (${id}) was cancelled.`;
      } else {
        text = `Your request for *${what}* (${id}) is now ${escapeText(request.statusLabel.toLowerCase())}.`;
      }
      break;
    }
    case 'expiring': {
      const longer = request.accessDuration
        ? ` for another ${escapeText(describeDuration(request.accessDuration))}`
        : '';
      text =
        `:hourglass_flowing_sand: Your access to *${what}* (${id}) ends ${slackTime(notice.endsAt)}. Need it longer? ` +
        `*Extend* asks again${longer}, before it goes: a new request, approved as usual.`;
      return withRequestAgain(text, { e: request.entry.id, d: request.accessDuration, x: 1 });
    }
    case 'revoked':
      text = `:lock: Your time-bound access to *${what}* (${id}) has ended and was removed. Ask again if you still need it.`;
      return withRequestAgain(text, { e: request.entry.id, d: request.accessDuration });
    case 'grant':
      text =
        request.grantStatus === 'granted'
          ? `:unlock: You now have access to *${what}* (${id}).`
          : request.grantStatus === 'manual_grant_required'
            ? `Your access to *${what}* (${id}) was approved; an administrator will grant it by hand.`
            : `Granting *${what}* (${id}) failed. IT can see it in the governance system; ask them if it is urgent.`;
      break;
  }
  return { text: plainFallback(text), blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

/**
 * What the "Request again" / "Extend" button carries: the entry and the duration asked for last
 * time; `x` when the person still holds it, so asking again is an extension, not refused as a
 * request for access they already have.
 */
export interface RequestAgainValue {
  e: string;
  d?: string;
  x?: 1;
}

export const REQUEST_AGAIN_ACTION = 'request_again';

/**
 * The answer to asking for access one already holds: why nothing was requested and, when the access
 * ends, an Extend button (the same form, in extend mode) as the way on.
 */
export function renderAlreadyHeld(held: AlreadyHasAccess): SlackMessage {
  const name = `*${entryText(held.entry.name)}*`;
  if (!held.extendable || !held.expiresAt) {
    const text = `:white_check_mark: You already have ${name}, with no end date, so nothing was requested: there is nothing to extend.`;
    return { text: plainFallback(text), blocks: [{ type: 'section', text: mrkdwn(text) }] };
  }
  const longer = held.duration ? ` for another ${escapeText(describeDuration(held.duration))}` : '';
  const text =
    `:white_check_mark: You already have ${name} (until ${slackTime(held.expiresAt)}), so nothing was requested. ` +
    `Need it longer? *Extend* asks again${longer}: a new request, approved as usual.`;
  return withRequestAgain(text, { e: held.entry.id, d: held.duration, x: 1 });
}

function withRequestAgain(text: string, again: { e: string; d?: string; x?: 1 }): SlackMessage {
  const value: RequestAgainValue = { e: again.e, ...(again.d ? { d: again.d } : {}), ...(again.x ? { x: 1 } : {}) };
  return {
    text: plainFallback(text),
    blocks: [
      { type: 'section', text: mrkdwn(text) },
      {
        type: 'actions',
        block_id: 'request_again',
        elements: [
          {
            type: 'button',
            action_id: REQUEST_AGAIN_ACTION,
            text: { type: 'plain_text', text: again.x ? 'Extend' : 'Request again' },
            style: 'primary',
            value: JSON.stringify(value).slice(0, 2000),
          },
        ],
      },
    ],
  };
}

/** The notification text: the same words without Slack's date markup. */
function plainFallback(text: string): string {
  return text.replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1').slice(0, 3000);
}
