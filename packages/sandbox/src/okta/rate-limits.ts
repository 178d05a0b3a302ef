/** The budget left in one endpoint family's current window, as Okta reports it in headers. */
export interface RateWindow {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch seconds at which the window resets. */
  resetAt: number;
}

const WINDOW_MS = 60_000;

/**
 * A real org's budgets by endpoint family, calls a minute. `requests` (30) and `catalogs` (50) are
 * what a real preview org answered in X-Rate-Limit-Limit (Okta's recorded SDK cassettes, vendored
 * beside the OpenAPI document); Okta publishes no figure for the Beta tasks API or the grants API,
 * so they are assumed to share the requests figure; `users` and the token endpoint take Okta's
 * documented org-wide default for /api/v1/users (600). An OAuth app gets half of an endpoint's
 * budget by default (Okta's rate-limit guide); the emulator does not halve it.
 */
/**
 * The budget of the sandbox's own org (sandbox mode, and tests that are not about budgets): every
 * family at the figure Okta documents for /api/v1/users, so a playground session or a test making
 * a few dozen requests is not held back by limits a real org would impose.
 */
export const GENEROUS_RATE_LIMIT_PER_MINUTE = 600;

export const REAL_ORG_RATE_LIMITS: Readonly<Record<string, number>> = {
  requests: 30,
  catalogs: 50,
  tasks: 30,
  grants: 30,
  users: 600,
  token: 600,
  other: 600,
};

/**
 * Okta counts calls per endpoint family in one-minute windows and says so on every answer
 * (X-Rate-Limit-Limit / -Remaining / -Reset). Windows follow the org's clock so tests can move past them.
 */
export class RateLimits {
  private readonly used = new Map<string, { windowStart: number; count: number }>();

  constructor(
    readonly perMinute: (family: string) => number,
    private readonly now: () => number,
  ) {}

  take(family: string): RateWindow {
    const limit = this.perMinute(family);
    const windowStart = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
    const current = this.used.get(family);
    const window = current && current.windowStart === windowStart ? current : { windowStart, count: 0 };
    window.count += 1;
    this.used.set(family, window);
    return {
      allowed: window.count <= limit,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetAt: (windowStart + WINDOW_MS) / 1000,
    };
  }
}

/** Which budget a path draws on. */
export function endpointFamily(path: string): string {
  if (path.startsWith('/oauth2/')) return 'token';
  if (path.startsWith('/api/v1/users')) return 'users';
  const governance = /^\/governance\/api\/v\d+\/(?:my\/)?([a-z-]+)/.exec(path);
  return governance?.[1] ?? 'other';
}

export function rateLimitHeaders(window: Pick<RateWindow, 'limit' | 'remaining' | 'resetAt'>): Record<string, string> {
  return {
    'x-rate-limit-limit': String(window.limit),
    'x-rate-limit-remaining': String(window.remaining),
    'x-rate-limit-reset': String(window.resetAt),
  };
}
