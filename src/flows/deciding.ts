import type { Governance } from '../api/governance.js';
import { GatehouseError, GovernanceUnavailable } from '../domain/errors.js';
import { type AccessRequest, type Decision, isOpen, type Principal } from '../domain/types.js';
import { bestEffort } from '../store/index.js';
import { rememberDecision, withAttributions } from './attribution.js';
import { logCancelled, logCommented, logDecided, reserveChatDecision, unreserveChatDecision } from './audit.js';
import {
  assertCanCancel,
  assertCanComment,
  assertCanDecide,
  availableActions,
  canView,
  delegatorOn,
  type Standing,
} from './authorization.js';
import { CardContext } from './card-context.js';
import { DecisionClaim } from './decision-claim.js';
import type { Delegations } from './delegating.js';
import { cleanText, type FlowDeps } from './deps.js';
import {
  AlreadyDecided,
  DecideElsewhere,
  DecisionInProgress,
  DecisionOutcomeUnknown,
  DecisionUnconfirmed,
  NoRequestNamed,
  NotAllowedToCancel,
  NotAllowedToComment,
  NotAnApprover,
  RequestNotFound,
  RiskReasonRequired,
  SeveralRequestsNamed,
  TextInvalid,
} from './errors.js';
import { requestsNamed } from './naming.js';
import { showsStaleMessage } from './outcome.js';
import { principalView, type RequestView, requestView } from './views.js';
import { nameOf } from './wording.js';

export interface DecideInput {
  requestId: string;
  /** The approval task the button was rendered for. */
  taskId?: string;
  decision: Decision;
  reason?: string;
}

/** Approving, rejecting, commenting on and cancelling a request: every write a person makes to one. */
export class Deciding {
  constructor(
    private readonly deps: FlowDeps,
    private readonly context: CardContext = new CardContext(deps),
    private readonly delegations?: Delegations,
  ) {}

  /** Whether deciding this way needs a written reason, so an adapter knows to ask before it calls decide. */
  async reasonRequired(decision: Decision): Promise<boolean> {
    try {
      const policy = await this.deps.governance.policy();
      return decision === 'reject' ? policy.requireRejectReason : policy.requireApproveReason;
    } catch (err) {
      // Asking for a reason that turns out optional costs a sentence; the decision re-checks anyway.
      this.deps.logger.warn({ err }, 'decision policy unavailable; asking for a reason');
      return true;
    }
  }

  /**
   * `visible` is handed the request once it is known the approver may see it (deciding several
   * names each item that could not be decided).
   */
  async decide(
    approver: Principal,
    via: string,
    input: DecideInput,
    visible?: (request: AccessRequest) => void,
  ): Promise<{ request: RequestView; decision: Decision }> {
    const { governance, store, logger, changes } = this.deps;
    const reason = cleanText('reason', input.reason);
    const [{ request, standing }, policy] = await Promise.all([
      this.decidable(input.requestId, approver),
      governance.policy(),
    ]);
    visible?.(request);
    const claim = await this.claimStep(request, approver, input, reason, policy, standing).catch((error: unknown) => {
      // The person can see the request but the message they pressed is out of date: redraw it.
      if (error instanceof GatehouseError && showsStaleMessage(error)) changes.publish({ kind: 'stale', request });
      throw error;
    });
    const { step } = claim;
    const by = { id: approver.id, displayName: approver.displayName, email: approver.email };
    // A delegate decides in the name of the approver it was assigned to: the records say whose.
    const open = request.steps.find((s) => s.index === step.index);
    const direct = open?.approvers.some((a) => a.id === approver.id);
    const onBehalfOf = open && !direct ? delegatorOn(request, open, standing) : undefined;
    const recordedVia = onBehalfOf ? `${via} as delegate of ${nameOf(onBehalfOf)}` : via;
    const attribution = { by, decision: input.decision, reason, via: recordedVia };
    // Remembered before the write, so a concurrent click that sees the decision land names the
    // person rather than the service account the backend may credit. It only shows once the
    // backend reports a matching decision, and is forgotten if the write fails.
    await rememberDecision(store, request.id, step.index, { ...attribution, at: this.isoNow() });
    // Likewise the audit line: the notifier, seeing the decision land, leaves it to the one below.
    const reserved = await bestEffort(reserveChatDecision(store, request.id, step.index), {
      logger,
      lost: 'decision audit not reserved; the notifier may log it a second time',
      context: { requestId: request.id },
    });
    const written = await this.writeDecision(
      { requestId: request.id, taskId: step.taskId, approver, decision: input.decision, reason, via: recordedVia },
      step.index,
      claim,
    ).catch(async (error: unknown) => {
      // A decision whose outcome is unknown may have landed: its reservation stays.
      if (reserved && !(error instanceof DecisionOutcomeUnknown)) {
        await bestEffort(unreserveChatDecision(store, request.id, step.index), {
          logger,
          lost: 'decision audit not released; a later decision of this step may go unlogged',
          context: { requestId: request.id },
        });
      }
      throw error;
    });
    const at = written.steps.find((s) => s.index === step.index)?.decision?.at ?? this.isoNow();
    // The backend has the decision: what follows only names who made it, and must not undo the answer.
    const decided =
      (await bestEffort(
        rememberDecision(store, request.id, step.index, { ...attribution, at }).then(() =>
          withAttributions(store, written),
        ),
        { logger, lost: 'decision recorded; its attribution not kept', context: { requestId: request.id } },
      )) ?? written;
    logDecided(logger, decided, step.index, input.decision, approver, recordedVia);
    changes.publish({ kind: 'decided', request: decided });
    return {
      request: requestView(decided, availableActions(decided, approver, policy, standing), approver),
      decision: input.decision,
    };
  }

