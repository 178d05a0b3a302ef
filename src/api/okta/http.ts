import { z } from 'zod';
import type { OktaAuth } from '../../config.js';
import type { RateFamilies } from '../budget.js';
import { VendorHttp, type VendorHttpOptions, type VendorResponse } from '../http.js';
import { createAuthorizer } from './auth.js';
import { errorFromResponse } from './errors.js';

export interface OktaHttpOptions extends VendorHttpOptions {
  orgUrl: string;
  auth: OktaAuth;
}

export type OktaResponse<T> = VendorResponse<T>;

/**
 * Okta over HTTP: SSWS or OAuth, Okta's error objects, its `after` cursors (Link header or
 * `_links.next`) and its X-Rate-Limit headers, on the shared retrying transport.
 */
export class OktaHttp extends VendorHttp {
  constructor(options: OktaHttpOptions) {
    super(
      {
        provider: 'okta',
        name: 'Okta',
        baseUrl: options.orgUrl,
        authorizer: createAuthorizer(options.orgUrl, options.auth, options.timeoutMs ?? 10_000, options.logger),
        errorFromResponse,
        nextCursor,
        rateFamilies: OKTA_RATE_FAMILIES,
      },
      options,
    );
  }
}

/**
 * What a window allows before Okta has answered once (its headers say the rest): the figures a real
 * preview org answered in X-Rate-Limit-Limit (Okta's recorded SDK cassettes: 30 a minute on
 * requests and request-settings, 50 on catalogs and reviews); Okta publishes none for the Beta tasks
 * API or grants, so they take the requests figure; /api/v1/users Okta's documented 600. Anything
 * else starts at the lowest of these until the org says.
 */
const DOCUMENTED_PER_MINUTE: Readonly<Record<string, number>> = {
  requests: 30,
  'request-settings': 30,
  tasks: 30,
  grants: 30,
  catalogs: 50,
  reviews: 50,
  users: 600,
  // Okta publishes no figure for the risk assessment (Beta) or principal settings: the lowest above.
  'risk-rule-assessments': 30,
  'principal-settings': 30,
  // What the recorded delegates cassette answered (cassettes/delegates/list_delegate_appointments.yaml).
  delegates: 5000,
};

/** Okta's rate-limit headers, on every answer (OpenAPI: `rate-limit-limit`, `-remaining`, `-reset` in epoch seconds). */
const rateHeaders = z.object({
  limit: z.coerce.number().int().positive().optional(),
  remaining: z.coerce.number().int().nonnegative(),
  reset: z.coerce.number().positive(),
});

/** Okta counts calls per endpoint family in one-minute windows, and says where each stands on every answer. */
export const OKTA_RATE_FAMILIES: RateFamilies = {
  familyOf(path) {
    if (path.startsWith('/oauth2/')) return 'token';
    if (path.startsWith('/api/v1/users')) return 'users';
    return /^\/governance\/api\/v\d+\/(?:my\/)?([a-z-]+)/.exec(path)?.[1] ?? 'other';
  },
  defaultLimit: (family) => DOCUMENTED_PER_MINUTE[family] ?? 30,
  windowMs: 60_000,
  windowOf(headers) {
    const parsed = rateHeaders.safeParse({
      limit: headers.get('x-rate-limit-limit') ?? undefined,
      remaining: headers.get('x-rate-limit-remaining') ?? undefined,
      reset: headers.get('x-rate-limit-reset') ?? undefined,
    });
    if (!parsed.success) return undefined;
    const { limit, remaining, reset } = parsed.data;
    return { limit, remaining, resetAt: reset * 1000 };
  },
};

function nextCursor(headers: Headers, body: unknown): string | undefined {
  const link = headers.get('link');
  const fromHeader = link
    ?.split(',')
    .map((part) => /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)?.[1])
    .find(Boolean);
  const fromBody =
    body && typeof body === 'object' && '_links' in body
      ? (body as { _links?: { next?: { href?: string } } })._links?.next?.href
      : undefined;
  const href = fromHeader ?? fromBody;
  if (!href) return undefined;
  try {
    return new URL(href, 'http://placeholder').searchParams.get('after') ?? undefined;
  } catch {
    return undefined;
  }
}
