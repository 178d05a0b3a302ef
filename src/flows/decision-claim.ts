import type { Logger } from 'pino';
import { bestEffort, type Store } from '../store/index.js';
import { forgetDecision } from './attribution.js';

/** Long enough for a slow backend to answer a decision; a click after it finds the step's state. */
const DECISION_CLAIM_TTL_MS = 10 * 60_000;
/** A decision claim whose write's outcome is unknown: the next click re-checks the step. */
const UNCONFIRMED = 'unconfirmed';

/**
 * One governance write per approval step, whoever clicks and however often a platform retries:
 * the first click claims the step in the store (shared by every replica) before writing.
 *
 *   (none) ──take──▶ held ──write lands──▶ held until it lapses
 *                      ├──write refused──▶ released (and its decision note forgotten)
 *                      └──outcome unknown──▶ unconfirmed ──takeOver (step found still open)──▶ held
 */
export class DecisionClaim {
  readonly key: string;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    readonly requestId: string,
    readonly step: { index: number; taskId?: string },
  ) {
    this.key = `decision:${requestId}:${step.taskId ?? step.index}`;
  }

  /** True for the first click on this step. */
  take(): Promise<boolean> {
    return this.store.claim(this.key, DECISION_CLAIM_TTL_MS);
  }

  /**
   * After an earlier write whose outcome nobody could learn, when the backend shows the step still
   * open: that write did not land (or the backend will refuse whichever comes second, as a step is
   * decided once), so one click, and only one, may write.
   */
  takeOver(): Promise<boolean> {
    return this.store.compareAndSwap(this.key, UNCONFIRMED, '1', { ttlMs: DECISION_CLAIM_TTL_MS });
  }

  /** The write's outcome is unknown: the claim stays, marked, for a later click to re-check. */
  async unconfirmed(): Promise<void> {
    // Without the mark the claim lapses on its own; until then a click is told a decision is in progress.
    await bestEffort(this.store.set(this.key, UNCONFIRMED, { ttlMs: DECISION_CLAIM_TTL_MS }), {
      logger: this.logger,
      lost: 'decision claim not marked unconfirmed',
      context: { requestId: this.requestId, claim: this.key },
    });
  }

  /** Frees a step whose write did not land; the backend's refusal, not a store outage, is what to report. */
  async release(): Promise<void> {
    const { requestId } = this;
    // Each on its own: a note left behind could credit this person with a later decision made elsewhere.
    await bestEffort(forgetDecision(this.store, requestId, this.step.index), {
      logger: this.logger,
      lost: 'decision note not forgotten',
      context: { requestId, step: this.step.index },
    });
    // Until the claim expires a click on this step is told a decision is in progress.
    await bestEffort(this.store.delete(this.key), {
      logger: this.logger,
      lost: 'decision claim not released',
      context: { requestId, claim: this.key },
    });
  }
}
