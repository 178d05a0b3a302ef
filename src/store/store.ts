import type { z } from 'zod';

/**
 * The one place Gatehouse keeps state between events: where sent chat messages live so they can be
 * updated later, idempotency claims, notifier cursors, the identity cache and leases. Everything a
 * second replica must agree on goes through this interface, so the Redis implementation decides
 * correctness in production and the memory one only has to match it for a single process.
 */

export type Platform = 'slack' | 'teams';

/** Where a message about a request was posted, so a later decision can edit it in place. */
export interface MessageRef {
  platform: Platform;
  conversationId: string;
  messageId: string;
  kind: 'approval' | 'requester' | 'channel' | 'comment';
  recipientId?: string;
  threadId?: string;
}

export interface Lock {
  readonly name: string;
  readonly token: string;
  /** False once the lease has lapsed, even if nobody else took it: the holder must stop its work. */
  renew(ttlMs: number): Promise<boolean>;
  release(): Promise<boolean>;
}

export interface Store {
  get(key: string): Promise<string | null>;
  /** Without ttlMs the value lives until deleted, and any earlier expiry is dropped (like Redis SET). */
  set(key: string, value: string, options?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomic first-caller-wins: true for exactly one caller while the key lives (SET NX PX). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Compare-and-swap: writes `next` only when the current value equals `expected` (null = absent). */
  compareAndSwap(key: string, expected: string | null, next: string, options?: { ttlMs?: number }): Promise<boolean>;
  /** A lease: null when someone else holds it; renew/release only succeed for the holder's token. */
  acquireLock(name: string, ttlMs: number): Promise<Lock | null>;
  /** Idempotent: the same platform + conversationId + messageId is stored once, the first version wins. */
  addMessageRef(requestId: string, ref: MessageRef): Promise<void>;
  /** In insertion order. */
  listMessageRefs(requestId: string): Promise<MessageRef[]>;
  /** Throws when the backing store is unreachable; the readiness check relies on it. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Reads a JSON value and checks its shape. A corrupt or outdated value reads as absent rather than
 * throwing, because everything stored is a cache or a hint that the caller can rebuild.
 */
export async function getJson<T>(store: Store, key: string, schema: z.ZodType<T>): Promise<T | null> {
  const raw = await store.get(key);
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  const result = schema.safeParse(parsed);
  return result.success ? result.data : null;
}

export async function setJson<T>(store: Store, key: string, value: T, options?: { ttlMs?: number }): Promise<void> {
  await store.set(key, JSON.stringify(value), options);
}
