import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { sharedLimiter } from '../store/index.js';
import { DeliveryFailed, PacingWait } from './messenger.js';

/** At most `points` calls per `seconds`. */
export interface RateRule {
  points: number;
  seconds: number;
}

/** Per method (or operation): the windows it must respect, all of them. */
export type RateTable = Readonly<Record<string, readonly RateRule[]>>;

/**
 * Keeps the notifier's calls to a platform under the platform's documented limits, before the
 * platform has to say 429. Budgets are counted in Redis when replicas share one (a workspace's
 * limit is the same whichever replica calls), in memory otherwise. `take` waits its turn; a turn
 * further away than `maxWaitMs` is refused as a retriable DeliveryFailed, so a queue job gives its
 * worker back instead of sleeping.
 */
export class Pacer {
  private readonly limiters = new Map<string, RateLimiterAbstract[]>();
  private blockedUntil = 0;

  constructor(
    private readonly options: {
      platform: string;
      table: RateTable;
      /** Multiplies every budget (CHAT_RATE_SCALE), for workspaces granted more than the minimums. */
      scale?: number;
      redis?: Redis;
      keyPrefix?: string;
      maxWaitMs?: number;
    },
  ) {
    for (const [method, rules] of Object.entries(options.table)) {
      this.limiters.set(
        method,
        rules.map((rule, index) => {
          const settings = {
            points: Math.max(1, Math.floor(rule.points * (options.scale ?? 1))),
            duration: rule.seconds,
            keyPrefix: `${options.keyPrefix ?? 'gatehouse'}:pace:${options.platform}:${method}:${index}`,
          };
          // Going over a budget while Redis is away is answered by the platform with a 429 and its
          // Retry-After, handled like any other.
          return sharedLimiter(settings, options.redis);
        }),
      );
    }
  }

  /**
   * The platform said 429 with Retry-After: nothing more goes out for that long, from any replica,
   * including jobs already running (their next call fails at once and they are requeued).
   */
  async block(ms: number): Promise<void> {
    this.blockedUntil = Math.max(this.blockedUntil, Date.now() + ms);
    await this.options.redis?.set(this.blockKey(), '1', 'PX', Math.max(1, Math.ceil(ms))).catch(() => undefined);
  }

  /** Waits until one more `method` call on `scope` (a channel, a conversation, or everything) is allowed. */
  async take(method: string, scope = 'all'): Promise<void> {
    const blocked = await this.blockedFor();
    if (blocked > 0) {
      throw new DeliveryFailed(`${this.options.platform} asked us to wait (Retry-After)`, 'no', blocked);
    }
    const limiters = this.limiters.get(method);
    if (!limiters) return;
    const deadline = Date.now() + (this.options.maxWaitMs ?? 5_000);
    for (const limiter of limiters) {
      for (;;) {
        try {
          await limiter.consume(scope);
          break;
        } catch (result) {
          if (!(result instanceof RateLimiterRes)) {
            throw new DeliveryFailed(`pacing ${method} unavailable`, 'no', undefined, { cause: result });
          }
          const wait = Math.max(1, result.msBeforeNext);
          if (Date.now() + wait > deadline) {
            throw new PacingWait(`${this.options.platform} ${method} is at its rate limit`, wait);
          }
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    }
  }

  /** How long a 429's Retry-After still holds every call back, in ms. */
  async blockedFor(): Promise<number> {
    const local = this.blockedUntil - Date.now();
    const shared = this.options.redis ? await this.options.redis.pttl(this.blockKey()).catch(() => -2) : -2;
    return Math.max(local, shared, 0);
  }

  private blockKey(): string {
    return `${this.options.keyPrefix ?? 'gatehouse'}:pace:${this.options.platform}:blocked`;
  }
}
