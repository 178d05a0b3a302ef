import { describe, expect, it } from 'vitest';
import type { Governance } from '../../src/api/governance.js';
import type { AccessGrant, AccessRequest, CatalogEntry, Principal } from '../../src/domain/types.js';
import { RequestChanges } from '../../src/flows/changes.js';
import { AlreadyHasAccess, Requesting } from '../../src/flows/requesting.js';
import { MemoryStore } from '../../src/store/index.js';
import { testLogger } from '../support/test-logger.js';

/**
 * Which entry typed words name, decided with the catalog (grammar offers the readings, the flow
 * asks): a catalog whose names hold "for" ("Tableau for Q4 Reporting") against one whose do not.
 * A stand-in catalog, since neither emulator's seed names an entry with "for" in it; the HTTP
 * round trips on both emulators are in test/adapters/{slack,teams}/requester-lifecycle.test.ts.
 */
const entry = (id: string, name: string, rules: Partial<CatalogEntry> = {}): CatalogEntry => ({
  id,
  name,
  kind: 'app',
  justificationRequired: false,
  duration: { allowed: true, required: false, max: 'P7D' },
  ...rules,
});

const CATALOG = [
  entry('tq4', 'Tableau for Q4 Reporting'),
  entry('tab', 'Tableau Viewer'),
  entry('fig', 'Figma Editor'),
  entry('adm', 'Salesforce Admin', { justificationRequired: true }),
  entry('aws', 'AWS Admin', { justificationRequired: true, duration: { allowed: true, required: true, max: 'PT8H' } }),
];

const ALICE: Principal = { id: 'u1', email: 'alice@example.com', displayName: 'Alice', active: true };

function world(held: AccessGrant[] | 'unreadable' = []) {
  const searches: string[] = [];
  const created: { entryId: string; justification?: string; accessDuration?: string }[] = [];
  const governance = {
    provider: 'okta',
    policy: async () => ({
      requireRequestJustification: false,
      requireRejectReason: false,
      requireApproveReason: false,
      allowSelfApproval: false,
    }),
    searchCatalog: async (_p: Principal, text: string) => {
      searches.push(text);
      const words = text.toLowerCase().split(/\s+/).filter(Boolean);
      return CATALOG.filter((e) => words.every((w) => e.name.toLowerCase().includes(w)));
    },
    getCatalogEntry: async (_p: Principal, id: string) => CATALOG.find((e) => e.id === id) ?? null,
    listRequests: async () => ({ items: [] }),
    listAccess: async () => {
      if (held === 'unreadable') throw new Error('grants API down');
      return held;
    },
    createRequest: async (input: { entryId: string; justification?: string; accessDuration?: string }) => {
      created.push({
        entryId: input.entryId,
        justification: input.justification,
        accessDuration: input.accessDuration,
      });
      const e = CATALOG.find((c) => c.id === input.entryId);
      return {
        id: `req${created.length}`,
        entry: { id: input.entryId, name: e?.name ?? '' },
        status: 'pending',
        requester: ALICE,
        requestedFor: ALICE,
        created: '2026-12-06T10:00:00Z',
        updated: '2026-12-06T10:00:00Z',
        steps: [],
        comments: [],
        justification: input.justification,
        accessDuration: input.accessDuration,
      } as unknown as AccessRequest;
    },
  } as unknown as Governance;
  const logger = testLogger();
  const requesting = new Requesting({
    governance,
    store: new MemoryStore(),
    logger,
    changes: new RequestChanges(logger),
    now: Date.now,
  });
  return { requesting, searches, created };
}

