import type { Platform } from '../store/index.js';

/** Bring one request's messages on one platform up to date. */
export interface SyncJob {
  requestId: string;
  platform: Platform;
  /**
   * The change noticed that queued the job: every platform's job of one enqueue carries the same
   * id, so they draw on one reading of the request (SharedReadings). Unset: read afresh.
   */
  changeId?: string;
}

/** What one attempt concluded. */
export type SyncOutcome =
  | { status: 'done' }
  /**
   * Try again later. `rate-limited`: the platform said so (Retry-After in `afterMs`), so the whole
   * platform waits; `busy`: another worker holds the request, which is no failure; `failed`: a post
   * or edit was refused, retried with backoff.
   */
  | { status: 'retry'; reason: 'rate-limited' | 'busy' | 'failed'; afterMs?: number };

export type SyncHandler = (job: SyncJob) => Promise<SyncOutcome>;

/** An outcome in a word or two, for a trace: `done`, or `retry:` and why. */
export function outcomeName(outcome: SyncOutcome): string {
  return outcome.status === 'done' ? 'done' : `retry:${outcome.reason}`;
}

export interface EnqueueOptions {
  /**
   * Names the change that asks for the sync (an event's uuid, a request's lastUpdated). Enqueueing
   * the same key again while the first job waits, runs or finished within the hour adds nothing.
   */
  key?: string;
  delayMs?: number;
  /**
   * Its turn in the governance budget: `sync` by default (messages catching up with a change);
   * `background` for timed wake-ups nobody waits on (expiry warnings), which give way sooner.
   */
  priority?: 'sync' | 'background';
  /** Names the change for the jobs' shared reading (SyncJob.changeId); a fresh id when unset. */
  changeId?: string;
}

/**
 * The notifier's work list: "sync request R on platform P" jobs, one lane per platform so that a
 * rate-limited Slack never holds Teams back. Redis-backed (BullMQ) when several replicas share the
 * work, in-process otherwise; both keep the same rules: duplicates collapse, a refused delivery is
 * retried with exponential backoff, a Retry-After pauses that platform's lane, and a job whose
 * worker died is picked up by another.
 */
export interface SyncQueue {
  readonly kind: 'bullmq' | 'memory';
  enqueue(requestId: string, options?: EnqueueOptions): Promise<void>;
  /** Starts working through jobs on this replica. */
  start(handler: SyncHandler): void;
  /** Jobs not yet finished (waiting, delayed or running), per platform. */
  depth(): Promise<Partial<Record<Platform, number>>>;
  close(): Promise<void>;
}

/** How many attempts a failing sync gets before it is left for the next change or poll to restart. */
export const MAX_ATTEMPTS = 12;
/** Completed jobs are remembered this long so a repeated key adds nothing. */
export const DEDUPE_WINDOW_MS = 60 * 60_000;
export const BUSY_RETRY_MS = 1_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/** Exponential backoff with full jitter, starting at `baseMs`, capped at five minutes. */
export function backoffMs(attempt: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** A job id both queues accept (BullMQ refuses `:` in custom ids). */
export function jobIdFor(requestId: string, platform: Platform, key: string): string {
  return `${platform}~${requestId}~${key}`.replace(/[^\w.~@-]/g, '_').slice(0, 200);
}
