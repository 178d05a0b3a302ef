import { randomUUID } from 'node:crypto';
import { createOktaOrg, type OktaOrg, oktaEmulator, REAL_ORG_RATE_LIMITS, SEED } from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BudgetYield } from '../../src/api/budget.js';
import { type BudgetLedger, RedisBudgetLedger } from '../../src/api/budget-ledger.js';
import { OktaHttp } from '../../src/api/okta/http.js';
import { entryPath, V2 } from '../../src/api/okta/paths.js';
import { accessRequest, type OktaCreateRequestBody, requestFieldList } from '../../src/api/okta/wire.js';
import { withPriority } from '../../src/api/priority.js';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { GovernanceRateLimited } from '../../src/domain/errors.js';
import { createMetrics, type Metrics } from '../../src/metrics.js';

/**
 * A person's action against the governance budget as a whole, not call by call: waiting for one
 * family's reset keeps no one else waiting, and an action drawing on several families (an Okta
 * request reads the catalog, then writes requests) is refused before it spends anything, or, refused
 * part-way, is retried without reading again what it had read. Against the Okta emulator at a real
 * org's budget (30 a minute on requests).
 */

const REQUESTS = `${V2}/requests`;
const alice = SEED.users.alice.id;
const entry = SEED.entries.salesforceSalesUser.id;
const FIELDS = `${entryPath(entry)}/users/${alice}/request-fields`;
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

