import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { lockKey } from './keys.js';
import { copyMessageRef, MESSAGE_REF_RETENTION_MS, messageIdentity, messageRefSchema } from './message-refs.js';
import type { Lock, MessageRef, Store } from './store.js';
import { wholeTtl } from './ttl.js';

export interface RedisStoreOptions {
  /** Used only when no client is given; defaults to a local Redis. */
  url?: string;
  /** A caller-owned connection: the store uses it but never closes it. */
  client?: Redis;
  /** Lets several deployments or test runs share one Redis without seeing each other's keys. */
  keyPrefix?: string;
  /** Connection errors of a client the store created; commands reject on their own regardless. */
  onConnectionError?: (error: Error) => void;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const DEFAULT_KEY_PREFIX = 'gatehouse:';

/**
 * A chat platform retries a webhook within seconds, and the readiness probe has to answer, so a
 * lost Redis must turn into an error quickly rather than a queue of commands waiting forever:
 * give up after one reconnect attempt, and time out any command the server never answers.
 */
const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 2_000;

/** Each script is one atomic step: nothing can write the key between the read and the write. */
const COMPARE_AND_SWAP = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == 'absent' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if ARGV[4] == '' then
  redis.call('SET', KEYS[1], ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
end
return 1`;

const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS: the set of message identities seen, the ordered list of refs. Both keep the same retention. */
const ADD_MESSAGE_REF = `
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

/** Shared state for every replica; the store used whenever REDIS_URL is configured. */
export class RedisStore implements Store {
  private readonly client: Redis;
  private readonly ownsClient: boolean;
  private readonly keyPrefix: string;

  constructor(options: RedisStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
      return;
    }
    this.client = new Redis(options.url ?? DEFAULT_URL, {
      maxRetriesPerRequest: 1,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: COMMAND_TIMEOUT_MS,
    });
    this.ownsClient = true;
    // Without a listener ioredis prints every failed reconnect to stderr; callers see failures as
    // rejected commands and a failing ping, and may log them through onConnectionError.
    const onError = options.onConnectionError ?? (() => {});
    this.client.on('error', onError);
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(this.key(key));
  }

  async set(key: string, value: string, options?: { ttlMs?: number }): Promise<void> {
    if (options?.ttlMs === undefined) await this.client.set(this.key(key), value);
    else await this.client.set(this.key(key), value, 'PX', wholeTtl(options.ttlMs));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.key(key));
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return (await this.client.set(this.key(key), '1', 'PX', wholeTtl(ttlMs), 'NX')) === 'OK';
  }

  async compareAndSwap(
    key: string,
    expected: string | null,
    next: string,
    options?: { ttlMs?: number },
  ): Promise<boolean> {
    const ttl = options?.ttlMs === undefined ? '' : String(wholeTtl(options.ttlMs));
    const mode = expected === null ? 'absent' : 'equals';
    const written = await this.client.eval(COMPARE_AND_SWAP, 1, this.key(key), mode, expected ?? '', next, ttl);
    return written === 1;
  }

  async acquireLock(name: string, ttlMs: number): Promise<Lock | null> {
    const key = this.key(lockKey(name));
    const token = randomUUID();
    const acquired = await this.client.set(key, token, 'PX', wholeTtl(ttlMs), 'NX');
    if (acquired !== 'OK') return null;
    return {
      name,
      token,
      renew: async (nextTtlMs: number) => {
        const ttl = wholeTtl(nextTtlMs);
        return (await this.client.eval(RENEW_LOCK, 1, key, token, ttl)) === 1;
      },
      release: async () => (await this.client.eval(RELEASE_LOCK, 1, key, token)) === 1,
    };
  }

  async addMessageRef(requestId: string, ref: MessageRef): Promise<void> {
    const { seen, order } = this.messageKeys(requestId);
    const stored = JSON.stringify(copyMessageRef(ref));
    await this.client.eval(ADD_MESSAGE_REF, 2, seen, order, messageIdentity(ref), stored, MESSAGE_REF_RETENTION_MS);
  }

  async listMessageRefs(requestId: string): Promise<MessageRef[]> {
    const stored = await this.client.lrange(this.messageKeys(requestId).order, 0, -1);
    return stored.flatMap((raw) => {
      const ref = parseMessageRef(raw);
      return ref ? [ref] : [];
    });
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    // QUIT waits for replies still in flight; a connection that is not up has nothing to wait for.
    if (this.client.status === 'ready') await this.client.quit();
    else this.client.disconnect();
  }

  private key(key: string): string {
    return `${this.keyPrefix}${key}`;
  }

  /** The hash tag keeps a request's two keys in one slot, so the script also runs on Redis Cluster. */
  private messageKeys(requestId: string): { seen: string; order: string } {
    const base = this.key(`message-refs:{${requestId}}`);
    return { seen: `${base}:seen`, order: `${base}:order` };
  }
}

/** A ref that no longer parses is skipped: losing one message update beats failing the whole decision. */
function parseMessageRef(raw: string): MessageRef | null {
  try {
    const result = messageRefSchema.safeParse(JSON.parse(raw));
    return result.success ? copyMessageRef(result.data) : null;
  } catch {
    return null;
  }
}
