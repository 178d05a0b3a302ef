import { GatehouseError, GovernanceUnavailable } from '../domain/errors.js';
import { type AccessRequest, currentStep, isOpen, type Principal } from '../domain/types.js';
import { withAttributions } from './attribution.js';
import { logForwarded } from './audit.js';
import { assertCanForward, availableActions, canView, isParty } from './authorization.js';
import { DecisionClaim } from './decision-claim.js';
import { cleanText, type FlowDeps } from './deps.js';
import {
  AlreadyForwarded,
  DecideElsewhere,
  DecisionInProgress,
  ForwardTargetInvalid,
  NotAllowedToForward,
  NotSupported,
} from './errors.js';
import { showsStaleMessage } from './outcome.js';
import { type RequestView, requestView } from './views.js';
import { nameOf } from './wording.js';

export interface ForwardInput {
  requestId: string;
  /** The approval task the card was drawn for: a stale card never forwards a later step. */
  taskId?: string;
  to: Principal;
  reason?: string;
}

/**
 * An approver hands the open step of a request to someone else (Okta reassigns the task, PingOne
 * the phase), checked as a decision is: only someone who may decide that step now, and never to
 * someone who could not decide it either (the requester or the person it is for, while
 * self-approval is refused) or who already can.
 */
/** How long a forward is remembered, to answer a second press of the same card. */
const FORWARDED_TTL_MS = 7 * 24 * 60 * 60_000;
const forwardedKey = (requestId: string, step: number, by: string) => `forwarded:${requestId}:${step}:${by}`;

export class Forwarding {
  constructor(private readonly deps: FlowDeps) {}

  private get system(): string {
    return this.deps.governance.provider === 'okta' ? 'Okta' : 'PingOne';
  }

  async forward(by: Principal, via: string, input: ForwardInput): Promise<RequestView> {
    const { governance, store, logger, changes } = this.deps;
    const forward = governance.forward?.bind(governance);
    if (!forward) {
      throw new NotSupported(
        `${this.system} does not let Gatehouse forward an approval. Reassign it in ${this.system}, or approve or reject it here.`,
      );
    }
    const reason = cleanText('reason', input.reason);
    const [found, policy] = await Promise.all([governance.getRequest(input.requestId), governance.policy()]);
    // Someone who takes no part in it learns what a made-up id gets.
    if (!found || !canView(found, by)) {
      // Someone who handed this very step on is no longer on it: a second press is told so.
      const to = found && (await this.forwardedBy(found, by));
      throw to ? new AlreadyForwarded(to) : new NotAllowedToForward(`${input.requestId}: not theirs to forward`);
    }
    const request = await withAttributions(store, found);
    if (isOpen(request) && request.approvalsHandledIn) {
      changes.publish({ kind: 'stale', request });
      throw new DecideElsewhere(request.id, request.approvalsHandledIn);
    }
    const step = await this.stepToForward(request, by, policy, input.taskId);
    const { to } = input;
    if (to.id === by.id) throw new ForwardTargetInvalid('You are this step’s approver already: name someone else.');
    if (!to.active) throw new ForwardTargetInvalid(`${nameOf(to)}'s account is not active: name someone else.`);
    if (isParty(request, to) && !policy.allowSelfApproval) {
      throw new ForwardTargetInvalid(
        `${nameOf(to)} cannot approve this request, as it is their own (or for them): name someone else.`,
      );
    }
    if (step.approvers.some((approver) => approver.id === to.id)) {
      throw new ForwardTargetInvalid(`${nameOf(to)} is already an approver of step ${step.index}.`);
    }
    // One person approving two steps of the same request would undo what a sequence is for.
    const elsewhere = request.steps.find(
      (other) =>
        other.index !== step.index &&
        (other.approvers.some((approver) => approver.id === to.id) || other.decision?.by.id === to.id),
    );
    if (elsewhere) {
      throw new ForwardTargetInvalid(
        `${nameOf(to)} approves step ${elsewhere.index} of this request, and one person may not approve it twice: name someone else.`,
      );
    }
    // A decision being written for this step and a hand-over of it must not cross: one at a time.
    const claim = new DecisionClaim(store, logger, request.id, step);
    if (!(await claim.take())) throw new DecisionInProgress(`claim ${claim.key} held; not forwarding`);
    let forwarded: AccessRequest;
    try {
      forwarded = await forward({ requestId: request.id, taskId: step.taskId, by, to, reason, via });
    } catch (error) {
      // Handed on in the backend, only not read back: the audit log and the cards must say so.
      if (error instanceof GovernanceUnavailable && error.outcomeUnknown) {
        logForwarded(logger, request, step.index, by, to, via, reason);
        changes.publish({ kind: 'stale', request });
      }
      throw error;
    } finally {
      // The step is the new approver's to decide now (or still this one's, if the hand-over failed).
      await claim.release();
    }
    logForwarded(logger, forwarded, step.index, by, to, via, reason);
    // So a second press (a double click, the card pressed again later) is told what happened.
    await store
      .set(forwardedKey(request.id, step.index, by.id), nameOf(to), { ttlMs: FORWARDED_TTL_MS })
      .catch(() => undefined);
    // Every card of the request is out of date: the notifier sends the new approver theirs.
    changes.publish({ kind: 'stale', request: forwarded });
    // What they may still do (comment); the step is someone else's now.
    return requestView(forwarded, availableActions(forwarded, by, policy, { canForward: true }), by);
  }

  /** Whom this person forwarded the request's open step to, if they did. */
  private async forwardedBy(request: AccessRequest, by: Principal): Promise<string | null> {
    const open = currentStep(request);
    if (!open) return null;
    return this.deps.store.get(forwardedKey(request.id, open.index, by.id)).catch(() => null);
  }

  private async stepToForward(
    request: AccessRequest,
    by: Principal,
    policy: Parameters<typeof assertCanForward>[2],
    taskId: string | undefined,
  ) {
    try {
      return assertCanForward(request, by, policy, taskId);
    } catch (error) {
      const to = error instanceof NotAllowedToForward ? await this.forwardedBy(request, by) : null;
      if (to) throw new AlreadyForwarded(to);
      // The card pressed is out of date (decided, closed, moved on): redraw it.
      const why = error instanceof NotAllowedToForward ? error.cause : error;
      if (why instanceof GatehouseError && showsStaleMessage(why)) {
        this.deps.changes.publish({ kind: 'stale', request });
      }
      throw error;
    }
  }
}
