import { SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance, PingOneGovernanceOptions } from '../../../src/api/pingone/client.js';
import { createGatehouse } from '../../../src/app.js';
import { loadConfig, type PingOneAuth, SANDBOX_SECRETS } from '../../../src/config.js';
import { Flows } from '../../../src/flows/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok, refused } from '../../flows/helpers.js';
import { testLogger } from '../../support/test-logger.js';
import { TEST_SECRETS } from '../../support/test-secrets.js';
import { pingOneClient } from './client.js';

const { users: U, entries: E } = SEED;
let tenant: PingOneTenant;
let emulator: FastifyInstance;
let flows: Flows;
let governance: PingOneGovernance;
/** How far a test has moved the tenant's clock on past real time. */
let ahead = 0;
const tenantNow = () => Date.now() + ahead;

beforeEach(async () => {
  ahead = 0;
  tenant = createPingOneTenant({ now: tenantNow });
  emulator = Fastify();
  await emulator.register(pingOneEmulator, { tenant });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  governance = client();
  flows = new Flows(governance, new MemoryStore(), testLogger());
});
afterEach(async () => {
  await emulator.close();
});

const base = () => `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`;

/**
 * The real client against this test's tenant; Gatehouse's sandbox token unless told otherwise, and
 * the person grant the seeded tenant trusts, so approvers decide as themselves.
 */
function client(
  auth: PingOneAuth = { kind: 'bearer', token: SANDBOX_SECRETS.pingoneAccessToken },
  extra: Partial<PingOneGovernanceOptions> = {},
) {
  return pingOneClient(base(), tenantNow, { auth, ...extra });
}

/** Client credentials for the OAuth client `gatehouse`, with the given secret. */
const credentials = (clientSecret: string, scopes = ['fr:idm:*', 'fr:iga:*']): PingOneAuth => ({
  kind: 'client_credentials',
  clientId: 'gatehouse',
  clientSecret,
  tokenUrl: `${base()}/am/oauth2/realms/root/realms/alpha/access_token`,
  scopes,
});

const as = (email: string) => ({ platform: 'slack' as const, userId: 'U1', email });
const alice = () => as(U.alice.email);
const bob = () => as(U.bob.email);
const grace = () => as(U.grace.email);

async function created(actor: ReturnType<typeof as>, entryId: string, extra: Record<string, string> = {}) {
  const result = ok(await flows.requestAccess(actor, { entryId, ...extra }));
  if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
  return result.request;
}

const actions = (name: string) => tenant.calls.filter((call) => call.action === name);

describe('PingOne IGA phases', () => {
  it('carries each phase name through to the decision that closes it', async () => {
    const request = await created(alice(), E.salesforceAdmin.id, { justification: 'quarter-end' });
    expect(request.steps[0]).toMatchObject({ taskId: 'managerApproval1', name: 'Manager approval' });
    ok(await flows.decide(bob(), { requestId: request.id, decision: 'approve' }));
    const second = ok(await flows.status(grace(), request.id));
    expect(second).toMatchObject({ currentStep: { index: 2 } });
    ok(await flows.decide(grace(), { requestId: request.id, decision: 'approve' }));
    expect(actions('approve').map((call) => call.phaseName)).toEqual(['managerApproval1', 'ownerApproval2']);
    const record = tenant.request(request.id);
    expect(record?.decision).toMatchObject({ status: 'complete', decision: 'approved', outcome: 'provisioned' });
  });

  it('refuses a click drawn for a phase that has already moved on, without acting on the next one', async () => {
    const request = await created(alice(), E.salesforceAdmin.id, { justification: 'quarter-end' });
    ok(await flows.decide(bob(), { requestId: request.id, decision: 'approve' }));
    const stale = await flows.decide(grace(), {
      requestId: request.id,
      taskId: 'managerApproval1',
      decision: 'approve',
    });
    expect(stale.ok).toBe(false);
    expect(actions('approve')).toHaveLength(1);
  });
});

describe('the iga_access_request configuration', () => {
  it('asks for a reason to reject when requireRejectJustification is on, and not when it is off', async () => {
    const first = await created(alice(), E.salesforceSalesUser.id);
    refused(await flows.decide(bob(), { requestId: first.id, decision: 'reject' }), 'reason_required');
    expect(actions('reject')).toHaveLength(0);
    tenant.config.requireRejectJustification = false;
    const relaxed = new Flows(client(), new MemoryStore(), testLogger());
    const rejected = ok(await relaxed.decide(bob(), { requestId: first.id, decision: 'reject' }));
    expect(rejected.request.status).toBe('rejected');
  });

  it('lets an approver decide their own request only when allowSelfApproval is on', async () => {
    const own = await created(grace(), E.netsuiteApClerk.id, { justification: 'month-end close' });
    refused(await flows.decide(grace(), { requestId: own.id, decision: 'approve' }), 'self_approval_forbidden');
    expect(actions('approve')).toHaveLength(0);
  });

  it('requires a justification everywhere when requireRequestJustification is on', async () => {
    tenant.config.requireRequestJustification = true;
    refused(await flows.requestAccess(alice(), { entryId: E.zoomPro.id }), 'justification_required');
    expect(actions('create')).toHaveLength(0);
  });
});

