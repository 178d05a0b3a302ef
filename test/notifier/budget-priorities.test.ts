import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { HomeRefresh } from '../../src/adapters/slack/home-refresh.js';
import { BudgetYield } from '../../src/api/budget.js';
import type { Governance } from '../../src/api/governance.js';
import { currentPriority, type Priority } from '../../src/api/priority.js';
import {
  type ApprovalRouting,
  BullSyncQueue,
  MemorySyncQueue,
  Reminders,
  RequestPoller,
  type SyncJob,
  type SyncQueue,
} from '../../src/notifier/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { eventually } from '../support/eventually.js';
import { testLogger } from '../support/test-logger.js';

/** Where work starts, it says whose turn its governance calls spend (src/api/priority.ts). */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = testLogger();
const open: SyncQueue[] = [];
afterEach(async () => {
  for (const queue of open.splice(0)) await queue.close();
});

const queues: [string, () => SyncQueue][] = [
  ['in-process', () => new MemorySyncQueue({ platforms: ['slack'], logger, retryBaseMs: 20 })],
  [
    'BullMQ on Redis',
    () =>
      new BullSyncQueue({
        redisUrl: REDIS_URL,
        prefix: `gatehouse-test-${randomUUID()}`,
        platforms: ['slack'],
        logger,
        retryBaseMs: 20,
        lockDurationMs: 1_000,
      }),
  ],
];

describe.each(queues)('a notifier sync (%s)', (_name, make) => {
  it('runs a timed wake-up nobody waits on (an expiry warning) as `background`, every other job as `sync`', async () => {
    const queue = make();
    open.push(queue);
    const seen = new Map<string, Priority>();
    queue.start(async (job) => {
      seen.set(job.requestId, currentPriority());
      return { status: 'done' };
    });
    await queue.enqueue('warn', { key: 'expiry-1h', delayMs: 20, priority: 'background' });
    await queue.enqueue('change', { key: 'k2' });
    await eventually(() => seen.size === 2);
    expect(Object.fromEntries(seen)).toEqual({ warn: 'background', change: 'sync' });
  });

  it('spends the budget as `sync`, and goes back to the queue until the window resets when it yields, spending no attempt', async () => {
    const queue = make();
    open.push(queue);
    const runs: { job: SyncJob; priority: Priority; at: number }[] = [];
    // Every attempt yields until the twelfth: a failure each time would have used up MAX_ATTEMPTS (12).
    queue.start(async (job) => {
      runs.push({ job, priority: currentPriority(), at: Date.now() });
      if (runs.length < 13) throw new BudgetYield('getRequest', 30, 'requests', 'sync');
      return { status: 'done' };
    });
    await queue.enqueue('r1', { key: 'k1' });
    await eventually(() => runs.length === 13);
    expect(new Set(runs.map((run) => run.priority))).toEqual(new Set(['sync']));
    // Each came back after the window's reset it was told, not at once.
    for (let i = 1; i < runs.length; i++) {
      expect((runs[i]?.at ?? 0) - (runs[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(25);
    }
  });
});

/** A governance system that only notes at which priority each call was made. */
function recordingGovernance(seen: Priority[]): Governance {
  const note = <T>(value: T) => {
    seen.push(currentPriority());
    return Promise.resolve(value);
  };
  return {
    provider: 'okta',
    listChanges: () => note({ items: [] }),
    listRequests: () => note({ items: [] }),
    policy: () => note({ selfApproval: false }),
  } as unknown as Governance;
}

describe('background work', () => {
  it('polls and reminds as `background`', async () => {
    const seen: Priority[] = [];
    const governance = recordingGovernance(seen);
    const store = new MemoryStore();
    const queue = new MemorySyncQueue({ platforms: ['slack'], logger });
    open.push(queue);
    const reminders = new Reminders({
      governance,
      store,
      messengers: [],
      routing: {} as ApprovalRouting,
      logger,
      remindAfterMs: 60_000,
    });
    const poller = new RequestPoller({ governance, store, queue, logger, intervalMs: 60_000, reminders });
    // A check is due (the last one is long past), so the poll's round runs one.
    await store.set('reminders:next-check', '1');
    await poller.pollOnce();
    await poller.catchUp();
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(new Set(seen)).toEqual(new Set(['background']));
  });

  it('draws an App Home as the person’s own when they opened it, as `background` after a change', async () => {
    const draws: { userId: string; priority: Priority }[] = [];
    const homes = new HomeRefresh(async (userId) => {
      draws.push({ userId, priority: currentPriority() });
    }, 1);
    await homes.request('U0ALICE', { urgent: true });
    await homes.request('U0BOB');
    await homes.settled();
    expect(draws).toEqual([
      { userId: 'U0ALICE', priority: 'person' },
      { userId: 'U0BOB', priority: 'background' },
    ]);
  });
});
