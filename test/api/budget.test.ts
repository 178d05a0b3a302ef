import { randomUUID } from 'node:crypto';
import { createOktaOrg, type OktaOrg, oktaEmulator, REAL_ORG_RATE_LIMITS } from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BudgetYield } from '../../src/api/budget.js';
import { type BudgetLedger, MemoryBudgetLedger, RedisBudgetLedger } from '../../src/api/budget-ledger.js';
import { OktaHttp } from '../../src/api/okta/http.js';
import { type Priority, withPriority } from '../../src/api/priority.js';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { GovernanceRateLimited } from '../../src/domain/errors.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';

/**
 * The governance budget against the Okta emulator at a real org's budget: 30 calls a minute on
 * /governance/api/v2/requests (what a real preview org answers in X-Rate-Limit-Limit).
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUESTS = '/governance/api/v2/requests';
const anything = z.unknown();

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Org {
  org: OktaOrg;
  url: string;
  /** Moves the org's clock and Gatehouse's on together. */
  advance(ms: number): void;
  now(): number;
}

/** An org whose clock starts a second into a minute, so a test's calls all fall in one window. */
async function startOrg(): Promise<Org> {
  const start = Date.now();
  const base = Math.ceil(start / 60_000) * 60_000 + 1_000;
  let ahead = 0;
  const now = () => base + (Date.now() - start) + ahead;
  const org = createOktaOrg({ now, rateLimits: REAL_ORG_RATE_LIMITS });
  const emulator: FastifyInstance = Fastify();
  await emulator.register(oktaEmulator, { org });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(() => emulator.close());
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    org,
    url: `http://127.0.0.1:${port}`,
    now,
    advance: (ms) => {
      ahead += ms;
    },
  };
}

/** One Gatehouse replica's transport to the org. */
function client(at: Org, options: { ledger?: BudgetLedger; metrics?: Metrics } = {}): OktaHttp {
  return new OktaHttp({
    orgUrl: at.url,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 2_000,
    baseBackoffMs: 5,
    maxRateLimitWaitMs: 1_000,
    now: at.now,
    budgetLedger: options.ledger,
    metrics: options.metrics,
  });
}

const listRequests = (http: OktaHttp) => http.get('listRequests', REQUESTS, anything, { limit: 1 });

/** Calls at `priority` until the budget holds one back: how many were sent, and why the last was not. */
async function flood(http: OktaHttp, priority: Priority, atMost = 100): Promise<{ sent: number; stopped: unknown }> {
  let sent = 0;
  for (; sent < atMost; sent++) {
    const error = await withPriority(priority, () => listRequests(http)).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error) return { sent, stopped: error };
  }
  return { sent, stopped: undefined };
}

const answered429 = (org: OktaOrg) => org.calls.filter((call) => call.path.startsWith(REQUESTS) && call.status === 429);
const requestCalls = (org: OktaOrg) => org.calls.filter((call) => call.path.startsWith(REQUESTS));

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
}

