import { GovernanceBudgetSpent, type GovernanceOperation, GovernanceRateLimited } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import {
  type Ask,
  type BudgetLedger,
  type BudgetWindow,
  type Grant,
  MemoryBudgetLedger,
  shortOf,
} from './budget-ledger.js';
import { currentPriority, type Priority } from './priority.js';

/** How a vendor counts its calls: which family a path draws on, and what it allows before it says. */
export interface RateFamilies {
  /** The family a call's path draws on. */
  familyOf(path: string): string;
  /** Calls a window allows before the vendor has said anything (documented, or configured). */
  defaultLimit(family: string): number;
  /** How long a window lasts when the vendor does not say when it resets. */
  windowMs: number;
  /** The window an answer reports (Okta's X-Rate-Limit-* headers); undefined where the vendor says nothing. */
  windowOf?(headers: Headers): { limit?: number; remaining: number; resetAt: number } | undefined;
}

/**
 * What each priority leaves for those above it: a person may spend a family down to zero; the
 * notifier's syncs stop while a fifth of the window (at least three calls) remains, so people
 * arriving meanwhile find calls left; background work stops while two fifths (at least six) remain,
 * so it never takes what the syncs would need first.
 */
export const RESERVES: Readonly<Record<Priority, { fraction: number; min: number }>> = {
  person: { fraction: 0, min: 0 },
  sync: { fraction: 0.2, min: 3 },
  background: { fraction: 0.4, min: 6 },
};

/**
 * Work that is not a person's found its family's budget down to the reserve, so it gave way rather
 * than spend what people need. Nothing was sent. `retryAfterMs` is when the window resets: the
 * notifier's queue puts the job back until then, the poller and reminders try again on their next round.
 */
export class BudgetYield extends GovernanceRateLimited {
  constructor(
    operation: GovernanceOperation,
    retryAfterMs: number,
    readonly family: string,
    readonly priority: Priority,
  ) {
    super(operation, retryAfterMs);
    this.message = `${operation}: ${priority} work yields the ${family} budget to people until its window resets in ${retryAfterMs} ms`;
  }
}

export interface RateBudgetOptions {
  provider: 'okta' | 'pingone';
  /** The org or tenant whose budget this is: one budget per org however many replicas spend it. */
  scope: string;
  families: RateFamilies;
  ledger?: BudgetLedger;
  metrics?: Metrics;
  now: () => number;
  /** A person waits for the window to reset only this long; beyond, they are told to come back. */
  maxWaitMs: number;
}

/**
 * The vendor's rate budget, family by family, spent by priority (see RESERVES). Each call takes one
 * from its family's window before it is sent; each answer's headers correct the window to what the
 * org says (its truth, counting other clients of the org too). A person is held back only by what
 * the vendor said (no calls left until the reset), never by a default Gatehouse assumed; work that
 * is not a person's is held back by either, and yields (BudgetYield) instead of waiting in-process.
 */
export class RateBudget {
  private readonly ledger: BudgetLedger;

  constructor(private readonly options: RateBudgetOptions) {
    this.ledger = options.ledger ?? new MemoryBudgetLedger();
  }

  familyOf(path: string): string {
    return this.options.families.familyOf(path);
  }

  /** Takes one call from `family` for the work running now; waits or throws when it may not. */
  async spend(operation: GovernanceOperation, family: string): Promise<void> {
    const priority = currentPriority();
    const { now, metrics, provider } = this.options;
    for (;;) {
      const at = now();
      const grant = await this.ledger.take(this.key(family), this.ask(family, priority, at));
      this.show(family, grant);
      if (grant.granted) {
        metrics?.governanceBudgetSpent.inc({ provider, family, priority });
        return;
      }
      const waitMs = Math.max(0, grant.resetAt - at);
      if (priority !== 'person') {
        metrics?.governanceBudgetHeld.inc({ provider, family, priority, outcome: 'yielded' });
        throw new BudgetYield(operation, waitMs, family, priority);
      }
      if (waitMs > this.options.maxWaitMs) {
        metrics?.governanceBudgetHeld.inc({ provider, family, priority, outcome: 'refused' });
        throw new GovernanceBudgetSpent(operation, waitMs);
      }
      metrics?.governanceBudgetHeld.inc({ provider, family, priority, outcome: 'waited' });
      // Never past the window's reset, and only for a person: the org said it has nothing left.
      await new Promise((resolve) => setTimeout(resolve, Math.max(waitMs, 1)));
    }
  }

  /**
   * Before an action that draws on several families spends in any: whether each family can serve
   * the calls the action will make there (`calls`, by family) for the work running now. Otherwise
   * the action would spend its first calls and be stopped at a later family, and a retry would spend
   * them again. A person is refused (GovernanceBudgetSpent, saying when) only where a family is out
   * until a reset beyond what they may wait, as `spend` would refuse them there; where it resets
   * sooner they go ahead and wait in `spend`. Other work yields (BudgetYield) wherever it would.
   * Nothing is taken: the longest wait found is the one reported.
   */
  async affords(operation: GovernanceOperation, calls: ReadonlyMap<string, number>): Promise<void> {
    const priority = currentPriority();
    const { now, metrics, provider, maxWaitMs } = this.options;
    const at = now();
    const short = await Promise.all(
      [...calls].map(async ([family, count]) => {
        const window = shortOf(await this.ledger.peek?.(this.key(family)), this.ask(family, priority, at), count);
        return window && { family, waitMs: Math.max(0, window.resetAt - at) };
      }),
    );
    let longest: { family: string; waitMs: number } | undefined;
    for (const found of short) {
      if (!found || (priority === 'person' && found.waitMs <= maxWaitMs)) continue;
      if (!longest || found.waitMs > longest.waitMs) longest = found;
    }
    if (!longest) return;
    const outcome = priority === 'person' ? 'refused' : 'yielded';
    metrics?.governanceBudgetHeld.inc({ provider, family: longest.family, priority, outcome });
    if (priority === 'person') throw new GovernanceBudgetSpent(operation, longest.waitMs);
    throw new BudgetYield(operation, longest.waitMs, longest.family, priority);
  }

  /**
   * What the vendor said about `family` on an answer: its headers' window, or (a 429, or a protocol
   * that only says when to come back) that nothing is left until `exhaustedUntil`.
   */
  async observe(family: string, status: number, headers: Headers, exhaustedUntil?: number): Promise<void> {
    const { families, metrics, provider, now } = this.options;
    if (status === 429) metrics?.governanceRateLimitedMet.inc({ provider, family, priority: currentPriority() });
    const read = families.windowOf?.(headers);
    if (!read && exhaustedUntil === undefined) return;
    const said = {
      limit: read?.limit ?? families.defaultLimit(family),
      remaining: exhaustedUntil === undefined ? (read?.remaining ?? 0) : 0,
      resetAt: read?.resetAt ?? exhaustedUntil ?? 0,
    };
    const window = await this.ledger.observe(this.key(family), said, now());
    if (window) this.show(family, window);
  }

  private ask(family: string, priority: Priority, at: number): Ask {
    const { families } = this.options;
    return {
      now: at,
      defaultLimit: families.defaultLimit(family),
      windowMs: families.windowMs,
      reserve: RESERVES[priority],
      heldByDefault: priority !== 'person',
    };
  }

  private show(family: string, window: Grant | BudgetWindow): void {
    this.options.metrics?.governanceBudgetRemaining.set({ provider: this.options.provider, family }, window.remaining);
  }

  private key(family: string): string {
    return `${this.options.provider}:${this.options.scope}:${family}`;
  }
}
