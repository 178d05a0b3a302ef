import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { Store } from './store.js';

export { MemoryStore, type MemoryStoreOptions } from './memory.js';
export { MESSAGE_REF_RETENTION_MS } from './message-refs.js';
export { bestEffort, type Loss } from './outage.js';
export { RedisStore, type RedisStoreOptions } from './redis.js';
export { sharedLimiter } from './shared-limiter.js';
export { getJson, type Lock, type MessageRef, type Platform, type Store, setJson } from './store.js';

/**
 * Redis when a URL is configured, because several replicas must share claims and locks; memory
 * otherwise, which is only correct while Gatehouse runs as a single process.
 */
export function createStore(config: { redisUrl?: string; redisKeyPrefix?: string }): Store {
  return config.redisUrl
    ? new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix && `${config.redisKeyPrefix}:` })
    : new MemoryStore();
}
