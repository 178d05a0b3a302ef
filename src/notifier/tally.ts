import { DeliveryFailed, PacingWait } from './messenger.js';

/** What became of one message in a pass. */
export type Delivery = 'sent' | 'skipped' | 'failed';

/** What one platform's pass over a request ran into, which decides whether and when it runs again. */
export interface Tally {
  failed: boolean;
  /** A message another pass claimed but never confirmed: look again once its hold lapses. */
  inDoubt?: boolean;
  /** Our own pacing had no turn soon enough: come back then (no failure, no attempt used). */
  pacedMs?: number;
  /** The longest Retry-After a platform asked for, when it rate-limited us. */
  retryAfterMs?: number;
}

/** The pass's lease on the request lapsed: another replica may be drawing it, so this one stops. */
export class LockLost extends Error {}

/** The outcome that matters most of two: a failure, then a post, then nothing. */
export function worse(a: Delivery, b: Delivery): Delivery {
  if (a === 'failed' || b === 'failed') return 'failed';
  return a === 'sent' || b === 'sent' ? 'sent' : 'skipped';
}

/** Records a refusal, keeping the longest Retry-After a platform asked for. */
export function note(tally: Tally, err: unknown): void {
  if (err instanceof PacingWait) {
    tally.pacedMs = Math.max(tally.pacedMs ?? 0, err.waitMs);
    return;
  }
  tally.failed = true;
  if (err instanceof DeliveryFailed && err.retryAfterMs !== undefined) {
    tally.retryAfterMs = Math.max(tally.retryAfterMs ?? 0, err.retryAfterMs);
  }
}
