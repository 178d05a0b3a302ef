import { AsyncLocalStorage } from 'node:async_hooks';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { sharedLimiter } from '../store/index.js';
import { TooFast } from './errors.js';
import type { ChatIdentity } from './identity.js';

/** At most `points` flows per `seconds`. */
export interface PersonalRule {
  points: number;
  seconds: number;
}

/**
 * How many governance-backed flows one person (chat platform + user id) may start, every window
 * at once. Sized for a human at their fastest, never for a script:
 *
 * - 60 per 10 s. Type-ahead asks once per keystroke (Slack's external select and Teams' dynamic
 *   choice set each send one query per change); a fast typist makes 8–10 keystrokes a second, and
 *   a catalog name is rarely longer than 30 characters, so typing one in full, correcting it and
 *   submitting is 35–45 flows even if done in a second or two. Opening a Teams channel full of
 *   approval cards refreshes each card in view for an approver (one flow each) and an App Home
 *   asks two. 60 covers all of them at once.
 * - 150 per minute: 2.5 a second, kept up for a whole minute. Someone exploring the catalog and
 *   deciding a queue of approvals stays far below it; a script at full speed is held to it, so
 *   one person cannot spend the governance system's org-wide rate budget for everybody.
 */
export const PERSONAL_LIMITS: readonly PersonalRule[] = [
  { points: 60, seconds: 10 },
  { points: 150, seconds: 60 },
];

export interface PersonalLimitOptions {
  /** The windows, all enforced (default PERSONAL_LIMITS); an empty list turns the limit off. */
  rules?: readonly PersonalRule[];
  /** Counted in Redis when given, so replicas share one budget per person; in this process otherwise. */
  redis?: Redis;
  keyPrefix?: string;
}

/**
 * The per-person rate limit, taken before any governance call a person's flow makes. A flow beyond
 * it is refused with TooFast at once and costs the governance system nothing. Work Gatehouse does
 * on its own initiative (the notifier redrawing someone's Home after a change) runs `unmetered`
 * and is not counted against the person.
 */
export class PersonalLimit {
  private readonly limiters: RateLimiterAbstract[];
  private readonly exempt = new AsyncLocalStorage<true>();

  constructor(options: PersonalLimitOptions = {}) {
    const prefix = `${options.keyPrefix ?? 'gatehouse'}:person-limit`;
    this.limiters = (options.rules ?? PERSONAL_LIMITS).map((rule, index) => {
      const settings = { points: rule.points, duration: rule.seconds, keyPrefix: `${prefix}:${index}` };
      return sharedLimiter(settings, options.redis);
    });
  }

  /** Runs work whose flows are Gatehouse's own rather than a person's: none of them is counted. */
  unmetered<T>(work: () => Promise<T>): Promise<T> {
    return this.exempt.run(true, work);
  }

  /** Counts one flow for this person; throws TooFast, saying how long to wait, beyond the limit. */
  async take(actor: ChatIdentity): Promise<void> {
    if (this.exempt.getStore()) return;
    const key = `${actor.platform}:${actor.userId}`;
    const results = await Promise.allSettled(this.limiters.map((limiter) => limiter.consume(key)));
    let refused = false;
    let waitMs = 0;
    for (const result of results) {
      if (result.status === 'fulfilled') continue;
      if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
      refused = true;
      waitMs = Math.max(waitMs, result.reason.msBeforeNext);
    }
    if (refused) throw new TooFast(Math.max(1, Math.ceil(waitMs / 1000)));
  }
}
