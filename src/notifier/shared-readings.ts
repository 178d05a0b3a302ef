import { z } from 'zod';
import type { AccessRequest } from '../domain/types.js';
import { getJson, type Store, setJson } from '../store/index.js';
import { Generations } from './generations.js';
import { storedRequest } from './stored-request.js';

/**
 * One reading of a request for every platform's sync of one change, on any replica. A change is
 * queued once for all platforms (one job per platform, one `changeId`); the first of its jobs to
 * read the request keeps what it read in the store, with the request's generation, and the others
 * draw on it instead of reading again. A job never draws a reading older than the change that
 * queued it, nor one older than a change noticed since: a reading is kept only if the request's
 * generation did not move while it was taken, and handed out only while that generation stands
 * and is at least the change's own (generations.ts). It lives seconds (READING_TTL_MS) anyway.
 */

/** How long a kept reading may be drawn on: its siblings' syncs run within seconds of each other. */
const READING_TTL_MS = 30_000;
/** How long a replica reading a request holds the others' jobs off it (they come back for its reading). */
const UNDER_WAY_MS = 10_000;
/** When a job held off that way comes back: about one governance read later. */
export const UNDER_WAY_RETRY_MS = 250;

const kept = z.object({ generation: z.number(), request: storedRequest });

const keptKey = (requestId: string) => `reading:kept:${requestId}`;
const leaseName = (requestId: string) => `reading:${requestId}`;

/** Another replica is reading (or numbering) the request for this change: the job comes back for its reading. */
export class ReadingUnderWay extends Error {
  constructor(readonly requestId: string) {
    super(`a reading of ${requestId} is under way elsewhere`);
  }
}

export type ReadRequest = () => Promise<AccessRequest | null>;

export class SharedReadings {
  private readonly generations: Generations;
  /** Reads under way in this process, by request and generation: a sibling job joins one rather than wait for the store. */
  private readonly flights = new Map<string, Promise<AccessRequest | null>>();
  /** Changes being numbered in this process, so a sibling job waits for the number rather than go without. */
  private readonly numbering = new Map<string, Promise<number | 'numbering'>>();

  constructor(private readonly store: Store) {
    this.generations = new Generations(store);
  }

  /** A flow changed the request: no job draws a reading taken before. */
  async changed(requestId: string): Promise<void> {
    await this.generations.bump(requestId);
  }

  /** Taken before a search whose answers are kept (`keep`). */
  mark(): Promise<number> {
    return this.generations.mark();
  }

  /**
   * A search begun at `mark` found the request changed and answered it whole: the jobs queued for
   * it under `changeId` draw on that answer, unless the request was noticed changing since the
   * search began (then they read it).
   */
  async keep(requestId: string, changeId: string, request: AccessRequest, mark: number): Promise<void> {
    const generation = await this.generations.keepIfUnmoved(requestId, mark, (at) =>
      setJson(this.store, keptKey(requestId), { generation: at, request }, { ttlMs: READING_TTL_MS }),
    );
    await this.generations.name(requestId, changeId, generation);
  }

  /**
   * The request for a job of the change `changeId`: a reading another job of it (or a later
   * change) took, when one stands, else `read()`, kept for the others. Without a change id (a later
   * pass, a sync nobody queued) it is read afresh, and still kept. Throws ReadingUnderWay when
   * another replica is reading it for this change right now.
   */
  async draw(requestId: string, changeId: string | undefined, read: ReadRequest): Promise<AccessRequest | null> {
    const wanted = changeId === undefined ? undefined : await this.generationOf(requestId, changeId);
    const at = await this.generations.current(requestId);
    const shared = wanted !== undefined && at !== null && at >= wanted;
    const key = `${requestId}@${at}`;
    const flying = shared ? this.flights.get(key) : undefined;
    if (flying) return flying;
    const flight = this.readUnder(requestId, at, shared, read);
    if (at !== null) {
      this.flights.set(key, flight);
      const forget = () => {
        if (this.flights.get(key) === flight) this.flights.delete(key);
      };
      flight.then(forget, forget);
    }
    return flight;
  }

  private async generationOf(requestId: string, changeId: string): Promise<number> {
    const key = `${requestId}:${changeId}`;
    let numbering = this.numbering.get(key);
    if (!numbering) {
      const asked = this.generations.ofChange(requestId, changeId);
      numbering = asked;
      this.numbering.set(key, asked);
      const forget = () => {
        if (this.numbering.get(key) === asked) this.numbering.delete(key);
      };
      asked.then(forget, forget);
    }
    const generation = await numbering;
    if (generation === 'numbering') throw new ReadingUnderWay(requestId);
    return generation;
  }

  private async readUnder(
    requestId: string,
    at: number | null,
    shared: boolean,
    read: ReadRequest,
  ): Promise<AccessRequest | null> {
    if (shared) {
      const found = await getJson(this.store, keptKey(requestId), kept);
      if (found && found.generation === at) return found.request;
    }
    const lease = at === null ? null : await this.store.acquireLock(leaseName(requestId), UNDER_WAY_MS);
    // Another replica is reading it now, and keeps what it reads: coming back for that costs no read.
    if (shared && !lease) throw new ReadingUnderWay(requestId);
    try {
      const request = await read();
      if (request && at !== null && (await this.generations.current(requestId)) === at) {
        await setJson(this.store, keptKey(requestId), { generation: at, request }, { ttlMs: READING_TTL_MS });
      }
      return request;
    } finally {
      await lease?.release().catch(() => false);
    }
  }
}
