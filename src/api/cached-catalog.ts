import { LRUCache } from 'lru-cache';
import type { Principal } from '../domain/types.js';
import { withPriority } from './priority.js';

/** A person's catalog is read afresh this long after it was fetched, unless the client says otherwise. */
export const CATALOG_FRESH_MS = 5 * 60_000;
/** After a refresh failed, the next is tried no sooner than this (the last catalog is served meanwhile). */
const RETRY_AFTER_FAILURE_MS = 30_000;
const MAX_PEOPLE = 1_000;
/** Entries kept across everyone's catalogs (a 20,000-entry catalog is about 10 MB of heap). */
const MAX_ENTRIES = 400_000;

export interface PersonCatalogsOptions<C> {
  /**
   * Reads one person's catalog from the backend. `previous` is the catalog being refreshed, if
   * any, so a loader can carry over what the person used. A catalog that goes on growing after it
   * answered (levels read in the background) calls `grew` each time, so its size is measured again.
   */
  load(principal: Principal, previous: C | undefined, grew: (catalog: C) => void): Promise<C>;
  /** Gatehouse's clock: a test moves it rather than waiting out a TTL. */
  now: () => number;
  /** How long a catalog is served as it is; after that it is served while read afresh. 0: read on every use. */
  freshMs?: number;
  /** Whose catalogs are kept at most, least recently used dropped first. */
  maxPeople?: number;
  /** Entries kept across everyone's catalogs at most (MAX_ENTRIES unless a test says otherwise). */
  maxEntries?: number;
  /** How many entries a catalog holds, so that all kept stay under the bound however large each is. */
  sizeOf(catalog: C): number;
  /** Told when a refresh in the background failed (the last catalog keeps being served). */
  onRefreshFailed?(error: unknown, principal: Principal): void;
}

interface Kept<C> {
  catalog: C;
  /** When it was read: it is fresh until `freshMs` after. */
  readAt: number;
  refreshAt: number;
}

/**
 * Each person's requestable catalog, kept in this process so type-ahead searches it without asking
 * the governance system. Kept in memory rather than in the store: a catalog runs to thousands of
 * entries and is searched on every keystroke, which a Redis read per keystroke would make slower
 * than the local search itself; another replica pays one fetch of its own per person and TTL.
 *
 * Stale-while-revalidate: only a person's first search waits for their catalog; once it is older
 * than `freshMs` it is still answered from at once while one read afresh runs in the background,
 * and a failed refresh keeps the last catalog (tried again after a pause, not on every keystroke).
 * One read per person is in flight at a time, whoever asks. The bound on entries kept counts each
 * catalog as it grows after its first answer, not only as it was when first kept.
 */
export class PersonCatalogs<C extends object> {
  private readonly kept: LRUCache<string, Kept<C>>;
  private readonly reading = new Map<string, Promise<C>>();
  private readonly freshMs: number;

  constructor(private readonly options: PersonCatalogsOptions<C>) {
    this.freshMs = options.freshMs ?? CATALOG_FRESH_MS;
    const maxEntries = options.maxEntries ?? MAX_ENTRIES;
    this.kept = new LRUCache({
      max: options.maxPeople ?? MAX_PEOPLE,
      maxSize: maxEntries,
      // Capped at the bound, or one catalog larger than all the others together would not be kept at all.
      sizeCalculation: (kept) => Math.min(Math.max(1, options.sizeOf(kept.catalog)), maxEntries),
    });
  }

  async of(principal: Principal): Promise<C> {
    const kept = this.freshMs > 0 ? this.kept.get(principal.id) : undefined;
    if (!kept) return this.read(principal);
    if (this.options.now() >= kept.refreshAt) this.refresh(principal, kept);
    return kept.catalog;
  }

  /**
   * The person's catalog when it is kept and was read less than `freshMs` ago; never reads one.
   * What it says may stand in for a read of the backend's own (an entry's name), not for its word
   * on what the person may do.
   */
  fresh(principal: Principal): C | undefined {
    if (this.freshMs <= 0) return undefined;
    const kept = this.kept.get(principal.id);
    return kept && this.options.now() < kept.readAt + this.freshMs ? kept.catalog : undefined;
  }

  /** Reads still running (tests and the bench wait for them rather than for time). */
  async settled(): Promise<void> {
    while (this.reading.size > 0) await Promise.allSettled([...this.reading.values()]);
  }

  private refresh(principal: Principal, kept: Kept<C>): void {
    if (this.reading.has(principal.id)) return;
    // Set before the read so a failing backend is not asked again on the next keystroke.
    kept.refreshAt = this.options.now() + RETRY_AFTER_FAILURE_MS;
    // Nobody waits for a refresh: it spends the budget as background work, giving way to people.
    withPriority('background', () => this.read(principal, kept.catalog)).catch((error: unknown) =>
      this.options.onRefreshFailed?.(error, principal),
    );
  }

  private read(principal: Principal, previous?: C): Promise<C> {
    const running = this.reading.get(principal.id);
    if (running) return running;
    const reading = this.options
      .load(principal, previous, (catalog) => this.remeasure(principal.id, catalog))
      .then((catalog) => {
        const readAt = this.options.now();
        if (this.freshMs > 0) this.kept.set(principal.id, { catalog, readAt, refreshAt: readAt + this.freshMs });
        return catalog;
      })
      .finally(() => this.reading.delete(principal.id));
    this.reading.set(principal.id, reading);
    return reading;
  }

  /**
   * The LRU measures a value when it is set, and not again when the same value is set: a copy is
   * set, so the catalog's new size counts and others are dropped if all kept now exceed the bound.
   */
  private remeasure(id: string, catalog: C): void {
    const kept = this.kept.peek(id);
    if (kept?.catalog === catalog) this.kept.set(id, { ...kept });
  }
}
