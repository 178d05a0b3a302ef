import {
  type CatalogEntryRecord,
  createOktaOrg,
  GENEROUS_RATE_LIMIT_PER_MINUTE,
  type OktaOrg,
  oktaEmulator,
  SEED,
} from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OktaCatalog } from '../../../src/api/okta/catalog.js';
import { OktaHttp } from '../../../src/api/okta/http.js';
import { OKTA_CATALOG_LIMITS } from '../../../src/api/okta/person-catalog.js';
import { SANDBOX_SECRETS } from '../../../src/config.js';
import type { Principal } from '../../../src/domain/types.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';

/**
 * Each person's catalog read once with the filters Okta documents, searched locally, and read
 * afresh in the background: what the emulated org receives is counted and its filters read.
 */

const { users: U, entries: E } = SEED;
const FRESH_MS = 5 * 60_000;

interface Harness {
  org: OktaOrg;
  metrics: Metrics;
  catalog: OktaCatalog;
  /** Every `filter` the org received on a person's catalog, in order. */
  filters: string[];
  catalogCalls: () => number;
  /** Moves Gatehouse's clock on. */
  advance: (ms: number) => void;
  /** Holds the org's catalog answers until `release` (a slow Okta). */
  hold: () => { held: () => number; release: () => void };
}

const emulators: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(emulators.splice(0).map((emulator) => emulator.close()));
});

