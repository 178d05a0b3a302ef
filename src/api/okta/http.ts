import type { OktaAuth } from '../../config.js';
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
        pauseUntil,
      },
      options,
    );
  }
}

/** Okta says how many calls are left in this window; when none are, hold further calls until Reset. */
function pauseUntil(headers: Headers): number | undefined {
  const remaining = headers.get('x-rate-limit-remaining');
  const reset = Number(headers.get('x-rate-limit-reset'));
  return remaining === '0' && Number.isFinite(reset) && reset > 0 ? reset * 1000 : undefined;
}

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
