import {
  type CatalogItemView,
  type Failure,
  helpLines,
  MAX_TEXT_LENGTH,
  type RequestList,
  type RequestView,
} from '../../../flows/index.js';
import type { Notice } from '../../../notifier/index.js';
import { CARD_VERSION, type Card, cardData, INPUT, VERB } from './request-card.js';
import { entryText, escapeMarkdown, escapeWithin, linkText, nameText, teamsTime } from './text.js';

/** Items in one list card; Teams cards stay small (28 KB) and readable. */
export const LIST_LIMIT = 10;

export function helpText(intro?: string): string {
  return [
    ...(intro ? [intro, ''] : []),
    '**Gatehouse** gets you access without another portal. Write to me:',
    ...helpLines('').map((line) => `- ${escapeMarkdown(line.trim())}`),
    '',
    'Approvers get a card with Approve, Reject and Comment.',
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
  const waiting = step
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
    case 'reminder':
      return notice.escalated
        ? `🚨 **${nameText(request.requestedFor.name)}**'s request for ${what} has waited since ${teamsTime(notice.waitingSince)} with no decision. Can an approver take it?`
        : `⏰ Reminder: **${nameText(request.requestedFor.name)}** is waiting for your decision on ${what}, since ${teamsTime(notice.waitingSince)}.`;
    case 'expiring':
      return `⏳ Your access to ${what} ends ${teamsTime(notice.endsAt)}. Need it longer? Ask again now, before it goes.`;
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

export function listCard(list: RequestList, empty: string): Card {
  const body: Card[] = [
    { type: 'TextBlock', text: escapeMarkdown(list.title), size: 'Medium', weight: 'Bolder', wrap: true },
  ];
  if (list.items.length === 0) body.push({ type: 'TextBlock', text: empty, wrap: true });
  for (const item of list.items.slice(0, LIST_LIMIT)) {
    const step = item.currentStep ? ` · step ${item.currentStep.index}` : '';
    body.push({
      type: 'Container',
      separator: true,
      items: [
        { type: 'TextBlock', text: `**${entryText(item.entry.name)}** · ${escapeMarkdown(item.id)}`, wrap: true },
        {
          type: 'TextBlock',
          text: `${item.statusLabel}${step} · for ${nameText(item.requestedFor.name)} · ${teamsTime(item.created)}`,
          wrap: true,
          isSubtle: true,
          spacing: 'None',
        },
      ],
    });
    if (item.actions.includes('approve')) body.push(itemActions(item));
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

function itemActions(item: RequestView): Card {
  const data = { ...cardData(item), from: 'list' };
  return {
    type: 'ActionSet',
    actions: [
      { type: 'Action.Execute', title: 'Approve', verb: VERB.approve, style: 'positive', data },
      {
        type: 'Action.ShowCard',
        title: 'Reject',
        card: {
          type: 'AdaptiveCard',
          body: [
            {
              type: 'Input.Text',
              id: INPUT.reason,
              isMultiline: true,
              maxLength: MAX_TEXT_LENGTH,
              placeholder: 'Why?',
            },
          ],
          actions: [{ type: 'Action.Execute', title: 'Reject', verb: VERB.reject, style: 'destructive', data }],
        },
      },
    ],
  };
}

export interface FormState {
  choices?: CatalogItemView[];
  /** The entry already picked (its id). */
  entry?: string;
  query?: string;
  justification?: string;
  duration?: string;
  /** Why the last submission was refused, shown on top. */
  problem?: string;
}

const DURATIONS: [string, string][] = [
  ['none', 'No time limit'],
  ['PT1H', '1 hour'],
  ['PT4H', '4 hours'],
  ['PT8H', '8 hours'],
  ['P1D', '1 day'],
  ['P3D', '3 days'],
  ['P7D', '1 week'],
  ['P30D', '30 days'],
  ['P90D', '90 days'],
];

/** The request form: catalog choice with type-ahead (Data.Query), justification, duration. */
export function requestFormCard(state: FormState): Card {
  const body: Card[] = [{ type: 'TextBlock', text: 'Request access', size: 'Medium', weight: 'Bolder', wrap: true }];
  if (state.problem) body.push({ type: 'TextBlock', text: `⚠️ ${state.problem}`, color: 'Attention', wrap: true });
  if (state.query !== undefined) {
    body.push({
      type: 'TextBlock',
      wrap: true,
      text: state.choices?.length
        ? `Several things you can request match “${escapeWithin(state.query, 200)}”. Pick one.`
        : `Nothing you can request matches “${escapeWithin(state.query, 200)}”. Search the catalog below.`,
    });
  }
  const durationValue =
    state.duration && DURATIONS.some(([value]) => value === state.duration) ? state.duration : 'none';
  const picked = state.entry ?? (state.choices?.length === 1 ? state.choices[0]?.id : undefined);
  body.push(
    {
      type: 'Input.ChoiceSet',
      id: 'entry',
      label: 'What do you need?',
      isRequired: true,
      errorMessage: 'Choose what you need access to.',
      style: 'filtered',
      choices: (state.choices ?? []).slice(0, 100).map((item) => ({ title: item.name.slice(0, 200), value: item.id })),
      ...(picked ? { value: picked } : {}),
      'choices.data': { type: 'Data.Query', dataset: 'catalog' },
    },
    {
      type: 'Input.Text',
      id: 'justification',
      label: 'Why do you need it?',
      isMultiline: true,
      maxLength: MAX_TEXT_LENGTH,
      ...(state.justification ? { value: state.justification.slice(0, MAX_TEXT_LENGTH) } : {}),
    },
    {
      type: 'Input.ChoiceSet',
      id: 'duration',
      label: 'For how long?',
      value: durationValue,
      choices: DURATIONS.map(([value, title]) => ({ title, value })),
    },
  );
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    actions: [{ type: 'Action.Execute', title: 'Request', verb: VERB.request, data: {} }],
  };
}

/**
 * Notices that offer a next step as a card: time-bound access ending or ended gets "Request again",
 * which sends the same entry and duration as the request form would (a justification the entry
 * requires is asked for on the form that comes back). Other notices are plain text.
 */
export function noticeCard(notice: Notice): Card | undefined {
  if (notice.kind !== 'expiring' && notice.kind !== 'revoked') return undefined;
  const request = notice.request;
  return {
    ...messageCard(noticeText(notice)),
    actions: [
      {
        type: 'Action.Execute',
        title: 'Request again',
        verb: VERB.request,
        style: 'positive',
        // The same duration as before, whatever it was: never silently longer than what was granted.
        data: { entry: request.entry.id, duration: request.accessDuration ?? 'none' },
      },
    ],
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
