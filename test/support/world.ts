import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, type OktaOrg, oktaEmulator } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Governance } from '../../src/api/governance.js';
import { OktaGovernance } from '../../src/api/okta/client.js';
import { PingOneGovernance } from '../../src/api/pingone/client.js';
import { type PingOnePersonGrant, SANDBOX_PINGONE_PERSON, SANDBOX_SECRETS } from '../../src/config.js';
import { type ChatIdentity, Flows } from '../../src/flows/index.js';
import { MemoryStore, type Store } from '../../src/store/index.js';
import { testLogger } from './test-logger.js';

export type Provider = 'okta' | 'pingone';
export const PROVIDERS: Provider[] = ['okta', 'pingone'];

/**
 * What the governance system's own records say, read the way an administrator reads its portal,
 * whichever backend runs: the flow tests ask these questions and never look at a vendor's records.
 */
export interface Portal {
  /** The request's status in Gatehouse's words (pending, approved, rejected, denied, canceled, expired). */
  status(requestId: string): string | undefined;
  /** The ISO 8601 duration the backend recorded for time-bound access. */
  accessDuration(requestId: string): string | undefined;
  /** The notes on a request: Okta's request messages, IGA's comments and decision justifications. */
  notes(requestId?: string): string[];
  /** Directory searches made so far. */
  lookups(): number;
  /** Writes of one kind that the backend accepted. */
  writes(kind: 'create' | 'decide' | 'comment'): number;
  /** Decision calls made, accepted or not. */
  decideCalls(): number;
  /** How many times the request itself was read through the backend's API. */
  requestReads(requestId: string): number;
  /** The next decision is recorded, then answered with a 500 (the caller cannot know it landed). */
  failNextDecideAfterWrite(): void;
  /** Reads of requests fail with `status`, `times` times. */
  failRequestReads(status: number, times: number): void;
  /** The first request for a catalog entry, as the portal lists it. */
  find(entryId: string): { id: string; status: string } | undefined;
  /** How many requests exist. */
  count(): number;
  /** What Gatehouse's backend calls a rejected request. */
  rejected: string;
}

/**
 * The whole spine for flow tests: a governance emulator on a real socket, the real client talking
 * to it over HTTP, a store and the flows. Nothing of ours is mocked.
 */