describe('words after "for" with the catalog in mind', () => {
  it('keeps an entry whose whole name holds "for", at the cost of one search', async () => {
    const { requesting, searches } = await world();
    const match = await requesting.resolveEntry(ALICE, 'Tableau for Q4 Reporting');
    expect(match).toMatchObject({ kind: 'match', entry: { id: 'tq4' } });
    expect(match.reason).toBeUndefined();
    expect(searches).toEqual(['Tableau for Q4 Reporting']);
  });

  it('reads the words after "for" as the reason when the whole text names nothing', async () => {
    const { requesting, searches } = await world();
    expect(await requesting.resolveEntry(ALICE, 'figma editor for design review')).toMatchObject({
      kind: 'match',
      entry: { id: 'fig' },
      reason: 'design review',
    });
    expect(searches).toEqual(['figma editor for design review', 'figma editor']);
  });

  it('tries the longest name first, then the shortest, so a reason may say "for" too', async () => {
    const { requesting } = await world();
    expect(await requesting.resolveEntry(ALICE, 'Tableau for Q4 Reporting for the board deck')).toMatchObject({
      entry: { id: 'tq4' },
      reason: 'the board deck',
    });
    expect(await requesting.resolveEntry(ALICE, 'figma editor for review for the launch')).toMatchObject({
      entry: { id: 'fig' },
      reason: 'review for the launch',
    });
  });

  it('offers the candidates for the words before "for", the reason kept, when they name several', async () => {
    const { requesting } = await world();
    const match = await requesting.resolveEntry(ALICE, 'tableau for design review');
    expect(match.kind).toBe('choose');
    expect(match).toMatchObject({ query: 'tableau', reason: 'design review' });
    if (match.kind === 'choose') expect(match.choices.map((c) => c.id).sort()).toEqual(['tab', 'tq4']);
  });

  it('requests with the "for" words and the "because" words as one reason', async () => {
    const { requesting, created } = await world();
    const result = await requesting.requestAccess(ALICE, {
      text: 'figma editor for design review',
      justification: 'board deck',
    });
    expect(result.kind).toBe('created');
    expect(created).toEqual([{ entryId: 'fig', justification: 'design review, because board deck' }]);
  });
});

describe('a missing reason or duration, asked from a one-line command', () => {
  it('answers the form, the entry chosen and what was typed filled in, and requests nothing', async () => {
    const { requesting, created } = await world();
    const result = await requesting.requestAccess(ALICE, { text: 'aws admin', duration: '4h', askForMissing: true });
    expect(result).toMatchObject({ kind: 'form', entry: { id: 'aws' }, missing: ['justification'], duration: 'PT4H' });
    const both = await requesting.requestAccess(ALICE, { text: 'aws admin', askForMissing: true });
    expect(both).toMatchObject({ kind: 'form', missing: ['justification', 'duration'] });
    expect(created).toEqual([]);
  });

  it('still refuses from a form (no askForMissing), and refuses what no form fixes', async () => {
    const { requesting } = await world();
    await expect(requesting.requestAccess(ALICE, { entryId: 'adm' })).rejects.toMatchObject({
      code: 'justification_required',
    });
    await expect(
      requesting.requestAccess(ALICE, { text: 'figma editor', duration: '3 weeks', askForMissing: true }),
    ).rejects.toMatchObject({ code: 'duration_too_long' });
  });
});

describe('access the person already holds', () => {
  const figmaUntil = { id: 'g1', entry: { id: 'fig', name: 'Figma Editor' }, status: 'active' as const };

  it('warns instead of requesting, with Extend only when the access ends', async () => {
    const ending = await world([{ ...figmaUntil, expiresAt: '2026-12-09T17:00:00Z' }]);
    const error = await ending.requesting
      .requestAccess(ALICE, { text: 'figma editor', duration: '2 days' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(AlreadyHasAccess);
    expect(error).toMatchObject({ code: 'already_has_access', extendable: true, duration: 'P2D' });
    expect(error.userMessage).toContain('You already have Figma Editor (until 2026-12-09 17:00 UTC)');
    expect(ending.created).toEqual([]);

    const forever = await world([figmaUntil]);
    const permanent = await forever.requesting.requestAccess(ALICE, { text: 'figma editor' }).catch((e) => e);
    expect(permanent).toMatchObject({ code: 'already_has_access', extendable: false });
    expect(permanent.userMessage).toContain('nothing to extend');
  });

  it('asks again when extending time-bound access, never for access with no end', async () => {
    const ending = await world([{ ...figmaUntil, expiresAt: '2026-12-09T17:00:00Z' }]);
    const result = await ending.requesting.requestAccess(ALICE, { entryId: 'fig', duration: 'P2D', extend: true });
    expect(result.kind).toBe('created');
    expect(ending.created).toEqual([{ entryId: 'fig', accessDuration: 'P2D' }]);

    const forever = await world([figmaUntil]);
    await expect(forever.requesting.requestAccess(ALICE, { entryId: 'fig', extend: true })).rejects.toMatchObject({
      code: 'already_has_access',
    });
    expect(forever.created).toEqual([]);
  });

  it('requests all the same when what the person holds cannot be read', async () => {
    const { requesting, created } = await world('unreadable');
    expect((await requesting.requestAccess(ALICE, { text: 'figma editor' })).kind).toBe('created');
    expect(created).toHaveLength(1);
  });
});
