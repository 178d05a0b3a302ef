import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { OktaGovernance } from '../../src/api/okta/client.js';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { type ChatIdentity, Flows } from '../../src/flows/index.js';
import { createOktaOrg, type OktaOrg, oktaEmulator } from '../../src/sandbox/okta/index.js';
import { MemoryStore, type Store } from '../../src/store/index.js';

/**
 * The whole spine for flow tests: the Okta emulator on a real socket, the real Okta client talking
 * to it over HTTP, a store and the flows. Nothing of ours is mocked.
 */
export interface World {
  org: OktaOrg;
  flows: Flows;
  governance: OktaGovernance;
  store: Store;
  emulator: FastifyInstance;
  /** A Slack user with this email. */
  as(email: string): ChatIdentity;
  /** Governance writes the emulator received (method + path), to prove exactly-once. */
  writes(pathPart: string): number;
  close(): Promise<void>;
}

export async function startWorld(options: { store?: Store; rejectReasonRequired?: boolean } = {}): Promise<World> {
  const org = createOktaOrg();
  const emulator = Fastify();
  await emulator.register(oktaEmulator, { org });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const governance = new OktaGovernance({
    orgUrl: `http://127.0.0.1:${port}`,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 2000,
    baseBackoffMs: 5,
    rejectReasonRequired: options.rejectReasonRequired,
  });
  const store = options.store ?? new MemoryStore();
  const flows = new Flows(governance, store, pino({ level: 'silent' }));
  return {
    org,
    flows,
    governance,
    store,
    emulator,
    as: (email) => ({ platform: 'slack', userId: `U${email.split('@')[0]?.toUpperCase()}`, email }),
    writes: (pathPart) =>
      org.calls.filter((call) => call.method !== 'GET' && call.path.includes(pathPart) && call.status < 400).length,
    async close() {
      await emulator.close();
      if (!options.store) await store.close();
    },
  };
}
