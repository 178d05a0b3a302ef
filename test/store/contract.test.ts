import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getJson, MemoryStore, type MessageRef, RedisStore, type Store, setJson } from '../../src/store/index.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Every key this run writes lives under this prefix, so cleanup never touches anyone else's data. */
const RUN_PREFIX = `gatehouse-test:${randomUUID()}:`;

/**
 * Short enough to keep the suite fast, long enough that a busy CI machine does not flake. The
 * sleeps past it below are real time on purpose: Redis expires keys by its own clock, which no
 * injected clock reaches, and the contract is that both stores expire alike.
 */
const SHORT_TTL_MS = 80;
const PAST_SHORT_TTL_MS = 160;

const implementations = [
  { name: 'MemoryStore', create: (): Store => new MemoryStore() },
  // A fresh prefix per test keeps tests independent without deleting keys between them.
  {
    name: 'RedisStore',
    create: (): Store => new RedisStore({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}${randomUUID()}:` }),
  },
];

afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${RUN_PREFIX}*`, 'COUNT', 500);
      if (keys.length > 0) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await admin.quit();
  }
});

function ref(messageId: string, overrides: Partial<MessageRef> = {}): MessageRef {
  return { platform: 'slack', conversationId: 'C-approvals', messageId, kind: 'approval', ...overrides };
}

