import type { GovernancePolicy } from '../api/governance.js';
import type { AccessRequest, ApprovalStep, PrincipalRef } from '../domain/types.js';
import { currentStep } from '../domain/types.js';
import { availableActions } from './authorization.js';
import type { RequestSnapshot } from './reading.js';
import type { RequestView } from './views.js';

/**
 * A stranded step: the open step of a request whose every approver is the requester or the person
 * the access is for, on a backend that refuses self-approval. Nobody can decide it from chat, so it
 * waits until it expires unless an administrator reassigns it or decides it in the portal. Whether
 * an approver may decide is asked of the authorization rules (`availableActions`), never restated.
 */

/** The approvers of the open step who may decide it now (none of them, for a stranded step). */
export function approversWhoMayDecide(request: AccessRequest, policy: GovernancePolicy): PrincipalRef[] {
  const step = currentStep(request);
  return (step?.approvers ?? []).filter((approver) =>
    availableActions(request, asPrincipal(approver), policy).includes('approve'),
  );
}

/** The open step, when it is stranded. */
export function strandedStep(request: AccessRequest, policy: GovernancePolicy): ApprovalStep | undefined {
  const step = currentStep(request);
  if (!step || step.approvers.length === 0 || request.approvalsHandledIn) return undefined;
  return approversWhoMayDecide(request, policy).length === 0 ? step : undefined;
}

/**
 * The snapshot the notifier draws from, every view of it saying so when the open step is stranded.
 * The snapshot's own `as(approver)` says whether each approver may decide (it applies the policy).
 */
export function explainStranded(snapshot: RequestSnapshot): RequestSnapshot {
  const { view } = snapshot;
  const step = view.steps.find((s) => s.index === view.currentStep?.index);
  if (!step || step.approvers.length === 0 || view.approvalsHandledIn) return snapshot;
  if (step.approvers.some((approver) => snapshot.as(approver).actions.includes('approve'))) return snapshot;
  return {
    view: strandedView(view, step.index),
    as: (viewer) => strandedView(snapshot.as(viewer), step.index, viewer.id),
  };
}

/**
 * The view of a request whose step `index` is stranded, worded for `viewerId`: the requester (or
 * the person it is for) is told they cannot approve their own request and where it went; anyone
 * else, why the request is in the approvals channel and what an administrator has to do.
 */
export function strandedView(view: RequestView, index: number, viewerId?: string): RequestView {
  const own = viewerId !== undefined && (viewerId === view.requester.id || viewerId === view.requestedFor.id);
  const step = view.steps.find((s) => s.index === index);
  const only = whoOnly(view, step?.approvers ?? []);
  const note = own
    ? `You cannot approve your own request, and nobody else can approve step ${index}: it has gone to the approvals channel, where an administrator has to reassign the step or decide it in the portal.`
    : `Nobody but ${only} can approve step ${index}, and self-approval is not allowed: an administrator has to reassign the step or decide it in the portal.`;
  const short = own
    ? `you cannot approve your own request; it is in the approvals channel for an administrator`
    : `nobody but ${only} can approve step ${index}; an administrator has to reassign it or decide it in the portal`;
  return { ...view, statusLabel: `${view.statusLabel} — ${short}`, stranded: { step: index, note } };
}

/** "the requester", "the person it is for", or both: who the step's approvers are to the request. */
function whoOnly(view: RequestView, approvers: { id: string }[]): string {
  const requester = approvers.some((a) => a.id === view.requester.id);
  const subject = approvers.some((a) => a.id === view.requestedFor.id && a.id !== view.requester.id);
  if (requester && subject) return 'the requester and the person it is for';
  return subject ? 'the person it is for' : 'the requester';
}

function asPrincipal(ref: PrincipalRef) {
  return { id: ref.id, email: ref.email ?? '', displayName: ref.displayName ?? '', active: true };
}