/** An org whose clock starts `msBeforeReset` before a minute ends, when Okta's windows reset. */
async function startOrg(options: { msBeforeReset?: number; rateLimits?: Record<string, number> } = {}): Promise<Org> {
  const start = Date.now();
  const base = Math.ceil(start / 60_000) * 60_000 + 60_000 - (options.msBeforeReset ?? 59_000);
  let ahead = 0;
  const now = () => base + (Date.now() - start) + ahead;
  const org = createOktaOrg({ now, rateLimits: { ...REAL_ORG_RATE_LIMITS, ...options.rateLimits } });
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

function client(
  at: Org,
  options: { maxConcurrent?: number; maxRateLimitWaitMs?: number; metrics?: Metrics; ledger?: BudgetLedger } = {},
) {
  return new OktaHttp({
    orgUrl: at.url,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 2_000,
    baseBackoffMs: 5,
    maxRateLimitWaitMs: options.maxRateLimitWaitMs ?? 1_000,
    maxConcurrent: options.maxConcurrent,
    now: at.now,
    metrics: options.metrics,
    budgetLedger: options.ledger,
  });
}

function redisLedger(prefix: string): RedisBudgetLedger {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  cleanup.push(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return new RedisBudgetLedger(redis, prefix);
}

const listRequests = (http: OktaHttp) => http.get('listRequests', REQUESTS, anything, { limit: 1 });

async function spendRequests(http: OktaHttp, calls: number): Promise<void> {
  for (let i = 0; i < calls; i++) await listRequests(http);
}

/**
 * Alice asks for Salesforce (Sales User) as Gatehouse does: the entry's form read in the catalog
 * family, the request created and read back in the requests family.
 */
function requestSalesforce(http: OktaHttp, key = `createRequest:${alice}:${entry}`) {
  const plan = { operation: 'createRequest' as const, key, calls: [FIELDS, REQUESTS, REQUESTS] };
  return http.action(plan, async () => {
    const { body: fields } = await http.get('getCatalogEntry', FIELDS, requestFieldList);
    const body: OktaCreateRequestBody = {
      requested: { type: 'CATALOG_ENTRY', entryId: entry },
      requestedFor: { type: 'OKTA_USER', externalId: alice },
      requestedBy: { type: 'OKTA_USER', externalId: alice },
      requesterFieldValues: fields.data
        .filter((field) => field.required && !field.readOnly && field.type === 'TEXT')
        .map((field) => ({ id: field.id, value: 'Quarterly pipeline review' })),
    };
    const { body: created } = await http.send('createRequest', 'POST', REQUESTS, accessRequest, body);
    return (await http.get('getRequest', `${REQUESTS}/${created.id}`, accessRequest)).body;
  });
}

const callsTo = (org: OktaOrg, path: string, method = 'GET') =>
  org.calls.filter((call) => call.path === path && call.method === method);

async function metricValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return Number(value?.value ?? 0);
}

describe('a person waiting for a family to reset', () => {
  it('holds no slot: with one call in flight at a time, a catalog read goes by while they wait for requests', async () => {
    // The requests window allows one call and resets six seconds from now: long enough that the
    // first call is answered before it, however busy the machine.
    const at = await startOrg({ msBeforeReset: 6_000, rateLimits: { requests: 1 } });
    const metrics = createMetrics();
    const http = client(at, { maxConcurrent: 1, maxRateLimitWaitMs: 10_000, metrics });
    await listRequests(http);

    const settled: string[] = [];
    const person = listRequests(http).then(() => settled.push('person, after the reset'));
    const other = http.get('getCatalogEntry', entryPath(entry), anything).then(() => settled.push('catalog read'));
    await Promise.all([person, other]);

    expect(settled).toEqual(['catalog read', 'person, after the reset']);
    expect(await metricValue(metrics, 'gatehouse_governance_budget_held_total', { outcome: 'waited' })).toBe(1);
    // The person waited for the org's reset rather than meeting its 429.
    expect(at.org.calls.filter((call) => call.status === 429)).toEqual([]);
  });
});

describe('an action drawing on several families', () => {
  it('is refused before it reads anything when requests is out until a reset beyond what a person waits, saying when', async () => {
    const at = await startOrg();
    const metrics = createMetrics();
    const http = client(at, { metrics });
    await spendRequests(http, 30);
    const sent = at.org.calls.length;

    const refused = await requestSalesforce(http).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(GovernanceRateLimited);
    const seconds = Number(/try again in (\d+) seconds/.exec((refused as GovernanceRateLimited).userMessage)?.[1]);
    // The window resets a minute after the org's clock started, a second into it.
    expect(seconds).toBeGreaterThan(50);
    expect(seconds).toBeLessThanOrEqual(59);
    // Not even the catalog read, which had budget to spare, was sent.
    expect(at.org.calls.length).toBe(sent);
    expect(await metricValue(metrics, 'gatehouse_governance_budget_held_total', { outcome: 'refused' })).toBe(1);
  });

  it('is refused up front on one replica when another spent the family, through the budget they share in Redis', async () => {
    const at = await startOrg();
    const prefix = `budget-actions-${randomUUID()}`;
    const [a, b] = [client(at, { ledger: redisLedger(prefix) }), client(at, { ledger: redisLedger(prefix) })];
    await spendRequests(a, 30);
    const sent = at.org.calls.length;

    expect(await requestSalesforce(b).catch((error: unknown) => error)).toBeInstanceOf(GovernanceRateLimited);
    expect(at.org.calls.length).toBe(sent);
  });

  it('counts the calls it will make in each family: one left in requests is not enough for two', async () => {
    const at = await startOrg();
    const http = client(at);
    await spendRequests(http, 29);

    const refused = await requestSalesforce(http).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GovernanceRateLimited);
    expect(callsTo(at.org, FIELDS)).toEqual([]);
    expect(callsTo(at.org, REQUESTS, 'POST')).toEqual([]);

    // An action making one call there goes ahead.
    await http.action({ operation: 'getRequest', key: 'one', calls: [FIELDS, REQUESTS] }, async () => {
      await http.get('getCatalogEntry', FIELDS, requestFieldList);
      await listRequests(http);
    });
    expect(callsTo(at.org, FIELDS)).toHaveLength(1);
  });

  it('has background work give way before it spends in any family, where it would give way in one', async () => {
    const at = await startOrg();
    const http = client(at);
    // Twelve left: background work's reserve on a 30-a-minute family.
    await spendRequests(http, 18);
    const sent = at.org.calls.length;

    const held = await withPriority('background', () => requestSalesforce(http)).catch((error: unknown) => error);
    expect(held).toBeInstanceOf(BudgetYield);
    expect((held as BudgetYield).family).toBe('requests');
    expect(at.org.calls.length).toBe(sent);
  });

  it('refused part-way, is retried without reading again what it had read', async () => {
    const at = await startOrg();
    const http = client(at);
    // Another client of the org spends the requests window between Alice's read and her write.
    at.org.faults.add({ kind: 'status', method: 'POST', path: REQUESTS, status: 429, retryAfterSeconds: 40 });

    const refused = await requestSalesforce(http).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GovernanceRateLimited);
    expect((refused as GovernanceRateLimited).userMessage).toMatch(/Nothing was changed; try again in 40 seconds/);
    expect(callsTo(at.org, FIELDS)).toHaveLength(1);

    at.advance(41_000);
    const created = await requestSalesforce(http);
    expect(created.requested.entryId).toBe(entry);
    // The form read before the refusal served the retry: the catalog was read once in all.
    expect(callsTo(at.org, FIELDS)).toHaveLength(1);
    expect(callsTo(at.org, REQUESTS, 'POST')).toHaveLength(2);

    // Kept for that retry only: once it succeeded, the next action reads the form afresh.
    at.advance(60_000);
    await requestSalesforce(http);
    expect(callsTo(at.org, FIELDS)).toHaveLength(2);
  });

  it('reads again on its retry when it was refused after a write that landed, since what it read may have changed', async () => {
    const at = await startOrg();
    const http = client(at);
    // Created, then refused reading it back.
    at.org.faults.add({
      kind: 'status',
      method: 'GET',
      path: /^\/governance\/api\/v2\/requests\/.+/,
      status: 429,
      retryAfterSeconds: 40,
    });

    const refused = await requestSalesforce(http).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GovernanceRateLimited);
    expect(callsTo(at.org, REQUESTS, 'POST')).toHaveLength(1);

    at.advance(41_000);
    await requestSalesforce(http);
    expect(callsTo(at.org, FIELDS)).toHaveLength(2);
  });

  it('keeps what it read for the same action only: another one reads afresh, even the same form', async () => {
    const at = await startOrg();
    const http = client(at);
    at.org.faults.add({ kind: 'status', method: 'POST', path: REQUESTS, status: 429, retryAfterSeconds: 40 });
    await requestSalesforce(http).catch(() => undefined);

    at.advance(41_000);
    await requestSalesforce(http, 'createRequest:someone-else').catch(() => undefined);
    expect(callsTo(at.org, FIELDS)).toHaveLength(2);
  });
});
