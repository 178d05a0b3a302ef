import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { StoreUnavailable } from '../domain/errors.js';
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
 * A lost Redis must turn into an error at once, never into a command that waits and runs later:
 * a chat platform wants its answer within seconds, and a claim that lands after its caller was
 * told it failed would hold a decision or a post for nobody. So the client keeps reconnecting in
 * the background (ioredis' default backoff, up to 2 s apart) while every command fails fast:
 * - `enableOfflineQueue: false`: a command sent while disconnected is refused now instead of
 *   being queued and run after the reconnect;
 * - `autoResendUnfulfilledCommands: false`: a command in flight when the connection dropped is not
 *   sent again after the reconnect (its caller has been told it failed);
 * - `commandTimeout`: a Redis that holds the connection but does not answer (frozen, partitioned)
 *   fails a command after this long; a healthy one answers these in well under a millisecond;
 * - `maxRetriesPerRequest: 1`: a command caught by a dropped connection fails after one failed
 *   reconnect rather than twenty.
 * Before the first connection is ready, commands wait for it (up to the connect timeout), so a
 * store used straight after construction does not fail for want of a queue.
 */
const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 1_000;

/** Statuses of a client still making its first connection; a reconnecting one fails at once instead. */
const FIRST_CONNECTING = new Set(['wait', 'connecting', 'connect']);

/** Server replies that mean "not now" rather than "wrong command": Redis is loading, failing over, full. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|BUSY|OOM|TRYAGAIN|CLUSTERDOWN)\b/;

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
  /** Until the first connection is ready, commands wait for it instead of failing for want of a queue. */
  private everReady = false;

  constructor(options: RedisStoreOptions = {}) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = new Redis(options.url ?? DEFAULT_URL, {
        connectTimeout: CONNECT_TIMEOUT_MS,
        commandTimeout: COMMAND_TIMEOUT_MS,
        enableOfflineQueue: false,
        autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 1,
      });
      this.ownsClient = true;
      // Without a listener ioredis prints every failed reconnect to stderr; callers see failures as
      // rejected commands and a failing ping, and may log them through onConnectionError.
      const onError = options.onConnectionError ?? (() => {});
      this.client.on('error', onError);
    }
    if (this.client.status === 'ready') this.everReady = true;
    else
      this.client.once('ready', () => {
        this.everReady = true;
      });
  }

  async get(key: string): Promise<string | null> {
    return this.run('get', (client) => client.get(this.key(key)));
  }

  async set(key: string, value: string, options?: { ttlMs?: number }): Promise<void> {
    const ttl = options?.ttlMs === undefined ? undefined : wholeTtl(options.ttlMs);
    await this.run('set', (client) =>
      ttl === undefined ? client.set(this.key(key), value) : client.set(this.key(key), value, 'PX', ttl),
    );
  }

  async delete(key: string): Promise<void> {
    await this.run('delete', (client) => client.del(this.key(key)));
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const ttl = wholeTtl(ttlMs);
    return (await this.run('claim', (client) => client.set(this.key(key), '1', 'PX', ttl, 'NX'))) === 'OK';
  }

  async compareAndSwap(
    key: string,
    expected: string | null,
    next: string,
    options?: { ttlMs?: number },
  ): Promise<boolean> {
    const ttl = options?.ttlMs === undefined ? '' : String(wholeTtl(options.ttlMs));
    const mode = expected === null ? 'absent' : 'equals';
    const written = await this.run('compareAndSwap', (client) =>
      client.eval(COMPARE_AND_SWAP, 1, this.key(key), mode, expected ?? '', next, ttl),
    );
    return written === 1;
  }

  async acquireLock(name: string, ttlMs: number): Promise<Lock | null> {
    const key = this.key(lockKey(name));
    const token = randomUUID();
    const ttl = wholeTtl(ttlMs);
    const acquired = await this.run('acquireLock', (client) => client.set(key, token, 'PX', ttl, 'NX'));
    if (acquired !== 'OK') return null;
    return {
      name,
      token,
      renew: async (nextTtlMs: number) => {
        const ttl = wholeTtl(nextTtlMs);
        return (await this.run('renewLock', (client) => client.eval(RENEW_LOCK, 1, key, token, ttl))) === 1;
      },
      release: async () => (await this.run('releaseLock', (client) => client.eval(RELEASE_LOCK, 1, key, token))) === 1,
    };
  }

  async addMessageRef(requestId: string, ref: MessageRef): Promise<void> {
    const { seen, order } = this.messageKeys(requestId);
    const stored = JSON.stringify(copyMessageRef(ref));
    await this.run('addMessageRef', (client) =>
      client.eval(ADD_MESSAGE_REF, 2, seen, order, messageIdentity(ref), stored, MESSAGE_REF_RETENTION_MS),
    );
  }

  async listMessageRefs(requestId: string): Promise<MessageRef[]> {
    const order = this.messageKeys(requestId).order;
    const stored = await this.run('listMessageRefs', (client) => client.lrange(order, 0, -1));
    return stored.flatMap((raw) => {
      const ref = parseMessageRef(raw);
      return ref ? [ref] : [];
    });
  }

  async ping(): Promise<void> {
    await this.run('ping', (client) => client.ping());
  }

  async close(): Promise<void> {
    if (!this.ownsClient) return;
    // QUIT waits for replies still in flight; a connection that is not up has nothing to wait for,
    // and one that does not answer (a frozen Redis) is cut once QUIT times out.
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
  }

  /**
   * One command, failing as StoreUnavailable when Redis cannot be reached or does not answer, so
   * flows and adapters can tell people what is wrong. A reply Redis refused for another reason is
   * a bug and stays as it is.
   */
  private async run<T>(operation: string, command: (client: Redis) => Promise<T>): Promise<T> {
    try {
      if (!this.everReady && FIRST_CONNECTING.has(this.client.status)) await this.connected();
      return await command(this.client);
    } catch (error) {
      if (error instanceof StoreUnavailable) throw error;
      if (isReplyError(error) && !UNAVAILABLE_REPLY.test(error.message)) throw error;
      throw new StoreUnavailable(operation, { cause: error });
    }
  }

  /**
   * Waits for the first connection: until it is ready, fails, or takes longer than a connect
   * attempt may.
   */
  private connected(): Promise<void> {
    const client = this.client;
    // A caller's client may connect lazily, on its first command.
    if (client.status === 'wait') void client.connect().catch(() => undefined);
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onError = (error: Error) => settle(error);
      const timer = setTimeout(
        () => settle(new Error(`not connected within ${CONNECT_TIMEOUT_MS} ms (${client.status})`)),
        CONNECT_TIMEOUT_MS,
      );
      client.once('ready', onReady);
      client.once('error', onError);
    });
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

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
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
