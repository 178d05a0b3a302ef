import { type OktaOrg, type OktaOrgOptions, SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import type { OktaGovernanceOptions } from '../../../src/api/okta/client.js';
import type { Flows } from '../../../src/flows/index.js';
import type { MemoryStore } from '../../../src/store/index.js';
import { type OktaFlows, ok, slackPerson as person, portalRequest, startOktaFlows } from '../../flows/helpers.js';
import { buttonsOf, eventually, messageAbout, S, shown, startSlackWorld } from '../../support/slack-world.js';

/**
 * Okta's Tasks API is Beta and covers only requests made through access request conditions; its
 * grants API needs another admin role than the rest. Gatehouse's real client against the emulated
 * org, through the flows, as people see it: an org that refuses tasks, a legacy request type, and
 * grants Gatehouse may not read.
 */

const { users: U, entries: E } = SEED;
const TEN_MINUTES = 10 * 60_000;

interface Emulated {
  org: OktaOrg;
  flows: Flows;
  store: MemoryStore;
  portalUrl: string;
  clock: { ahead: number };
  /** Calls Gatehouse made to the Tasks API so far. */
  taskCalls(): number;
  grantCalls(): number;
}

const started: OktaFlows[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((one) => one.close()));
});

async function emulated(options: OktaOrgOptions = {}, client: Partial<OktaGovernanceOptions> = {}): Promise<Emulated> {
  // Gatehouse's clock, which the test moves instead of waiting.
  const clock = { ahead: 0 };
  const current = await startOktaFlows(
    {},
    { org: options, client: { now: () => Date.now() + clock.ahead, ...client } },
  );
  started.push(current);
  const { org, flows, orgUrl } = current;
  const count = (prefix: string) => org.calls.filter((call) => call.path.startsWith(prefix)).length;
  return {
    org,
    flows,
    store: current.store as MemoryStore,
    portalUrl: `${orgUrl}/enduser/catalog`,
    clock,
    taskCalls: () => count('/governance/api/v2/tasks'),
    grantCalls: () => count('/governance/api/v1/grants'),
  };
}

