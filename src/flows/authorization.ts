import type { GovernancePolicy } from '../api/governance.js';
import type { AccessRequest, ApprovalStep, Decision, Principal, PrincipalRef } from '../domain/types.js';
import { currentStep, isOpen } from '../domain/types.js';
import {
  AlreadyDecided,
  NotAllowedToCancel,
  NotAllowedToComment,
  NotAllowedToForward,
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

/**
 * What, besides the request, decides what a person may do: what the backend can do, and whose
 * approvals the person decides as a delegate. Each is read on the server when the person acts.
 */
export interface Standing {
  /** The backend can hand a step to someone else (Governance.forward). */
  canForward?: boolean;
  /** People who appointed the actor their delegate, with an appointment covering now. */
  delegators?: readonly PrincipalRef[];
}

export function isParty(request: AccessRequest, actor: { id: string }): boolean {
  return request.requester.id === actor.id || request.requestedFor.id === actor.id;
}

function isApproverOf(step: ApprovalStep, actor: { id: string }): boolean {
  return step.approvers.some((approver) => approver.id === actor.id);
}

/**
 * The approver of `step` for whom the actor decides as their delegate, if any. Never one who is on
 * the request themselves: approving "for" a requester would be their self-approval by proxy.
 */
export function delegatorOn(
  request: AccessRequest,
  step: ApprovalStep,
  standing: Standing | undefined,
): PrincipalRef | undefined {
  const delegators = standing?.delegators ?? [];
  return step.approvers.find(
    (approver) => !isParty(request, approver) && delegators.some((delegator) => delegator.id === approver.id),
  );
}

/** Whether the actor is asked to decide the open step: an approver of it, or a delegate of one. */
export function decidesOpenStep(request: AccessRequest, actor: { id: string }, standing?: Standing): boolean {
  const step = currentStep(request);
  if (!step) return false;
  return isApproverOf(step, actor) || delegatorOn(request, step, standing) !== undefined;
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
  standing?: Standing,
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
  if (
    !step ||
    (taskId && step.taskId !== taskId) ||
    !(isApproverOf(step, actor) || delegatorOn(request, step, standing))
  ) {
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

/**
 * Throws unless `actor` may hand the open step on: exactly who may decide it (the same stale-click
 * and self-approval rules), on a backend that can forward.
 */
export function assertCanForward(
  request: AccessRequest,
  actor: Principal,
  policy: GovernancePolicy,
  taskId?: string,
): ApprovalStep {
  // A reason is not asked to forward: the decision, with its reason, is the next approver's.
  const lenient = { ...policy, requireApproveReason: false };
  try {
    return assertCanDecide(request, actor, 'approve', undefined, lenient, taskId);
  } catch (error) {
    // Someone who may not see or decide it learns what a stranger learns from deciding it.
    if (error instanceof NotAnApprover || error instanceof SelfApprovalForbidden) {
      throw new NotAllowedToForward(error.message, { cause: error });
    }
    throw error;
  }
}

export function assertCanComment(request: AccessRequest, actor: Principal): void {
  if (!isParty(request, actor) && !isAnyApprover(request, actor)) throw new NotAllowedToComment();
}

export function assertCanCancel(request: AccessRequest, actor: Principal): void {
  if (!isParty(request, actor)) throw new NotAllowedToCancel();
  if (!isOpen(request)) throw new RequestClosed(request.id, request.status, request.updated);
}

/**
 * Who may look at a request in chat: the people on it, its approvers, and a delegate of the open
 * step's approver (who is asked to decide it).
 */
export function canView(request: AccessRequest, actor: Principal, standing?: Standing): boolean {
  return isParty(request, actor) || isAnyApprover(request, actor) || decidesOpenStep(request, actor, standing);
}

/** The buttons a person should be shown; the server re-checks each one when it is pressed. */
export function availableActions(
  request: AccessRequest,
  actor: Principal,
  policy: GovernancePolicy,
  standing?: Standing,
): Action[] {
  const actions: Action[] = [];
  const step = currentStep(request);
  const decides = step !== undefined && decidesOpenStep(request, actor, standing);
  if (decides && (policy.allowSelfApproval || !isParty(request, actor))) {
    actions.push('approve', 'reject');
    // A delegate decides for someone; handing their step on stays with the approver it was given to.
    if (standing?.canForward && step && isApproverOf(step, actor)) actions.push('forward');
  }
  if (isParty(request, actor) || isAnyApprover(request, actor)) actions.push('comment');
  if (isOpen(request) && isParty(request, actor)) actions.push('cancel');
  return actions;
}
