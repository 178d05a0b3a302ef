import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PingOneGovernance } from '../../../src/api/pingone/client.js';
import { SANDBOX_SECRETS } from '../../../src/config.js';
import { Flows } from '../../../src/flows/index.js';
import { SEED } from '../../../src/sandbox/okta/index.js';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '../../../src/sandbox/pingone/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok, refused } from '../../flows/helpers.js';

const { users: U, entries: E } = SEED;
let tenant: PingOneTenant;
let emulator: FastifyInstance;
let flows: Flows;
let governance: PingOneGovernance;

beforeEach(async () => {
  tenant = createPingOneTenant();
  emulator = Fastify();
  await emulator.register(pingOneEmulator, { tenant });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const address = emulator.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  governance = new PingOneGovernance({
    tenantUrl: `http://127.0.0.1:${port}`,
    realm: 'alpha',
    auth: { kind: 'bearer', token: SANDBOX_SECRETS.pingoneAccessToken },
    serviceAccountId: SANDBOX_SECRETS.pingoneServiceAccountId,
    timeoutMs: 2000,
    baseBackoffMs: 5,
  });
  flows = new Flows(governance, new MemoryStore(), pino({ level: 'silent' }));
});
afterEach(async () => {
  await emulator.close();
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
    const relaxed = new Flows(
      new PingOneGovernance({
        tenantUrl: `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`,
        realm: 'alpha',
        auth: { kind: 'bearer', token: SANDBOX_SECRETS.pingoneAccessToken },
        serviceAccountId: SANDBOX_SECRETS.pingoneServiceAccountId,
      }),
      new MemoryStore(),
      pino({ level: 'silent' }),
    );
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
    const wrong = new PingOneGovernance({
      tenantUrl: `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`,
      realm: 'alpha',
      auth: { kind: 'bearer', token: 'not-the-token' },
    });
    await expect(wrong.ping()).rejects.toMatchObject({ code: 'governance_auth_failed' });
  });
});