describe('an org whose Tasks API (Beta) refuses Gatehouse', () => {
  it.each([
    ['forbidden', 403],
    ['absent', 404],
  ] as const)(
    '%s (%i): the request still shows, approvals handled in Okta, and a decision from chat is sent to Okta',
    async (tasksApi, _status) => {
      const { org, flows, store, portalUrl } = await emulated({ tasksApi });
      const request = portalRequest(org, E.zoomPro.id, U.alice.id, 'Customer webinars');
      // Gatehouse sent Dana the approval card while it could still see who approves.
      await store.addMessageRef(request.id, {
        platform: 'slack',
        conversationId: 'DDANA',
        messageId: '1700000000.000100',
        kind: 'approval',
        recipientId: U.dana.id,
      });

      const view = ok(await flows.status(person(U.alice), request.id));
      if (!('id' in view)) throw new Error('expected one request');
      expect(view).toMatchObject({
        id: request.id,
        status: 'pending',
        statusLabel: 'Pending approval — approvals are handled in Okta',
        requester: { name: 'Alice Nguyen' },
        justification: 'Customer webinars',
        steps: [],
        approvalsHandledIn: { system: 'Okta', url: portalUrl },
      });
      expect(view.currentStep).toBeUndefined();
      expect(view.actions).not.toContain('approve');

      // Dana approves Zoom Pro in Okta; from chat she is told where, whatever she pressed.
      const decided = await flows.decide(person(U.dana), { requestId: request.id, decision: 'approve' });
      expect(decided.ok).toBe(false);
      if (decided.ok) return;
      expect(decided.error.code).toBe('decide_elsewhere');
      expect(decided.error.message).toBe(
        `Approvals for request ${request.id} are handled in Okta, not in chat, so this decision must be made in Okta.`,
      );
      expect(decided.error.link).toEqual({ label: 'Decide in Okta', url: portalUrl });

      // Someone with no part in it learns what a made-up id tells: nothing, not even that it exists.
      const stranger = await flows.decide(person(U.carol), { requestId: request.id, decision: 'approve' });
      const madeUp = await flows.decide(person(U.carol), { requestId: 'reqAAAAAAAAAAAAAAAAA', decision: 'approve' });
      expect(stranger.ok || madeUp.ok).toBe(false);
      if (stranger.ok || madeUp.ok) return;
      expect(stranger.error.code).toBe('not_an_approver');
      expect(stranger.error.message).toBe(madeUp.error.message.replace('reqAAAAAAAAAAAAAAAAA', request.id));
      expect(org.request(request.id)?.status).toBe('PENDING');
      expect(org.calls.filter((call) => call.method === 'POST' && call.path.endsWith('/resolve'))).toEqual([]);
    },
  );

  it('is taken at its word for ten minutes, then asked again', async () => {
    const { org, flows, clock, taskCalls } = await emulated({ tasksApi: 'forbidden' });
    const request = portalRequest(org, E.zoomPro.id, U.alice.id);
    const stepsSeen = async () => {
      const view = ok(await flows.status(person(U.alice), request.id));
      return 'steps' in view ? view.steps.length : -1;
    };
    expect(await stepsSeen()).toBe(0);
    expect(taskCalls()).toBe(1);
    // Every read for the next ten minutes: no refused call.
    for (let i = 0; i < 3; i++) expect(await stepsSeen()).toBe(0);
    expect(taskCalls()).toBe(1);

    // The org turns the Beta on; Gatehouse finds out when it asks again.
    org.tasksApi = 'available';
    clock.ahead += TEN_MINUTES - 1_000;
    expect(await stepsSeen()).toBe(0);
    expect(taskCalls()).toBe(1);
    clock.ahead += 1_000;
    expect(await stepsSeen()).toBe(1);
    expect(taskCalls()).toBe(2);
    const view = ok(await flows.status(person(U.alice), request.id));
    expect(view).toMatchObject({ statusLabel: 'Pending approval', currentStep: { index: 1 } });
    expect('approvalsHandledIn' in view).toBe(false);
  });

  it('lists no approvals, saying where they are, instead of an empty list or a sign-in failure', async () => {
    const { org, flows, portalUrl } = await emulated({ tasksApi: 'absent' });
    portalRequest(org, E.zoomPro.id, U.alice.id);
    const pending = await flows.pendingApprovals(person(U.dana));
    expect(pending.ok).toBe(false);
    if (pending.ok) return;
    expect(pending.error.code).toBe('governance_unsupported');
    expect(pending.error.message).toContain('find it in Okta');
    expect(pending.error.link).toEqual({ label: 'Open Okta', url: portalUrl });
  });

  it('in Slack: a card drawn earlier loses its buttons, and its Approve says to decide in Okta', async () => {
    const world = await startSlackWorld();
    try {
      await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
      const request = await eventually(() => world.okta.requests.find((r) => r.requested.entryId === E.zoomPro.id));
      const card = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
      expect(buttonsOf(card)).toContain('approve');

      // The org's Beta is switched off, or Gatehouse's role loses it.
      world.okta.tasksApi = 'forbidden';
      await world.driver.click(S.dana.id, { channel: card.channel, ts: card.ts }, 'approve');
      const answer = await eventually(() =>
        world.slack.ephemeralsFor(S.dana.id).find((message) => shown(message).includes('must be made in Okta')),
      );
      // A real link, not an address the person has to copy.
      expect(JSON.stringify(answer)).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/[^|>]*\/enduser\/catalog\|Decide in Okta>/);
      expect(shown(answer)).not.toMatch(/could not sign in|not found/);
      const redrawn = await eventually(() => {
        const message = world.slack.message(card.channel, card.ts);
        return message && !buttonsOf(message).includes('approve') ? message : undefined;
      });
      expect(shown(redrawn)).toContain('Pending approval — approvals are handled in Okta');
      expect(world.writes('/resolve')).toBe(0);
    } finally {
      await world.close();
    }
  });
});

