import type { Logger } from 'pino';
import type { GovernanceConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { BudgetLedger } from './budget-ledger.js';
import type { Governance } from './governance.js';
import { instrumentGovernance } from './instrumented.js';
import { OktaGovernance } from './okta/client.js';
import { PingOneGovernance } from './pingone/client.js';

export type { Governance, GovernancePolicy } from './governance.js';
export { OktaGovernance } from './okta/client.js';
export { PingOneGovernance } from './pingone/client.js';

/**
 * The configured backend, instrumented: each person's catalog is read whole and searched locally,
 * refreshed after `catalogCacheMs`; the vendor's rate budget is kept in `budgetLedger` (Redis for
 * replicas) and spent by priority.
 */
export function createGovernance(config: GovernanceConfig, deps: GovernanceDeps): Governance {
  return backend(config, deps);
}

export interface GovernanceDeps {
  metrics: Metrics;
  logger: Logger;
  rejectReasonRequired?: boolean;
  catalogCacheMs?: number;
  now?: () => number;
  budgetLedger?: BudgetLedger;
  /** Calls a minute by rate-limit family, over what the vendor documents or its headers say. */
  rateLimits?: Readonly<Partial<Record<string, number>>>;
}

function backend(config: GovernanceConfig, deps: GovernanceDeps): Governance {
  const shared = {
    metrics: deps.metrics,
    now: deps.now,
    catalogFreshMs: deps.catalogCacheMs,
    budgetLedger: deps.budgetLedger,
    rateLimits: deps.rateLimits,
  };
  if (config.provider === 'pingone') {
    const pingone = new PingOneGovernance({
      tenantUrl: config.tenantUrl,
      realm: config.realm,
      auth: config.auth,
      logger: deps.logger.child({ component: 'pingone' }),
      serviceAccountId: config.serviceAccountId,
      personGrant: config.personGrant,
      adminDecides: config.adminDecides,
      ...shared,
    });
    return instrumentGovernance(pingone, deps.metrics);
  }
  const okta = new OktaGovernance({
    orgUrl: config.orgUrl,
    auth: config.auth,
    logger: deps.logger.child({ component: 'okta' }),
    rejectReasonRequired: deps.rejectReasonRequired,
    ...shared,
  });
  return instrumentGovernance(okta, deps.metrics);
}