describe.each(implementations)('Store contract: $name', ({ create }) => {
  let store: Store;

  beforeEach(() => {
    store = create();
  });

  afterEach(async () => {
    await store.close();
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('values', () => {
    it('sets, overwrites, reads and deletes', async () => {
      expect(await store.get('cursor')).toBeNull();
      await store.set('cursor', 'one');
      expect(await store.get('cursor')).toBe('one');
      await store.set('cursor', 'two');
      expect(await store.get('cursor')).toBe('two');
      await store.delete('cursor');
      expect(await store.get('cursor')).toBeNull();
      await expect(store.delete('never-written')).resolves.toBeUndefined();
    });

    it('expires a value after its TTL', async () => {
      await store.set('short', 'lived', { ttlMs: SHORT_TTL_MS });
      expect(await store.get('short')).toBe('lived');
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.get('short')).toBeNull();
    });

    it('drops an earlier TTL when a value is set again without one', async () => {
      await store.set('cursor', 'first', { ttlMs: SHORT_TTL_MS });
      await store.set('cursor', 'second');
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.get('cursor')).toBe('second');
    });

    it('rejects a TTL that is not positive', async () => {
      await expect(store.set('bad', 'ttl', { ttlMs: 0 })).rejects.toThrow(RangeError);
      await expect(store.claim('bad', -5)).rejects.toThrow(RangeError);
      await expect(store.acquireLock('bad', Number.NaN)).rejects.toThrow(RangeError);
      expect(await store.get('bad')).toBeNull();
    });
  });

  describe('claim', () => {
    it('lets only the first caller win', async () => {
      expect(await store.claim('decision:r1', 5_000)).toBe(true);
      expect(await store.claim('decision:r1', 5_000)).toBe(false);
      expect(await store.claim('decision:r2', 5_000)).toBe(true);
    });

    it('gives exactly one of 50 concurrent callers the claim', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.claim('decision:race', 5_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('is available again after its TTL', async () => {
      expect(await store.claim('decision:retry', SHORT_TTL_MS)).toBe(true);
      expect(await store.claim('decision:retry', SHORT_TTL_MS)).toBe(false);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.claim('decision:retry', SHORT_TTL_MS)).toBe(true);
    });

    it('is available again once deleted', async () => {
      expect(await store.claim('decision:undo', 5_000)).toBe(true);
      await store.delete('decision:undo');
      expect(await store.claim('decision:undo', 5_000)).toBe(true);
    });
  });

  describe('compareAndSwap', () => {
    it('writes over an absent value only when null is expected', async () => {
      expect(await store.compareAndSwap('cursor', 'something', 'a')).toBe(false);
      expect(await store.get('cursor')).toBeNull();
      expect(await store.compareAndSwap('cursor', null, 'a')).toBe(true);
      expect(await store.get('cursor')).toBe('a');
      expect(await store.compareAndSwap('cursor', null, 'b')).toBe(false);
      expect(await store.get('cursor')).toBe('a');
    });

    it('refuses a wrong expectation and writes on the right one', async () => {
      await store.set('cursor', 'a');
      expect(await store.compareAndSwap('cursor', 'stale', 'b')).toBe(false);
      expect(await store.get('cursor')).toBe('a');
      expect(await store.compareAndSwap('cursor', 'a', 'b')).toBe(true);
      expect(await store.get('cursor')).toBe('b');
    });

    it('treats an empty string as a value, not as absent', async () => {
      expect(await store.compareAndSwap('cursor', '', 'a')).toBe(false);
      await store.set('cursor', '');
      expect(await store.compareAndSwap('cursor', null, 'a')).toBe(false);
      expect(await store.compareAndSwap('cursor', '', 'a')).toBe(true);
    });

    it('applies a TTL to what it writes', async () => {
      expect(await store.compareAndSwap('cursor', null, 'a', { ttlMs: SHORT_TTL_MS })).toBe(true);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await store.get('cursor')).toBeNull();
    });

    it('lets exactly one of many concurrent swaps from the same value win', async () => {
      await store.set('cursor', 'v0');
      const attempts = Array.from({ length: 20 }, (_, i) => `v1-${i}`);
      const results = await Promise.all(attempts.map((next) => store.compareAndSwap('cursor', 'v0', next)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('cursor')).toBe(attempts[results.indexOf(true)]);
    });

    it('lets exactly one of many concurrent creators win', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.compareAndSwap('created', null, `creator-${i}`)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('created')).toBe(`creator-${results.indexOf(true)}`);
    });
  });

  describe('locks', () => {
    it('refuses a second holder until the first releases', async () => {
      const first = await store.acquireLock('notifier', 5_000);
      expect(first).not.toBeNull();
      expect(first?.name).toBe('notifier');
      expect(first?.token).toEqual(expect.any(String));
      expect(await store.acquireLock('notifier', 5_000)).toBeNull();
      expect(await first?.release()).toBe(true);
      expect(await first?.release()).toBe(false);
      const second = await store.acquireLock('notifier', 5_000);
      expect(second).not.toBeNull();
      expect(second?.token).not.toBe(first?.token);
    });

    it('keeps different lock names independent', async () => {
      expect(await store.acquireLock('notifier:okta', 5_000)).not.toBeNull();
      expect(await store.acquireLock('notifier:pingone', 5_000)).not.toBeNull();
    });

    it('stops a stale holder from releasing or renewing a lock someone else took over', async () => {
      const stale = await store.acquireLock('notifier', SHORT_TTL_MS);
      expect(stale).not.toBeNull();
      await sleep(PAST_SHORT_TTL_MS);
      const current = await store.acquireLock('notifier', 5_000);
      expect(current).not.toBeNull();
      expect(await stale?.release()).toBe(false);
      expect(await stale?.renew(5_000)).toBe(false);
      expect(await store.acquireLock('notifier', 5_000)).toBeNull();
      expect(await current?.release()).toBe(true);
    });

    it('does not revive a lapsed lock on renew', async () => {
      const lapsed = await store.acquireLock('notifier', SHORT_TTL_MS);
      await sleep(PAST_SHORT_TTL_MS);
      expect(await lapsed?.renew(5_000)).toBe(false);
      expect(await store.acquireLock('notifier', 5_000)).not.toBeNull();
    });

    it('extends the lease on renew', async () => {
      const lock = await store.acquireLock('notifier', 150);
      // Real time (Redis's clock, as above): part of the lease has gone by, then past its first end.
      await sleep(50);
      expect(await lock?.renew(500)).toBe(true);
      await sleep(200);
      expect(await store.acquireLock('notifier', 5_000)).toBeNull();
      expect(await lock?.release()).toBe(true);
    });
  });

  describe('message refs', () => {
    it('lists nothing for an unknown request', async () => {
      expect(await store.listMessageRefs('unknown')).toEqual([]);
    });

    it('lists refs in insertion order with their optional fields', async () => {
      const refs = [
        ref('m3'),
        ref('m1', { platform: 'teams', conversationId: '19:abc', kind: 'requester', recipientId: 'u-1' }),
        ref('m2', { kind: 'comment', threadId: 'm3' }),
      ];
      for (const r of refs) await store.addMessageRef('req-1', r);
      expect(await store.listMessageRefs('req-1')).toStrictEqual(refs);
    });

    it('stores the same message once and keeps the first version', async () => {
      await store.addMessageRef('req-1', ref('m1'));
      await store.addMessageRef('req-1', ref('m2'));
      await store.addMessageRef('req-1', ref('m1', { kind: 'channel' }));
      await Promise.all(Array.from({ length: 10 }, () => store.addMessageRef('req-1', ref('m3'))));
      expect(await store.listMessageRefs('req-1')).toStrictEqual([ref('m1'), ref('m2'), ref('m3')]);
    });

    it('tells messages apart by platform, conversation and message id', async () => {
      await store.addMessageRef('req-1', ref('m1'));
      await store.addMessageRef('req-1', ref('m1', { platform: 'teams' }));
      await store.addMessageRef('req-1', ref('m1', { conversationId: 'C-other' }));
      expect(await store.listMessageRefs('req-1')).toHaveLength(3);
    });

    it('keeps each request to its own refs', async () => {
      await store.addMessageRef('req-1', ref('m1'));
      await store.addMessageRef('req-2', ref('m1'));
      await store.addMessageRef('req-2', ref('m2'));
      expect(await store.listMessageRefs('req-1')).toStrictEqual([ref('m1')]);
      expect(await store.listMessageRefs('req-2')).toStrictEqual([ref('m1'), ref('m2')]);
    });

    it('is not changed by a caller mutating refs it passed in or got back', async () => {
      const original = ref('m1');
      await store.addMessageRef('req-1', original);
      original.messageId = 'mutated';
      const [listed] = await store.listMessageRefs('req-1');
      if (listed) listed.kind = 'comment';
      expect(await store.listMessageRefs('req-1')).toStrictEqual([ref('m1')]);
    });
  });

  describe('JSON values', () => {
    const cursor = z.object({ after: z.string(), seen: z.number() });

    it('round-trips a value through its schema', async () => {
      await setJson(store, 'notifier:cursor', { after: 'evt-9', seen: 3 });
      expect(await getJson(store, 'notifier:cursor', cursor)).toEqual({ after: 'evt-9', seen: 3 });
    });

    it('reads an absent value as null', async () => {
      expect(await getJson(store, 'notifier:cursor', cursor)).toBeNull();
    });

    it('reads corrupt JSON as null', async () => {
      await store.set('notifier:cursor', '{"after": "evt-9", ');
      expect(await getJson(store, 'notifier:cursor', cursor)).toBeNull();
    });

    it('reads a value of the wrong shape as null', async () => {
      await setJson(store, 'notifier:cursor', { after: 9 });
      expect(await getJson(store, 'notifier:cursor', cursor)).toBeNull();
    });

    it('passes a TTL through', async () => {
      await setJson(store, 'notifier:cursor', { after: 'evt-9', seen: 3 }, { ttlMs: SHORT_TTL_MS });
      await sleep(PAST_SHORT_TTL_MS);
      expect(await getJson(store, 'notifier:cursor', cursor)).toBeNull();
    });
  });
});