describe('a request of a legacy request type (REQUEST_TYPE)', () => {
  it('shows as approved in Okta, asking the Tasks API only on its first read, then tells who decided there', async () => {
    const { org, flows, portalUrl, taskCalls } = await emulated();
    const request = portalRequest(org, E.financeAnalysts.id, U.erin.id, 'Month-end close');
    expect(request.requested.resourceType).toBe('REQUEST_TYPE');
    const open = ok(await flows.status(person(U.erin), request.id));
    // The first read asks for its tasks at once with the request (Okta's type is not known before);
    // from then on the request is known to have none.
    expect(taskCalls()).toBe(1);
    expect(open).toMatchObject({
      status: 'pending',
      statusLabel: 'Pending approval — approvals are handled in Okta',
      steps: [],
      approvalsHandledIn: { system: 'Okta', url: portalUrl },
    });
    // Erin, who asked, is told where it is decided; Grace, its approver in Okta, got no card from
    // Gatehouse (it cannot see who approves a request type), so to Gatehouse she is no approver.
    const asked = await flows.decide(person(U.erin), { requestId: request.id, decision: 'approve' });
    expect(asked.ok ? undefined : asked.error.code).toBe('decide_elsewhere');
    const refused = await flows.decide(person(U.grace), { requestId: request.id, decision: 'approve' });
    expect(refused.ok ? undefined : refused.error.code).toBe('not_an_approver');

    // Grace approves it in Okta's Access Requests app.
    org.decideInOkta(request.id, U.grace.id, 'APPROVED');
    const closed = ok(await flows.status(person(U.erin), request.id));
    expect(closed).toMatchObject({
      status: 'approved',
      statusLabel: 'Approved',
      outcome: { decision: 'approve', by: { name: 'Grace Lee' } },
    });
    expect(taskCalls()).toBe(1);
  });
  it('lists it, once decided in Okta, with who decided, as a read of it tells', async () => {
    // The org's clock, moved so that the decision stamps the request anew.
    const orgClock = { ahead: 0 };
    const { org, flows } = await emulated({ now: () => Date.now() + orgClock.ahead });
    const request = portalRequest(org, E.financeAnalysts.id, U.erin.id, 'Month-end close');
    const listed = async () => {
      const item = ok(await flows.myRequests(person(U.erin))).items.find((view) => view.id === request.id);
      if (!item) throw new Error('expected the request in the list');
      return item;
    };
    expect(await listed()).toMatchObject({ status: 'pending', justification: 'Month-end close' });

    orgClock.ahead += 60_000;
    org.decideInOkta(request.id, U.grace.id, 'APPROVED');
    const decided = { status: 'approved', outcome: { decision: 'approve', by: { name: 'Grace Lee' } } };
    expect(await listed()).toMatchObject({ ...decided, justification: 'Month-end close' });
    expect(ok(await flows.status(person(U.erin), request.id))).toMatchObject(decided);
  });
});

describe("the playground's governance portal", () => {
  it('decides a request of a request type, which has no task, as its approver in Okta', async () => {
    const world = await startSlackWorld();
    try {
      const request = portalRequest(world.okta, E.financeAnalysts.id, U.erin.id, 'Month-end close');
      const decided = await world.gatehouse.server.inject({
        method: 'POST',
        url: '/playground/portal/decide',
        payload: { requestId: request.id, decision: 'approve' },
      });
      expect(decided.json()).toEqual({ status: 200 });
      expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('APPROVED');
    } finally {
      await world.close();
    }
  });
});

