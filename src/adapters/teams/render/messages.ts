import { type Failure, helpLines, MAX_TEXT_LENGTH, type RequestView } from '../../../flows/index.js';
import type { AlreadyHasAccess } from '../../../flows/requesting.js';
import { describeDuration } from '../../../flows/wording.js';
import type { Notice } from '../../../notifier/index.js';
import { CARD_VERSION, type Card, VERB } from './request-card.js';
import { entryText, escapeMarkdown, escapeWithin, linkText, nameText, teamsTime } from './text.js';

export function helpText(intro?: string): string {
  return [
    ...(intro ? [intro, ''] : []),
    '**Gatehouse** gets you access without another portal. Write to me:',
    ...helpLines('').map((line) => `- ${escapeMarkdown(line.trim())}`),
    '',
    'Approvers get a card with Approve, Reject and Comment.',
  ].join('\n\n');
}

/**
 * Said once when Gatehouse is added to a team or channel: what it does there, not the personal
 * "how to ask" (nobody asks in a channel, where a request and its reasons would be read by all).
 * Channel cards carry no buttons for everyone: Teams shows each approver their own view of the card.
 */
export function channelGreeting(): string {
  return [
    '👋 Hi, I am **Gatehouse**: access requests and their approvals, without another portal.',
    'When approvals are routed to this channel, each new request is posted here as a card that follows it to the end: its approvers see Approve and Reject on it, everyone sees where it stands, and who decided and when.',
    'To ask for access, follow a request or see what waits for your decision, message me in a 1:1 chat: open Gatehouse under Apps and write “help”.',
  ].join('\n\n');
}

export function failureText(failure: Failure): string {
  const link = failure.link ? ` ${linkText(failure.link)}` : '';
  return `⚠️ ${escapeWithin(failure.message, 1500)}${link}`;
}

/** What the requester reads right after asking: the id, where it stands, and the portal link. */
export function confirmationText(request: RequestView): string {
  const step = request.steps.find((s) => s.index === request.currentStep?.index);
  const names = step?.approvers.map((a) => a.name) ?? [];
  const shown = names.slice(0, 3).map(nameText).join(', ');
  const who = names.length > 3 ? `${shown} and ${names.length - 3} others` : shown;
  const waiting = request.stranded
    ? ` ${escapeMarkdown(request.stranded.note)}`
    : step
      ? ` It waits for ${who} (step ${step.index}${request.currentStep?.total ? ` of ${request.currentStep.total}` : ''}).`
      : request.status === 'approved'
        ? ' It needed no approval and is approved.'
        : '';
  const portal = request.portalUrl ? ` [Open the portal](${request.portalUrl}).` : '';
  return `✅ Requested **${entryText(request.entry.name)}**: request ${escapeMarkdown(request.id)}.${waiting} I will message you as it moves.${portal}`;
}

export function noticeText(notice: Notice): string {
  const request = notice.request;
  const what = `**${entryText(request.entry.name)}** (${escapeMarkdown(request.id)})`;
  switch (notice.kind) {
    case 'comment':
      return `💬 **${nameText(notice.author.name)}** commented on ${what}:\n\n${escapeWithin(notice.text, MAX_TEXT_LENGTH)}`;
    case 'step-decided': {
      const decision = request.steps.find((s) => s.index === notice.step)?.decision;
      const verb = decision?.decision === 'reject' ? 'rejected' : 'approved';
      const next = request.currentStep ? ` It now waits for step ${request.currentStep.index}.` : '';
      return `Step ${notice.step} of your request for ${what} was ${verb} by ${nameText(decision?.by.name ?? 'an approver')}.${next}`;
    }
    case 'closed': {
      const outcome = request.outcome;
      if (outcome) {
        const verb = outcome.decision === 'approve' ? '✅ approved' : '❌ rejected';
        const reason = outcome.reason ? `\n\n> ${escapeWithin(outcome.reason, 1000)}` : '';
        return `Your request for ${what} was ${verb} by ${nameText(outcome.by.name)} at ${teamsTime(outcome.at)}.${reason}`;
      }
      if (request.status === 'expired') return `⌛ Your request for ${what} expired: nobody decided in time.`;
      if (request.closedUnreadIn)
        return `Your request for ${what} was closed in ${escapeMarkdown(request.closedUnreadIn)}; Gatehouse cannot tell how. Check it there.`;
      return `Your request for ${what} is now ${request.statusLabel.toLowerCase()}.`;
    }
    case 'expiring': {
      const longer = request.accessDuration
        ? ` for another ${escapeMarkdown(describeDuration(request.accessDuration))}`
        : '';
      return `⏳ Your access to ${what} ends ${teamsTime(notice.endsAt)}. Need it longer? **Extend** asks again${longer}, before it goes: a new request, approved as usual.`;
    }
    case 'revoked':
      return `🔒 Your time-bound access to ${what} has ended and was removed. Ask again if you still need it.`;
    case 'grant':
      return request.grantStatus === 'granted'
        ? `🔓 You now have access to ${what}.`
        : request.grantStatus === 'manual_grant_required'
          ? `Your access to ${what} was approved; an administrator will grant it by hand.`
          : `Granting ${what} failed. IT can see it in the governance system.`;
  }
}

/**
 * Notices that offer a next step as a card: time-bound access ending gets "Extend", ended gets
 * "Request again"; each sends the same entry and duration as the request form would (a
 * justification the entry requires is asked for on the form that comes back). Extend is sent as an
 * extension, which the flow does not refuse as access already held. Other notices are plain text.
 */
export function noticeCard(notice: Notice): Card | undefined {
  if (notice.kind !== 'expiring' && notice.kind !== 'revoked') return undefined;
  const request = notice.request;
  return {
    ...messageCard(noticeText(notice)),
    actions: [askAgainAction(request.entry.id, request.accessDuration, notice.kind === 'expiring')],
  };
}

/**
 * The answer to asking for access one already holds: nothing was requested; when it ends, Extend
 * asks again for the same duration (approved as usual).
 */
export function alreadyHeldCard(held: AlreadyHasAccess): Card {
  const name = `**${entryText(held.entry.name)}**`;
  if (!held.extendable || !held.expiresAt)
    return messageCard(
      `✅ You already have ${name}, with no end date, so nothing was requested: there is nothing to extend.`,
    );
  const longer = held.duration ? ` for another ${escapeMarkdown(describeDuration(held.duration))}` : '';
  return {
    ...messageCard(
      `✅ You already have ${name} (until ${teamsTime(held.expiresAt)}), so nothing was requested. Need it longer? **Extend** asks again${longer}: a new request, approved as usual.`,
    ),
    actions: [askAgainAction(held.entry.id, held.duration, true)],
  };
}

function askAgainAction(entryId: string, duration: string | undefined, extend: boolean): Card {
  return {
    type: 'Action.Execute',
    title: extend ? 'Extend' : 'Request again',
    verb: VERB.request,
    style: 'positive',
    // The same duration as before, whatever it was: never silently longer than what was granted.
    // `for` says the duration was chosen for this entry, as on a form drawn for it.
    data: { entry: entryId, duration: duration ?? 'none', for: entryId, ...(extend ? { extend: true } : {}) },
  };
}

/** A card that only says something (the answer to a form). */
export function messageCard(text: string): Card {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body: [{ type: 'TextBlock', text, wrap: true }],
  };
}
