import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Governance, RequestChange } from '../api/governance.js';
import { withPriority } from '../api/priority.js';
import type { Lock, Store } from '../store/index.js';
import type { SyncQueue } from './queue.js';
import type { Reminders } from './reminders.js';
import { SharedReadings } from './shared-readings.js';

export interface PollerOptions {
  governance: Governance;
  store: Store;
  queue: SyncQueue;
  logger: Logger;
  intervalMs: number;
  /** Requests read per page; a poll follows pages until it has seen everything changed. */
  pageSize?: number;
  /** Checked by the leading replica after each poll (REMINDER_AFTER). */
  reminders?: Reminders;
  /** The clock (default Date.now): where a first poll without a cursor starts reading. */
  now?: () => number;
}

const LEASE_KEY = 'notifier:poller';
const CURSOR_KEY = 'notifier:cursor';
/**
 * Where a poll that ran out of pages stopped: the query it was reading and the page to go on from.
 * Without it, more changes than one poll reads, all stamped within the overlap (10,000 requests
 * appearing at once), would be read from their start again by every poll and their end never.
 */
const RESUME_KEY = 'notifier:cursor:resume';
/** Re-read this much before the cursor: changes stamped in the same instant as the last one seen are not missed. */
const OVERLAP_MS = 2_000;
const MAX_PAGES = 50;
/** A resume point older than this is dropped (the governance system's page cursors do not live for ever). */
const RESUME_TTL_MS = 10 * 60_000;
/** A poll asked for soon runs this long after the first ask; asks meanwhile fold into it. */
const SOON_DELAY_MS = 1_000;
/** How far back a poll asked for soon reads. */
const RECENT_MS = 5 * 60_000;

/**
 * Finds what changed in the governance system since the last poll (requests whose lastUpdated is
 * after the cursor, oldest first) and queues a sync for each. Its cost follows the number of
 * changes, not of requests. One replica polls at a time (a lease in the store that another replica
 * takes over when the holder stops renewing it); any replica works the queue. A change is queued
 * under its request and lastUpdated, so re-reading it (the overlap, a takeover) adds nothing, and
 * syncing is idempotent, so a poll that overlaps an event hook notifies nobody twice. Where the
 * search answered a request whole (PingOne), its syncs draw on that answer and read nothing more.
 */
export class RequestPoller {
  private timer: NodeJS.Timeout | undefined;
  private lease: Lock | null = null;
  private running: Promise<void> | undefined;
  /**
   * The cursor as this replica last knew it (read, written, or where its first poll began). The
   * store's copy is the shared one; this one only stands in when the store has lost it (a Redis
   * without persistence restarted empty), so changes made while Redis was away are still read
   * rather than skipped by starting again from "now".
   */
  private knownCursor: string | undefined;
  private soon: NodeJS.Timeout | undefined;
  private catchingUp: Promise<unknown> | undefined;
  private readonly readings: SharedReadings;

  constructor(private readonly options: PollerOptions) {
    this.readings = new SharedReadings(options.store);
  }

