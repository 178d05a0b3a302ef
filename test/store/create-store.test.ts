import { describe, expect, it } from 'vitest';
import { createStore, MemoryStore, RedisStore } from '../../src/store/index.js';

describe('createStore', () => {
  it('keeps state in memory when no Redis URL is configured', async () => {
    const store = createStore({});
    expect(store).toBeInstanceOf(MemoryStore);
    await store.close();
  });

  it('uses Redis when a URL is configured', async () => {
    const store = createStore({ redisUrl: 'redis://127.0.0.1:6379' });
    expect(store).toBeInstanceOf(RedisStore);
    await store.ping();
    await store.close();
  });
});
