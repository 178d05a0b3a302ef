import type { z } from 'zod';
import type { CallOptions } from '../api/http.js';
import { PingOneHttp } from '../api/pingone/http.js';
import type { PingOneAuth } from '../config.js';
import {
  GovernanceAuthFailed,
  GovernanceNotFound,
  GovernanceProtocolError,
  GovernanceRateLimited,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../domain/errors.js';
import { describeError } from './runner.js';

/** What one IGA or IDM read gave, through Gatehouse's own PingOne transport and token. */
export type Read<T> =
  | { kind: 'answered'; body: T }
  /** The token request failed: nothing was asked of IGA. */
  | { kind: 'no-token'; message: string }
  | { kind: 'refused'; status: number; said: string }
  | { kind: 'not-found' }
  | { kind: 'rate-limited' }
  | { kind: 'unavailable'; message: string }
  | { kind: 'unreadable'; message: string };

/**
 * Gatehouse's PingOne transport (PingOneHttp: its authorizer, headers and CREST errors), asked once
 * per read and without retries: the doctor reports what it sees. Searches are POSTs with
 * `_action=search`, which change nothing.
 */
export class PingOneReads {
  private readonly http: PingOneHttp;

  constructor(tenantUrl: string, auth: PingOneAuth, timeoutMs: number) {
    this.http = new PingOneHttp({ tenantUrl, auth, timeoutMs, maxAttempts: 1, breakerThreshold: 1_000 });
  }

  get<S extends z.ZodType>(
    path: string,
    schema: S,
    query?: Record<string, string | number>,
  ): Promise<Read<z.infer<S>>> {
    return attempt(async () => (await this.http.get('ping', path, schema, query)).body);
  }

  search<S extends z.ZodType>(
    path: string,
    schema: S,
    body: unknown,
    options: CallOptions = {},
  ): Promise<Read<z.infer<S>>> {
    return attempt(async () => (await this.http.search('ping', path, schema, body, options)).body);
  }
}

async function attempt<T>(read: () => Promise<T>): Promise<Read<T>> {
  try {
    return { kind: 'answered', body: await read() };
  } catch (error) {
    if (error instanceof GovernanceNotFound) return { kind: 'not-found' };
    if (error instanceof GovernanceRateLimited) return { kind: 'rate-limited' };
    if (error instanceof GovernanceAuthFailed) {
      if (error.operation === 'token') return { kind: 'no-token', message: error.message };
      return { kind: 'refused', status: error.status, said: error.vendorCode ?? '' };
    }
    if (error instanceof GovernanceRejected) {
      return {
        kind: 'refused',
        status: error.status,
        said: [error.vendorCode, error.userMessage].filter(Boolean).join(': '),
      };
    }
    if (error instanceof GovernanceUnavailable) {
      return error.operation === 'token'
        ? { kind: 'no-token', message: error.message }
        : { kind: 'unavailable', message: error.message };
    }
    if (error instanceof GovernanceProtocolError) {
      return error.operation === 'token'
        ? { kind: 'no-token', message: error.message }
        : { kind: 'unreadable', message: error.message };
    }
    return { kind: 'unavailable', message: describeError(error) };
  }
}

/** `HTTP 403 Forbidden`, with IGA's reason when it gave one. */
export function igaSays(read: { status: number; said: string }): string {
  return `HTTP ${read.status}${read.said ? ` ${read.said}` : ''}`;
}
