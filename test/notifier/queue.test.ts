import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BullSyncQueue,
  MemorySyncQueue,
  type SyncJob,
  type SyncOutcome,
  type SyncQueue,
} from '../../src/notifier/index.js';
import { eventually } from '../support/eventually.js';
import { testLogger } from '../support/test-logger.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = testLogger();
const open: SyncQueue[] = [];
afterEach(async () => {
  for (const queue of open.splice(0)) await queue.close();
});

type Make = (prefix: string) => SyncQueue;
const kinds: [string, Make][] = [
  ['in-process', () => new MemorySyncQueue({ platforms: ['slack', 'teams'], logger, retryBaseMs: 20 })],
  [
    'BullMQ on Redis',
    (prefix) =>
      new BullSyncQueue({
        redisUrl: REDIS_URL,
        prefix,
        platforms: ['slack', 'teams'],
        logger,
        retryBaseMs: 20,
        lockDurationMs: 1_000,
      }),
  ],
];

/** Waits until the queue holds nothing: no job waiting, delayed or running on any platform. */
async function drained(q: SyncQueue): Promise<void> {
  await vi.waitFor(
    async () => {
      const depth = await q.depth();
      if (Object.values(depth).some((n) => n)) throw new Error(`still queued: ${JSON.stringify(depth)}`);
    },
    { timeout: 8000, interval: 20 },
  );
}

/** A worker that records every job it ran and answers what `decide` says. */
function recorder(decide: (job: SyncJob, seen: number) => SyncOutcome = () => ({ status: 'done' })) {
  const runs: (SyncJob & { at: number })[] = [];
  const handler = async (job: SyncJob) => {
    runs.push({ ...job, at: Date.now() });
    return decide(job, runs.filter((r) => r.requestId === job.requestId && r.platform === job.platform).length);
  };
  return { runs, handler };
}

describe.each(kinds)('the notifier queue (%s)', (_name, make) => {
  const queue = (prefix = `gatehouse-test-${randomUUID()}`) => {
    const created = make(prefix);
    open.push(created);
    return created;
  };

  it('runs one job per platform, and the same change queued twice once', async () => {
    const q = queue();
    const { runs, handler } = recorder();
    q.start(handler);
    await q.enqueue('req-1', { key: 'event-a' });
    await q.enqueue('req-1', { key: 'event-a' });
    await q.enqueue('req-2');
    await eventually(() => runs.length >= 4);
    await drained(q);
    expect(runs.map((r) => `${r.requestId}/${r.platform}`).sort()).toEqual([
      'req-1/slack',
      'req-1/teams',
      'req-2/slack',
      'req-2/teams',
    ]);
    await q.enqueue('req-1', { key: 'event-a' });
    await drained(q);
    expect(runs).toHaveLength(4);
    expect(await q.depth()).toEqual({ slack: 0, teams: 0 });
  });

  it('retries a refused delivery with backoff until it goes through', async () => {
    const q = queue();
    const { runs, handler } = recorder((job, seen) =>
      job.platform === 'slack' && seen < 3 ? { status: 'retry', reason: 'failed' } : { status: 'done' },
    );
    q.start(handler);
    await q.enqueue('req-1');
    await eventually(() => runs.filter((r) => r.platform === 'slack').length === 3);
    const slack = runs.filter((r) => r.platform === 'slack');
    expect((slack[2]?.at ?? 0) - (slack[1]?.at ?? 0)).toBeGreaterThanOrEqual(10);
    await drained(q);
    expect(runs.filter((r) => r.platform === 'teams')).toHaveLength(1);
    expect(runs.filter((r) => r.platform === 'slack')).toHaveLength(3);
  });

  it('holds every job of a platform for its Retry-After, and only that platform', async () => {
    const q = queue();
    let limited = false;
    const { runs, handler } = recorder((job) => {
      if (job.platform === 'slack' && job.requestId === 'req-1' && !limited) {
        limited = true;
        return { status: 'retry', reason: 'rate-limited', afterMs: 1_000 };
      }
      return { status: 'done' };
    });
    q.start(handler);
    await q.enqueue('req-1');
    await eventually(() => limited);
    const limitedAt = Date.now();
    await q.enqueue('req-2');
    await eventually(() => runs.filter((r) => r.platform === 'teams').length === 2);
    await eventually(() => runs.filter((r) => r.platform === 'slack').length === 3, 5_000);
    for (const run of runs.filter((r) => r.platform === 'slack').slice(1)) {
      // The 1 s window, less a little for timer granularity.
      expect(run.at - limitedAt).toBeGreaterThanOrEqual(900);
    }
  });

  it('comes back to a job another worker holds, without counting it as a failure', async () => {
    const q = queue();
    const { runs, handler } = recorder((_job, seen) =>
      seen < 15 ? { status: 'retry', reason: 'busy', afterMs: 10 } : { status: 'done' },
    );
    q.start(handler);
    await q.enqueue('req-1');
    // More passes than a failing job would get: being busy is no failure.
    await eventually(() => runs.filter((r) => r.platform === 'slack').length === 15, 8_000);
  });

  it('keeps a delayed job until its time', async () => {
    const q = queue();
    const { runs, handler } = recorder();
    q.start(handler);
    const queuedAt = Date.now();
    await q.enqueue('req-1', { key: 'later', delayMs: 600 });
    expect((await q.depth()).slack).toBe(1);
    await eventually(() => runs.length === 2);
    expect(Math.min(...runs.map((r) => r.at)) - queuedAt).toBeGreaterThanOrEqual(550);
  });
});

