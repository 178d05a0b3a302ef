import { SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance } from '../../../src/api/pingone/client.js';
import type { Principal } from '../../../src/domain/types.js';
import { Flows } from '../../../src/flows/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok } from '../../flows/helpers.js';
import { testLogger } from '../../support/test-logger.js';
import { pingOneClient } from './client.js';

/**
 * The PingOne client against the IGA API as the vendor's material describes it (issue 17): date
 * sorts need `_sortType=date`, grant dates sit under `item.decision.accessRequest`, a person's
 * approvals come from their tasks, and phases are not all approvals.
 */

const { users: U, entries: E } = SEED;
const HOUR = 3_600_000;
let tenant: PingOneTenant;
let emulator: FastifyInstance;
let governance: PingOneGovernance;
let ahead = 0;
const tenantNow = () => Date.now() + ahead;

beforeEach(async () => {
  ahead = 0;
  tenant = createPingOneTenant({ now: tenantNow });
  emulator = Fastify();
  await emulator.register(pingOneEmulator, { tenant });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  governance = client(base());
});
afterEach(async () => {
  await emulator.close();
});

const base = () => `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`;

function client(tenantUrl: string) {
  return pingOneClient(tenantUrl, tenantNow);
}

function create(userId: string, entryId: string, extra: Record<string, string> = {}) {
  const [created] = tenant.create(
    { users: [userId], catalogs: [{ type: 'application', id: entryId }], ...extra },
    tenant.serviceAccountId,
  ).result;
  if (!created) throw new Error('not created');
  return created;
}

async function principal(id: string): Promise<Principal> {
  const found = await governance.getPrincipal(id);
  if (!found) throw new Error(`no principal ${id}`);
  return found;
}

const searches = (path = '/iga/governance/requests/search') =>
  tenant.calls.filter((call) => call.action === 'search' && call.path === path);

describe('date sorts', () => {
  it('sends `_sortType=date` with every date sort key', async () => {
    create(U.alice.id, E.salesforceSalesUser.id);
    await governance.listRequests({ status: ['pending'] });
    await governance.listRequests({ requestedFor: U.alice.id });
    await governance.listChanges({ updatedSince: new Date(tenantNow() - HOUR).toISOString() });
    const sorted = tenant.calls.filter((call) => call.query._sortKeys);
    expect(sorted.length).toBeGreaterThanOrEqual(3);
    for (const call of sorted) {
      expect(call.query._sortKeys).toMatch(/Date/);
      expect(call.query._sortType).toBe('date');
    }
  });

  it('finds every change when the tenant writes its dates in other UTC offsets', async () => {
    // Older requests written at +01:00 read, as text, later than newer ones written at -05:00.
    tenant.utcOffset = '+01:00';
    for (let i = 0; i < 230; i++) create(U.carol.id, E.zoomPro.id);
    ahead += 5;
    const since = new Date(tenantNow()).toISOString();
    ahead += 5;
    tenant.utcOffset = '-05:00';
    const changed = [E.zoomPro, E.jiraSoftwareUser, E.slackMember].map((entry) => create(U.alice.id, entry.id).id);
    const before = searches().length;
    const page = await governance.listChanges({ updatedSince: since });
    expect(page.items.map((change) => change.id).sort()).toEqual([...changed].sort());
    // Oldest first by instant, in UTC whatever offset the tenant wrote.
    const times = page.items.map((change) => change.updated);
    expect(times).toEqual([...times].sort());
    for (const time of times) expect(time).toMatch(/Z$/);
    // The page that reached back past the moment, and one more to see nothing newer hides behind
    // it; the third hundred of older requests costs nothing (by date: the open ones are listed apart).
    const byDate = (calls: typeof tenant.calls) =>
      calls.filter((call) => call.query._sortKeys === '-metadata.modifiedDate');
    expect(byDate(searches().slice(before))).toHaveLength(2);
  });

  it('finds a portal decision on an old request where the tenant does not move modifiedDate', async () => {
    // No Ping source says metadata.modifiedDate moves with every change: here it stays at creation.
    tenant.touchesModifiedDate = false;
    const decidedLater = create(U.alice.id, E.zoomPro.id).id;
    const twoSteps = create(U.alice.id, E.salesforceAdmin.id, { justification: 'quarter-end' }).id;
    ahead += 1000;
    for (let i = 0; i < 120; i++) create(U.carol.id, E.jiraSoftwareUser.id);
    ahead += 1000;
    // A poll: the baseline of what is open.
    await governance.listChanges({ updatedSince: new Date(tenantNow()).toISOString() });
    ahead += 1000;
    const since = new Date(tenantNow()).toISOString();
    ahead += 1000;
    // Decided in Ping's own UI: one closes, the other moves to its second phase.
    const actOn = (id: string) => {
      const record = tenant.request(id);
      const phase = record?.decision.phases.find((p) => p.status === 'in-progress');
      const actor = record?.decision.actors.active.find((a) => a.phase === phase?.name);
      if (!phase || !actor) throw new Error('no open phase');
      tenant.decide(id, 'approve', phase.name, actor.id.replace('managed/user/', ''), 'ok');
    };
    actOn(decidedLater);
    actOn(twoSteps);
    expect(tenant.request(decidedLater)?.metadata.modifiedDate).toBe(
      tenant.request(decidedLater)?.metadata.createdDate,
    );
    // Both sort among the oldest by modification date, past the page a poll reads by date.
    const changed = (await governance.listChanges({ updatedSince: since })).items.map((change) => change.id);
    expect(changed.sort()).toEqual([decidedLater, twoSteps].sort());
  });

  it('reads on past a page holding older requests while pages still hold newer ones', async () => {
    // A tenant that sorts dates as text whatever it is asked: the newest land on two pages.
    tenant.honoursSortType = false;
    tenant.utcOffset = '+01:00';
    for (let i = 0; i < 60; i++) create(U.carol.id, E.zoomPro.id);
    ahead += 5;
    const since = new Date(tenantNow()).toISOString();
    ahead += 5;
    tenant.utcOffset = '+02:00';
    const first = Array.from({ length: 50 }, () => create(U.alice.id, E.zoomPro.id).id);
    tenant.utcOffset = '-05:00';
    const late = [E.jiraSoftwareUser, E.slackMember, E.zoomPro].map((entry) => create(U.dana.id, entry.id).id);
    const page = await governance.listChanges({ updatedSince: since });
    expect(page.items.map((change) => change.id).sort()).toEqual([...first, ...late].sort());
  });
});