async function harness(): Promise<Harness> {
  const org = createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
  const emulator = Fastify();
  emulators.push(emulator);
  const filters: string[] = [];
  let gate: { promise: Promise<void>; waiting: number } | undefined;
  emulator.addHook('onRequest', async (request) => {
    if (!request.url.includes('/catalogs/default/user/')) return;
    filters.push(String((request.query as Record<string, unknown>).filter));
    if (gate) {
      gate.waiting += 1;
      await gate.promise;
    }
  });
  await emulator.register(oktaEmulator, { org });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const { port } = emulator.server.address() as { port: number };
  let ahead = 0;
  const metrics = createMetrics();
  const http = new OktaHttp({
    metrics,
    orgUrl: `http://127.0.0.1:${port}`,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 5_000,
    baseBackoffMs: 1,
    maxAttempts: 2,
    now: () => Date.now() + ahead,
  });
  return {
    org,
    metrics,
    // The whole seed catalog is the first answer, however slow the machine: all of it is the typist's.
    catalog: new OktaCatalog(http, {
      freshMs: FRESH_MS,
      limits: { ...OKTA_CATALOG_LIMITS, firstAnswerWaitMs: 10_000 },
    }),
    filters,
    catalogCalls: () => org.calls.filter((call) => call.path.includes('/catalogs/default/user/')).length,
    advance: (ms) => {
      ahead += ms;
    },
    hold: () => {
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
  };
}

const person = (user: { id: string; email: string }): Principal => ({
  id: user.id,
  email: user.email,
  displayName: user.email,
  active: true,
});
const alice = person(U.alice);
const carol = person(U.carol);

async function names(catalog: OktaCatalog, who: Principal, text: string): Promise<string[]> {
  return (await catalog.search(who, text, 25)).map((item) => item.name).sort();
}

/** A new access level under Figma, which anyone Figma's Editor is open to may request. */
function figmaViewer(org: OktaOrg): CatalogEntryRecord {
  const level = org.directory.entries().find((entry) => entry.id === E.figmaEditor.id);
  if (!level) throw new Error('the seed has no Figma Editor');
  return { ...level, id: 'cenFigmaViewer0000000', name: 'Figma — Viewer', description: 'View files' };
}

describe("a person's Okta catalog", () => {
  it('finds an access level by its own name, sending only the filters Okta documents', async () => {
    const { catalog, filters } = await harness();
    expect(await names(catalog, alice, 'editor')).toEqual(['Figma — Editor']);
    expect(await names(catalog, alice, 'ADMIN')).toEqual(['Salesforce — Admin', 'Slack — Workspace Admin']);
    expect(filters.length).toBeGreaterThan(1);
    // Apps with `not(parent pr)`, each app's levels with `parent eq "<its id>"`; never `parent pr`.
    const undocumented = filters.filter(
      (filter) => filter !== 'not(parent pr)' && !/^parent eq "cen\w+"$/.test(filter),
    );
    expect(undocumented).toEqual([]);
    expect(filters).toContain('not(parent pr)');
  });

  it('answers every search after the first without asking Okta', async () => {
    const { catalog, catalogCalls } = await harness();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    await catalog.settled();
    const afterFirst = catalogCalls();
    expect(afterFirst).toBeGreaterThan(0);
    for (const text of ['fig', 'figm', 'slack', 'slack w', 'google', 'zoom pro', 'editor', '', 'xyzzy', '🚀']) {
      await catalog.search(alice, text, 25);
    }
    expect(await names(catalog, alice, 'salesforce admin')).toEqual(['Salesforce — Admin']);
    expect(await names(catalog, alice, 'xyzzy')).toEqual([]);
    expect(catalogCalls()).toBe(afterFirst);
  });

  it('never shows a person what they may not request', async () => {
    const { catalog, filters } = await harness();
    // Only Engineering may request AWS Production: Carol is in it, Alice is not.
    expect(await names(catalog, carol, 'aws')).toEqual(['AWS Production — Admin', 'AWS Production — ReadOnly']);
    expect(await names(catalog, alice, 'aws')).toEqual([]);
    expect(await names(catalog, alice, 'production')).toEqual([]);
    expect(filters.length).toBeGreaterThan(0);
  });

  it('is read afresh after its time, while the person goes on being answered from the last one', async () => {
    const { org, metrics, catalog, catalogCalls, advance, hold } = await harness();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    await catalog.settled();
    const oneRead = catalogCalls();
    const spentAs = async (priority: string) => {
      const text = await metrics.registry.metrics();
      const line = text
        .split('\n')
        .find((l) => l.startsWith('gatehouse_governance_budget_spent_total{') && l.includes(`priority="${priority}"`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    // The first read is the typist's own; nobody waits for a refresh, so it gives way to people.
    expect(await spentAs('person')).toBe(oneRead);
    org.addEntries([figmaViewer(org)]);

    // Before its time: still the catalog as read, and no call.
    advance(FRESH_MS - 1_000);
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    expect(catalogCalls()).toBe(oneRead);

    // After it, with Okta holding every answer: the keystrokes are answered from the last catalog
    // while the read afresh is still waiting on Okta's first page.
    advance(2_000);
    const slow = hold();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    await vi.waitFor(() => expect(slow.held()).toBe(1));
    expect(await names(catalog, alice, 'fig')).toEqual(['Figma — Editor']);
    expect(await names(catalog, alice, 'figma editor')).toEqual(['Figma — Editor']);
    slow.release();
    await catalog.settled();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor', 'Figma — Viewer']);
    // One read afresh, however many keystrokes came while it ran, spent as background work.
    expect(catalogCalls()).toBe(2 * oneRead);
    expect(await spentAs('background')).toBe(oneRead);
  });

  it('keeps serving the last catalog when reading it afresh fails, and tries again later', async () => {
    const { org, catalog, catalogCalls, advance } = await harness();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    await catalog.settled();
    org.addEntries([figmaViewer(org)]);

    org.faults.add({
      kind: 'status',
      status: 503,
      path: /\/catalogs\/default\/user\//,
      times: Number.POSITIVE_INFINITY,
    });
    advance(FRESH_MS + 1_000);
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    await catalog.settled();
    const failed = catalogCalls();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor']);
    expect(await names(catalog, alice, 'editor')).toEqual(['Figma — Editor']);
    await catalog.settled();
    // Not asked again on every keystroke while Okta fails.
    expect(catalogCalls()).toBe(failed);

    org.faults.clear();
    advance(60_000);
    await catalog.search(alice, 'figma', 25);
    await catalog.settled();
    expect(await names(catalog, alice, 'figma')).toEqual(['Figma — Editor', 'Figma — Viewer']);
  });
});