  /**
   * Reads what changed in the last few minutes, soon, and queues a sync for each: for a hint that
   * something changed without saying what (an Okta event that names no request). Asks within a
   * second fold into one read of one page. It runs on whichever replica was asked, takes no lease
   * and moves no cursor: each change is queued under its request and time, as polls queue it, so
   * nothing is synced twice.
   */
  pollSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.catchingUp ??= this.catchUp()
        .catch((err) => this.options.logger.warn({ err }, 'catch-up poll failed; the next poll finds the change'))
        .finally(() => {
          this.catchingUp = undefined;
        });
    }, SOON_DELAY_MS);
    this.soon.unref();
  }

  /** The read pollSoon makes: the first page of changes of the last few minutes, queued; how many. */
  catchUp(): Promise<number> {
    // Nobody waits on a poll: its reads come after people's and the notifier's syncs.
    return withPriority('background', () => this.readRecent());
  }

  private async readRecent(): Promise<number> {
    const { governance } = this.options;
    const since = new Date((this.options.now ?? Date.now)() - RECENT_MS).toISOString();
    const mark = await this.readings.mark();
    const page = await governance.listChanges({ updatedSince: since, limit: this.options.pageSize ?? 100 });
    for (const change of page.items) await this.queueChange(change, mark);
    return page.items.length;
  }

  start(): void {
    if (this.timer) return;
    // Where the first poll begins is fixed when polling starts, not when a poll first succeeds:
    // a store that is away from the start must not move it on past what changed meanwhile.
    this.knownCursor ??= this.origin();
    this.timer = setInterval(() => {
      this.running ??= this.pollOnce()
        .then(() => undefined)
        .catch((err) => this.options.logger.warn({ err }, 'poll failed; the next one retries'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Resolves once no poll or catch-up runs and none is due soon (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.soon || this.running || this.catchingUp) {
      if (this.soon && !this.catchingUp) await new Promise((resolve) => setTimeout(resolve, SOON_DELAY_MS / 4));
      await Promise.all([this.running, this.catchingUp]);
    }
  }

  /** Stops polling without giving the lease back (a crash): another replica takes it when it lapses. */
  abandon(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.soon = undefined;
    this.timer = undefined;
    this.lease = null;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    this.soon = undefined;
    this.timer = undefined;
    await Promise.all([this.running, this.catchingUp]);
    await this.lease?.release().catch(() => false);
    this.lease = null;
  }

  /** One poll, if this replica holds (or can take) the lease: how many pages it read and requests it queued. */
  pollOnce(): Promise<{ pages: number; synced: number }> {
    return withPriority('background', () => this.poll());
  }

  private async poll(): Promise<{ pages: number; synced: number }> {
    const { store, governance, logger } = this.options;
    this.knownCursor ??= this.origin();
    if (!(await this.lead())) {
      // Following the leader's progress lets this replica resume from it if it takes over after
      // the store lost the cursor.
      this.knownCursor = (await store.get(CURSOR_KEY)) ?? this.knownCursor;
      return { pages: 0, synced: 0 };
    }
    const stored = await store.get(CURSOR_KEY);
    const since = stored ?? this.knownCursor;
    this.knownCursor = since;
    const resume = readResume(await store.get(RESUME_KEY));
    const from = resume?.from ?? new Date(Date.parse(since) - OVERLAP_MS).toISOString();
    let cursor: string | undefined = resume?.cursor;
    let newest = since;
    let synced = 0;
    let pages = 0;
    for (let page = 0; page < MAX_PAGES; page++) {
      pages += 1;
      const mark = await this.readings.mark();
      const batch = await governance
        .listChanges({ updatedSince: from, cursor, limit: this.options.pageSize ?? 100 })
        .catch(async (err: unknown) => {
          // A resume point the governance system no longer takes (an expired page cursor) is dropped.
          if (resume && page === 0) await store.delete(RESUME_KEY);
          throw err;
        });
      for (const change of batch.items) {
        await this.queueChange(change, mark);
        synced += 1;
        if (change.updated > newest) newest = change.updated;
      }
      // Progress is kept page by page, so a replica taking over does not start from the beginning.
      if (newest !== stored) await store.set(CURSOR_KEY, newest);
      this.knownCursor = newest;
      if (!batch.cursor) {
        if (resume) await store.delete(RESUME_KEY);
        break;
      }
      // Out of pages: the next poll, here or on another replica, goes on from this page.
      if (page === MAX_PAGES - 1) {
        await store.set(RESUME_KEY, JSON.stringify({ from, cursor: batch.cursor }), { ttlMs: RESUME_TTL_MS });
        break;
      }
      if (!(await this.lease?.renew(this.options.intervalMs * 3))) break;
      cursor = batch.cursor;
    }
    if (synced > 0) logger.info({ synced, pages, cursor: newest }, 'poll queued changed requests');
    await this.options.reminders?.checkWhenDue().catch((err) => logger.warn({ err }, 'reminders not checked'));
    return { pages, synced };
  }

  /**
   * A sync for each platform, under the request and its time. `mark`: where the notice sequence
   * stood before the search that found the change (SharedReadings.keep), so a request the search
   * answered whole is read no more unless it was noticed changing after the search began.
   */
  private async queueChange(change: RequestChange, mark: number): Promise<void> {
    const key = `poll-${change.updated}`;
    if (!change.request) return this.options.queue.enqueue(change.id, { key });
    const changeId = randomUUID();
    await this.readings.keep(change.id, changeId, change.request, mark);
    await this.options.queue.enqueue(change.id, { key, changeId });
  }

  /** Where a replica that knows no cursor starts reading: one interval back. */
  private origin(): string {
    return new Date((this.options.now ?? Date.now)() - this.options.intervalMs).toISOString();
  }

  private async lead(): Promise<boolean> {
    const ttl = this.options.intervalMs * 3;
    if (this.lease && (await this.lease.renew(ttl))) return true;
    this.lease = await this.options.store.acquireLock(LEASE_KEY, ttl);
    return this.lease !== null;
  }
}

function readResume(raw: string | null): { from: string; cursor: string } | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as { from?: unknown; cursor?: unknown };
    return typeof value.from === 'string' && typeof value.cursor === 'string'
      ? { from: value.from, cursor: value.cursor }
      : undefined;
  } catch {
    return undefined;
  }
}
