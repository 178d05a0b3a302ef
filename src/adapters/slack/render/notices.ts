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
    case 'reminder': {
      const step = request.currentStep ? ` (step ${request.currentStep.index})` : '';
      const who = escapeText(request.requestedFor.name);
      text = notice.escalated
        ? `:rotating_light: *${who}*'s request for *${what}* (${id}) has waited since ${slackTime(notice.waitingSince)}${step} with no decision. Can an approver take it?`
        : `:alarm_clock: Reminder: *${who}* is waiting for your decision on *${what}* (${id})${step}, since ${slackTime(notice.waitingSince)}.`;
      break;
    }
    case 'expiring':
      text = `:hourglass_flowing_sand: Your access to *${what}* (${id}) ends ${slackTime(notice.endsAt)}. Need it longer? Ask again now, before it goes.`;
      return withRequestAgain(text, request);
    case 'revoked':
      text = `:lock: Your time-bound access to *${what}* (${id}) has ended and was removed. Ask again if you still need it.`;
      return withRequestAgain(text, request);
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

/** What the "Request again" button carries: the entry and the duration asked for last time. */
export interface RequestAgainValue {
  e: string;
  d?: string;
}

export const REQUEST_AGAIN_ACTION = 'request_again';

function withRequestAgain(text: string, request: Notice['request']): SlackMessage {
  const value: RequestAgainValue = {
    e: request.entry.id,
    ...(request.accessDuration ? { d: request.accessDuration } : {}),
  };
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
            text: { type: 'plain_text', text: 'Request again' },
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
