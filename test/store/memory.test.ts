import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MESSAGE_REF_RETENTION_MS, MemoryStore } from '../../src/store/index.js';

/** The contract suite covers behaviour with real time; these drive expiry with an injected clock. */
describe('MemoryStore with an injected clock', () => {
  let now: number;
  let store: MemoryStore;

  beforeEach(() => {
    now = 1_000_000;
    store = new MemoryStore({ now: () => now });
  });

  afterEach(async () => {
    await store.close();
  });

  it('expires values exactly at their TTL', async () => {
    await store.set('cursor', 'a', { ttlMs: 1_000 });
    now += 999;
    expect(await store.get('cursor')).toBe('a');
    now += 1;
    expect(await store.get('cursor')).toBeNull();
  });

  it('frees claims and locks when the clock passes their TTL', async () => {
    expect(await store.claim('decision:r1', 1_000)).toBe(true);
    const lock = await store.acquireLock('notifier', 1_000);
    now += 1_000;
    expect(await store.claim('decision:r1', 1_000)).toBe(true);
    expect(await lock?.renew(1_000)).toBe(false);
    expect(await store.acquireLock('notifier', 1_000)).not.toBeNull();
  });

  it('forgets a request\u2019s messages once the retention passes without new ones', async () => {
    await store.addMessageRef('req-1', { platform: 'slack', conversationId: 'C1', messageId: 'm1', kind: 'approval' });
    now += MESSAGE_REF_RETENTION_MS - 1;
    await store.addMessageRef('req-1', { platform: 'slack', conversationId: 'C1', messageId: 'm2', kind: 'channel' });
    now += MESSAGE_REF_RETENTION_MS - 1;
    expect(await store.listMessageRefs('req-1')).toHaveLength(2);
    now += 1;
    expect(await store.listMessageRefs('req-1')).toEqual([]);
  });
});
