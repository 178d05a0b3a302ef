import type { Args } from './args.js';

/**
 * Slack's Web API rate limits, as the emulator enforces them when a workspace asks for it
 * (`createSlackWorkspace({ rateLimits: { scale } })`). Written from Slack's documentation
 * (docs.slack.dev/apis/web-api/rate-limits and each method's page), not from Gatehouse's own pacing
 * table, so a bench that runs Gatehouse against it checks that pacing instead of agreeing with it.
 *
 * What the documentation says, and how it is read here:
 * - Limits apply per method, per app, per workspace. The emulator has one app (the bot token), so a
 *   tier method has one budget in the workspace.
 * - Tier 3, "50+ per minute, sporadic bursts are welcome"; Tier 4, "100+ per minute, generous burst
 *   behavior". A rested method may spend a whole minute's allowance at once, then earns it back at
 *   the per-minute rate: a long run averages exactly the allowance, and no minute sees more than
 *   twice it.
 * - chat.postMessage, "1 per second per channel; short bursts >1 allowed" (no number given).
 *   Each conversation (a channel, or the DM a user id names) earns one post a second and may hold at
 *   most {@link POST_BURST} unspent: three posts may go at once to a channel that was quiet for three
 *   seconds, never more. Three is the smallest burst that is "more than one" in any useful sense (a
 *   card, its notice and a reply), well under what people measure against real Slack (a few dozen
 *   before the first 429), so a client that passes here does not rely on Slack's leniency. The
 *   workspace-wide ceiling Slack mentions for chat.postMessage has no published figure and is not
 *   enforced.
 * - Over the limit Slack answers HTTP 429 with `Retry-After` in whole seconds (at least 1) and
 *   `{ ok: false, error: 'ratelimited' }`; a refused call spends nothing.
 *
 * `scale` multiplies every allowance, rate and burst alike, windows unchanged: a workspace Slack
 * granted S times the minimums (what Gatehouse's CHAT_RATE_SCALE assumes). Methods not listed
 * (auth.test, conversations.history and .replies, users.list) are not limited: Gatehouse's notifier
 * does not call them, and tests read what the bot posted through them.
 */
export interface SlackRateLimitOptions {
  /** Multiplies every allowance (default 1). */
  scale?: number;
}

/** Unspent posts a quiet conversation may hold: see above. */
export const POST_BURST = 3;

interface Allowance {
  /** Calls earned per second. */
  perSecond: number;
  /** Unspent calls a rested budget may hold: what may go at once. */
  burst: number;
  /** One budget per conversation (chat.postMessage) or one for the workspace (the tiers). */
  per: 'conversation' | 'workspace';
}

const perMinute = (calls: number): Allowance => ({ perSecond: calls / 60, burst: calls, per: 'workspace' });
const TIER_3 = perMinute(50);
const TIER_4 = perMinute(100);

/** The documented limit of each method the emulator enforces (tiers from each method's reference page). */
export const SLACK_DOCUMENTED_LIMITS: Readonly<Record<string, Allowance>> = {
  'chat.postMessage': { perSecond: 1, burst: POST_BURST, per: 'conversation' },
  'chat.update': TIER_3,
  'chat.delete': TIER_3,
  'chat.postEphemeral': TIER_4,
  'conversations.open': TIER_3,
  'conversations.info': TIER_3,
  'users.lookupByEmail': TIER_3,
  'users.info': TIER_4,
  'views.open': TIER_4,
  'views.update': TIER_4,
  'views.push': TIER_4,
  'views.publish': TIER_4,
};

interface Budget {
  /** Calls that may go now (fractional while earning). */
  tokens: number;
  /** When `tokens` was last brought up to date (workspace clock, ms). */
  at: number;
}

/** How many calls a method answered and refused, per method. */
export interface RateLimitTally {
  allowed: number;
  refused: number;
}

/**
 * The budgets of one workspace. `take` spends one call of a method (on the conversation it names,
 * for chat.postMessage) or says how many seconds to wait, as Slack's Retry-After.
 */
export class SlackRateLimits {
  readonly scale: number;
  private readonly budgets = new Map<string, Budget>();
  private readonly tallies = new Map<string, RateLimitTally>();

  constructor(
    options: SlackRateLimitOptions,
    private readonly now: () => number,
    /** The conversation a `channel` argument names (an id, a name, or a user id for the bot's DM). */
    private readonly conversationOf: (channel: string) => string,
  ) {
    const scale = options.scale ?? 1;
    if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`rate limit scale must be positive, got ${scale}`);
    this.scale = scale;
  }

  /** Spends one call: undefined when it may go, else the Retry-After in whole seconds. */
  take(method: string, args: Args): number | undefined {
    const allowance = SLACK_DOCUMENTED_LIMITS[method];
    if (!Object.hasOwn(SLACK_DOCUMENTED_LIMITS, method) || !allowance) return undefined;
    const tally = this.tallyOf(method);
    const rate = (allowance.perSecond * this.scale) / 1000;
    const burst = allowance.burst * this.scale;
    const key = allowance.per === 'conversation' ? `${method} ${this.conversationKey(args)}` : method;
    const now = this.now();
    const budget = this.budgets.get(key) ?? { tokens: burst, at: now };
    budget.tokens = Math.min(burst, budget.tokens + Math.max(0, now - budget.at) * rate);
    budget.at = now;
    this.budgets.set(key, budget);
    // A hair of tolerance, so a budget earned back exactly on time is not lost to rounding.
    if (budget.tokens >= 1 - 1e-9) {
      budget.tokens = Math.max(0, budget.tokens - 1);
      tally.allowed += 1;
      return undefined;
    }
    tally.refused += 1;
    return Math.max(1, Math.ceil((1 - budget.tokens) / rate / 1000));
  }

  /** Calls refused with 429, per method (only methods that were refused at least once). */
  refusals(): Record<string, number> {
    return Object.fromEntries(
      [...this.tallies].filter(([, tally]) => tally.refused > 0).map(([method, tally]) => [method, tally.refused]),
    );
  }

  /** Calls refused with 429, all methods together. */
  get refused(): number {
    let total = 0;
    for (const tally of this.tallies.values()) total += tally.refused;
    return total;
  }

  /** Allowed and refused calls of every limited method seen so far. */
  tally(): Record<string, RateLimitTally> {
    return Object.fromEntries([...this.tallies].map(([method, tally]) => [method, { ...tally }]));
  }

  /** The sustained rate allowed for a method, in calls per second (per conversation for chat.postMessage). */
  ratePerSecond(method: string): number | undefined {
    const allowance = SLACK_DOCUMENTED_LIMITS[method];
    return allowance && allowance.perSecond * this.scale;
  }

  /** The calls a rested budget lets through at once. */
  burstOf(method: string): number | undefined {
    const allowance = SLACK_DOCUMENTED_LIMITS[method];
    return allowance && allowance.burst * this.scale;
  }

  private conversationKey(args: Args): string {
    const channel = args.channel;
    return typeof channel === 'string' && channel !== '' ? this.conversationOf(channel) : '';
  }

  private tallyOf(method: string): RateLimitTally {
    let tally = this.tallies.get(method);
    if (!tally) {
      tally = { allowed: 0, refused: 0 };
      this.tallies.set(method, tally);
    }
    return tally;
  }
}
