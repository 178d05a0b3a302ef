import { describe, expect, it } from 'vitest';
import { PersonCatalogs } from '../../src/api/cached-catalog.js';
import type { Principal } from '../../src/domain/types.js';

/**
 * The bound on all people's catalogs kept in memory, counted in entries, holds while catalogs grow
 * after their first answer (Okta's access levels keep arriving in the background), not only as
 * each was when first kept.
 */

/** A catalog whose size the test sets, telling its keeper as it grows (as a loader's `grew` does). */
interface Growing {
  size: number;
  grow(size: number): void;
}

const person = (id: string): Principal => ({ id, email: `${id}@acme.example`, displayName: id, active: true });
const alice = person('alice');
const bob = person('bob');
const carol = person('carol');

function keeper(maxEntries: number) {
  const loaded: string[] = [];
  const catalogs = new PersonCatalogs<Growing>({
    load: async (principal, _previous, grew) => {
      loaded.push(principal.id);
      const catalog: Growing = {
        size: 30,
        grow(size) {
          catalog.size = size;
          grew(catalog);
        },
      };
      return catalog;
    },
    now: () => 0,
    freshMs: 60_000,
    maxEntries,
    sizeOf: (catalog) => catalog.size,
  });
  return { catalogs, loaded };
}

describe("people's catalogs kept in memory", () => {
  it('drop the least recently used when one grows past the bound after it was kept', async () => {
    const { catalogs, loaded } = keeper(100);
    const alices = await catalogs.of(alice);
    await catalogs.of(bob);
    await catalogs.of(carol);
    // 90 entries of 100 kept: everyone's catalog is at hand.
    expect([alice, bob, carol].map((who) => catalogs.fresh(who) !== undefined)).toEqual([true, true, true]);

    alices.grow(60);

    // 120 entries would be kept: Bob's, the least recently used, goes, and is read again when he types.
    expect(catalogs.fresh(bob)).toBeUndefined();
    expect(catalogs.fresh(alice)).toBe(alices);
    expect(catalogs.fresh(carol)).toBeDefined();
    await catalogs.of(bob);
    expect(loaded).toEqual(['alice', 'bob', 'carol', 'bob']);
  });

  it('keep a catalog grown larger than the bound on its own, and no other beside it', async () => {
    const { catalogs } = keeper(100);
    const alices = await catalogs.of(alice);
    await catalogs.of(bob);

    alices.grow(250);

    expect(catalogs.fresh(alice)).toBe(alices);
    expect(catalogs.fresh(bob)).toBeUndefined();
  });

  it('measure only the catalog kept, not one a refresh has since replaced', async () => {
    let clock = 0;
    const grown: Growing[] = [];
    const catalogs = new PersonCatalogs<Growing>({
      load: async (_principal, _previous, grew) => {
        const catalog: Growing = {
          size: 30,
          grow(size) {
            catalog.size = size;
            grew(catalog);
          },
        };
        grown.push(catalog);
        return catalog;
      },
      now: () => clock,
      freshMs: 1_000,
      maxEntries: 100,
      sizeOf: (catalog) => catalog.size,
    });
    await catalogs.of(alice);
    clock = 2_000;
    await catalogs.of(alice);
    await catalogs.settled();
    await catalogs.of(bob);
    const [replaced, current] = grown;
    if (!replaced || !current) throw new Error('no refresh happened');
    expect(catalogs.fresh(alice)).toBe(current);

    // The old catalog growing (a search still running on it) counts for nothing kept.
    replaced.grow(90);
    expect(catalogs.fresh(bob)).toBeDefined();
    expect(catalogs.fresh(alice)).toBe(current);
  });
});
