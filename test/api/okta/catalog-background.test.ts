import {
  type CatalogEntryRecord,
  createOktaOrg,
  GENEROUS_RATE_LIMIT_PER_MINUTE,
  generatedCatalog,
  oktaEmulator,
  SEED,
} from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OktaCatalog } from '../../../src/api/okta/catalog.js';
import { OktaHttp } from '../../../src/api/okta/http.js';
import {
  OKTA_CATALOG_LIMITS,
  type OktaCatalogLimits,
  OktaPersonCatalog,
} from '../../../src/api/okta/person-catalog.js';
import { SANDBOX_SECRETS } from '../../../src/config.js';
import type { Principal } from '../../../src/domain/types.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';

/**
 * What a person's Okta catalog spends of the budget beyond the first answer: the levels still
 * being read after it are background work (only that answer is the person's), and a refresh reads
 * again only the apps used lately, not every app ever expanded.
 */

const FRESH_MS = 5 * 60_000;
/** 30 generated apps ("Atlas 0", "Beacon 0"…), four access levels each, after the seed's own. */
const GENERATED = generatedCatalog(150);
const GENERATED_APPS = GENERATED.filter((entry) => !entry.parent);

const alice: Principal = {
  id: SEED.users.alice.id,
  email: SEED.users.alice.email,
  displayName: 'Alice',
  active: true,
};

interface World {
  http: OktaHttp;
  metrics: Metrics;
  /** The `filter` of each call the org received on Alice's catalog, in order. */
  filters: string[];
  /** Holds the org's answers to access-level reads until `release`. */
  holdLevels(): { held: () => number; release: () => void };
  advance(ms: number): void;
}

const emulators: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

async function world(options: { catalogsPerMinute?: number } = {}): Promise<World> {
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const org = createOktaOrg(
    options.catalogsPerMinute === undefined
      ? { rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE, now }
      : { rateLimits: { catalogs: options.catalogsPerMinute }, now },
  );
  org.addEntries(GENERATED);
  const emulator = Fastify();
  emulators.push(emulator);
  const filters: string[] = [];
  let gate: { promise: Promise<void>; waiting: number } | undefined;
  emulator.addHook('onRequest', async (request) => {
    if (!request.url.includes('/catalogs/default/user/')) return;
    const filter = String((request.query as Record<string, unknown>).filter);
    filters.push(filter);
    if (gate && filter.startsWith('parent eq')) {
      gate.waiting += 1;
      await gate.promise;
    }
  });
  await emulator.register(oktaEmulator, { org });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const { port } = emulator.server.address() as { port: number };
  const metrics = createMetrics();
  const http = new OktaHttp({
    metrics,
    orgUrl: `http://127.0.0.1:${port}`,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 5_000,
    baseBackoffMs: 1,
    maxAttempts: 2,
    now,
  });
  return {
    http,
    metrics,
    filters,
    holdLevels() {
      let release = () => {};
      const held = { promise: new Promise<void>((resolve) => (release = resolve)), waiting: 0 };
      gate = held;
      return {
        held: () => held.waiting,
        release: () => {
          gate = undefined;
          release();
        },
      };
    },
    advance: (ms) => {
      ahead += ms;
    },
  };
}

