import type { GovernancePolicy } from '../api/governance.js';
import type { AccessRequest, ApprovalStep, Decision, Principal } from '../domain/types.js';
import { currentStep, isOpen } from '../domain/types.js';
import {
  AlreadyDecided,
  NotAllowedToCancel,
  NotAllowedToComment,
  NotAnApprover,
  ReasonRequired,
  RequestClosed,
  SelfApprovalForbidden,
} from './errors.js';

/**
 * Every authorization rule of Gatehouse, as pure functions over the request as the governance
 * system reports it now. Nothing here trusts what a chat button said about who may act.
 */

/** `forward`: hand the open step to someone else (where the backend can; see Governance.forward). */
export type Action = 'approve' | 'reject' | 'comment' | 'cancel' | 'forward';

export function isParty(request: AccessRequest, actor: { id: string }): boolean {
  return request.requester.id === actor.id || request.requestedFor.id === actor.id;
}

function isApproverOf(step: ApprovalStep, actor: Principal): boolean {
  return step.approvers.some((approver) => approver.id === actor.id);
}

function isAnyApprover(request: AccessRequest, actor: Principal): boolean {
  return request.steps.some((step) => isApproverOf(step, actor));
}

/** The last decision recorded on a request, for "already decided by … at …". */
function lastDecision(request: AccessRequest): ApprovalStep['decision'] {
  return [...request.steps].reverse().find((step) => step.decision)?.decision;
}

/**
 * Throws unless `actor` may record `decision` now. `taskId` is the step the button was rendered
 * for: a click on a stale message must not land on a later step.
 */
export function assertCanDecide(
  request: AccessRequest,
  actor: Principal,
  decision: Decision,
  reason: string | undefined,
  policy: GovernancePolicy,
  taskId?: string,
): ApprovalStep {
  if (!isOpen(request)) {
    const closing = lastDecision(request);
    if (closing && (request.status === 'approved' || request.status === 'rejected' || request.status === 'denied')) {
      throw new AlreadyDecided(request.id, closing.decision, closing.by, closing.at);
    }
    throw new RequestClosed(request.id, request.status, request.updated);
  }
  if (taskId) {
    const clicked = request.steps.find((step) => step.taskId === taskId);
    if (clicked?.decision)
      throw new AlreadyDecided(request.id, clicked.decision.decision, clicked.decision.by, clicked.decision.at);
  }
  const step = currentStep(request);
  const last = lastDecision(request);
  // Between steps (the backend has not opened the next one yet) the last decision is the news.
  if (!step && last) throw new AlreadyDecided(request.id, last.decision, last.by, last.at);
  if (!step || (taskId && step.taskId !== taskId) || !isApproverOf(step, actor)) {
    throw new NotAnApprover(request.id, step ? { index: step.index, total: request.totalSteps } : undefined);
  }
  if (isParty(request, actor) && !policy.allowSelfApproval) {
    // Nobody else on the step: say what unblocks it, not "another approver has to".
    const alone = step.approvers.every((approver) => isParty(request, approver));
    throw new SelfApprovalForbidden(alone ? step.index : undefined);
  }
  const needsReason = decision === 'reject' ? policy.requireRejectReason : policy.requireApproveReason;
  if (needsReason && !reason?.trim()) throw new ReasonRequired(decision);
  return step;
}

export function assertCanComment(request: AccessRequest, actor: Principal): void {
  if (!isParty(request, actor) && !isAnyApprover(request, actor)) throw new NotAllowedToComment();
}

export function assertCanCancel(request: AccessRequest, actor: Principal): void {
  if (!isParty(request, actor)) throw new NotAllowedToCancel();
  if (!isOpen(request)) throw new RequestClosed(request.id, request.status, request.updated);
}

/** Who may look at a request in chat: the people on it and its approvers. */
export function canView(request: AccessRequest, actor: Principal): boolean {
  return isParty(request, actor) || isAnyApprover(request, actor);
}

/** The buttons a person should be shown; the server re-checks each one when it is pressed. */
export function availableActions(request: AccessRequest, actor: Principal, policy: GovernancePolicy): Action[] {
  const actions: Action[] = [];
  const step = currentStep(request);
  if (step && isApproverOf(step, actor) && (policy.allowSelfApproval || !isParty(request, actor))) {
    actions.push('approve', 'reject');
  }
  if (isParty(request, actor) || isAnyApprover(request, actor)) actions.push('comment');
  if (isOpen(request) && isParty(request, actor)) actions.push('cancel');
  return actions;
}
