import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { RequestView, StepView } from '../../../flows/index.js';
import type { CardRole } from '../../../notifier/index.js';
import { approverContext } from './approver-context.js';
import { entryText, escapeText, escapeWithin, mrkdwn, nameText, plain, slackTime, TEXT_MAX } from './text.js';

/**
 * One pure function renders every state of a request card (pending, decided, expired…) for every
 * role, so an edited message is exactly what a new one would be.
 */

export const ACTION = {
  approve: 'approve',
  /**
   * Approve on a grant the backend finds risky: opens the decision form with the reason required
   * (listeners/buttons.ts); the flow refuses such an approval without one anyway.
   */
  approveWithReason: 'approve_with_reason',
  reject: 'reject',
  comment: 'comment',
  /** The requester withdrawing their own open request (re-authorized by the flow on every click). */
  cancel: 'cancel_request',
  /** An approver handing the open step to someone else (listeners/forwarding.ts; re-checked by the flow). */
  forward: 'forward_request',
  portal: 'open_portal',
} as const;

/** What a request button carries: which request and step, never who may act. */
export interface ButtonValue {
  r: string;
  t?: string;
  /** The kept list the button was drawn in (`/access pending`), to redraw it once decided. */
  l?: string;
}

export function buttonValue(request: RequestView, extra: Pick<ButtonValue, 'l'> = {}): string {
  const step = request.steps.find((s) => s.index === request.currentStep?.index);
  const value: ButtonValue = { r: request.id, ...(step?.taskId ? { t: step.taskId } : {}), ...extra };
  return JSON.stringify(value);
}

const WHY_LABEL = '*Why*\n';

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function renderRequestCard(role: CardRole, request: RequestView): SlackMessage {
  const who = nameText(request.requestedFor.name);
  const what = entryText(request.entry.name);
  const intro =
    role === 'requester'
      ? `You asked for access to *${what}*${request.requester.id !== request.requestedFor.id ? ` for ${who}` : ''}.`
      : `*${who}* asks for access to *${what}*${request.requester.id !== request.requestedFor.id ? ` (requested by ${nameText(request.requester.name)})` : ''}.`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`${headline(request)}: ${request.entry.name}`, 150) },
    { type: 'section', text: mrkdwn(intro) },
    { type: 'section', fields: facts(request).map(([label, value]) => mrkdwn(`*${label}*\n${value}`)) },
  ];
  if (request.justification) {
    // Room is kept for the link to the full text, when there is a link short enough to keep it.
    const link =
      request.portalUrl && request.portalUrl.length <= 500 ? `\n<${request.portalUrl}|Read the full text>` : '';
    const why = escapeWithin(request.justification, TEXT_MAX - WHY_LABEL.length - link.length);
    blocks.push({ type: 'section', text: mrkdwn(`${WHY_LABEL}${why.text}${why.cut ? link : ''}`) });
  }
  // Who asks, since when, and the risk: for whoever decides (an approver, a channel), not the requester.
  if (role !== 'requester') blocks.push(...approverContext(request));
  const history = request.steps.filter((step) => step.decision).map(decisionLine);
  if (history.length > 0) {
    blocks.push({ type: 'context', elements: history.slice(-9).map((line) => mrkdwn(line)) });
  }
  const closing = closingLine(request);
  if (closing) blocks.push({ type: 'section', text: mrkdwn(closing) });
  const actions = buttons(role, request);
  if (actions.elements.length > 0) blocks.push(actions);
  return { text: summary(role, request), blocks };
}

function headline(request: RequestView): string {
  if (request.status === 'pending' || request.status === 'submitted') return 'Access request';
  return request.statusLabel;
}

function facts(request: RequestView): [string, string][] {
  const rows: [string, string][] = [['Status', statusText(request)]];
  rows.push(['Duration', request.duration ? escapeText(request.duration) : 'No time limit']);
  rows.push(['Request', `\`${escapeText(request.id)}\``]);
  if (request.currentStep) {
    const approvers = request.steps.find((s) => s.index === request.currentStep?.index)?.approvers ?? [];
    if (approvers.length > 0)
      rows.push(['Waiting for', escapeWithin(approvers.map((a) => a.name).join(', '), 1900).text]);
  }
  if (request.expiresAt) rows.push(['Expires', `${slackTime(request.expiresAt)} if nobody decides`]);
  rows.push(['Requested', slackTime(request.created)]);
  return rows;
}

function statusText(request: RequestView): string {
  const step = request.currentStep;
  if (!step) return request.statusLabel;
  const of = step.total ? ` of ${step.total}` : '';
  return `${request.statusLabel} · step ${step.index}${of}`;
}