describe('grants', () => {
  it('reads the grant dates from item.decision.accessRequest', async () => {
    const endDate = new Date(tenantNow() + 48 * HOUR).toISOString();
    const request = create(U.alice.id, E.figmaEditor.id, { endDate });
    tenant.decide(request.id, 'approve', undefined, U.bob.id);
    const held = await governance.listAccess(await principal(U.alice.id));
    const figma = held.find((grant) => grant.entry.id === E.figmaEditor.id);
    expect(figma).toMatchObject({ expiresAt: endDate, grantedAt: expect.any(String) });
  });

  it('still reads top-level grant dates, should a tenant put them there', async () => {
    const fake = Fastify();
    fake.get('/iga/governance/user/:id/grants', async (request) => ({
      result:
        (request.query as { grantType?: string }).grantType === 'account'
          ? [
              {
                id: 'g1',
                item: { type: 'accountGrant' },
                application: { id: 'app1', name: 'Zoom' },
                grantStartDate: '2026-01-01T00:00:00+00:00',
                grantEndDate: '2026-02-01T00:00:00+00:00',
              },
            ]
          : [],
    }));
    await fake.listen({ port: 0, host: '127.0.0.1' });
    try {
      const url = `http://127.0.0.1:${(fake.server.address() as { port: number }).port}`;
      const held = await client(url).listAccess({ id: 'u1', email: 'u@example.com', displayName: 'U', active: true });
      expect(held).toEqual([
        expect.objectContaining({ expiresAt: '2026-02-01T00:00:00+00:00', grantedAt: '2026-01-01T00:00:00+00:00' }),
      ]);
    } finally {
      await fake.close();
    }
  });
});

describe('pending approvals', () => {
  const tasks = () => tenant.calls.filter((call) => call.path.endsWith('/tasks'));
  const approvals = () => tenant.calls.filter((call) => call.path.endsWith('/approvals'));

  it('come from the person’s tasks, as Ping’s UI asks for them', async () => {
    tenant.servesApprovals = false;
    const request = create(U.alice.id, E.salesforceSalesUser.id);
    const pending = await governance.listPendingApprovals(await principal(U.bob.id));
    expect(pending.map((r) => r.id)).toEqual([request.id]);
    expect(tasks().at(-1)?.query).toMatchObject({ _action: 'search', type: 'request', actorStatus: 'active' });
  });

  it('fall back to the older approvals endpoint once, and remember it', async () => {
    tenant.servesTasks = false;
    const request = create(U.alice.id, E.salesforceSalesUser.id);
    const bob = await principal(U.bob.id);
    expect((await governance.listPendingApprovals(bob)).map((r) => r.id)).toEqual([request.id]);
    expect((await governance.listPendingApprovals(bob)).map((r) => r.id)).toEqual([request.id]);
    expect(tasks()).toHaveLength(1);
    expect(approvals()).toHaveLength(2);
  });
});