  /**
   * `key` names the submission the comment came from (a Slack view, a Teams activity), so the
   * thread replies announcing it go out once however often it is delivered.
   */
  async comment(author: Principal, via: string, requestId: string, text: string, key: string): Promise<RequestView> {
    const { governance, logger, changes } = this.deps;
    const body = cleanText('comment', text);
    if (!body) throw new TextInvalid('comment', 'is empty');
    const request = await this.visibleTo(requestId, author, () => new NotAllowedToComment());
    assertCanComment(request, author);
    const updated = await governance.comment({ requestId, author, text: body, via });
    logCommented(logger, updated, author, via);
    changes.publish({
      kind: 'commented',
      request: updated,
      comment: { key, author: principalView(author), text: body, created: this.isoNow() },
    });
    return requestView(updated, availableActions(updated, author, await governance.policy()), author);
  }

  async cancel(by: Principal, via: string, requestId: string, reason?: string): Promise<RequestView> {
    const { governance, logger, changes } = this.deps;
    const request = await this.visibleTo(requestId, by, () => new NotAllowedToCancel());
    assertCanCancel(request, by);
    const updated = await governance.cancel({ requestId, by, reason: cleanText('reason', reason) });
    logCancelled(logger, updated, by, via);
    changes.publish({ kind: 'cancelled', request: updated });
    // What they may still do (comment), as the notifier draws it: the clicked card is drawn once.
    return requestView(updated, availableActions(updated, by, await governance.policy()), by);
  }

  /**
   * `cancel <id or app>` as typed: the one open request of the person's that it names. Several, or
   * none, are said (with the ids to choose from), and nothing is cancelled.
   */
  async cancelNamed(by: Principal, via: string, target: string, reason?: string): Promise<RequestView> {
    const matches = await requestsNamed(this.deps.governance, by, target, { openOnly: true });
    const [only] = matches;
    if (!only) throw new NoRequestNamed(target.trim(), true);
    if (matches.length > 1) {
      throw new SeveralRequestsNamed(
        target.trim(),
        matches.map((match) => ({ id: match.id, name: match.entry.name })),
      );
    }
    return this.cancel(by, via, only.id, reason);
  }

  /** The step this decision is for, claimed so that one decision per step reaches the backend. */
  private async claimStep(
    request: AccessRequest,
    approver: Principal,
    input: DecideInput,
    reason: string | undefined,
    policy: Awaited<ReturnType<Governance['policy']>>,
    standing: Standing,
  ): Promise<DecisionClaim> {
    const step = assertCanDecide(request, approver, input.decision, reason, policy, input.taskId, standing);
    if (input.decision === 'approve' && !reason) await this.assertNoUnexplainedRisk(request, step);
    const claim = new DecisionClaim(this.deps.store, this.deps.logger, request.id, step);
    if (await claim.take()) return claim;
    const now = await this.mustGet(request.id);
    const decided = now.steps.find((s) => s.index === step.index)?.decision;
    if (decided) throw new AlreadyDecided(request.id, decided.decision, decided.by, decided.at);
    if (!(await claim.takeOver())) throw new DecisionInProgress(`claim ${claim.key} held`);
    return claim;
  }

