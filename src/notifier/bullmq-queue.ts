import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { withPriority } from '../api/priority.js';
import { within } from '../deadline.js';
import { GovernanceRateLimited, StoreUnavailable } from '../domain/errors.js';
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

export interface BullQueueOptions {
  redisUrl: string;
  /** Namespaces the queues in Redis, like the store's key prefix. */
  prefix: string;
  platforms: Platform[];
  logger: Logger;
  concurrency?: number;
  retryBaseMs?: number;
  /**
   * How long a worker's hold on a job lasts without renewal; a job whose worker died is handed to
   * another replica after about this long.
   */
  lockDurationMs?: number;
}

/** Longer than any one job's work takes (a chat call times out after 10 s, a pacing wait after 5 s). */
const CLOSE_GRACE_MS = 15_000;

/** What a job holds in Redis. */
interface SyncJobData {
  requestId: string;
  changeId?: string;
  priority?: 'background';
  /** The trace that queued it (W3C trace context), so the replica that runs it continues that trace. */
  trace?: TraceCarrier;
}

class RetryLater extends Error {
  constructor(readonly afterMs: number | undefined) {
    super('sync to be retried');
  }
}

/**
 * The multi-replica SyncQueue on BullMQ: jobs live in Redis, so they survive a restart; any replica
 * works on them; a worker that dies mid-job loses its lock and the job goes to another. One queue
 * per platform, so `rateLimit` (a Retry-After) pauses only that platform, for every replica.
 */
