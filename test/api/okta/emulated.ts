import {
  createOktaOrg,
  GENEROUS_RATE_LIMIT_PER_MINUTE,
  type OktaOrg,
  type OktaOrgOptions,
  oktaEmulator,
} from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { OktaGovernance, type OktaGovernanceOptions } from '../../../src/api/okta/client.js';
import { SANDBOX_SECRETS } from '../../../src/config.js';
import type { Principal } from '../../../src/domain/types.js';
import { testLogger } from '../../support/test-logger.js';

export interface EmulatedOkta {
  org: OktaOrg;
  orgUrl: string;
  governance: OktaGovernance;
  /** The person as Gatehouse reads them from the emulated directory. */
  person(id: string): Promise<Principal>;
  /** Calls made to paths starting with `prefix` so far. */
  callsTo(prefix: string, method?: string): number;
  close(): Promise<void>;
}

/** Gatehouse's real Okta client against a seeded emulated org, over HTTP. */
export async function emulatedOkta(
  org: OktaOrgOptions = {},
  client: Partial<OktaGovernanceOptions> = {},
): Promise<EmulatedOkta> {
  const emulated = createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE, ...org });
  const server: FastifyInstance = Fastify();
  await server.register(oktaEmulator, { org: emulated });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const orgUrl = `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
  const governance = new OktaGovernance({
    orgUrl,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 2000,
    baseBackoffMs: 5,
    logger: testLogger(),
    ...client,
  });
  return {
    org: emulated,
    orgUrl,
    governance,
    async person(id) {
      const found = await governance.getPrincipal(id);
      if (!found) throw new Error(`no user ${id} in the emulated org`);
      return found;
    },
    callsTo: (prefix, method) =>
      emulated.calls.filter((call) => call.path.startsWith(prefix) && (!method || call.method === method)).length,
    close: () => server.close(),
  };
}