describe('RedisStore', () => {
  it('fails fast instead of hanging when Redis is unreachable', async () => {
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', keyPrefix: RUN_PREFIX });
    try {
      const started = Date.now();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.get('anything')).rejects.toThrow();
      await expect(store.claim('anything', 1_000)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await store.close();
    }
  });

  it('reports connection errors to the caller instead of stderr', async () => {
    const errors: Error[] = [];
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', onConnectionError: (error) => errors.push(error) });
    try {
      await expect(store.ping()).rejects.toThrow();
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });

  it('leaves a caller-owned client open on close', async () => {
    const client = new Redis(REDIS_URL);
    try {
      const store = new RedisStore({ client, keyPrefix: `${RUN_PREFIX}${randomUUID()}:` });
      await store.set('cursor', 'a');
      await store.close();
      expect(await client.ping()).toBe('PONG');
    } finally {
      await client.quit();
    }
  });

  it('keeps stores with different key prefixes apart', async () => {
    const first = new RedisStore({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}${randomUUID()}:` });
    const second = new RedisStore({ url: REDIS_URL, keyPrefix: `${RUN_PREFIX}${randomUUID()}:` });
    try {
      expect(await first.claim('decision:r1', 5_000)).toBe(true);
      expect(await second.claim('decision:r1', 5_000)).toBe(true);
      await first.addMessageRef('req-1', ref('m1'));
      expect(await second.listMessageRefs('req-1')).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('skips a stored message ref that no longer parses', async () => {
    const keyPrefix = `${RUN_PREFIX}${randomUUID()}:`;
    const client = new Redis(REDIS_URL);
    const store = new RedisStore({ client, keyPrefix });
    try {
      await store.addMessageRef('req-1', ref('m1'));
      await client.rpush(`${keyPrefix}message-refs:{req-1}:order`, 'not json', JSON.stringify({ platform: 'irc' }));
      await store.addMessageRef('req-1', ref('m2'));
      expect(await store.listMessageRefs('req-1')).toStrictEqual([ref('m1'), ref('m2')]);
    } finally {
      await store.close();
      await client.quit();
    }
  });
});