export class BullSyncQueue implements SyncQueue {
  readonly kind = 'bullmq' as const;
  private readonly connection: Redis;
  private readonly queues = new Map<Platform, Queue>();
  private readonly workers: Worker[] = [];
  private readonly workerConnections: Redis[] = [];
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly options: BullQueueOptions) {
    this.connection = producerConnection(options.redisUrl, options.logger);
    for (const platform of options.platforms) {
      const queue = new Queue(queueName(platform), { connection: this.connection, prefix: options.prefix });
      // BullMQ re-emits its connection's errors on the queue; with no listener it prints them.
      queue.on('error', (err) => options.logger.warn({ err, platform }, 'queue error'));
      this.queues.set(platform, queue);
    }
  }

  async enqueue(requestId: string, options: EnqueueOptions = {}): Promise<void> {
    try {
      await enqueueSpan('bullmq', { requestId, delayMs: options.delayMs }, (trace) =>
        this.add(requestId, options, trace),
      );
    } catch (error) {
      throw new StoreUnavailable('enqueue', { cause: error });
    }
  }

  private async add(requestId: string, options: EnqueueOptions, trace: TraceCarrier | undefined): Promise<void> {
    const key = options.key ?? randomUUID();
    // The same change on every platform's queue: its jobs share one reading of the request.
    const changeId = options.changeId ?? randomUUID();
    await Promise.all(
      [...this.queues].map(([platform, queue]) =>
        queue.add(
          'sync',
          {
            requestId,
            changeId,
            ...(options.priority === 'background' ? { priority: 'background' } : {}),
            ...(trace ? { trace } : {}),
          } satisfies SyncJobData,
          {
            jobId: jobIdFor(requestId, platform, key),
            delay: options.delayMs && options.delayMs > 0 ? options.delayMs : undefined,
            attempts: MAX_ATTEMPTS,
            backoff: { type: 'gatehouse' },
            removeOnComplete: { age: DEDUPE_WINDOW_MS / 1000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        ),
      ),
    );
  }

  start(handler: SyncHandler): void {
    if (this.workers.length > 0) return;
    for (const [platform, queue] of this.queues) {
      const connection = workerConnection(this.options.redisUrl, this.options.logger);
      this.workerConnections.push(connection);
      const worker = new Worker(
        queueName(platform),
        async (job: Job<SyncJobData>, token?: string) => {
          const priority = job.data.priority === 'background' ? 'background' : 'sync';
          // Jobs queued before changes were named (an older release) read afresh.
          const changeId = typeof job.data.changeId === 'string' ? job.data.changeId : undefined;
          const attributes = {
            [ATTR.queueSystem]: 'bullmq',
            [ATTR.platform]: platform,
            [ATTR.accessRequest]: job.data.requestId,
            [ATTR.jobId]: job.id ?? '',
            [ATTR.attempt]: job.attemptsMade + 1,
          };
          const work = withPriority(priority, () =>
            jobSpan(job.data.trace, attributes, async (span) => {
              const outcome = await handler({ requestId: job.data.requestId, platform, changeId });
              span.setAttribute(ATTR.outcome, outcomeName(outcome));
              return outcome;
            }),
          );
          this.running.add(work);
          const outcome = await work
            .catch((err: unknown) => {
              // Stopped by the governance budget (yielding to people, or a 429): no failure, so no
              // attempt spent; the job waits in Redis until the window resets instead of in a worker.
              if (!(err instanceof GovernanceRateLimited)) throw err;
              return { status: 'retry', reason: 'busy', afterMs: err.retryAfterMs } satisfies SyncOutcome;
            })
            .finally(() => this.running.delete(work));
          if (outcome.status === 'done') return;
          if (outcome.reason === 'rate-limited') {
            // Every replica's worker on this platform waits; the job goes back without using an attempt.
            await queue.rateLimit(outcome.afterMs ?? 1000);
            throw Worker.RateLimitError();
          }
          if (outcome.reason === 'busy') {
            await job.moveToDelayed(Date.now() + (outcome.afterMs ?? BUSY_RETRY_MS), token);
            throw new DelayedError();
          }
          throw new RetryLater(outcome.afterMs);
        },
        {
          connection,
          prefix: this.options.prefix,
          concurrency: this.options.concurrency ?? 4,
          // BullMQ honours queue.rateLimit (a Retry-After) only for workers that have a limiter;
          // this one never binds by itself, the chat platforms' limits are kept by the Pacer.
          limiter: { max: 1_000_000, duration: 1_000 },
          lockDuration: this.options.lockDurationMs ?? 30_000,
          stalledInterval: this.options.lockDurationMs ?? 30_000,
          maxStalledCount: 5,
          settings: {
            backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
              err instanceof RetryLater && err.afterMs !== undefined
                ? err.afterMs
                : backoffMs(attemptsMade, this.options.retryBaseMs ?? 1000),
          },
        },
      );
      worker.on('failed', (job, err) => {
        if (job && job.attemptsMade >= MAX_ATTEMPTS) {
          this.options.logger.error({ err, requestId: job.data.requestId, platform }, 'sync gave up');
        }
      });
      worker.on('error', (err) => this.options.logger.warn({ err, platform }, 'sync worker error'));
      this.workers.push(worker);
    }
  }

  async depth(): Promise<Partial<Record<Platform, number>>> {
    const depth: Partial<Record<Platform, number>> = {};
    for (const [platform, queue] of this.queues) {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      depth[platform] = Object.values(counts).reduce((sum, n) => sum + n, 0);
    }
    return depth;
  }

  /** Stops taking jobs and lets running ones finish; what waits stays in Redis for the others. */
  async close(): Promise<void> {
    const graceful = (async () => {
      await Promise.all(this.workers.map((worker) => worker.close()));
      await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    })();
    // BullMQ's close talks to Redis and waits for it: with Redis gone a shutdown would never end.
    // What has not finished by then stays in Redis, and its lock lapses for another replica.
    const late = await within(graceful, CLOSE_GRACE_MS).catch(() => undefined);
    if (late === 'late') {
      graceful.catch(() => undefined);
      this.options.logger.warn('queue did not close in time (Redis unreachable?); disconnecting');
    }
    for (const connection of [...this.workerConnections, this.connection]) connection.disconnect();
  }

  /**
   * Like a crash between two steps: stops taking jobs at once and abandons those running (their
   * locks lapse and another replica runs them again), after letting each finish the step it is in.
   */
  async abandon(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close(true)));
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    for (const connection of [...this.workerConnections, this.connection]) connection.disconnect();
  }
}

function queueName(platform: Platform): string {
  return `sync-${platform}`;
}

/**
 * Adding jobs happens while someone waits (an Okta hook, a click's retry): with Redis away it must
 * fail at once rather than wait for the reconnect (BullMQ's "failing fast when Redis is down"), so
 * a hook is answered 503 for Okta to retry and the poller tries again on its next round. No
 * offline queue, a bound on a Redis that holds the connection but does not answer, and a command
 * caught by a dropped connection fails after one failed reconnect. Adding a job twice is harmless
 * (its id dedupes it), so an unanswered add may be re-sent after a reconnect.
 */
function producerConnection(url: string, logger: Logger): Redis {
  const client = new Redis(url, { enableOfflineQueue: false, commandTimeout: 2_000, maxRetriesPerRequest: 1 });
  client.on('error', (err) => logger.warn({ err }, 'queue connection error'));
  return client;
}

/**
 * Workers wait for Redis instead: BullMQ requires `maxRetriesPerRequest: null` on a worker's
 * connection (its blocking reads wait as long as it takes, and it keeps retrying through a
 * reconnect), with the offline queue on, and no command timeout, which would cut its blocking reads.
 */
function workerConnection(url: string, logger: Logger): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null });
  client.on('error', (err) => logger.warn({ err }, 'queue connection error'));
  return client;
}
