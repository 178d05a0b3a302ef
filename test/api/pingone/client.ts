import { PingOneGovernance, type PingOneGovernanceOptions } from '../../../src/api/pingone/client.js';
import { SANDBOX_SECRETS } from '../../../src/config.js';
import { testLogger } from '../../support/test-logger.js';
import { sandboxPersonGrant } from '../../support/world.js';

/**
 * The real PingOne client against an emulated tenant at `tenantUrl`: Gatehouse's sandbox token,
 * the person grant the seeded tenant trusts (so approvers decide as themselves), and the tenant's
 * clock; `extra` changes any of it.
 */
export function pingOneClient(
  tenantUrl: string,
  now: () => number,
  extra: Partial<PingOneGovernanceOptions> = {},
): PingOneGovernance {
  return new PingOneGovernance({
    tenantUrl,
    realm: 'alpha',
    auth: { kind: 'bearer', token: SANDBOX_SECRETS.pingoneAccessToken },
    serviceAccountId: SANDBOX_SECRETS.pingoneServiceAccountId,
    personGrant: sandboxPersonGrant(tenantUrl),
    timeoutMs: 2000,
    baseBackoffMs: 5,
    logger: testLogger(),
    now,
    ...extra,
  });
}