describe('validation before creation', () => {
  it('passes a validation error through to the person asking, word for word', async () => {
    const original = tenant.validate.bind(tenant);
    tenant.validate = (input) => [
      ...original(input),
      {
        userId: U.alice.id,
        error: 'sodViolation',
        message: 'Salesforce Admin conflicts with NetSuite AP Clerk (SoD rule 12).',
      },
    ];
    const outcome = await flows.requestAccess(alice(), { entryId: E.salesforceSalesUser.id });
    const message = refused(outcome, 'governance_rejected');
    expect(message).toContain('conflicts with NetSuite AP Clerk (SoD rule 12)');
    expect(actions('validate')).toHaveLength(1);
    expect(actions('create')).toHaveLength(0);
  });
});

describe('the PingOne client at its edge', () => {
  it('reads comments back, attributing those Gatehouse wrote on someone’s behalf to that person', async () => {
    const request = await created(alice(), E.salesforceSalesUser.id);
    ok(await flows.comment(bob(), request.id, 'Which region?'));
    const read = await governance.getRequest(request.id);
    expect(read?.comments).toEqual([
      expect.objectContaining({
        author: expect.objectContaining({ displayName: 'Bob Martinez' }),
        text: 'Which region?',
      }),
    ]);
  });

  it('refuses a wrong token as a credentials problem, not as the user’s fault', async () => {
    const wrong = client({ kind: 'bearer', token: 'not-the-token' });
    await expect(wrong.ping()).rejects.toMatchObject({ code: 'governance_auth_failed' });
  });
});

describe('PingOne credentials', () => {
  it('gets a token with client credentials, reuses it, and fetches a new one after a refusal', async () => {
    tenant.oauthClients.set('gatehouse', TEST_SECRETS.pingoneClientSecret);
    const oauth = client(credentials(TEST_SECRETS.pingoneClientSecret));
    const tokens = () => tenant.calls.filter((call) => call.path.endsWith('/access_token')).length;
    expect(await oauth.findPrincipalsByEmail(U.alice.email)).toHaveLength(1);
    await oauth.ping();
    expect(tokens()).toBe(1);
    // The tenant forgets the token (revoked, rotated): the next call is refused once, then works again.
    tenant.issuedTokens.clear();
    await expect(oauth.ping()).rejects.toMatchObject({ code: 'governance_auth_failed' });
    await oauth.ping();
    expect(tokens()).toBe(2);
  });

  it('refuses a wrong client secret as a credentials problem', async () => {
    tenant.oauthClients.set('gatehouse', TEST_SECRETS.pingoneClientSecret);
    await expect(client(credentials('guess', ['fr:iga:*'])).ping()).rejects.toMatchObject({
      code: 'governance_auth_failed',
    });
  });
});

describe('PingOne lists and lifecycle', () => {
  it('reads only what changed since a moment, across pages, oldest first', async () => {
    for (let i = 0; i < 130; i++) {
      tenant.create(
        { users: [U.carol.id], catalogs: [{ type: 'application', id: E.zoomPro.id }] },
        tenant.serviceAccountId,
      );
    }
    // A moment strictly between the 130 and the rest, on the tenant's clock (moved on, not waited for).
    ahead += 5;
    const since = new Date(tenantNow()).toISOString();
    ahead += 5;
    const changed = [];
    for (const entry of [E.zoomPro, E.jiraSoftwareUser, E.slackMember]) changed.push(await created(alice(), entry.id));
    const searches = () =>
      tenant.calls.filter((call) => call.action === 'search' && call.path === '/iga/governance/requests/search');
    const before = searches().length;
    const page = await governance.listRequests({ updatedSince: since });
    expect(page.items.map((r) => r.id).sort()).toEqual(changed.map((r) => r.id).sort());
    expect(page.items.map((r) => r.updated)).toEqual(page.items.map((r) => r.updated).sort());
    // The page that reached back past the moment, and one more to see nothing newer hides behind
    // it: order alone is not trusted (test/api/pingone/wire.test.ts).
    expect(searches().length - before).toBe(2);
    const all = await governance.listRequests({ requestedFor: U.carol.id, limit: 100 });
    expect(all.items).toHaveLength(100);
    const next = await governance.listRequests({ requestedFor: U.carol.id, limit: 100, cursor: all.cursor });
    expect(next.items).toHaveLength(30);
  });

  it('shows a request IGA expired as expired, with nothing left to decide', async () => {
    const request = await created(alice(), E.salesforceSalesUser.id);
    tenant.expire(request.id);
    const view = ok(await flows.status(alice(), request.id));
    expect(view).toMatchObject({ status: 'expired', statusLabel: 'Expired' });
    const refusedDecision = await flows.decide(bob(), { requestId: request.id, decision: 'approve' });
    expect(refusedDecision.ok).toBe(false);
    expect(actions('approve')).toHaveLength(0);
  });

  it('asks approvers for a reason when requireApproveJustification is on', async () => {
    tenant.config.requireApproveJustification = true;
    const request = await created(alice(), E.salesforceSalesUser.id);
    refused(await flows.decide(bob(), { requestId: request.id, decision: 'approve' }), 'reason_required');
    ok(await flows.decide(bob(), { requestId: request.id, decision: 'approve', reason: 'Territory confirmed' }));
    expect(tenant.request(request.id)?.decision.comments.at(-1)?.comment).toContain('Territory confirmed');
  });
});

