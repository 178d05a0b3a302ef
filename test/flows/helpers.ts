import {
  createOktaOrg,
  GENEROUS_RATE_LIMIT_PER_MINUTE,
  type OktaOrg,
  type OktaOrgOptions,
  oktaEmulator,
} from '@gatehouse/sandbox/okta';
import Fastify from 'fastify';
import { expect } from 'vitest';
import type { Governance } from '../../src/api/governance.js';
import { OktaGovernance, type OktaGovernanceOptions } from '../../src/api/okta/client.js';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { type ChatIdentity, type Failure, Flows, type FlowsOptions, type Outcome } from '../../src/flows/index.js';
import { MemoryStore, type Store } from '../../src/store/index.js';
import { testLogger } from '../support/test-logger.js';

/** The value of a successful flow, failing the test with the flow's own message otherwise. */
export function ok<V>(outcome: Outcome<V>): V {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

/** The failure of a refused flow, checking its code. */
export function refused<V>(outcome: Outcome<V>, code: string): string {
  return refusal(outcome, code).message;
}

/** The whole failure: its message and, where the person can act instead, its link. */
export function refusal<V>(outcome: Outcome<V>, code: string): Failure {
  if (outcome.ok) throw new Error(`expected ${code}, but the flow succeeded`);
  expect(outcome.error.code).toBe(code);
  return outcome.error;
}

/**
 * Flows over the Okta emulator with the org at hand (world.ts keeps it inside its portal), for
 * tests that change a directory record, arm a fault or count every call Gatehouse made.
 */
export interface OktaFlows {
  org: OktaOrg;
  /** Where the emulated org listens: its base URL, as OKTA_ORG_URL would be. */
  orgUrl: string;
  flows: Flows;
  governance: Governance;
  store: Store;
  /** A Slack user with this email (user id derived from it unless given). */
  as(email: string, userId?: string): ChatIdentity;
  /** Every call the org received so far. */
  calls(): number;
  /** Directory searches (`GET /api/v1/users`) so far. */
  lookups(): number;
  close(): Promise<void>;
}

/** A Slack person with this email, their user id derived from it. */
export function slackPerson(user: { email: string }, userId?: string): ChatIdentity {
  return { platform: 'slack', userId: userId ?? `U${user.email.split('@')[0]?.toUpperCase()}`, email: user.email };
}

/** A request made in Okta's own dashboard, the reason filled in when the entry asks one. */
export function portalRequest(org: OktaOrg, entryId: string, userId: string, reason = 'Quarter-end close') {
  const fieldId = org.entries.find((entry) => entry.id === entryId)?.condition?.justification.fieldId ?? '';
  const created = org.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId },
      requestedFor: { type: 'OKTA_USER', externalId: userId },
      requesterFieldValues: [{ id: fieldId, value: reason }],
    },
    org.actorFor(userId),
  );
  org.settle();
  return created;
}

export async function startOktaFlows(
  options: FlowsOptions = {},
  setup: { org?: OktaOrgOptions; client?: Partial<OktaGovernanceOptions> } = {},
): Promise<OktaFlows> {
  const org = createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE, ...setup.org });
  const emulator = Fastify();
  await emulator.register(oktaEmulator, { org });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const logger = testLogger();
  const governance = new OktaGovernance({
    orgUrl: `http://127.0.0.1:${port}`,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 2000,
    baseBackoffMs: 5,
    logger: logger.child({ component: 'okta' }),
    ...setup.client,
  });
  const store = new MemoryStore();
  const flows = new Flows(governance, store, logger.child({ component: 'flows' }), options);
  return {
    org,
    orgUrl: `http://127.0.0.1:${port}`,
    flows,
    governance,
    store,
    as: (email, userId) => slackPerson({ email }, userId),
    calls: () => org.calls.length,
    lookups: () => org.calls.filter((call) => call.path === '/api/v1/users').length,
    async close() {
      await emulator.close();
      await store.close();
    },
  };
}
