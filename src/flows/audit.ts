import type { Logger } from 'pino';
import type { Governance } from '../api/governance.js';
import { oneLine as singleLine } from '../domain/text.js';
import type { AccessRequest, ApprovalStep, Decision, DelegateAppointment, PrincipalRef } from '../domain/types.js';
import type { Store } from '../store/index.js';

/**
 * The audit trail as people read it in the logs: one line per thing done to a request, naming
 * everyone by name and email, so nobody has to look an Okta or PingOne id up to know who acted.
 * The ids stay in the line's fields for whoever searches by them.
 */

type Actor = PrincipalRef;

/** As long as a decision note (attribution.ts): a step decided later than this is news anyway. */
const AUDITED_TTL_MS = 90 * 24 * 60 * 60_000;

/** How far the governance system's clock may lag the one `since` was read from. */
const CLOCK_SKEW_MS = 60_000;

/** Whether a step's decision has had its audit line, from chat or from the notifier. */
const auditedKey = (requestId: string, stepIndex: number | 'outcome') => `audit:decided:${requestId}:${stepIndex}`;

export function logRequested(logger: Logger, request: AccessRequest, by: Actor, via?: string): void {
  logger.info(
    { audit: 'request', ...about(request), by: fields(by), via },
    `${named(by)} requested ${what(request)} for ${whom(request, by)}${viaText(via)} (request ${request.id})`,
  );
}

export function logDecided(
  logger: Logger,
  request: AccessRequest,
  step: number,
  decision: Decision,
  by: Actor,
  via: string,
): void {
  logger.info(
    { audit: 'decision', ...about(request), step, decision, by: fields(by), via },
    `${named(by)} ${pastTense(decision)} ${what(request)} for ${whom(request, by)} via ${via} ` +
      `(request ${request.id}, step ${step})`,
  );
}

export function logCommented(logger: Logger, request: AccessRequest, by: Actor, via: string): void {
  // The comment's text stays out: people paste anything into a comment box, secrets included.
  logger.info(
    { audit: 'comment', ...about(request), by: fields(by), via },
    `${named(by)} commented on ${what(request)} for ${whom(request, by)} via ${via} (request ${request.id})`,
  );
}

export function logCancelled(logger: Logger, request: AccessRequest, by: Actor, via: string): void {
  logger.info(
    { audit: 'cancel', ...about(request), by: fields(by), via },
    `${named(by)} cancelled the request for ${what(request)} for ${whom(request, by)} via ${via} (request ${request.id})`,
  );
}

/**
 * An approver handed the open step to someone else. Whether they gave a reason is said, not the
 * reason itself: like a comment, it is free text, and people paste anything into one.
 */
export function logForwarded(
  logger: Logger,
  request: AccessRequest,
  step: number,
  by: Actor,
  to: Actor,
  via: string,
  reason?: string,
): void {
  logger.info(
    { audit: 'forward', ...about(request), step, by: fields(by), to: fields(to), via, withReason: Boolean(reason) },
    `Forwarded step ${step} of ${request.id} (${what(request)} for ${whom(request)}) ` +
      `from ${named(by)} to ${named(to)} via ${via}${reason ? ', with a reason' : ''}`,
  );
}

/** Someone appointed a delegate to decide their approvals (until when, if the appointment ends). */
export function logDelegateAppointed(logger: Logger, appointed: DelegateAppointment, via: string): void {
  const { delegator, delegate, endsAt } = appointed;
  logger.info(
    { audit: 'delegate', by: fields(delegator), delegate: fields(delegate), endsAt, via },
    `${named(delegator)} appointed ${named(delegate)} to decide their approvals ` +
      `${endsAt ? `until ${endsAt}` : 'until they end it'} via ${via}`,
  );
}

/** Someone ended their delegate's appointment. */
export function logDelegationEnded(logger: Logger, ended: DelegateAppointment, via: string): void {
  logger.info(
    { audit: 'delegate-end', by: fields(ended.delegator), delegate: fields(ended.delegate), via },
    `${named(ended.delegator)} ended ${named(ended.delegate)}'s appointment to decide their approvals via ${via}`,
  );
}

/**
 * Reserves a step's audit line for the chat decision about to be written, before the write: a
 * notifier that sees the decision land then knows it was made in chat and logged there.
 * False when the step's decision was logged already (a portal decision the write will run into).
 */
