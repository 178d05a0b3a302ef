import { randomUUID } from 'node:crypto';
import { lockKey } from './keys.js';
import { copyMessageRef, MESSAGE_REF_RETENTION_MS, messageIdentity } from './message-refs.js';
import type { Lock, MessageRef, Store } from './store.js';
import { wholeTtl } from './ttl.js';

export interface MemoryStoreOptions {
  /** A clock to drive expiry from tests without sleeping. */
  now?: () => number;
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  expiresAt: number | null;
}

interface RequestMessages {
  refs: MessageRef[];
  seen: Set<string>;
  expiresAt: number;
}

/** Expired entries are also dropped on read; the sweep only stops never-read keys from piling up. */
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

/**
 * State for a single process: sandbox mode, tests, and deployments that run one replica. Every
 * method does its work synchronously before its promise resolves, which is what makes claim and
 * compareAndSwap atomic here without any locking.
 */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private readonly messages = new Map<string, RequestMessages>();
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
    // A forgotten store must not keep the process (or a test worker) alive.
    this.sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, options?: { ttlMs?: number }): Promise<void> {
    this.write(key, value, optionalTtl(options));
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    return this.writeIfAbsent(key, '1', wholeTtl(ttlMs));
  }

  async compareAndSwap(
    key: string,
    expected: string | null,
    next: string,
    options?: { ttlMs?: number },
  ): Promise<boolean> {
    const ttlMs = optionalTtl(options);
    if ((this.live(key)?.value ?? null) !== expected) return false;
    this.write(key, next, ttlMs);
    return true;
  }

  async acquireLock(name: string, ttlMs: number): Promise<Lock | null> {
    const key = lockKey(name);
    const token = randomUUID();
    if (!this.writeIfAbsent(key, token, wholeTtl(ttlMs))) return null;
    const held = () => this.live(key)?.value === token;
    return {
      name,
      token,
      renew: async (nextTtlMs: number) => {
        const ttl = wholeTtl(nextTtlMs);
        if (!held()) return false;
        this.write(key, token, ttl);
        return true;
      },
      release: async () => {
        if (!held()) return false;
        this.entries.delete(key);
        return true;
      },
    };
  }

  async addMessageRef(requestId: string, ref: MessageRef): Promise<void> {
    const expiresAt = this.now() + MESSAGE_REF_RETENTION_MS;
    let request = this.liveMessages(requestId);
    if (!request) {
      request = { refs: [], seen: new Set(), expiresAt };
      this.messages.set(requestId, request);
    }
    request.expiresAt = expiresAt;
    const identity = messageIdentity(ref);
    if (request.seen.has(identity)) return;
    request.seen.add(identity);
    request.refs.push(copyMessageRef(ref));
  }

  async listMessageRefs(requestId: string): Promise<MessageRef[]> {
    return this.liveMessages(requestId)?.refs.map(copyMessageRef) ?? [];
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && isExpired(entry.expiresAt, this.now())) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private liveMessages(requestId: string): RequestMessages | undefined {
    const request = this.messages.get(requestId);
    if (request && isExpired(request.expiresAt, this.now())) {
      this.messages.delete(requestId);
      return undefined;
    }
    return request;
  }

  private write(key: string, value: string, ttlMs: number | undefined): void {
    this.entries.set(key, { value, expiresAt: ttlMs === undefined ? null : this.now() + ttlMs });
  }

  private writeIfAbsent(key: string, value: string, ttlMs: number): boolean {
    if (this.live(key)) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (isExpired(entry.expiresAt, now)) this.entries.delete(key);
    for (const [id, request] of this.messages) if (isExpired(request.expiresAt, now)) this.messages.delete(id);
  }
}

function optionalTtl(options: { ttlMs?: number } | undefined): number | undefined {
  return options?.ttlMs === undefined ? undefined : wholeTtl(options.ttlMs);
}

function isExpired(expiresAt: number | null, now: number): boolean {
  return expiresAt !== null && expiresAt <= now;
}
