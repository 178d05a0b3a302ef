import { SEED } from '@gatehouse/sandbox/okta';
import {
  createPingOneTenant,
  type PingOneTenant,
  type PingOneTenantOptions,
  pingOneEmulator,
} from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The PingOne AIC emulator against the vendor's own material: the IGA API reference
 * (`_sortType`, the user's tasks) and Ping's UI (AccessRequestApi.js, Tasks.test.js,
 * AccessRequestUtils.js, RequestActionsCell.vue, the grant views' `item.decision.accessRequest`).
 */

const { users: U, entries: E } = SEED;
const START = Date.parse('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;
const GOV = '/iga/governance';

interface Harness {
  app: FastifyInstance;
  tenant: PingOneTenant;
  clock: { now: number };
}

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function harness(options: PingOneTenantOptions = {}): Promise<Harness> {
  const clock = { now: START };
  const tenant = createPingOneTenant({ now: () => clock.now, ...options });
  const app = Fastify();
  await app.register(pingOneEmulator, { tenant });
  opened.push(app);
  return { app, tenant, clock };
}

function post(h: Harness, url: string, payload: unknown = {}) {
  return h.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${h.tenant.accessToken}` },
    payload: payload as object,
  });
}

function get(h: Harness, url: string) {
  return h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${h.tenant.accessToken}` } });
}

function create(h: Harness, userId: string, entryId: string, extra: Record<string, string> = {}) {
  const { result, errors } = h.tenant.create(
    { users: [userId], catalogs: [{ type: 'application', id: entryId }], ...extra },
    h.tenant.serviceAccountId,
  );
  const [created] = result;
  if (!created) throw new Error(`not created: ${JSON.stringify(errors)}`);
  return created;
}

type Listed = { result: { id: string; phases?: { name: string; type?: string; permissions?: object }[] }[] };

describe('sorting by date keys (`_sortType`)', () => {
  async function twoRequestsAcrossOffsets() {
    const h = await harness();
    // Older, written in Tokyo's offset: its wall-clock text reads later than the newer one's.
    h.tenant.utcOffset = '+09:00';
    const older = create(h, U.alice.id, E.zoomPro.id);
    h.clock.now += HOUR;
    h.tenant.utcOffset = '-08:00';
    const newer = create(h, U.carol.id, E.zoomPro.id);
    return { h, older, newer };
  }

  it('writes timestamps in the tenant’s UTC offset', async () => {
    const { older, newer } = await twoRequestsAcrossOffsets();
    expect(older.metadata.modifiedDate).toBe('2026-03-02T18:00:00.000+09:00');
    expect(newer.metadata.modifiedDate).toBe('2026-03-02T02:00:00.000-08:00');
  });

  it('sorts a date key as a date only when asked with `_sortType=date`', async () => {
    const { h, older, newer } = await twoRequestsAcrossOffsets();
    const search = async (extra: string) =>
      (
        (await post(h, `${GOV}/requests?_action=search&_sortKeys=-metadata.modifiedDate${extra}`)).json() as Listed
      ).result.map((r) => r.id);
    expect(await search('&_sortType=date')).toEqual([newer.id, older.id]);
    // Without it, as the reference warns, the dates sort as text: the older one comes first.
    expect(await search('')).toEqual([older.id, newer.id]);
  });

  it('can play a tenant that sorts as text whatever `_sortType` says', async () => {
    const { h, older, newer } = await twoRequestsAcrossOffsets();
    h.tenant.honoursSortType = false;
    const answer = await post(h, `${GOV}/requests?_action=search&_sortKeys=-metadata.modifiedDate&_sortType=date`);
    expect((answer.json() as Listed).result.map((r) => r.id)).toEqual([older.id, newer.id]);
  });

  it('records each call’s query, so tests can see what a client sent', async () => {
    const h = await harness();
    await post(h, `${GOV}/requests?_action=search&_sortKeys=-decision.startDate&_sortType=date`);
    expect(h.tenant.calls.at(-1)?.query).toMatchObject({ _sortKeys: '-decision.startDate', _sortType: 'date' });
  });
});

describe('grants', () => {
  it('puts the grant dates where IGA does: item.decision.accessRequest', async () => {
    const h = await harness();
    const endDate = new Date(START + 48 * HOUR).toISOString();
    const request = create(h, U.alice.id, E.figmaEditor.id, { endDate });
    h.tenant.decide(request.id, 'approve', undefined, U.bob.id);
    const answer = await get(h, `${GOV}/user/${U.alice.id}/grants?grantType=entitlement`);
    const [held] = answer.json().result as Record<string, unknown>[];
    expect(held).toMatchObject({
      item: {
        type: 'entitlementGrant',
        decision: { accessRequest: { grantStartDate: expect.any(String), grantEndDate: endDate } },
      },
    });
    expect(held).not.toHaveProperty('grantEndDate');
    expect(held).not.toHaveProperty('grantStartDate');
  });
});