export function reserveChatDecision(store: Store, requestId: string, stepIndex: number): Promise<boolean> {
  return store.claim(auditedKey(requestId, stepIndex), AUDITED_TTL_MS);
}

/** The chat decision's write did not land: a later decision of that step, anywhere, gets its line. */
export async function unreserveChatDecision(store: Store, requestId: string, stepIndex: number): Promise<void> {
  await store.delete(auditedKey(requestId, stepIndex));
}

/**
 * Decisions made in the governance system's own portal, which no flow saw: the notifier shows
 * each request it learns changed, and each decision on it that has no audit line yet gets one,
 * once whatever replica or poll sees it, naming who decided when the backend says.
 */
export class OutsideDecisions {
  private readonly system: string;

  constructor(private readonly deps: { governance: Pick<Governance, 'provider'>; store: Store; logger: Logger }) {
    this.system = deps.governance.provider === 'okta' ? 'Okta' : 'PingOne';
  }

  /**
   * Logs what was decided on this request outside chat, once per step whoever looks. A decision
   * dated before `since` was news to an earlier look, or predates this log altogether.
   */
  async seen(request: AccessRequest, since: string): Promise<void> {
    for (const step of request.steps) {
      if (step.status !== 'approved' && step.status !== 'rejected') continue;
      if (step.decision?.at && Date.parse(step.decision.at) < Date.parse(since) - CLOCK_SKEW_MS) continue;
      if (!(await this.deps.store.claim(auditedKey(request.id, step.index), AUDITED_TTL_MS))) continue;
      this.stepDecided(request, step);
    }
    // A request whose approvals the backend keeps to itself closes with no step to credit.
    const outcome = OUTCOMES[request.status];
    if (outcome && request.approvalsHandledIn && !request.steps.some((step) => step.decision)) {
      if (await this.deps.store.claim(auditedKey(request.id, 'outcome'), AUDITED_TTL_MS)) {
        this.deps.logger.info(
          { audit: 'decision', ...about(request), decision: outcome, via: this.system },
          `${what(request)} for ${whom(request)} was ${pastTense(outcome)} in ${this.system}, ` +
            `which does not say by whom (request ${request.id})`,
        );
      }
    }
  }

  private stepDecided(request: AccessRequest, step: ApprovalStep): void {
    const decision: Decision = step.status === 'approved' ? 'approve' : 'reject';
    const by = step.decision?.by;
    const known = by && (by.displayName || by.email);
    const context = `(request ${request.id}, step ${step.index})`;
    this.deps.logger.info(
      { audit: 'decision', ...about(request), step: step.index, decision, by: by && fields(by), via: this.system },
      known
        ? `${named(by)} ${pastTense(decision)} ${what(request)} for ${whom(request, by)} in ${this.system} ${context}`
        : `${what(request)} for ${whom(request)} was ${pastTense(decision)} in ${this.system}, ` +
            `which does not say by whom ${context}`,
    );
  }
}

const OUTCOMES: Partial<Record<AccessRequest['status'], Decision>> = {
  approved: 'approve',
  rejected: 'reject',
  denied: 'reject',
};

function about(request: AccessRequest) {
  return {
    requestId: request.id,
    entry: { id: request.entry.id, name: request.entry.name },
    for: fields(request.requestedFor),
  };
}

function fields(person: Actor) {
  return { id: person.id, name: person.displayName, email: person.email };
}

/** "Alice Nguyen <alice@acme.example>", or whichever of the two is known, or the id as a last resort. */
function named(person: Actor): string {
  const name = oneLine(person.displayName);
  const email = oneLine(person.email);
  if (name && email) return `${name} <${email}>`;
  return name || email || oneLine(person.id) || 'someone';
}

function whom(request: AccessRequest, actor?: Actor): string {
  return actor && request.requestedFor.id === actor.id ? 'themselves' : named(request.requestedFor);
}

function what(request: AccessRequest): string {
  // A quote in the name must not end the quoted part early and make the sentence read otherwise.
  return `"${(oneLine(request.entry.name) || request.entry.id).replaceAll('"', '\\"')}"`;
}

function viaText(via: string | undefined): string {
  return via ? ` via ${via}` : '';
}

function pastTense(decision: Decision): string {
  return decision === 'approve' ? 'approved' : 'rejected';
}

/** Names come from the directory: a line break in one must not forge a second log line. */
function oneLine(text: string | undefined): string {
  return singleLine(text ?? '').trim();
}
