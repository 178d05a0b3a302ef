import { MAX_TEXT_LENGTH, type RequestView, type StepView } from '../../../flows/index.js';
import type { CardRole } from '../../../notifier/index.js';
import { entryText, escapeMarkdown, escapeWithin, nameText, teamsTime } from './text.js';

/**
 * Every state of a request as one Adaptive Card (schema 1.5, Universal Actions), a pure function of
 * the request and of who looks at it. Buttons are Action.Execute, so Teams sends them to the bot as
 * `adaptiveCard/action` invokes and shows the card the bot answers with; Reject and Comment collect
 * their text in the card itself (Action.ShowCard with an Input.Text). Adaptive Cards have no confirm
 * dialog, so the requester's "Cancel request" is a ShowCard too: it unfolds what cancelling does, an
 * optional reason and the button that really cancels, so one stray click withdraws nothing.
 * An approver's card also says who is asking (title, department, manager), since when it waits, and
 * each separation-of-duties conflict the backend found; a risky grant's Approve asks for the reason
 * the backend requires before it is sent, and Forward picks a person from the directory.
 */

export const CARD_VERSION = '1.5';
export const VERB = {
  approve: 'approve',
  reject: 'reject',
  comment: 'comment',
  refresh: 'refresh',
  request: 'request',
  cancel: 'cancel',
  forward: 'forward',
  approveSelected: 'approveSelected',
  rejectSelected: 'rejectSelected',
} as const;
export const INPUT = {
  reason: 'reason',
  comment: 'comment',
  cancelReason: 'cancelReason',
  /** The reason typed to approve a risky grant; its button names it (`input`), as list rows do theirs. */
  approveReason: 'approveReason',
  /** The person picked to forward to: Teams sends their Entra (AAD) object id. */
  forwardTo: 'forwardTo',
  forwardReason: 'forwardReason',
} as const;

/** Teams' people picker: Teams itself searches the organisation's directory and sends the picked user's Entra object id. */
export const PEOPLE_DATASET = 'graph.microsoft.com/users';

/** Teams asks for a per-user view only for these people (it allows at most 60). */
const REFRESH_USERS_MAX = 60;

export type Card = Record<string, unknown>;

/** What every Action.Execute of a request card carries: which request and step, never who may act. */
export interface CardData {
  r: string;
  t?: string;
}

export function cardData(request: RequestView): CardData {
  const step = request.steps.find((s) => s.index === request.currentStep?.index);
  return { r: request.id, ...(step?.taskId ? { t: step.taskId } : {}) };
}

export interface CardOptions {
  /** Teams user ids of the people who should get their own view (approvers of the current step). */
  refreshFor?: string[];
  /** A line on top, e.g. the answer to the button just pressed. */
  notice?: string;
}

export function renderRequestCard(role: CardRole, request: RequestView, options: CardOptions = {}): Card {
  const who = nameText(request.requestedFor.name);
  const what = entryText(request.entry.name);
  const body: Card[] = [];
  if (options.notice) body.push(textBlock(options.notice, { color: 'Attention', weight: 'Bolder' }));
  body.push(textBlock(`${headline(request)}: ${what}`, { size: 'Medium', weight: 'Bolder' }));
  body.push(
    textBlock(
      role === 'requester' ? `You asked for access to **${what}**.` : `**${who}** asks for access to **${what}**.`,
    ),
  );
  if (role !== 'requester') body.push(...approverContext(request));
  body.push({ type: 'FactSet', facts: facts(request, role).map(([title, value]) => ({ title, value })) });
  if (request.justification) {
    body.push(textBlock(`**Why:** ${escapeWithin(request.justification, 2000)}`));
  }
  for (const step of request.steps.filter((s) => s.decision).slice(-10)) {
    body.push(textBlock(decisionLine(step), { isSubtle: true, spacing: 'Small' }));
  }
  const closing = closingLine(request);
  if (closing) body.push(textBlock(closing, { weight: 'Bolder' }));

  const card: Card = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    actions: actions(role, request),
  };
  const userIds = (options.refreshFor ?? []).slice(0, REFRESH_USERS_MAX);
  if (request.currentStep && userIds.length > 0) {
    card.refresh = { action: { type: 'Action.Execute', verb: VERB.refresh, data: cardData(request) }, userIds };
  }
  return card;
}

function textBlock(text: string, extra: Record<string, unknown> = {}): Card {
  return { type: 'TextBlock', text: text || ' ', wrap: true, ...extra };
}

function headline(request: RequestView): string {
  return request.status === 'pending' || request.status === 'submitted' ? 'Access request' : request.statusLabel;
}

/**
 * What an approver needs to decide without opening a portal: on whose behalf they decide, who is
 * asking (from the directory), and the backend's separation-of-duties findings, one warning each.
 */
