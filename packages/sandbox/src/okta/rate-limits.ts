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
 * Okta counts calls per endpoint family in one-minute windows and says so on every answer
 * (X-Rate-Limit-Limit / -Remaining / -Reset). Windows follow the org's clock so tests can move past them.
 */
export class RateLimits {
  private readonly used = new Map<string, { windowStart: number; count: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  take(family: string): RateWindow {
    const windowStart = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
    const current = this.used.get(family);
    const window = current && current.windowStart === windowStart ? current : { windowStart, count: 0 };
    window.count += 1;
    this.used.set(family, window);
    return {
      allowed: window.count <= this.perMinute,
      limit: this.perMinute,
      remaining: Math.max(0, this.perMinute - window.count),
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
