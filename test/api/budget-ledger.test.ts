import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type Ask, type BudgetLedger, MemoryBudgetLedger, RedisBudgetLedger } from '../../src/api/budget-ledger.js';

/** The rule is written twice (Lua for Redis, TypeScript in memory): both must answer alike. */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `budget-ledger-test-${randomUUID()}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const T0 = 1_800_000_000_000;
const ask = (now: number, priority: 'person' | 'sync' | 'background'): Ask => ({
  now,
  defaultLimit: 30,
  windowMs: 60_000,
  reserve: { person: { fraction: 0, min: 0 }, sync: { fraction: 0.2, min: 3 }, background: { fraction: 0.4, min: 6 } }[
    priority
  ],
  heldByDefault: priority !== 'person',
});

/** A script of takes and observations, and what the ledger answered to each. */
async function play(ledger: BudgetLedger, key: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  const take = async (now: number, priority: 'person' | 'sync' | 'background') => {
    const grant = await ledger.take(key, ask(now, priority));
    seen.push([priority, grant.granted, grant.remaining, grant.known]);
  };
  for (let i = 0; i < 20; i++) await take(T0, 'background');
  await take(T0, 'sync');
  // The org says 5 left in a window ending 40 s on: everyone below the reserve gives way.
  seen.push(await ledger.observe(key, { limit: 30, remaining: 5, resetAt: T0 + 40_000 }, T0 + 1));
  await take(T0 + 2, 'sync');
  for (let i = 0; i < 6; i++) await take(T0 + 3, 'person');
  // A stale answer from before (a larger remaining, same window) hands nothing back.
  seen.push(await ledger.observe(key, { limit: 30, remaining: 3, resetAt: T0 + 40_000 }, T0 + 4));
  // An answer about a window already over says nothing.
  seen.push(await ledger.observe(key, { limit: 30, remaining: 30, resetAt: T0 + 4 }, T0 + 5));
  // Past the reset the window starts afresh at the org's limit, as an assumption until it speaks.
  await take(T0 + 40_000, 'background');
  return seen;
}

describe('the budget ledger', () => {
  it('answers alike in memory and in Redis, granting by priority and taking the org’s word', async () => {
    const memory = await play(new MemoryBudgetLedger(), 'k');
    const shared = await play(new RedisBudgetLedger(redis, prefix), `k-${randomUUID()}`);
    expect(shared).toEqual(memory);
    expect(memory.slice(0, 18).every((step) => (step as unknown[])[1] === true)).toBe(true);
    // Background stops at 12 left; sync goes on to 6.
    expect(memory[18]).toEqual(['background', false, 12, false]);
    expect(memory[20]).toEqual(['sync', true, 11, false]);
    expect(memory[21]).toEqual({ limit: 30, remaining: 5, resetAt: T0 + 40_000, known: true });
    expect(memory[22]).toEqual(['sync', false, 5, true]);
    // People spend the five, then are held: the org said there is nothing left.
    expect(memory.slice(23, 29)).toEqual([
      ['person', true, 4, true],
      ['person', true, 3, true],
      ['person', true, 2, true],
      ['person', true, 1, true],
      ['person', true, 0, true],
      ['person', false, 0, true],
    ]);
    expect(memory[29]).toEqual({ limit: 30, remaining: 0, resetAt: T0 + 40_000, known: true });
    expect(memory[30]).toBeUndefined();
    expect(memory[31]).toEqual(['background', true, 29, false]);
  });
});

describe('a 429 the org answers', () => {
  it('holds a person until its reset even where Gatehouse believed in a longer window, in memory and in Redis', async () => {
    for (const [ledger, key] of [
      [new MemoryBudgetLedger(), 'storm'],
      [new RedisBudgetLedger(redis, prefix), `storm-${randomUUID()}`],
    ] as const) {
      // The org's headers said 20 left in a window ending a minute on…
      await ledger.observe(key, { limit: 30, remaining: 20, resetAt: T0 + 60_000 }, T0);
      // …then it answers 429: nothing until 3 s from now.
      await ledger.observe(key, { limit: 30, remaining: 0, resetAt: T0 + 3_000 }, T0 + 1);
      const held = await ledger.take(key, ask(T0 + 2, 'person'));
      expect([held.granted, held.resetAt]).toEqual([false, T0 + 3_000]);
      const after = await ledger.take(key, ask(T0 + 3_000, 'person'));
      expect(after.granted).toBe(true);
    }
  });
});
