import { GatehouseError } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { Governance } from './governance.js';

type Operation = Exclude<keyof Governance, 'provider' | 'circuit' | 'assessRisk' | 'forward' | 'holds' | 'delegation'>;
/** What a backend may lack: wrapped where it has it, and left absent where it has not, so flows can tell. */
type OptionalOperation = 'assessRisk' | 'forward' | 'holds';
const OPTIONAL_OPERATIONS: OptionalOperation[] = ['assessRisk', 'forward', 'holds'];
const DELEGATION_OPERATIONS = ['current', 'appoint', 'end', 'delegatorsOf'] as const;

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
  const timed =
    (owner: object, method: (...args: unknown[]) => Promise<unknown>, operation: string) =>
    async (...args: unknown[]) => {
      const stop = metrics.governanceDuration.startTimer({ provider: governance.provider, operation });
      try {
        const result = await method.apply(owner, args);
        stop({ outcome: 'ok' });
        return result;
      } catch (error) {
        stop({ outcome: error instanceof GatehouseError ? error.code : 'error' });
        throw error;
      }
    };
  for (const operation of [...OPERATIONS, ...OPTIONAL_OPERATIONS]) {
    const method = governance[operation] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (method) wrapped[operation] = timed(governance, method, operation);
  }
  const { delegation } = governance;
  if (delegation) {
    wrapped.delegation = Object.fromEntries(
      DELEGATION_OPERATIONS.map((name) => [
        name,
        timed(delegation, delegation[name] as (...args: unknown[]) => Promise<unknown>, `delegation.${name}`),
      ]),
    );
  }
  return wrapped as unknown as Governance;
}
