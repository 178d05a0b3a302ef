import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withPriority } from '../api/priority.js';
import { GovernanceRateLimited } from '../domain/errors.js';
import type { Platform } from '../store/index.js';
import { ATTR, enqueueSpan, jobSpan, type TraceCarrier } from '../tracing.js';
import {
  BUSY_RETRY_MS,
  backoffMs,
  DEDUPE_WINDOW_MS,
  type EnqueueOptions,
  jobIdFor,
  MAX_ATTEMPTS,
  outcomeName,
  type SyncHandler,
  type SyncOutcome,
  type SyncQueue,
} from './queue.js';

/** setTimeout's longest delay (about 24 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const SWEEP_EVERY_MS = 1_000;

export interface MemoryQueueOptions {
  platforms: Platform[];
  logger: Logger;
  concurrency?: number;
  /** First retry delay after a refused delivery; doubles each attempt. */
  retryBaseMs?: number;
}

interface Job {
  id: string;
  requestId: string;
  changeId: string;
  attempts: number;
  priority: 'sync' | 'background';
  /** The trace that queued it, continued when it runs. */
  trace?: TraceCarrier;
}

interface Lane {
  ready: Job[];
  delayed: Map<string, NodeJS.Timeout>;
  running: number;
  pausedUntil: number;
  wake?: NodeJS.Timeout;
}