function approverContext(request: RequestView): Card[] {
  const blocks: Card[] = [];
  if (request.onBehalfOf) {
    blocks.push(
      textBlock(`You decide this for **${nameText(request.onBehalfOf.name)}**, as their delegate.`, {
        isSubtle: true,
        spacing: 'Small',
      }),
    );
  }
  const asking = request.requesterContext;
  const who = [
    asking?.title && escapeWithin(asking.title, 200),
    asking?.department && escapeWithin(asking.department, 200),
    asking?.manager && `manager ${nameText(asking.manager.name)}`,
  ].filter(Boolean);
  if (who.length > 0) {
    blocks.push(
      textBlock(`${nameText(request.requestedFor.name)}: ${who.join(' · ')}`, { isSubtle: true, spacing: 'Small' }),
    );
  }
  for (const conflict of (request.risk?.conflicts ?? []).slice(0, 10)) {
    const why = conflict.description ? `: ${escapeWithin(conflict.description, 500)}` : '';
    blocks.push(
      textBlock(`⚠️ Separation of duties: **${escapeWithin(conflict.rule, 200)}**${why}`, { color: 'Warning' }),
    );
  }
  if (request.risk?.approveNeedsReason) {
    blocks.push(textBlock('Approving this grant needs a written reason.', { color: 'Warning', spacing: 'Small' }));
  }
  return blocks;
}

function facts(request: RequestView, role: CardRole): [string, string][] {
  const step = request.currentStep;
  const status = step
    ? `${request.statusLabel} · step ${step.index}${step.total ? ` of ${step.total}` : ''}`
    : request.statusLabel;
  const rows: [string, string][] = [
    ['Status', status],
    // A duration the backend sends that Gatehouse cannot read is shown as the backend wrote it.
    ['Duration', request.duration ? escapeWithin(request.duration, 100) : 'No time limit'],
    ['Request', escapeWithin(request.id, 100)],
  ];
  const approvers = request.steps.find((s) => s.index === step?.index)?.approvers ?? [];
  if (approvers.length > 0) rows.push(['Waiting for', escapeWithin(approvers.map((a) => a.name).join(', '), 500)]);
  if (role !== 'requester' && step && request.waitingSince)
    rows.push(['Waiting since', teamsTime(request.waitingSince)]);
  if (request.expiresAt) rows.push(['Expires', `${teamsTime(request.expiresAt)} if nobody decides`]);
  rows.push(['Requested', teamsTime(request.created)]);
  return rows;
}

function decisionLine(step: StepView): string {
  const decision = step.decision;
  if (!decision) return '';
  const verb = decision.decision === 'approve' ? '✅ approved' : '❌ rejected';
  const reason = decision.reason ? `: “${escapeWithin(decision.reason, 300)}”` : '';
  return `Step ${step.index} ${verb} by ${nameText(decision.by.name)} at ${teamsTime(decision.at)}${reason}`;
}

function closingLine(request: RequestView): string | undefined {
  const grant =
    request.grantStatus === 'granted'
      ? ' Access has been granted.'
      : request.grantStatus === 'failed'
        ? ' Provisioning failed; IT can see it in the governance system.'
        : request.grantStatus === 'manual_grant_required'
          ? ' An administrator will grant the access by hand.'
          : '';
  const outcome = request.outcome;
  if (outcome) {
    const verb = outcome.decision === 'approve' ? '✅ Approved' : '❌ Rejected';
    return `${verb} by ${nameText(outcome.by.name)} at ${teamsTime(outcome.at)}.${grant}`;
  }
  // Decided in the governance system's own app, by someone it does not name to Gatehouse.
  if (request.status === 'approved' && request.approvalsHandledIn)
    return `✅ Approved in ${escapeMarkdown(request.approvalsHandledIn.system)}.${grant}`;
  if (request.status === 'approved') return `✅ Approved without a manual step.${grant}`;
  if (request.status === 'expired') return '⌛ Expired: nobody decided in time.';
  if (request.closedUnreadIn)
    return `❔ Closed in ${escapeMarkdown(request.closedUnreadIn)}: Gatehouse cannot tell how. Check it there.`;
  if (request.status === 'canceled') return 'Cancelled.';
  if (request.status === 'rejected' || request.status === 'denied') return `❌ ${request.statusLabel}.`;
  return undefined;
}