  /**
   * The request, for an approver deciding it. One whose approvals the governance system keeps to
   * itself (Gatehouse cannot see who approves it) is decided there: the card pressed is redrawn
   * without its buttons, and the answer says where to decide. That answer goes only to someone who
   * may see the request (its requester or subject, or a person Gatehouse sent its approval card);
   * anyone else is told what a made-up id gets, so a forged button learns nothing, not even that
   * the request exists.
   */
  private async decidable(
    requestId: string,
    approver: Principal,
  ): Promise<{ request: AccessRequest; standing: Standing }> {
    const request = await this.deps.governance.getRequest(requestId);
    if (!request) throw new NotAnApprover(requestId);
    const standing = await this.standingOn(request, approver);
    const elsewhere = isOpen(request) ? request.approvalsHandledIn : undefined;
    const viewer =
      canView(request, approver, standing) || (elsewhere && (await this.wasAskedToApprove(request.id, approver)));
    if (!viewer) throw new NotAnApprover(requestId);
    if (elsewhere) {
      this.deps.changes.publish({ kind: 'stale', request });
      throw new DecideElsewhere(request.id, elsewhere);
    }
    return { request: await withAttributions(this.deps.store, request), standing };
  }

  /**
   * A grant that would break a separation-of-duties rule is approved only with a reason, whatever
   * the button said: asked of the backend's assessment (kept per request and step, as the card
   * was drawn from). A backend or org without assessments holds nothing up; one that assesses but
   * cannot answer just now (rate limited, failing) asks for a reason rather than approve unseen.
   */
  private async assertNoUnexplainedRisk(request: AccessRequest, step: { index: number }): Promise<void> {
    let assessment: Awaited<ReturnType<CardContext['risk']>>;
    try {
      assessment = await this.context.risk(request, step);
    } catch (err) {
      this.deps.logger.warn({ err, requestId: request.id }, 'risk assessment not read; approving needs a reason');
      throw new RiskReasonRequired([]);
    }
    const rules = assessment?.conflicts.map((conflict) => conflict.rule) ?? [];
    if (rules.length > 0) throw new RiskReasonRequired(rules);
  }

  /** What the person may do beyond the request's own rules: decide for those who appointed them delegate. */
  private standingOn(request: AccessRequest, approver: Principal): Promise<Standing> {
    return this.delegations
      ? this.delegations.standingOn(request, approver)
      : Promise.resolve({ canForward: Boolean(this.deps.governance.forward) });
  }

  /** Whether Gatehouse sent this person the request's approval card (when it could still see who approves). */
  private async wasAskedToApprove(requestId: string, person: Principal): Promise<boolean> {
    const refs = await bestEffort(this.deps.store.listMessageRefs(requestId), {
      logger: this.deps.logger,
      lost: 'approval cards not read; the person is answered as if they had none',
      context: { requestId },
    });
    return (refs ?? []).some((ref) => ref.kind === 'approval' && ref.recipientId === person.id);
  }

  /**
   * The request, for someone acting on it. One they take no part in (neither requester, subject nor
   * approver) is refused with `refusal`, exactly as one that does not exist, so a forged id in a
   * button cannot tell whether a request exists, nor anything about it.
   */
  private async visibleTo(requestId: string, actor: Principal, refusal: () => Error): Promise<AccessRequest> {
    const request = await this.deps.governance.getRequest(requestId);
    if (!request || !canView(request, actor)) throw refusal();
    return withAttributions(this.deps.store, request);
  }

  private async mustGet(requestId: string): Promise<AccessRequest> {
    const request = await this.deps.governance.getRequest(requestId);
    if (!request) throw new RequestNotFound(requestId);
    return withAttributions(this.deps.store, request);
  }

  /**
   * Records a decision. When the backend cannot say whether it landed, the request is read back
   * rather than retried: a decision is confirmed, or reported as not recorded, never lost or doubled.
   */
  private async writeDecision(
    input: Parameters<Governance['decide']>[0],
    stepIndex: number,
    claim: DecisionClaim,
  ): Promise<AccessRequest> {
    const { governance } = this.deps;
    try {
      return await governance.decide(input);
    } catch (error) {
      if (error instanceof GovernanceUnavailable && error.outcomeUnknown) {
        const after = await governance.getRequest(input.requestId).catch(() => null);
        const landed = after?.steps.find((s) => s.index === stepIndex)?.decision;
        // We hold the claim for this step, so a matching decision is ours (the backend may credit its service account).
        if (after && landed?.decision === input.decision) return after;
        if (after) {
          await claim.release();
          throw new DecisionUnconfirmed(`decision on ${input.requestId} not recorded`, { cause: error });
        }
        // Still unknown: the claim stays, marked, so a click that finds the step still open once
        // the backend answers again may write; meanwhile the notifier shows the step if it landed.
        await claim.unconfirmed();
        throw new DecisionOutcomeUnknown(`decision on ${input.requestId} unconfirmed`, { cause: error });
      }
      await claim.release();
      throw error;
    }
  }

  private isoNow(): string {
    return new Date(this.deps.now()).toISOString();
  }
}