describe('what a person holds', () => {
  it("shows a request type's access from its request, and never asks grants for it", async () => {
    const { org, flows, grantCalls } = await emulated();
    const group = portalRequest(org, E.financeAnalysts.id, U.erin.id);
    org.decideInOkta(group.id, U.grace.id, 'APPROVED');
    portalRequest(org, E.googleWorkspaceStandard.id, U.erin.id);
    org.settle();

    const held = ok(await flows.myAccess(person(U.erin)));
    expect(held.map((access) => access.entry.name).sort()).toEqual(['Finance Analysts', 'Google Workspace — Standard']);
    expect(held.find((access) => access.entry.id === E.financeAnalysts.id)).toMatchObject({
      status: 'active',
      grantedAt: org.request(group.id)?.granted,
      caveat: expect.stringContaining('Okta request type'),
    });
    expect(held.find((access) => access.entry.id === E.googleWorkspaceStandard.id)?.caveat).toBeUndefined();
    // One look-up, for the app; none that names the request type as a grant's target.
    expect(grantCalls()).toBe(1);
  });

  it('in an org without the grants API (Beta, 404), shows access from requests with a note, and remembers', async () => {
    const { org, flows, clock, grantCalls } = await emulated();
    org.faults.add({ kind: 'status', status: 404, path: '/governance/api/v1/grants', times: Number.POSITIVE_INFINITY });
    const first = portalRequest(org, E.googleWorkspaceStandard.id, U.erin.id);
    const timed = portalRequest(org, E.figmaEditor.id, U.erin.id);
    org.decideInOkta(timed.id, U.bob.id, 'APPROVED');
    const group = portalRequest(org, E.financeAnalysts.id, U.erin.id);
    org.decideInOkta(group.id, U.grace.id, 'APPROVED');
    org.settle();

    const held = ok(await flows.myAccess(person(U.erin)));
    expect(held.map((access) => access.entry.name).sort()).toEqual([
      'Figma — Editor',
      'Finance Analysts',
      'Google Workspace — Standard',
    ]);
    for (const id of [E.googleWorkspaceStandard.id, E.figmaEditor.id]) {
      const access = held.find((item) => item.entry.id === id);
      expect(access?.status).toBe('active');
      expect(access?.caveat).toContain('does not offer Gatehouse its grants API');
      expect(access?.caveat).not.toContain('APP_ADMIN');
    }
    expect(held.find((access) => access.entry.id === E.googleWorkspaceStandard.id)?.grantedAt).toBe(
      org.request(first.id)?.granted,
    );
    expect(held.find((access) => access.entry.id === E.financeAnalysts.id)?.caveat).toContain('Okta request type');

    // Taken at its word for ten minutes: no refused call meanwhile, then asked again.
    const refused = grantCalls();
    expect(refused).toBeGreaterThanOrEqual(1);
    ok(await flows.myAccess(person(U.erin)));
    expect(grantCalls()).toBe(refused);
    org.faults.clear();
    clock.ahead += TEN_MINUTES;
    const again = ok(await flows.myAccess(person(U.erin)));
    expect(grantCalls()).toBeGreaterThan(refused);
    expect(again.find((access) => access.entry.id === E.googleWorkspaceStandard.id)?.caveat).toBeUndefined();
  });

  it('without the APP_ADMIN role, shows access from requests and says which role is missing', async () => {
    const { org, flows, grantCalls } = await emulated({ adminRoles: ['ACCESS_REQUESTS_ADMIN'] });
    const first = portalRequest(org, E.googleWorkspaceStandard.id, U.erin.id);
    const timed = portalRequest(org, E.figmaEditor.id, U.erin.id);
    org.decideInOkta(timed.id, U.bob.id, 'APPROVED');
    org.settle();

    const held = ok(await flows.myAccess(person(U.erin)));
    expect(held).toHaveLength(2);
    for (const access of held) {
      expect(access.caveat).toContain('Application Administrator role (APP_ADMIN)');
      expect(access.status).toBe('active');
    }
    expect(held.find((access) => access.entry.id === E.googleWorkspaceStandard.id)?.grantedAt).toBe(
      org.request(first.id)?.granted,
    );
    // The refusal is remembered: the next look costs no refused call.
    const before = grantCalls();
    ok(await flows.myAccess(person(U.erin)));
    expect(grantCalls()).toBe(before);
  });
});