export interface World {
  provider: Provider;
  portal: Portal;
  flows: Flows;
  governance: Governance;
  store: Store;
  emulator: FastifyInstance;
  /** A Slack user with this email. */
  as(email: string): ChatIdentity;
  /** Moves the governance emulator's clock on by `ms`, instead of the test waiting for time to pass. */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startWorld(
  options: { provider?: Provider; store?: Store; rejectReasonRequired?: boolean } = {},
): Promise<World> {
  const provider = options.provider ?? 'okta';
  const logger = testLogger();
  const emulator = Fastify();
  let governance: Governance;
  let portal: Portal;
  // The emulator's clock: real time, plus however far the test has moved it on.
  let ahead = 0;
  const now = () => Date.now() + ahead;
  if (provider === 'okta') {
    const org = createOktaOrg({ now, rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
    await emulator.register(oktaEmulator, { org });
    const url = await listen(emulator);
    governance = new OktaGovernance({
      orgUrl: url,
      auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
      timeoutMs: 2000,
      baseBackoffMs: 5,
      rejectReasonRequired: options.rejectReasonRequired,
      logger: logger.child({ component: 'okta' }),
    });
    portal = oktaPortal(org);
  } else {
    const tenant = createPingOneTenant({ now });
    if (options.rejectReasonRequired === false) tenant.config.requireRejectJustification = false;
    await emulator.register(pingOneEmulator, { tenant });
    const url = await listen(emulator);
    governance = new PingOneGovernance({
      tenantUrl: url,
      realm: 'alpha',
      auth: { kind: 'bearer', token: SANDBOX_SECRETS.pingoneAccessToken },
      serviceAccountId: SANDBOX_SECRETS.pingoneServiceAccountId,
      // The tenant trusts the sandbox's issuer: approvers decide as themselves.
      personGrant: sandboxPersonGrant(url),
      timeoutMs: 2000,
      baseBackoffMs: 5,
      logger: logger.child({ component: 'pingone' }),
      // One clock with the tenant: assertions and tokens age as the test moves time on.
      now,
    });
    portal = pingOnePortal(tenant);
  }
  const store = options.store ?? new MemoryStore();
  const flows = new Flows(governance, store, logger.child({ component: 'flows' }));
  return {
    provider,
    portal,
    flows,
    governance,
    store,
    emulator,
    as: (email) => ({ platform: 'slack', userId: `U${email.split('@')[0]?.toUpperCase()}`, email }),
    advance: (ms) => {
      ahead += ms;
    },
    async close() {
      await emulator.close();
      if (!options.store) await store.close();
    },
  };
}

/** The person grant sandbox mode uses, against an emulated tenant at `tenantUrl`. */
export function sandboxPersonGrant(tenantUrl: string): PingOnePersonGrant {
  return {
    clientId: SANDBOX_PINGONE_PERSON.clientId,
    issuer: SANDBOX_PINGONE_PERSON.issuer,
    privateKey: SANDBOX_SECRETS.pingonePersonKey,
    tokenUrl: `${tenantUrl}/am/oauth2/realms/root/realms/alpha/access_token`,
    scopes: ['fr:idm:*', 'fr:iga:*'],
  };
}

async function listen(emulator: FastifyInstance): Promise<string> {
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return `http://127.0.0.1:${port}`;
}

export function oktaPortal(org: OktaOrg): Portal {
  const accepted = (method: string, test: (path: string) => boolean) =>
    org.calls.filter((call) => call.method === method && test(call.path) && call.status < 400).length;
  return {
    status: (id) => org.requests.find((r) => r.id === id)?.status.toLowerCase(),
    accessDuration: (id) => org.requests.find((r) => r.id === id)?.accessDuration,
    notes: (id) => org.messages.filter((m) => !id || m.requestId === id).map((m) => m.message),
    lookups: () => org.calls.filter((call) => call.path === '/api/v1/users').length,
    writes: (kind) =>
      kind === 'create'
        ? accepted('POST', (p) => p === '/governance/api/v2/requests')
        : kind === 'decide'
          ? accepted('POST', (p) => p.endsWith('/resolve'))
          : accepted('POST', (p) => p.endsWith('/messages')),
    decideCalls: () => org.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/resolve')).length,
    requestReads: (id) =>
      org.calls.filter((call) => call.method === 'GET' && call.path === `/governance/api/v2/requests/${id}`).length,
    failNextDecideAfterWrite: () =>
      org.faults.add({ method: 'POST', path: /\/resolve$/, kind: 'fail-after-write', status: 500 }),
    failRequestReads: (status, times) =>
      org.faults.add({ method: 'GET', path: /\/governance\/api\/v2\/requests/, kind: 'status', status, times }),
    find: (entryId) => {
      const found = org.requests.find((r) => r.requested.entryId === entryId);
      return found && { id: found.id, status: found.status.toLowerCase() };
    },
    count: () => org.requests.length,
    rejected: 'denied',
  };
}

export function pingOnePortal(tenant: PingOneTenant): Portal {
  const accepted = (test: (call: PingOneTenant['calls'][number]) => boolean) =>
    tenant.calls.filter((call) => call.method === 'POST' && call.status < 400 && test(call)).length;
  const status = (id: string) => {
    const request = tenant.request(id);
    if (!request) return undefined;
    const { decision } = request;
    if (decision.status === 'in-progress') return 'pending';
    if (decision.status === 'cancelled') {
      return decision.phases.some((p) => p.status === 'expired') ? 'expired' : 'canceled';
    }
    return decision.decision === 'rejected' ? 'rejected' : 'approved';
  };
  return {
    status,
    accessDuration: (id) => {
      const common = tenant.request(id)?.request.common;
      if (!common?.endDate || !common.startDate) return undefined;
      const minutes = Math.round((Date.parse(common.endDate) - Date.parse(common.startDate)) / 60_000);
      return minutes % 60 === 0 ? `PT${minutes / 60}H` : `PT${minutes}M`;
    },
    notes: (id) =>
      tenant.requests.filter((r) => !id || r.id === id).flatMap((r) => r.decision.comments.map((c) => c.comment)),
    lookups: () =>
      tenant.calls.filter((call) => call.method === 'GET' && call.path === '/openidm/managed/alpha_user').length,
    writes: (kind) =>
      kind === 'create'
        ? accepted((call) => call.action === 'create')
        : kind === 'decide'
          ? accepted((call) => call.action === 'approve' || call.action === 'reject')
          : accepted((call) => call.action === 'comment'),
    decideCalls: () =>
      tenant.calls.filter((call) => call.method === 'POST' && (call.action === 'approve' || call.action === 'reject'))
        .length,
    requestReads: (id) =>
      tenant.calls.filter((call) => call.method === 'GET' && call.path.endsWith(`/requests/${id}`)).length,
    failNextDecideAfterWrite: () =>
      tenant.faults.push({ method: 'POST', action: 'approve', status: 500, times: 1, afterWrite: true }),
    failRequestReads: (status, times) =>
      tenant.faults.push({ method: 'POST', path: /\/requests$/, action: 'search', status, times }),
    find: (entryId) => {
      const found = tenant.requests.find((r) => r.plan.catalogId === entryId);
      return found && { id: found.id, status: status(found.id) ?? 'unknown' };
    },
    count: () => tenant.requests.length,
    rejected: 'rejected',
  };
}