async function spentAs(metrics: Metrics, priority: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith('gatehouse_governance_budget_spent_total{') &&
        l.includes('family="catalogs"') &&
        l.includes(`priority="${priority}"`),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

const levelsOf = (app: CatalogEntryRecord) => `parent eq "${app.id}"`;

describe("a person's Okta catalog, beyond its first answer", () => {
  const limits: OktaCatalogLimits = { ...OKTA_CATALOG_LIMITS, prefetchApps: 10, concurrency: 2, firstAnswerWaitMs: 20 };

  it("reads the rest of its levels as background work: only the first answer is the person's", async () => {
    const { http, metrics, filters, holdLevels } = await world();
    const sizes: number[] = [];
    // Okta holds the first level reads past the first answer's wait: the person is answered without them.
    const slow = holdLevels();
    const catalog = await OktaPersonCatalog.load(http, alice, { limits, grew: (grown) => sizes.push(grown.size) });
    // The reads sent before the answer, still held by Okta (they may reach it just after the answer).
    await vi.waitFor(() => expect(slow.held()).toBe(limits.concurrency));
    const answeredSize = catalog.size;
    slow.release();
    await catalog.prefetched();
    // Its keeper hears of each growth after the answer, so the bound on catalogs kept counts it.
    expect(sizes).toHaveLength(limits.prefetchApps);
    expect(sizes.at(-1)).toBe(catalog.size);
    expect(catalog.size).toBeGreaterThan(answeredSize);

    const levelReads = filters.filter((filter) => filter.startsWith('parent eq')).length;
    expect(levelReads).toBe(limits.prefetchApps);
    // The apps' page and the reads already sent when the person was answered are theirs; the rest is not.
    expect(await spentAs(metrics, 'person')).toBe(1 + limits.concurrency);
    expect(await spentAs(metrics, 'background')).toBe(limits.prefetchApps - limits.concurrency);
  });

  it('leaves a budget kept for people to them: the prefetch gives way, and a search reads what it needs', async () => {
    // An org allowing 7 catalog calls a minute: once the person's first three are spent, what is
    // left is under the reserve background work leaves to people (src/api/budget.ts RESERVES).
    const { http, metrics, filters, holdLevels } = await world({ catalogsPerMinute: 7 });
    const slow = holdLevels();
    const catalog = await OktaPersonCatalog.load(http, alice, { limits });
    slow.release();
    await catalog.prefetched();
    // Only the person's own calls reached Okta: the apps' page and the reads sent before the answer.
    expect(filters).toHaveLength(1 + limits.concurrency);
    expect(await spentAs(metrics, 'background')).toBe(0);

    const last = GENERATED_APPS.at(-1);
    if (!last) throw new Error('no generated app');
    const found = await catalog.search([...last.name.toLowerCase().split(' '), 'billing'], 5);
    expect(found.map((item) => item.name)).toEqual([`${last.name} — Billing`]);
    expect(filters.at(-1)).toBe(levelsOf(last));
  });
});

describe("a person's Okta catalog read afresh", () => {
  it('reads again the levels of the apps used lately, at most `refreshApps` of them, not every one ever read', async () => {
    const { http, filters, advance } = await world();
    const limits: OktaCatalogLimits = { ...OKTA_CATALOG_LIMITS, prefetchApps: 3, refreshApps: 2 };
    const catalog = new OktaCatalog(http, { freshMs: FRESH_MS, limits });
    await catalog.search(alice, '', 5);
    await catalog.settled();
    const firstRead = filters.length;
    const prefetched = new Set(filters.filter((filter) => filter.startsWith('parent eq')));
    expect(prefetched.size).toBe(limits.prefetchApps);

    // Five apps beyond the first ones, each looked for by name, and so read, one after the other.
    const looked = GENERATED_APPS.slice(-5);
    for (const app of looked) {
      expect((await catalog.search(alice, `${app.name} viewer`, 5)).map((item) => item.name)).toEqual([
        `${app.name} — Viewer`,
      ]);
    }
    expect(filters.slice(firstRead)).toEqual(looked.map(levelsOf));

    advance(FRESH_MS + 1_000);
    const beforeRefresh = filters.length;
    await catalog.search(alice, 'anything', 5);
    await catalog.settled();
    const refreshed = filters.slice(beforeRefresh);
    expect(refreshed[0]).toBe('not(parent pr)');
    // The first apps again, and the two used last: not the three used before them.
    expect(new Set(refreshed.slice(1))).toEqual(new Set([...prefetched, ...looked.slice(-2).map(levelsOf)]));

    // The app used last is found by its level's name without asking Okta; one used earlier is read then.
    const afterRefresh = filters.length;
    const latest = looked.at(-1);
    const earlier = looked[0];
    if (!latest || !earlier) throw new Error('no apps looked at');
    expect((await catalog.search(alice, `${latest.name} admin`, 5)).map((item) => item.name)).toEqual([
      `${latest.name} — Admin`,
    ]);
    expect(filters.length).toBe(afterRefresh);
    expect((await catalog.search(alice, `${earlier.name} admin`, 5)).map((item) => item.name)).toEqual([
      `${earlier.name} — Admin`,
    ]);
    expect(filters.slice(afterRefresh)).toEqual([levelsOf(earlier)]);
  });
});