/** The single-replica SyncQueue: the same rules as the BullMQ one, kept in this process. */
export class MemorySyncQueue implements SyncQueue {
  readonly kind = 'memory' as const;
  private readonly lanes = new Map<Platform, Lane>();
  /** Job ids still waiting, running, or finished within the dedupe window. */
  private readonly known = new Map<string, number>();
  private handler: SyncHandler | undefined;
  private sweptAt = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: MemoryQueueOptions) {
    for (const platform of options.platforms) {
      this.lanes.set(platform, { ready: [], delayed: new Map(), running: 0, pausedUntil: 0 });
    }
  }

  async enqueue(requestId: string, options: EnqueueOptions = {}): Promise<void> {
    if (this.closed) return;
    await enqueueSpan('memory', { requestId, delayMs: options.delayMs }, async (trace) =>
      this.add(requestId, options, trace),
    );
  }

  private add(requestId: string, options: EnqueueOptions, trace: TraceCarrier | undefined): void {
    const now = Date.now();
    // Forgetting finished jobs walks every job known, so it is done once a second, not per enqueue
    // (a poll that queues thousands of changes would otherwise walk them thousands of times).
    if (now - this.sweptAt >= SWEEP_EVERY_MS) {
      this.sweptAt = now;
      for (const [id, until] of this.known) if (until < now) this.known.delete(id);
    }
    // One key and one change for every lane: the platforms' jobs are one change's, and share its reading.
    const key = options.key ?? randomUUID();
    const changeId = options.changeId ?? randomUUID();
    for (const [platform, lane] of this.lanes) {
      const id = jobIdFor(requestId, platform, key);
      if ((this.known.get(id) ?? -1) >= now) continue;
      this.known.set(id, Number.POSITIVE_INFINITY);
      const job: Job = { id, requestId, changeId, attempts: 0, priority: options.priority ?? 'sync', trace };
      if (options.delayMs && options.delayMs > 0) this.later(platform, lane, job, options.delayMs);
      else lane.ready.push(job);
      this.pump(platform, lane);
    }
  }

  start(handler: SyncHandler): void {
    this.handler = handler;
    for (const [platform, lane] of this.lanes) this.pump(platform, lane);
  }

  async depth(): Promise<Partial<Record<Platform, number>>> {
    const depth: Partial<Record<Platform, number>> = {};
    for (const [platform, lane] of this.lanes) depth[platform] = lane.ready.length + lane.delayed.size + lane.running;
    return depth;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lane of this.lanes.values()) {
      for (const timer of lane.delayed.values()) clearTimeout(timer);
      lane.delayed.clear();
      clearTimeout(lane.wake);
      lane.ready.length = 0;
    }
    // Work already running finishes (its posts are recorded), nothing new starts; a job stuck on a
    // slow platform does not hold the shutdown for more than ten seconds.
    const deadline = Date.now() + 10_000;
    while ([...this.lanes.values()].some((lane) => lane.running > 0) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.idle.add(resolve);
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
      });
    }
  }

  private later(platform: Platform, lane: Lane, job: Job, delayMs: number, dueAt = Date.now() + delayMs): void {
    const timer = setTimeout(
      () => {
        if (Date.now() < dueAt) return this.later(platform, lane, job, dueAt - Date.now(), dueAt);
        lane.delayed.delete(job.id);
        lane.ready.push(job);
        this.pump(platform, lane);
      },
      Math.min(delayMs, MAX_TIMER_MS),
    );
    timer.unref();
    lane.delayed.set(job.id, timer);
  }

  private pump(platform: Platform, lane: Lane): void {
    const handler = this.handler;
    if (!handler || this.closed) return;
    const wait = lane.pausedUntil - Date.now();
    if (wait > 0) {
      if (!lane.wake) {
        lane.wake = setTimeout(() => {
          lane.wake = undefined;
          this.pump(platform, lane);
        }, wait);
        lane.wake.unref();
      }
      return;
    }
    while (lane.running < (this.options.concurrency ?? 4) && lane.ready.length > 0) {
      const job = lane.ready.shift() as Job;
      lane.running += 1;
      void this.run(platform, lane, job, handler).finally(() => {
        lane.running -= 1;
        for (const resolve of this.idle) resolve();
        this.idle.clear();
        this.pump(platform, lane);
      });
    }
  }

  private async run(platform: Platform, lane: Lane, job: Job, handler: SyncHandler): Promise<void> {
    const attributes = {
      [ATTR.queueSystem]: 'memory',
      [ATTR.platform]: platform,
      [ATTR.accessRequest]: job.requestId,
      [ATTR.jobId]: job.id,
      [ATTR.attempt]: job.attempts + 1,
    };
    const work = withPriority(job.priority, () =>
      jobSpan(job.trace, attributes, async (span) => {
        const outcome = await handler({ requestId: job.requestId, platform, changeId: job.changeId });
        span.setAttribute(ATTR.outcome, outcomeName(outcome));
        return outcome;
      }),
    );
    const outcome: SyncOutcome = await work.catch((err) => {
      // Stopped by the governance budget (yielding to people, or a 429): back until the window resets.
      if (err instanceof GovernanceRateLimited) return { status: 'retry', reason: 'busy', afterMs: err.retryAfterMs };
      this.options.logger.error({ err, requestId: job.requestId, platform }, 'sync job threw');
      return { status: 'retry', reason: 'failed' };
    });
    if (outcome.status === 'done') {
      this.known.set(job.id, Date.now() + DEDUPE_WINDOW_MS);
      return;
    }
    if (this.closed) return;
    if (outcome.reason === 'rate-limited') {
      // The platform asked everyone to wait, not just this job.
      lane.pausedUntil = Math.max(lane.pausedUntil, Date.now() + (outcome.afterMs ?? 1000));
      lane.ready.unshift(job);
      return;
    }
    if (outcome.reason === 'busy') {
      this.later(platform, lane, job, outcome.afterMs ?? BUSY_RETRY_MS);
      return;
    }
    job.attempts += 1;
    if (job.attempts >= MAX_ATTEMPTS) {
      this.known.set(job.id, Date.now() + DEDUPE_WINDOW_MS);
      this.options.logger.error({ requestId: job.requestId, platform }, 'sync gave up after repeated refusals');
      return;
    }
    this.later(platform, lane, job, outcome.afterMs ?? backoffMs(job.attempts, this.options.retryBaseMs ?? 1000));
  }
}