describe('phases that are not approvals', () => {
  const flows = () => new Flows(governance, new MemoryStore(), testLogger());
  const grace = { platform: 'slack' as const, userId: 'U1', email: U.grace.email };

  it('shows a request waiting for its start date with no step awaiting approvers', async () => {
    tenant.setWorkflow(E.salesforceSalesUser.id, [{ kind: 'wait' }, { approvers: 'MANAGER' }]);
    const startDate = new Date(tenantNow() + 24 * HOUR).toISOString();
    const request = create(U.alice.id, E.salesforceSalesUser.id, { startDate });
    const read = await governance.getRequest(request.id);
    expect(read).toMatchObject({ status: 'pending', steps: [] });
    expect(await governance.listPendingApprovals(await principal(U.bob.id))).toEqual([]);
    // Still open, so among the pending requests, with nobody asked to act on it.
    const pending = await governance.listRequests({ status: ['pending'] });
    expect(pending.items.map((r) => r.id)).toContain(request.id);
    ahead += 25 * HOUR;
    const resumed = await governance.getRequest(request.id);
    expect(resumed?.steps).toEqual([
      expect.objectContaining({ index: 1, status: 'pending', taskId: 'managerApproval2' }),
    ]);
  });

  it('shows a request approved and waiting for its start date as approved, access not yet granted', async () => {
    tenant.setWorkflow(E.salesforceSalesUser.id, [{ approvers: 'MANAGER' }, { kind: 'wait' }]);
    const startDate = new Date(tenantNow() + 24 * HOUR).toISOString();
    const request = create(U.alice.id, E.salesforceSalesUser.id, { startDate });
    tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    expect(tenant.request(request.id)?.decision.status).toBe('suspended');
    const read = await governance.getRequest(request.id);
    expect(read).toMatchObject({ status: 'approved', grantStatus: 'pending' });
    expect(read?.steps.map((step) => step.status)).toEqual(['approved']);
  });

  it('does not offer a fulfillment task to its fulfillers as an approval', async () => {
    tenant.setWorkflow(E.zoomPro.id, [{ approvers: 'MANAGER' }, { kind: 'fulfillment', userIds: [U.grace.id] }]);
    const request = create(U.alice.id, E.zoomPro.id);
    tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    const read = await governance.getRequest(request.id);
    expect(read).toMatchObject({ status: 'approved', grantStatus: 'manual_grant_required' });
    expect(read?.steps.map((step) => step.status)).toEqual(['approved']);
    const decided = await flows().decide(grace, { requestId: request.id, decision: 'approve' });
    expect(decided.ok).toBe(false);
    expect(tenant.calls.filter((call) => call.action === 'approve')).toHaveLength(0);
    tenant.fulfill(request.id, 'fulfill', U.grace.id);
    expect(await governance.getRequest(request.id)).toMatchObject({ status: 'approved', grantStatus: 'granted' });
  });

  it('reads a fulfillment denied after approval as approved with the access not granted', async () => {
    tenant.setWorkflow(E.zoomPro.id, [{ approvers: 'MANAGER' }, { kind: 'fulfillment', userIds: [U.grace.id] }]);
    const request = create(U.alice.id, E.zoomPro.id);
    tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    tenant.fulfill(request.id, 'deny', U.grace.id, 'No licences left');
    expect(await governance.getRequest(request.id)).toMatchObject({ status: 'approved', grantStatus: 'failed' });
  });

  it('shows a request in `provisioning` as approved, its access being provisioned', async () => {
    tenant.deferProvisioning = true;
    const request = create(U.alice.id, E.salesforceSalesUser.id);
    tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    const view = ok(await flows().status({ platform: 'slack', userId: 'U2', email: U.alice.email }, request.id));
    expect(view).toMatchObject({
      status: 'approved',
      statusLabel: 'Approved',
      grantStatus: 'pending',
      currentStep: undefined,
    });
    tenant.provision(request.id);
    expect(await governance.getRequest(request.id)).toMatchObject({ status: 'approved', grantStatus: 'granted' });
  });
});