function decisionLine(step: StepView): string {
  const decision = step.decision;
  if (!decision) return '';
  const mark = decision.decision === 'approve' ? ':white_check_mark:' : ':x:';
  const verb = decision.decision === 'approve' ? 'approved' : 'rejected';
  const reason = decision.reason ? `: “${escapeWithin(decision.reason, 300).text}”` : '';
  return `${mark} Step ${step.index} ${verb} by ${nameText(decision.by.name)} ${slackTime(decision.at)}${reason}`;
}

function closingLine(request: RequestView): string | undefined {
  const grant =
    request.grantStatus === 'granted'
      ? ' Access has been granted.'
      : request.grantStatus === 'failed'
        ? ' Provisioning failed; IT has been told in the governance system.'
        : request.grantStatus === 'manual_grant_required'
          ? ' An administrator will grant the access by hand.'
          : request.status === 'approved' && request.grantStatus === 'pending'
            ? ' Access is being granted.'
            : '';
  const outcome = request.outcome;
  if (outcome) {
    const verb = outcome.decision === 'approve' ? ':white_check_mark: *Approved*' : ':x: *Rejected*';
    return `${verb} by ${nameText(outcome.by.name)} ${slackTime(outcome.at)}.${grant}`;
  }
  // Decided in the governance system's own app, by someone it does not name to Gatehouse.
  if (request.status === 'approved' && request.approvalsHandledIn)
    return `:white_check_mark: *Approved* in ${escapeText(request.approvalsHandledIn.system)}.${grant}`;
  if (request.status === 'approved') return `:white_check_mark: *Approved* without a manual step.${grant}`;
  if (request.status === 'expired') return ':hourglass: *Expired*: nobody decided in time.';
  if (request.closedUnreadIn)
    return `:grey_question: *Closed in ${escapeText(request.closedUnreadIn)}*: Gatehouse cannot tell how. Check it there.`;
  if (request.status === 'canceled') return ':no_entry_sign: *Cancelled*.';
  if (request.status === 'rejected' || request.status === 'denied') return `:x: *${request.statusLabel}*.`;
  return undefined;
}

function buttons(role: CardRole, request: RequestView): ActionsBlock {
  const value = buttonValue(request);
  const open = Boolean(request.currentStep);
  // The channel card is seen by many: it offers the buttons while the request is open and the
  // server decides, per click, whether the person pressing may act.
  const may = (action: 'approve' | 'reject' | 'comment') =>
    role === 'channel' ? open || action === 'comment' : request.actions.includes(action);
  const elements: Button[] = [];
  if (may('approve')) {
    elements.push({
      type: 'button',
      action_id: approveAction(request),
      text: plain('Approve'),
      style: 'primary',
      value,
    });
  }
  if (may('reject')) {
    elements.push({ type: 'button', action_id: ACTION.reject, text: plain('Reject'), style: 'danger', value });
  }
  if (may('comment') && (open || role !== 'channel')) {
    elements.push({ type: 'button', action_id: ACTION.comment, text: plain('Comment'), value });
  }
  // Only where the backend can forward and this approver may: the flow says so in the view's actions.
  if (role !== 'requester' && request.actions.includes('forward')) {
    elements.push({ type: 'button', action_id: ACTION.forward, text: plain('Forward'), value });
  }
  // Only on the requester's own card: the channel and approvers never see it.
  if (role === 'requester' && request.actions.includes('cancel')) {
    elements.push({
      type: 'button',
      action_id: ACTION.cancel,
      text: plain('Cancel request'),
      value,
      confirm: {
        title: plain('Cancel this request?', 100),
        text: plain(`Withdraw your request for ${request.entry.name}? Its approvers will no longer be asked.`, 300),
        confirm: plain('Cancel request', 30),
        deny: plain('Keep it', 30),
        style: 'danger',
      },
    });
  }
  if (request.portalUrl) {
    elements.push({ type: 'button', action_id: ACTION.portal, text: plain('Open in portal'), url: request.portalUrl });
  }
  return { type: 'actions', block_id: 'request_actions', elements };
}

/** A risky grant's Approve asks for the reason first, instead of approving at the click. */
export function approveAction(request: Pick<RequestView, 'risk'>): string {
  return request.risk?.approveNeedsReason ? ACTION.approveWithReason : ACTION.approve;
}

function summary(role: CardRole, request: RequestView): string {
  const step = request.currentStep;
  const where = step ? ` (step ${step.index}${step.total ? ` of ${step.total}` : ''})` : ` (${request.statusLabel})`;
  const subject =
    role === 'requester'
      ? `Your request for ${request.entry.name}`
      : `${request.requestedFor.name} asks for ${request.entry.name}`;
  return escapeWithin(subject + where, TEXT_MAX).text;
}