describe('the user’s tasks, as Ping’s UI asks for them', () => {
  const tasks = (who: string, query: string) => `${GOV}/user/${who}/tasks?_action=search&${query}`;

  it('lists the requests waiting on a person, each with the phases assigned to them', async () => {
    const h = await harness();
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    const answer = await post(h, tasks(U.bob.id, 'type=request&actorStatus=active'));
    expect(answer.statusCode).toBe(200);
    const [task] = (answer.json() as Listed).result;
    expect(task).toMatchObject({
      id: request.id,
      phases: [{ name: 'managerApproval1', type: 'request', permissions: { approve: true, reject: true } }],
    });
    expect((await post(h, tasks(U.alice.id, 'type=request&actorStatus=active'))).json().result).toEqual([]);
  });

  it('moves a decided task to actorStatus=inactive', async () => {
    const h = await harness();
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    h.tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    expect((await post(h, tasks(U.bob.id, 'type=request&actorStatus=active'))).json().result).toEqual([]);
    const done = (await post(h, tasks(U.bob.id, 'type=request&actorStatus=inactive'))).json() as Listed;
    expect(done.result.map((r) => r.id)).toEqual([request.id]);
  });

  it('keeps the old approvals endpoint until the tenant retires it, and can lack the tasks one', async () => {
    const h = await harness();
    create(h, U.alice.id, E.salesforceSalesUser.id);
    const approvals = `${GOV}/user/${U.bob.id}/approvals?_action=search&actorStatus=active`;
    expect((await post(h, approvals)).json().result).toHaveLength(1);
    h.tenant.servesApprovals = false;
    const retired = await post(h, approvals);
    expect(retired.statusCode).toBe(404);
    expect(retired.json()).toMatchObject({ code: 404, reason: 'Not Found' });
    h.tenant.servesTasks = false;
    expect((await post(h, tasks(U.bob.id, 'type=request&actorStatus=active'))).statusCode).toBe(404);
  });
});

describe('phases other than approvals, and the statuses they bring', () => {
  it('suspends a request at a "Wait Until Start Date" phase, and resumes it on the date', async () => {
    const h = await harness();
    h.tenant.setWorkflow(E.salesforceSalesUser.id, [{ approvers: 'MANAGER' }, { kind: 'wait' }]);
    const startDate = new Date(START + 24 * HOUR).toISOString();
    const request = create(h, U.alice.id, E.salesforceSalesUser.id, { startDate });
    h.tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    const waiting = (await get(h, `${GOV}/requests/${request.id}`)).json();
    expect(waiting.decision).toMatchObject({ status: 'suspended', decision: 'approved' });
    expect(waiting.decision.phases[1]).toMatchObject({
      type: 'scheduled',
      status: 'in-progress',
      name: expect.stringMatching(/^waitTask/),
      events: { scheduled: { date: startDate } },
    });
    h.clock.now += 25 * HOUR;
    const resumed = (await get(h, `${GOV}/requests/${request.id}`)).json();
    expect(resumed.decision).toMatchObject({ status: 'complete', outcome: 'provisioned' });
    expect(resumed.decision.phases[1]).toMatchObject({ type: 'scheduled', status: 'complete' });
  });

  it('hands approved access to a fulfillment phase whose actors fulfil, not approve', async () => {
    const h = await harness();
    h.tenant.setWorkflow(E.zoomPro.id, [{ approvers: 'MANAGER' }, { kind: 'fulfillment', userIds: [U.grace.id] }]);
    const request = create(h, U.alice.id, E.zoomPro.id);
    h.tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    const read = (await get(h, `${GOV}/requests/${request.id}`)).json();
    expect(read.decision).toMatchObject({ status: 'in-progress', decision: 'approved' });
    expect(read.decision.phases[1]).toMatchObject({ type: 'fulfillment', status: 'in-progress' });
    expect(read.decision.actors.active).toEqual([
      expect.objectContaining({
        id: `managed/user/${U.grace.id}`,
        permissions: { fulfill: true, deny: true, comment: true, reassign: true },
      }),
    ]);
    const fulfilment = (
      await post(h, `${GOV}/user/${U.grace.id}/tasks?_action=search&type=fulfillment&actorStatus=active`)
    ).json() as Listed;
    expect(fulfilment.result.map((r) => r.id)).toEqual([request.id]);
    expect(
      (await post(h, `${GOV}/user/${U.grace.id}/tasks?_action=search&type=request&actorStatus=active`)).json().result,
    ).toEqual([]);
    const approve = await post(
      h,
      `${GOV}/requests/${request.id}?_action=approve&phaseName=${read.decision.phases[1].name}`,
      { justification: 'ok' },
    );
    expect(approve.statusCode).toBe(400);
    h.tenant.fulfill(request.id, 'fulfill', U.grace.id);
    expect(h.tenant.request(request.id)?.decision).toMatchObject({ status: 'complete', outcome: 'fulfilled' });
  });

  it('keeps an approved request in `provisioning` until provisioning ends, when told to', async () => {
    const h = await harness({ deferProvisioning: true });
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    h.tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    expect(h.tenant.request(request.id)?.decision).toMatchObject({
      status: 'provisioning',
      decision: 'approved',
      outcome: null,
    });
    h.tenant.provision(request.id);
    expect(h.tenant.request(request.id)?.decision).toMatchObject({ status: 'complete', outcome: 'provisioned' });
  });
});

describe('who may approve or reject a phase', () => {
  const approve = (h: Harness, id: string) =>
    post(h, `${GOV}/requests/${id}?_action=approve&phaseName=managerApproval1`, { justification: 'fine' });

  it('refuses the service account on a phase it is no actor of, as Ping’s UI implies', async () => {
    const h = await harness({ adminMayDecide: false });
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    const refused = await approve(h, request.id);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(h.tenant.request(request.id)?.decision.phases[0]?.status).toBe('in-progress');
    // The phase's own actor may.
    h.tenant.decide(request.id, 'approve', 'managerApproval1', U.bob.id);
    expect(h.tenant.request(request.id)?.decision.status).toBe('complete');
  });

  it('lets the service account decide on a tenant where administrators may', async () => {
    const h = await harness({ adminMayDecide: true });
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    expect((await approve(h, request.id)).statusCode).toBe(200);
  });

  it('is the seeded sandbox’s default (Gatehouse still decides with its service token), not the tenant’s', async () => {
    const { PingOneTenant } = await import('@gatehouse/sandbox/pingone');
    expect(createPingOneTenant().adminMayDecide).toBe(true);
    expect(new PingOneTenant().adminMayDecide).toBe(false);
  });
});
