import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** One rate-limit family's window, as last known. */
export interface BudgetWindow {
  limit: number;
  remaining: number;
  /** Epoch ms at which the window resets. */
  resetAt: number;
  /** Said by the vendor (its headers, a 429); false while only a documented or configured default. */
  known: boolean;
}

/** What a call asks of its family's window. */
export interface Ask {
  now: number;
  /** The window assumed before the vendor has said anything (its documented or a configured limit). */
  defaultLimit: number;
  windowMs: number;
  /** Calls kept back for others: the call is granted only while more than this remain. */
  reserve: { fraction: number; min: number };
  /** Whether a window the vendor has not confirmed (a default) may hold this call back. */
  heldByDefault: boolean;
}

export interface Grant extends BudgetWindow {
  granted: boolean;
}

/**
 * Where each family's window is kept: in Redis, so every replica spends one budget, or in this
 * process. Both apply the same rules atomically (the Lua script below and `decide` are one rule
 * written twice; test/api/budget-ledger.test.ts holds them to each other).
 */
export interface BudgetLedger {
  take(key: string, ask: Ask): Promise<Grant>;
  /**
   * The window as last stored, taking nothing (undefined before anything was spent or said). A
   * ledger without it (a test's stand-in) leaves actions unchecked up front: each call still is.
   */
  peek?(key: string): Promise<BudgetWindow | undefined>;
  /** The vendor's own word on a window (its headers on an answer, or a 429). */
  observe(key: string, window: Omit<BudgetWindow, 'known'>, now: number): Promise<BudgetWindow | undefined>;
}

export class MemoryBudgetLedger implements BudgetLedger {
  private readonly windows = new Map<string, BudgetWindow>();

  async take(key: string, ask: Ask): Promise<Grant> {
    const grant = decide(this.windows.get(key), ask);
    this.windows.set(key, {
      limit: grant.limit,
      remaining: grant.remaining,
      resetAt: grant.resetAt,
      known: grant.known,
    });
    return grant;
  }

  async peek(key: string): Promise<BudgetWindow | undefined> {
    return this.windows.get(key);
  }

  async observe(key: string, said: Omit<BudgetWindow, 'known'>, now: number): Promise<BudgetWindow | undefined> {
    const next = merge(this.windows.get(key), said, now);
    if (next) this.windows.set(key, next);
    return next;
  }
}

function reserveOf(limit: number, reserve: Ask['reserve']): number {
  if (reserve.fraction <= 0 && reserve.min <= 0) return 0;
  // Never the whole window: work kept behind a reserve still gets a call per window when nobody else wants it.
  return Math.min(Math.max(reserve.min, Math.ceil(reserve.fraction * limit)), limit - 1);
}

/** The window a call at `ask.now` draws on. */
function standing(stored: BudgetWindow | undefined, ask: Ask): BudgetWindow {
  const window = stored ?? {
    limit: ask.defaultLimit,
    remaining: ask.defaultLimit,
    resetAt: ask.now + ask.windowMs,
    known: false,
  };
  // A window past its reset starts afresh, at the limit last heard, until the vendor says more.
  if (ask.now >= window.resetAt) {
    return { limit: window.limit, remaining: window.limit, resetAt: ask.now + ask.windowMs, known: false };
  }
  return window;
}

/** Whether `calls` more calls would each be granted now: the one rule `decide` and the Lua script apply. */
function grants(window: BudgetWindow, ask: Ask, calls: number): boolean {
  if (window.remaining - reserveOf(window.limit, ask.reserve) >= calls) return true;
  return !window.known && !ask.heldByDefault;
}

function decide(stored: BudgetWindow | undefined, ask: Ask): Grant {
  const window = standing(stored, ask);
  const granted = grants(window, ask, 1);
  const remaining = granted ? Math.max(0, window.remaining - 1) : window.remaining;
  return { ...window, remaining, granted };
}

/**
 * The window that would hold back some of `calls` calls asked now, or undefined when all of them
 * would be granted: what an action drawing on several families checks in each before it spends in
 * any. Nothing is taken, so a check is not a promise: others may spend in between.
 */
export function shortOf(stored: BudgetWindow | undefined, ask: Ask, calls: number): BudgetWindow | undefined {
  const window = standing(stored, ask);
  return grants(window, ask, calls) ? undefined : window;
}

/**
 * The vendor's figures win, except that calls granted here whose answers it had not counted yet are
 * not handed back: within one window the lower remaining count stands. Over a window Gatehouse only
 * assumed, the calls it granted in it count against the limit the vendor now gives. An answer about
 * a window that has already ended says nothing about the next.
 */
function merge(
  stored: BudgetWindow | undefined,
  said: Omit<BudgetWindow, 'known'>,
  now: number,
): BudgetWindow | undefined {
  if (said.resetAt <= now) return undefined;
  // "Nothing left until then" (a 429, or headers at zero) is the vendor's last word, whatever window
  // Gatehouse thought it was in.
  if (said.remaining === 0) return { ...said, known: true };
  if (!stored || now >= stored.resetAt) return { ...said, known: true };
  if (!stored.known) {
    const granted = stored.limit - stored.remaining;
    return { ...said, remaining: Math.max(0, Math.min(said.remaining, said.limit - granted)), known: true };
  }
  if (said.resetAt > stored.resetAt) return { ...said, known: true };
  if (said.resetAt < stored.resetAt) return undefined;
  return { ...said, remaining: Math.min(stored.remaining, said.remaining), known: true };
}

