export {
  JWT_BEARER,
  type JwtBearerClient,
  type PersonGrantArtefacts,
  SANDBOX_PERSON_GRANT,
  type TrustedJwtIssuer,
} from './jwt-bearer.js';
export { type PingOneEmulatorOptions, pingOneEmulator } from './plugin.js';
export * from './records.js';
export { type CreateInput, PingOneTenant, type PingOneTenantOptions, type Task } from './tenant.js';

import { SANDBOX_PERSON_GRANT } from './jwt-bearer.js';
import { PingOneTenant, type PingOneTenantOptions } from './tenant.js';

/**
 * The seeded tenant sandbox mode and the tests run Gatehouse against. Like a real tenant set up
 * with `frodo admin generate-rfc7523-authz-grant-artefacts`, it trusts one issuer for the person
 * grant (SANDBOX_PERSON_GRANT, whose private key sandbox mode holds), so Gatehouse approves and
 * rejects as the approver. Only a phase's actors decide it, as on a bare `new PingOneTenant()`.
 */
export function createPingOneTenant(options: PingOneTenantOptions = {}): PingOneTenant {
  const tenant = new PingOneTenant(options);
  tenant.trustPersonGrant(SANDBOX_PERSON_GRANT);
  return tenant;
}