function redisLedger(prefix: string): RedisBudgetLedger {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  cleanup.push(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return new RedisBudgetLedger(redis, prefix);
}

describe('the governance budget, spent by priority', () => {
  it('keeps a fifth of a 30-a-minute family for people through a flood of background and sync work', async () => {
    const at = await startOrg();
    const metrics = createMetrics();
    const http = client(at, { metrics });

    const background = await flood(http, 'background');
    const sync = await flood(http, 'sync');
    // Background stops at two fifths left (12 of 30), the notifier's syncs at one fifth (6).
    expect(background.sent).toBe(18);
    expect(background.stopped).toBeInstanceOf(BudgetYield);
    expect(sync.sent).toBe(6);
    expect(sync.stopped).toBeInstanceOf(BudgetYield);

    // Six people arrive: each is answered at once, none meets a 429.
    for (let i = 0; i < 6; i++) await listRequests(http);
    expect(requestCalls(at.org)).toHaveLength(30);
    expect(answered429(at.org)).toEqual([]);
    expect(await metricValue(metrics, 'gatehouse_governance_budget_held_total', { priority: 'person' })).toBe(0);
    expect(await metricValue(metrics, 'gatehouse_governance_rate_limited_total', { priority: 'person' })).toBe(0);

    // The seventh finds the org's window spent: told to come back, without a call Okta would refuse.
    const late = await listRequests(http).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(GovernanceRateLimited);
    expect(requestCalls(at.org)).toHaveLength(30);
  });

  it('has background work yield below its reserve, saying when the window resets, and resume after the reset', async () => {
    const at = await startOrg();
    const http = client(at);
    const first = await flood(http, 'background');
    expect(first.sent).toBe(18);
    const yielded = first.stopped as BudgetYield;
    expect(yielded.family).toBe('requests');
    // It waits for the org's window (a minute, less the second the clock started into it), no longer.
    expect(yielded.retryAfterMs).toBeGreaterThan(50_000);
    expect(yielded.retryAfterMs).toBeLessThanOrEqual(59_000);

    at.advance(yielded.retryAfterMs);
    const resumed = await flood(http, 'background');
    expect(resumed.sent).toBe(18);
    expect(answered429(at.org)).toEqual([]);
  });

  it('takes the org’s word: a family the org says has 5 left is treated as having 5 left', async () => {
    const at = await startOrg();
    // Another client of the same org (another app, or Gatehouse before a restart) spent 24 calls.
    const other = client(at);
    for (let i = 0; i < 24; i++) await listRequests(other);
    const metrics = createMetrics();
    const http = client(at, { metrics });

    await listRequests(http);
    expect(
      await metricValue(metrics, 'gatehouse_governance_budget_remaining', { provider: 'okta', family: 'requests' }),
    ).toBe(5);
    // Five is under the syncs' reserve of six: the notifier gives way, a person does not.
    const sync = await withPriority('sync', () => listRequests(http)).catch((e: unknown) => e);
    expect(sync).toBeInstanceOf(BudgetYield);
    for (let i = 0; i < 5; i++) await listRequests(http);
    expect(answered429(at.org)).toEqual([]);
  });

  it('is one budget for two replicas sharing Redis, and two without it', async () => {
    const prefix = `budget-test-${randomUUID()}`;
    const shared = await startOrg();
    const [a, b] = [client(shared, { ledger: redisLedger(prefix) }), client(shared, { ledger: redisLedger(prefix) })];
    const [fromA, fromB] = await Promise.all([flood(a, 'background'), flood(b, 'background')]);
    // Together they leave the people's reserve, as one replica would.
    expect(fromA.sent + fromB.sent).toBe(18);
    for (let i = 0; i < 12; i++) await listRequests(i % 2 ? a : b);
    expect(answered429(shared.org)).toEqual([]);

    // Counted apart, each sees only what the org's headers say after its own calls land: racing,
    // they overshoot the reserve and spend calls people were to have.
    const apart = await startOrg();
    const [c, d] = [
      client(apart, { ledger: new MemoryBudgetLedger() }),
      client(apart, { ledger: new MemoryBudgetLedger() }),
    ];
    const [fromC, fromD] = await Promise.all([flood(c, 'background'), flood(d, 'background')]);
    expect(fromC.sent + fromD.sent).toBeGreaterThan(18);
    expect(requestCalls(apart.org).length).toBeGreaterThan(18);
  });

  it('counts each 429 against the priority of the call that met it, and retries it in-process only for a person', async () => {
    const at = await startOrg();
    const metrics = createMetrics();
    const http = client(at, { metrics });
    // Okta answers 429 with nothing to wait (another client spent the window, which just reset).
    const tooMany = { kind: 'status', method: 'GET', path: REQUESTS, status: 429, retryAfterSeconds: 0 } as const;
    at.org.faults.add(tooMany);
    const background = await withPriority('background', () => listRequests(http)).catch((e: unknown) => e);
    // Not retried in-process: the poll or the queue comes back to it.
    expect(background).toBeInstanceOf(GovernanceRateLimited);
    expect(requestCalls(at.org)).toHaveLength(1);

    at.org.faults.add(tooMany);
    await listRequests(http);
    // A person's call is retried at once, and answered.
    expect(requestCalls(at.org)).toHaveLength(3);
    expect(answered429(at.org)).toHaveLength(2);
    expect(await metricValue(metrics, 'gatehouse_governance_rate_limited_total', { priority: 'background' })).toBe(1);
    expect(await metricValue(metrics, 'gatehouse_governance_rate_limited_total', { priority: 'person' })).toBe(1);
  });
});
