import { randomBytes } from 'node:crypto';
import type { z } from 'zod';

/** One entry of `errorCauses`; governance validation causes carry reason, location and domain. */
export interface OktaErrorCause {
  errorSummary: string;
  reason?: string;
  location?: string;
  locationType?: 'body' | 'query' | 'path';
  domain?: 'governance';
}

/** Okta's error object, the only shape any failure of the emulator takes. */
export interface OktaErrorObject {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: OktaErrorCause[];
}

/** Thrown by the org and the routes; the plugin's error handler turns it into the answer. */
export class OktaProblem extends Error {
  readonly body: OktaErrorObject;

  constructor(
    readonly status: number,
    errorCode: string,
    errorSummary: string,
    errorCauses: OktaErrorCause[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(errorSummary);
    this.name = 'OktaProblem';
    this.body = errorObject(errorCode, errorSummary, errorCauses);
  }
}

export function errorObject(
  errorCode: string,
  errorSummary: string,
  errorCauses: OktaErrorCause[] = [],
): OktaErrorObject {
  return { errorCode, errorSummary, errorLink: errorCode, errorId: errorId(), errorCauses };
}

/** Real error ids look like `oaeWCGz73hpRCG75VHP6-RRXw`. */
function errorId(): string {
  return `oae${randomBytes(16).toString('base64url').slice(0, 22)}`;
}

export const authenticationFailed = () => new OktaProblem(401, 'E0000004', 'Authentication failed.');

export const forbidden = () =>
  new OktaProblem(403, 'E0000006', 'You do not have permission to perform the requested action.');

export const notFound = () => new OktaProblem(404, 'E0000007', 'Resource not found exception.');

export const malformedBody = (status = 400) =>
  new OktaProblem(status, 'E0000003', 'The request body was not well-formed.');

export const rateLimited = (headers: Record<string, string>) =>
  new OktaProblem(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', [], headers);

export const internalError = () => new OktaProblem(500, 'E0000009', 'Internal Server Error.');

/**
 * Governance validation: `Api validation failed: <what>` with one cause per problem. When there is a
 * single cause and no explicit headline, the cause's summary is the headline, as Okta does.
 */
export function validationFailed(causes: OktaErrorCause[], headline?: string): OktaProblem {
  const summary = headline ?? causes[0]?.errorSummary ?? 'invalid request';
  return new OktaProblem(
    400,
    'E0000001',
    `Api validation failed: ${summary}`,
    causes.map((cause) => ({ domain: 'governance', ...cause })),
  );
}

/** A bad query parameter (limit, after, orderBy, filter…). */
export function invalidQuery(parameter: string, errorSummary: string, reason = 'INVALID_VALUE'): OktaProblem {
  return validationFailed(
    [{ errorSummary, reason, location: `/query/${parameter}`, locationType: 'query' }],
    parameter,
  );
}

/** The grants API's own filter complaint. */
export function invalidGrantFilter(errorSummary: string): OktaProblem {
  return new OktaProblem(400, 'E0000029', 'Invalid filter', [
    { errorSummary, reason: 'empty.openapi.validation', location: '/query/filter', locationType: 'query' },
  ]);
}

/** Core API (users) search and filter complaints. */
export function invalidSearch(errorSummary: string): OktaProblem {
  return new OktaProblem(400, 'E0000031', 'Invalid search criteria.', [{ errorSummary }]);
}

/** Parses a JSON body with a wire schema; zod's complaints become governance validation causes. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const causes = parsed.error.issues.map((issue): OktaErrorCause => {
    const location = `/${issue.path.map(String).join('/')}`;
    const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
    const reason = missing
      ? 'REQUIRED_PROPERTY_MISSING'
      : issue.code === 'invalid_value'
        ? 'INVALID_ENUM_VALUE'
        : 'INVALID_VALUE';
    const errorSummary = missing ? `${location} must have required property` : `${location} ${issue.message}`;
    return { errorSummary, reason, location, locationType: 'body' };
  });
  throw validationFailed(causes);
}

/** The error object Okta sends with a given status, for faults that only name the status. */
export function problemForStatus(status: number, headers: Record<string, string> = {}): OktaProblem {
  const known: Record<number, [string, string]> = {
    400: ['E0000001', 'Api validation failed: injected fault'],
    401: ['E0000004', 'Authentication failed.'],
    403: ['E0000006', 'You do not have permission to perform the requested action.'],
    404: ['E0000007', 'Resource not found exception.'],
    409: ['E0000195', 'Api validation failed due to conflict: injected fault'],
    429: ['E0000047', 'API call exceeded rate limit due to too many requests.'],
  };
  const [code, summary] =
    known[status] ??
    (status >= 500 ? ['E0000009', 'Internal Server Error.'] : ['E0000001', 'Api validation failed: injected fault']);
  return new OktaProblem(status, code, summary, [], headers);
}
