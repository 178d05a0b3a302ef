export { type PingOneEmulatorOptions, pingOneEmulator } from './plugin.js';
export * from './records.js';
export { type CreateInput, PingOneTenant, type PingOneTenantOptions, type Task } from './tenant.js';

import { PingOneTenant, type PingOneTenantOptions } from './tenant.js';

/**
 * The seeded tenant sandbox mode and the tests run Gatehouse against. Unlike a bare
 * `new PingOneTenant()`, it lets the service account decide phases it is no actor of
 * (`adminMayDecide`), because Gatehouse still approves and rejects with its service token; once it
 * decides as the approver (an RFC 7523 JWT bearer grant), this default should go.
 */
export function createPingOneTenant(options: PingOneTenantOptions = {}): PingOneTenant {
  return new PingOneTenant({ adminMayDecide: true, ...options });
}
