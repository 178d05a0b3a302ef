import type { RequestView } from '../flows/index.js';
import type { Notice } from './messenger.js';

/** How long after a revocation is due the request is read again to tell its holder. */
const REVOCATION_CHECK_DELAY_MS = 60_000;
/** How long after the end a revocation Okta has not made yet is still looked for. */
const REVOCATION_WATCH_MS = 24 * 3_600_000;

/** A notice named by its event, which is what makes it go out once ("step1", "closed:approved"). */
export type NamedNotice = [event: string, notice: Notice];

/**
 * What the requester is told: one notice per step decided and per outcome, and the grant, each
 * its own message so they hear of it. Planning only; the pass delivers each once.
 */
export function requesterNotices(request: RequestView): NamedNotice[] {
  const notices: NamedNotice[] = [];
  // Open with no step waiting: a step was just decided and the governance system has not yet
  // opened the next one or closed the request. Which it will do decides what to say, so wait.
  const settling = !request.outcome && ['pending', 'submitted'].includes(request.status) && !request.currentStep;
  for (const step of request.steps) {
    // The last decision of a closed request is told by the outcome notice.
    if (step.decision && !settling && !(request.outcome && isLastDecided(request, step.index))) {
      notices.push([`step${step.index}`, { kind: 'step-decided', request, step: step.index }]);
    }
  }
  if (!['pending', 'submitted'].includes(request.status)) {
    notices.push([`closed:${request.status}`, { kind: 'closed', request }]);
  }
  if (request.grantStatus && request.grantStatus !== 'pending') {
    notices.push([`grant:${request.grantStatus}`, { kind: 'grant', request }]);
  }
  return notices;
}

export interface HolderPlan {
  /** What to tell the holder now (at most one warning: the nearest moment that passed). */
  tell: NamedNotice[];
  /** Warnings whose moment passed unseen behind a nearer one: recorded as said, never sent. */
  superseded: string[];
  /** Delayed syncs, so a warning comes on time and a revocation is seen even when nothing else changes. */
  wakeUps: { key: string; delayMs: number }[];
}

/**
 * Time-bound access: its holder is warned as each configured moment before the end passes (only
 * the nearest one when several passed unseen), and told once it was revoked. Null when the request
 * grants nothing time-bound.
 */
export function holderPlan(request: RequestView, now: number, warningsMs: readonly number[]): HolderPlan | null {
  const endsAt = Date.parse(request.revocationScheduled ?? '');
  if (request.grantStatus !== 'granted' || Number.isNaN(endsAt)) return null;
  if (request.revocationStatus === 'revoked')
    return { tell: [['revoked', { kind: 'revoked', request }]], superseded: [], wakeUps: [] };
  if (request.revocationStatus !== 'pending') return null;
  // A warning whose moment came before the access was even approved would only repeat the grant notice.
  const began = Date.parse(request.outcome?.at ?? request.created);
  const warnings = warningsMs.filter((before) => !(endsAt - before < began));
  const passed = warnings.filter((before) => now >= endsAt - before && now < endsAt);
  const nearest = passed.length > 0 ? Math.min(...passed) : undefined;
  const plan: HolderPlan = { tell: [], superseded: [], wakeUps: [] };
  for (const before of passed) {
    const event = `expiring:${endsAt}:${before}`;
    if (before !== nearest) plan.superseded.push(event);
    else plan.tell.push([event, { kind: 'expiring', request, endsAt: request.revocationScheduled as string }]);
  }
  for (const before of warnings) {
    const at = endsAt - before;
    if (at > now) plan.wakeUps.push({ key: `expiry-${endsAt}-${before}`, delayMs: at - now });
  }
  // Read again after the end to tell the holder it was removed; while Okta has not revoked yet,
  // once a minute for a day (a new key each time: a finished job's key is not reused for an hour).
  if (now < endsAt + REVOCATION_WATCH_MS) {
    const round = now < endsAt ? 0 : Math.floor((now - endsAt) / REVOCATION_CHECK_DELAY_MS) + 1;
    plan.wakeUps.push({
      key: `revocation-${endsAt}-${round}`,
      delayMs: Math.max(0, endsAt - now) + REVOCATION_CHECK_DELAY_MS,
    });
  }
  return plan;
}

function isLastDecided(request: RequestView, index: number): boolean {
  const decided = request.steps.filter((s) => s.decision);
  return decided[decided.length - 1]?.index === index;
}
