import type { z } from 'zod';
import { type Authorizer, VendorHttp } from '../api/http.js';
import { errorFromResponse, type OktaErrorBody, oktaErrorBody } from '../api/okta/errors.js';
import { type GatehouseError, GovernanceRateLimited, GovernanceUnavailable } from '../domain/errors.js';

/**
 * What Okta answered one read, as the doctor needs it: the status, the rate-limit headers and
 * Okta's error object, which Gatehouse's client turns into typed errors and forgets. Each read goes
 * through the client's own transport (VendorHttp) and authorizer, so the credentials, the token
 * request, DPoP and its nonce challenge behave exactly as they do for Gatehouse; only the
 * observation is added, through the transport's protocol hooks.
 */
export type Probe<T> =
  | { kind: 'answered'; status: number; headers: Headers; body: T }
  | { kind: 'refused'; status: number; headers: Headers; okta: OktaErrorBody }
  | { kind: 'rate-limited'; headers: Headers; retryAfterMs: number }
  /** Answered, but not in a shape Gatehouse's client reads. */
  | { kind: 'unreadable'; message: string }
  | { kind: 'unreachable'; reason: string }
  /** The authorizer could not obtain a token: no call was sent. */
  | { kind: 'no-token'; error: Error };

export interface ProbeOptions {
  orgUrl: string;
  authorizer: Authorizer;
  timeoutMs: number;
}

/** One GET through Gatehouse's transport, observed. One attempt: the doctor reports, it does not insist. */
export async function probe<S extends z.ZodType>(
  options: ProbeOptions,
  path: string,
  schema: S,
  query?: Record<string, string | number>,
): Promise<Probe<z.infer<S>>> {
  const seen: { status?: number; headers?: Headers; body?: unknown } = {};
  const http = new VendorHttp(
    {
      provider: 'okta',
      name: 'Okta',
      baseUrl: options.orgUrl,
      authorizer: options.authorizer,
      errorFromResponse: (operation, status, body) => {
        seen.status = status;
        seen.body = body;
        return errorFromResponse(operation, status, body);
      },
      // Called with every answer's headers; the doctor holds nothing back, so it never pauses.
      pauseUntil: (headers) => {
        seen.headers = headers;
        return undefined;
      },
    },
    { timeoutMs: options.timeoutMs, maxAttempts: 1, breakerThreshold: 1_000 },
  );
  try {
    const { body } = await http.get('ping', path, schema, query);
    return { kind: 'answered', status: 200, headers: seen.headers ?? new Headers(), body };
  } catch (error) {
    return observed(error as GatehouseError, seen);
  }
}

function observed(
  error: GatehouseError | Error,
  seen: { status?: number; headers?: Headers; body?: unknown },
): Probe<never> {
  const headers = seen.headers ?? new Headers();
  if (error instanceof GovernanceRateLimited) {
    return { kind: 'rate-limited', headers, retryAfterMs: error.retryAfterMs };
  }
  if (seen.status !== undefined) {
    const parsed = oktaErrorBody.safeParse(seen.body);
    return { kind: 'refused', status: seen.status, headers, okta: parsed.success ? parsed.data : {} };
  }
  // A 2xx whose body the client's schema refuses (or that is not JSON at all).
  if (seen.headers) return { kind: 'unreadable', message: error.message };
  // Nothing answered: the org is out of reach, or the authorizer failed before the call was sent
  // (its token request refused or unanswered, a key it cannot use).
  if (error instanceof GovernanceUnavailable && error.operation !== 'token' && !/token endpoint/i.test(error.message)) {
    return { kind: 'unreachable', reason: error.message.replace(/^Okta unreachable: /, '') };
  }
  return { kind: 'no-token', error };
}

/** `E0000006 You do not have permission…`, or the bare status. */
export function oktaSays(probe: { status: number; okta: OktaErrorBody }): string {
  const summary = probe.okta.errorSummary?.replace(/\.$/, '');
  const said = [probe.okta.errorCode, summary].filter(Boolean).join(' ');
  return said ? `HTTP ${probe.status} ${said}` : `HTTP ${probe.status}`;
}

/** The figure Okta gives for this endpoint family, calls a minute. */
export function rateLimitOf(headers: Headers): number | undefined {
  const limit = Number(headers.get('x-rate-limit-limit'));
  return Number.isFinite(limit) && limit > 0 ? limit : undefined;
}
