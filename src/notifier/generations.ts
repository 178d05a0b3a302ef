import { StoreUnavailable } from '../domain/errors.js';
import type { Store } from '../store/index.js';

/**
 * Each request's generation: a number that moves on whenever a change to the request is noticed (a
 * poll or a hook queues it, a flow publishes it), so a reading kept with the generation it was
 * taken under, and only while that generation stands, is no older than any change noticed before
 * it. The numbers come from one sequence in the store, shared by every replica, so they also place
 * a notice against a search: a poll takes the sequence's value (its mark) before it searches, and
 * a request whose generation has gone past the mark since was noticed changing after the search
 * began. Okta's `lastUpdated` could not do this: a step decided mid-sequence does not move it.
 */

const SEQUENCE_KEY = 'reading:sequence';
/**
 * Longer than a poll or a queued job's wait, in the common case: a generation forgotten only
 * leaves the next readings of its request unshared, never wrong.
 */
const GENERATION_TTL_MS = 60 * 60_000;
/** How long the first job of a change has to number it before a sibling job numbers it instead. */
const NUMBERING_MS = 10_000;
const NUMBERING = 'numbering';
/** Compare-and-swap rounds lost to other writers before giving up (each round is two store calls). */
const MAX_ROUNDS = 50;

const generationKey = (requestId: string) => `reading:generation:${requestId}`;
const changeKey = (requestId: string, changeId: string) => `reading:change:${requestId}:${changeId}`;

export class Generations {
  constructor(private readonly store: Store) {}

  /** Where the sequence stands now: every generation given out later is larger. */
  async mark(): Promise<number> {
    return toNumber(await this.store.get(SEQUENCE_KEY)) ?? 0;
  }

  /** The request's generation; null when none is known (never noticed, or forgotten). */
  async current(requestId: string): Promise<number | null> {
    return toNumber(await this.store.get(generationKey(requestId)));
  }

  /** A change to the request was noticed: its generation moves past every reading taken before. */
  async bump(requestId: string): Promise<number> {
    const key = generationKey(requestId);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const raw = await this.store.get(key);
      const next = await this.next(toNumber(raw) ?? 0);
      if (await this.store.compareAndSwap(key, raw, String(next), { ttlMs: GENERATION_TTL_MS })) return next;
    }
    throw contended(`generation of ${requestId}`);
  }

  /**
   * A search that began at `mark` found the request changed and answered it whole: its answer is
   * written (`write`) under a new generation that becomes the request's only if nothing was noticed
   * since the search began; otherwise the request's generation moves on without it, and whoever
   * needs the request reads it. Returns the generation the change stands at either way.
   */
  async keepIfUnmoved(requestId: string, mark: number, write: (generation: number) => Promise<void>): Promise<number> {
    const key = generationKey(requestId);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const raw = await this.store.get(key);
      const at = toNumber(raw);
      if (at !== null && at > mark) break;
      const next = await this.next(at ?? 0);
      // The sequence went back below the mark: the store lost it since, and what it ordered with it.
      if (next <= mark) break;
      // Written before it can be current: until the swap, nobody takes a reading of generation `next`.
      await write(next);
      if (await this.store.compareAndSwap(key, raw, String(next), { ttlMs: GENERATION_TTL_MS })) return next;
    }
    return this.bump(requestId);
  }

  /**
   * The generation of the change `changeId` (every platform's job of one enqueue names the same):
   * the first job to ask numbers it with a bump, so readings taken before it was queued are drawn
   * by none of its jobs; 'numbering' while another job is doing so.
   */
  async ofChange(requestId: string, changeId: string): Promise<number | 'numbering'> {
    const key = changeKey(requestId, changeId);
    const known = await this.store.get(key);
    if (known !== null) return toNumber(known) ?? NUMBERING;
    if (!(await this.store.compareAndSwap(key, null, NUMBERING, { ttlMs: NUMBERING_MS }))) {
      return toNumber(await this.store.get(key)) ?? NUMBERING;
    }
    const generation = await this.bump(requestId);
    await this.name(requestId, changeId, generation);
    return generation;
  }

  /** The change `changeId` stands at `generation` (numbered by whoever noticed it). */
  async name(requestId: string, changeId: string, generation: number): Promise<void> {
    await this.store.set(changeKey(requestId, changeId), String(generation), { ttlMs: GENERATION_TTL_MS });
  }

  /** The next number of the sequence, above `floor` too (a store that lost the sequence, not the generation). */
  private async next(floor: number): Promise<number> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const raw = await this.store.get(SEQUENCE_KEY);
      const next = Math.max(toNumber(raw) ?? 0, floor) + 1;
      if (await this.store.compareAndSwap(SEQUENCE_KEY, raw, String(next))) return next;
    }
    throw contended('generation sequence');
  }
}

/**
 * Lost the compare-and-swap to other writers every round: as good as a store that did not answer
 * for now, so the sync is queued to try again (as for StoreUnavailable) rather than dropped.
 */
function contended(what: string): StoreUnavailable {
  return new StoreUnavailable('compareAndSwap', { cause: new Error(`${what} contended`) });
}

function toNumber(raw: string | null): number | null {
  if (raw === null) return null;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : null;
}