const TAKE = `
local s = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset', 'known')
local now, windowMs = tonumber(ARGV[1]), tonumber(ARGV[3])
local limit, remaining, reset, known = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), s[4] == '1'
if not limit then limit = tonumber(ARGV[2]); remaining = limit; reset = now + windowMs; known = false end
if now >= reset then remaining = limit; reset = now + windowMs; known = false end
local fraction, min = tonumber(ARGV[4]), tonumber(ARGV[5])
local reserve = 0
if fraction > 0 or min > 0 then reserve = math.min(math.max(min, math.ceil(fraction * limit)), limit - 1) end
local granted = remaining > reserve
if not granted and not known and ARGV[6] ~= '1' then granted = true end
if granted then remaining = math.max(0, remaining - 1) end
redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', remaining, 'reset', reset, 'known', known and '1' or '0')
redis.call('PEXPIRE', KEYS[1], math.max(1, reset - now) + windowMs)
return { granted and 1 or 0, limit, remaining, reset, known and 1 or 0 }
`;

const OBSERVE = `
local now, limit, said, reset = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if reset <= now then return nil end
local s = redis.call('HMGET', KEYS[1], 'limit', 'remaining', 'reset', 'known')
local storedLimit, remaining, storedReset, known = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]), s[4] == '1'
if remaining and now < storedReset and said > 0 then
  if not known then
    said = math.max(0, math.min(said, limit - (storedLimit - remaining)))
  elseif reset < storedReset then
    return nil
  elseif reset == storedReset then
    said = math.min(remaining, said)
  end
end
redis.call('HSET', KEYS[1], 'limit', limit, 'remaining', said, 'reset', reset, 'known', '1')
redis.call('PEXPIRE', KEYS[1], reset - now + 60000)
return { limit, said, reset }
`;

type Reply = number[] | null;
type Scripted = Redis & {
  gatehouseBudgetTake(key: string, ...args: (string | number)[]): Promise<Reply>;
  gatehouseBudgetObserve(key: string, ...args: (string | number)[]): Promise<Reply>;
};

/**
 * The ledger in Redis, one hash per family and org, changed only by the two scripts above so that
 * replicas granting calls at the same moment never grant the same one twice. While Redis does not
 * answer, this process keeps counting in memory (as the chat Pacer does): a budget counted alone
 * for a while beats calls refused for want of a count.
 */
export class RedisBudgetLedger implements BudgetLedger {
  private readonly redis: Scripted;
  private readonly fallback = new MemoryBudgetLedger();
  private warned = false;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
    private readonly logger?: Logger,
  ) {
    if (!('gatehouseBudgetTake' in redis)) {
      redis.defineCommand('gatehouseBudgetTake', { numberOfKeys: 1, lua: TAKE });
      redis.defineCommand('gatehouseBudgetObserve', { numberOfKeys: 1, lua: OBSERVE });
    }
    this.redis = redis as Scripted;
  }

  async take(key: string, ask: Ask): Promise<Grant> {
    const args = [ask.now, ask.defaultLimit, ask.windowMs, ask.reserve.fraction, ask.reserve.min];
    try {
      const reply = await this.redis.gatehouseBudgetTake(this.full(key), ...args, ask.heldByDefault ? '1' : '0');
      const [granted, limit, remaining, resetAt, known] = (reply ?? []).map(Number);
      return {
        granted: granted === 1,
        limit: limit ?? ask.defaultLimit,
        remaining: remaining ?? 0,
        resetAt: resetAt ?? ask.now + ask.windowMs,
        known: known === 1,
      };
    } catch (err) {
      this.unreachable(err);
      return this.fallback.take(key, ask);
    }
  }

  async peek(key: string): Promise<BudgetWindow | undefined> {
    try {
      const [limit, remaining, resetAt, known] = await this.redis.hmget(
        this.full(key),
        'limit',
        'remaining',
        'reset',
        'known',
      );
      if (limit === null || remaining === null || resetAt === null) return undefined;
      return { limit: Number(limit), remaining: Number(remaining), resetAt: Number(resetAt), known: known === '1' };
    } catch (err) {
      this.unreachable(err);
      return this.fallback.peek(key);
    }
  }

  async observe(key: string, said: Omit<BudgetWindow, 'known'>, now: number): Promise<BudgetWindow | undefined> {
    void this.fallback.observe(key, said, now);
    try {
      const reply = await this.redis.gatehouseBudgetObserve(
        this.full(key),
        now,
        said.limit,
        said.remaining,
        said.resetAt,
      );
      if (!reply) return undefined;
      const [limit, remaining, resetAt] = reply.map(Number);
      return {
        limit: limit ?? said.limit,
        remaining: remaining ?? said.remaining,
        resetAt: resetAt ?? said.resetAt,
        known: true,
      };
    } catch (err) {
      this.unreachable(err);
      return this.fallback.observe(key, said, now);
    }
  }

  private full(key: string): string {
    return `${this.keyPrefix}:budget:${key}`;
  }

  private unreachable(err: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.logger?.warn({ err }, 'governance budget not shared while Redis is unreachable; counting in this process');
  }
}