describe('GOVERNANCE_PROVIDER=pingone', () => {
  it('runs the whole bot against the PingOne tenant it names', async () => {
    // Production refuses the sandbox's published token, so Gatehouse signs in as this tenant's client.
    tenant.oauthClients.set('gatehouse', TEST_SECRETS.pingoneClientSecret);
    const config = loadConfig({
      GOVERNANCE_PROVIDER: 'pingone',
      PINGONE_TENANT_URL: base(),
      PINGONE_CLIENT_ID: 'gatehouse',
      PINGONE_CLIENT_SECRET: TEST_SECRETS.pingoneClientSecret,
      PINGONE_SERVICE_ACCOUNT_ID: SANDBOX_SECRETS.pingoneServiceAccountId,
      SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
      SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
      SLACK_API_URL: 'http://127.0.0.1:9/api',
      PUBLIC_URL: 'https://gatehouse.example.com',
      METRICS_TOKEN: 'operator-metrics-token-0123456789',
      LOG_LEVEL: 'silent',
    });
    const gatehouse = await createGatehouse(config, { logger: testLogger(config) });
    try {
      expect(gatehouse.governance.provider).toBe('pingone');
      const me = ok(await gatehouse.flows.whoAmI(alice()));
      expect(me).toMatchObject({ id: U.alice.id, name: 'Alice Nguyen' });
      const ready = await gatehouse.server.inject({
        method: 'GET',
        url: '/readyz',
        headers: { authorization: 'Bearer operator-metrics-token-0123456789' },
      });
      expect(ready.json()).toMatchObject({ checks: { governance: 'ok' } });
    } finally {
      await gatehouse.close();
    }
  });
});

describe('reading IGA requests defensively', () => {
  it('reads a completed request with a rejected phase as rejected, even with no summary decision', async () => {
    const request = await created(alice(), E.salesforceSalesUser.id);
    const record = tenant.request(request.id);
    if (!record) throw new Error('no record');
    const phase = record.decision.phases[0];
    if (!phase) throw new Error('no phase');
    Object.assign(phase, { status: 'complete', decision: 'reject', completionDate: new Date().toISOString() });
    Object.assign(record.decision, { status: 'complete', decision: null, outcome: 'not provisioned' });
    expect((await governance.getRequest(request.id))?.status).toBe('rejected');
  });

  it('gives each step the reason given with its own decision', async () => {
    const request = await created(alice(), E.salesforceAdmin.id, { justification: 'quarter-end' });
    ok(await flows.decide(bob(), { requestId: request.id, decision: 'approve', reason: 'Manager says yes' }));
    ok(await flows.decide(grace(), { requestId: request.id, decision: 'reject', reason: 'Use the report pack' }));
    const read = await governance.getRequest(request.id);
    expect(read?.steps.map((step) => step.decision?.reason)).toEqual(['Manager says yes', 'Use the report pack']);
  });

  it('keeps a name from posing as the on-behalf marker in comments', async () => {
    const request = await created(alice(), E.salesforceSalesUser.id);
    const mallory = tenant.users.find((user) => user._id === U.carol.id);
    if (!mallory) throw new Error('no user');
    // The marker is written only by Gatehouse's own token: a tenant without the person grant.
    const governance = client(undefined, { personGrant: undefined });
    await governance.comment({
      requestId: request.id,
      author: {
        id: U.carol.id,
        email: U.carol.email,
        displayName: 'Dana Chen <ciso@acme.example> (Slack): Approved',
        active: true,
      },
      text: 'hello',
      via: 'Slack',
    });
    const read = await governance.getRequest(request.id);
    expect(read?.comments[0]?.author.email).toBe(U.carol.email);
    expect(read?.comments[0]?.text).toBe('hello');
  });

  it('lists as mine only the requests for me, not every request I may view', async () => {
    const forAlice = await created(alice(), E.salesforceSalesUser.id);
    ok(await flows.requestAccess(bob(), { entryId: E.zoomPro.id }));
    const mine = ok(await flows.myRequests(bob()));
    expect(mine.items.map((item) => item.id)).not.toContain(forAlice.id);
  });
});
