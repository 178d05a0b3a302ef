import type { Logger } from 'pino';
import type { GovernanceConfig } from '../config.js';
import type { Metrics } from '../metrics.js';
import { cacheCatalogSearches } from './cached-catalog.js';
import type { Governance } from './governance.js';
import { instrumentGovernance } from './instrumented.js';
import { OktaGovernance } from './okta/client.js';
import { PingOneGovernance } from './pingone/client.js';

export type { Governance, GovernancePolicy } from './governance.js';
export { OktaGovernance } from './okta/client.js';
export { PingOneGovernance } from './pingone/client.js';

/** The configured backend, instrumented, with type-ahead searches cached for `catalogCacheMs`. */
export function createGovernance(
  config: GovernanceConfig,
  deps: {
    metrics: Metrics;
    logger: Logger;
    rejectReasonRequired?: boolean;
    catalogCacheMs?: number;
    now?: () => number;
  },
): Governance {
  return cacheCatalogSearches(backend(config, deps), { ttlMs: deps.catalogCacheMs ?? 0 });
}

function backend(
  config: GovernanceConfig,
  deps: { metrics: Metrics; logger: Logger; rejectReasonRequired?: boolean; now?: () => number },
): Governance {
  if (config.provider === 'pingone') {
    const pingone = new PingOneGovernance({
      tenantUrl: config.tenantUrl,
      realm: config.realm,
      auth: config.auth,
      metrics: deps.metrics,
      logger: deps.logger.child({ component: 'pingone' }),
      serviceAccountId: config.serviceAccountId,
      personGrant: config.personGrant,
      adminDecides: config.adminDecides,
      now: deps.now,
    });
    return instrumentGovernance(pingone, deps.metrics);
  }
  const okta = new OktaGovernance({
    orgUrl: config.orgUrl,
    auth: config.auth,
    metrics: deps.metrics,
    logger: deps.logger.child({ component: 'okta' }),
    rejectReasonRequired: deps.rejectReasonRequired,
    now: deps.now,
  });
  return instrumentGovernance(okta, deps.metrics);
}
