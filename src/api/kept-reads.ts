import { AsyncLocalStorage } from 'node:async_hooks';
import { LRUCache } from 'lru-cache';
import { GovernanceRateLimited } from '../domain/errors.js';

/** A read's answer as it came (before the caller's schema), and the rate-limit family it was spent in. */
export interface KeptRead {
  json: unknown;
  nextCursor?: string;
  family: string;
}

interface Scope {
  /** What the refused try of this action read, served once each to this try. */
  previous: Map<string, KeptRead>;
  /** What this try read, from the vendor or from `previous`. */
  made: Map<string, KeptRead>;
  /** A write of this try may have landed: what it read before describes a world that has changed. */
  wrote: boolean;
}

/**
 * Longest a refused action's reads are kept for its retry: no older than a person's catalog is
 * searched as read by default (CATALOG_CACHE_SECONDS), whatever reset the refusal named.
 */
const KEPT_AT_MOST_MS = 5 * 60_000;
/** After the reset the person was told of: they come back a little after it, not to the millisecond. */
const GRACE_MS = 60_000;
const ACTIONS_KEPT = 1_000;

/**
 * The reads of a person's action that the rate budget refused part-way, kept until a little after the
 * time they were told to come back, so their retry does not spend the budget again on what it had
 * already read. Only the same action (its key: who, what) gets them back, each read once, and only
 * when nothing the action wrote may have landed; a retry that succeeds, or fails otherwise, leaves
 * nothing kept.
 */
export class KeptReads {
  private readonly scopes = new AsyncLocalStorage<Scope>();
  private readonly kept = new LRUCache<string, { reads: Map<string, KeptRead>; until: number }>({
    max: ACTIONS_KEPT,
  });

  constructor(private readonly now: () => number) {}

  /** Runs `work` as the action `key`; inside another action it is part of that one. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.scopes.getStore()) return work();
    const left = this.kept.get(key);
    this.kept.delete(key);
    const scope: Scope = {
      previous: left && left.until > this.now() ? left.reads : new Map(),
      made: new Map(),
      wrote: false,
    };
    try {
      return await this.scopes.run(scope, work);
    } catch (error) {
      const reads = new Map([...scope.previous, ...scope.made]);
      if (error instanceof GovernanceRateLimited && !scope.wrote && reads.size > 0) {
        const until = this.now() + Math.min(error.retryAfterMs + GRACE_MS, KEPT_AT_MOST_MS);
        this.kept.set(key, { reads, until });
      }
      throw error;
    }
  }

  /** The families the running action's kept reads were spent in, one entry per read. */
  families(): string[] {
    return [...(this.scopes.getStore()?.previous.values() ?? [])].map((read) => read.family);
  }

  /** The answer the refused try of the running action read at `read`, if any, taken once. */
  take(read: string): KeptRead | undefined {
    const scope = this.scopes.getStore();
    const kept = scope?.previous.get(read);
    if (!scope || !kept) return undefined;
    scope.previous.delete(read);
    scope.made.set(read, kept);
    return kept;
  }

  record(read: string, answer: KeptRead): void {
    this.scopes.getStore()?.made.set(read, answer);
  }

  /** A write of the running action was sent and may have landed. */
  wrote(): void {
    const scope = this.scopes.getStore();
    if (scope) scope.wrote = true;
  }
}
