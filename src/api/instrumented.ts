import { GatehouseError } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { Governance } from './governance.js';

type Operation = Exclude<keyof Governance, 'provider' | 'circuit'>;

const OPERATIONS: Operation[] = [
  'policy',
  'findPrincipalsByEmail',
  'getPrincipal',
  'searchCatalog',
  'getCatalogEntry',
  'createRequest',
  'getRequest',
  'listRequests',
  'listChanges',
  'listPendingApprovals',
  'decide',
  'comment',
  'cancel',
  'listAccess',
  'ping',
];

/**
 * Wraps any backend so every port call is timed by operation and outcome, once, here, rather than
 * in each vendor client.
 */
export function instrumentGovernance(governance: Governance, metrics: Metrics): Governance {
  const wrapped: Record<string, unknown> = {
    provider: governance.provider,
    circuit: governance.circuit && (() => governance.circuit?.()),
  };
  for (const operation of OPERATIONS) {
    const method = governance[operation] as (...args: unknown[]) => Promise<unknown>;
    wrapped[operation] = async (...args: unknown[]) => {
      const stop = metrics.governanceDuration.startTimer({ provider: governance.provider, operation });
      try {
        const result = await method.apply(governance, args);
        stop({ outcome: 'ok' });
        return result;
      } catch (error) {
        stop({ outcome: error instanceof GatehouseError ? error.code : 'error' });
        throw error;
      }
    };
  }
  return wrapped as unknown as Governance;
}