describe('the BullMQ queue across replicas', () => {
  it('hands the job of a replica that died mid-way to another one, and keeps queued jobs across a restart', async () => {
    const prefix = `gatehouse-test-${randomUUID()}`;
    const make = () =>
      new BullSyncQueue({ redisUrl: REDIS_URL, prefix, platforms: ['slack'], logger, lockDurationMs: 1_000 });
    const dying = make();
    let started = false;
    dying.start(async () => {
      started = true;
      // Never finishes: the replica dies while it works.
      return new Promise<SyncOutcome>(() => {});
    });
    await dying.enqueue('req-1');
    await eventually(() => started);
    await dying.abandon();

    // Queued while no worker runs: the job waits in Redis.
    const producer = make();
    open.push(producer);
    await producer.enqueue('req-2');

    const survivor = make();
    open.push(survivor);
    const { runs, handler } = recorder();
    survivor.start(handler);
    await eventually(() => runs.length === 2, 10_000);
    expect(runs.map((r) => r.requestId).sort()).toEqual(['req-1', 'req-2']);
  });

  it('holds every replica back for a Retry-After met by one of them', async () => {
    const prefix = `gatehouse-test-${randomUUID()}`;
    const make = () =>
      new BullSyncQueue({ redisUrl: REDIS_URL, prefix, platforms: ['slack'], logger, lockDurationMs: 1_000 });
    const [first, second] = [make(), make()];
    open.push(first, second);
    let limitedAt = 0;
    const runs: number[] = [];
    const handler = async (job: SyncJob): Promise<SyncOutcome> => {
      runs.push(Date.now());
      if (job.requestId === 'req-0' && !limitedAt) {
        limitedAt = Date.now();
        return { status: 'retry', reason: 'rate-limited', afterMs: 1_500 };
      }
      // A job that takes a moment, as a real delivery does (not a wait for proof).
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { status: 'done' };
    };
    first.start(handler);
    await first.enqueue('req-0');
    await eventually(() => limitedAt > 0);
    second.start(handler);
    for (let i = 1; i <= 6; i++) await second.enqueue(`req-${i}`);
    await eventually(() => runs.length === 8, 10_000);
    // Nothing ran on either replica until Slack's wait was over.
    expect(runs.filter((at) => at > limitedAt + 50 && at < limitedAt + 1_400)).toEqual([]);
  });
});