function actions(role: CardRole, request: RequestView): Card[] {
  const data = cardData(request);
  const list: Card[] = [];
  // The channel card is read-only for everyone: approvers get their buttons through the refresh.
  const may = (action: 'approve' | 'reject' | 'comment' | 'forward') =>
    role !== 'channel' && request.actions.includes(action);
  if (may('approve')) list.push(approveAction(request, data));
  if (may('reject')) list.push(textAction('Reject', VERB.reject, INPUT.reason, 'Why? The requester sees this.', data));
  if (may('comment')) {
    list.push(textAction('Comment', VERB.comment, INPUT.comment, 'Your comment for the requester and approvers', data));
  }
  // Forwarding hands one's own approval on: only on the card drawn for an approver.
  if (role === 'approval' && may('forward')) list.push(forwardAction(request, data));
  // Only on the requester's own card: approvers and the channel never see another person's Cancel.
  if (role === 'requester' && request.actions.includes('cancel')) list.push(cancelAction(request, data));
  if (request.portalUrl) list.push({ type: 'Action.OpenUrl', title: 'Open in portal', url: request.portalUrl });
  return list;
}

/**
 * Approve at once, or, for a grant the backend calls risky, a panel asking the reason it requires
 * (the flow refuses an approval without one all the same). The button names its box (`input`), so
 * the reason reaches the decision as Reject's does.
 */
function approveAction(request: RequestView, data: CardData): Card {
  if (!request.risk?.approveNeedsReason) {
    return { type: 'Action.Execute', title: 'Approve', verb: VERB.approve, style: 'positive', data };
  }
  return {
    type: 'Action.ShowCard',
    title: 'Approve',
    card: {
      type: 'AdaptiveCard',
      body: [
        textBlock('This grant is risky: say why it should be approved. The requester and auditors see this.'),
        {
          type: 'Input.Text',
          id: INPUT.approveReason,
          label: 'Reason to approve',
          isRequired: true,
          errorMessage: 'Approving this grant needs a reason.',
          isMultiline: true,
          maxLength: MAX_TEXT_LENGTH,
          placeholder: 'Why is this access needed despite the risk?',
        },
      ],
      actions: [
        {
          type: 'Action.Execute',
          title: 'Approve',
          verb: VERB.approve,
          style: 'positive',
          data: { ...data, input: INPUT.approveReason },
        },
      ],
    },
  };
}

/**
 * "Forward": Teams' people picker (the client searches the directory itself and sends the picked
 * person's Entra object id) and an optional reason; the flow re-checks that the presser may forward
 * and that the person picked may take the approval.
 */
function forwardAction(request: RequestView, data: CardData): Card {
  return {
    type: 'Action.ShowCard',
    title: 'Forward',
    card: {
      type: 'AdaptiveCard',
      body: [
        textBlock(`Ask someone else to decide on **${entryText(request.entry.name)}** in your place.`),
        {
          type: 'Input.ChoiceSet',
          id: INPUT.forwardTo,
          label: 'Forward to',
          isRequired: true,
          errorMessage: 'Choose the person to forward to.',
          choices: [],
          'choices.data': { type: 'Data.Query', dataset: PEOPLE_DATASET },
        },
        {
          type: 'Input.Text',
          id: INPUT.forwardReason,
          isMultiline: true,
          maxLength: MAX_TEXT_LENGTH,
          placeholder: 'Why? (optional; they see this)',
        },
      ],
      actions: [{ type: 'Action.Execute', title: 'Forward', verb: VERB.forward, data }],
    },
  };
}

/**
 * "Cancel request", confirmed in the card: it unfolds what cancelling does, an optional reason and
 * the destructive button that cancels (the server re-checks that the presser may).
 */
function cancelAction(request: RequestView, data: CardData): Card {
  return {
    type: 'Action.ShowCard',
    title: 'Cancel request',
    card: {
      type: 'AdaptiveCard',
      body: [
        textBlock(
          `Withdraw your request for **${entryText(request.entry.name)}**? Its approvers will no longer be asked, and it cannot be reopened: you would ask again.`,
        ),
        {
          type: 'Input.Text',
          id: INPUT.cancelReason,
          isMultiline: true,
          maxLength: MAX_TEXT_LENGTH,
          placeholder: 'Why? (optional)',
        },
      ],
      actions: [
        { type: 'Action.Execute', title: 'Yes, cancel request', verb: VERB.cancel, style: 'destructive', data },
      ],
    },
  };
}

/** A button that unfolds a text box and its own submit, so the text is typed in the card. */
function textAction(title: string, verb: string, inputId: string, placeholder: string, data: CardData): Card {
  return {
    type: 'Action.ShowCard',
    title,
    card: {
      type: 'AdaptiveCard',
      body: [{ type: 'Input.Text', id: inputId, isMultiline: true, maxLength: 2000, placeholder }],
      actions: [
        { type: 'Action.Execute', title, verb, data, ...(verb === VERB.reject ? { style: 'destructive' } : {}) },
      ],
    },
  };
}
