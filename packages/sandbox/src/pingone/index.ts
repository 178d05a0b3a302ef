export { type PingOneEmulatorOptions, pingOneEmulator } from './plugin.js';
export { PingOneTenant, type PingOneTenantOptions } from './tenant.js';

import { PingOneTenant, type PingOneTenantOptions } from './tenant.js';

export function createPingOneTenant(options: PingOneTenantOptions = {}): PingOneTenant {
  return new PingOneTenant(options);
}
