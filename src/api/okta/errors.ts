import { z } from 'zod';
import {
  type GatehouseError,
  GovernanceAuthFailed,
  GovernanceNotFound,
  type GovernanceOperation,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../../domain/errors.js';

/** Okta's error object: `{ errorCode, errorSummary, errorLink, errorId, errorCauses: [{ errorSummary }] }`. */
export const oktaErrorBody = z.object({
  errorCode: z.string().optional(),
  errorSummary: z.string().optional(),
  errorId: z.string().optional(),
  errorCauses: z.array(z.object({ errorSummary: z.string().optional() }).loose()).optional(),
});

export type OktaErrorBody = z.infer<typeof oktaErrorBody>;

/** Turns a non-2xx, non-429 answer into the typed error flows understand. */
export function errorFromResponse(operation: GovernanceOperation, status: number, body: unknown): GatehouseError {
  const parsed = oktaErrorBody.safeParse(body);
  const okta = parsed.success ? parsed.data : {};
  if (status === 401 || status === 403) return new GovernanceAuthFailed(operation, status, okta.errorCode);
  if (status === 404) return new GovernanceNotFound(operation, 'That item');
  if (status >= 400 && status < 500) {
    const causes = (okta.errorCauses ?? []).map((cause) => cause.errorSummary).filter(Boolean);
    const summary = causes.length > 0 ? causes.join('; ') : (okta.errorSummary ?? `Request refused (HTTP ${status}).`);
    return new GovernanceRejected(operation, summary, status, okta.errorCode);
  }
  return new GovernanceUnavailable(
    operation,
    `HTTP ${status} ${okta.errorCode ?? ''} ${okta.errorSummary ?? ''}`.trim(),
  );
}
