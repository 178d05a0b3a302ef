import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

/**
 * A rate-limiter-flexible limiter counted in Redis when there is one (so every replica shares the
 * budget), in this process otherwise. While Redis is unreachable each replica counts on its own
 * rather than refusing everyone: together they may then go over the budget for a while.
 */
export function sharedLimiter(
  settings: { points: number; duration: number; keyPrefix: string },
  redis?: Redis,
): RateLimiterAbstract {
  return redis
    ? new RateLimiterRedis({
        ...settings,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(settings),
      })
    : new RateLimiterMemory(settings);
}
