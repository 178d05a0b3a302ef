import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatIdentity } from '../../src/flows/index.js';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused, startOktaFlows } from './helpers.js';

const { users: U, entries: E } = SEED;

describe.each(PROVIDERS)("the approver's card on %s", (provider) => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const person = (user: { email: string }) => world.as(user.email);

  async function created(actor: ChatIdentity, entryId: string, extra: Record<string, string> = {}) {
    const result = ok(await world.flows.requestAccess(actor, { entryId, ...extra }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request;
  }

  it('says who is asking and since when it waits, to the approver only', async () => {
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    const [waiting] = ok(await world.flows.pendingApprovals(person(U.bob))).items;
    // What the directory says of Alice, as the backend's client reads it.
    const alice = await world.governance.getPrincipal(request.requestedFor.id);
    const manager = alice?.managerId ? await world.governance.getPrincipal(alice.managerId) : null;
    const told = {
      ...(alice?.title ? { title: alice.title } : {}),
      ...(alice?.department ? { department: alice.department } : {}),
      ...(manager ? { manager: expect.objectContaining({ id: manager.id, name: manager.displayName }) } : {}),
    };
    expect(waiting?.requesterContext ?? {}).toEqual(told);
    if (provider === 'okta') {
      expect(waiting?.requesterContext).toEqual({
        title: 'Account Executive',
        department: 'Sales',
        manager: expect.objectContaining({ id: U.bob.id, name: 'Bob Martinez' }),
      });
    }
    expect(waiting?.waitingSince).toBe(request.steps[0]?.startedAt ?? request.created);
    // The requester and anyone else see their request without it.
    const own = ok(await world.flows.status(person(U.alice), request.id));
    expect(own).not.toHaveProperty('waitingSince');
    const snapshot = await world.flows.snapshot(request.id);
    expect(snapshot?.as({ id: waiting?.steps[0]?.approvers[0]?.id ?? '' }).waitingSince).toBe(waiting?.waitingSince);
    expect(snapshot?.as({ id: waiting?.steps[0]?.approvers[0]?.id ?? '' }).requesterContext).toEqual(
      waiting?.requesterContext,
    );
    expect(snapshot?.as({ id: request.requester.id })).not.toHaveProperty('waitingSince');
    expect(snapshot?.view).not.toHaveProperty('waitingSince');
  });

  it('draws nothing of the kind on a closed request', async () => {
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    ok(await world.flows.decide(person(U.bob), { requestId: request.id, decision: 'approve' }));
    const decided = ok(await world.flows.status(person(U.bob), request.id));
    expect(decided).not.toHaveProperty('waitingSince');
    expect(decided).not.toHaveProperty('risk');
  });

  if (provider === 'okta') {
    it('warns of a separation-of-duties conflict and asks a reason to approve it, checked on the server', async () => {
      const request = await created(person(U.carol), E.awsProductionAdmin.id, {
        duration: 'PT4H',
        justification: 'Incident response',
      });
      const [waiting] = ok(await world.flows.pendingApprovals(person(U.frank))).items;
      expect(waiting?.risk).toEqual({
        conflicts: [expect.objectContaining({ rule: 'Write code and administer production' })],
        approveNeedsReason: true,
      });
      const message = refused(
        await world.flows.decide(person(U.frank), { requestId: request.id, decision: 'approve' }),
        'risk_reason_required',
      );
      expect(message).toContain('Write code and administer production');
      expect(world.portal.writes('decide')).toBe(0);
      const approved = ok(
        await world.flows.decide(person(U.frank), {
          requestId: request.id,
          decision: 'approve',
          reason: 'On call this quarter',
        }),
      );
      expect(approved.request.currentStep?.index).toBe(2);
      // Rejecting never needs the risk's reason.
      const plain = await created(person(U.alice), E.salesforceSalesUser.id);
      const [bobs] = ok(await world.flows.pendingApprovals(person(U.bob))).items;
      expect(bobs?.risk).toEqual({ conflicts: [], approveNeedsReason: false });
      ok(await world.flows.decide(person(U.bob), { requestId: plain.id, decision: 'approve' }));
    });
  } else {
    it('says nothing of risk where the backend does not assess it', async () => {
      await created(person(U.alice), E.salesforceSalesUser.id);
      const [waiting] = ok(await world.flows.pendingApprovals(person(U.bob))).items;
      expect(waiting).not.toHaveProperty('risk');
      expect(waiting?.actions).toEqual(expect.arrayContaining(['approve', 'reject']));
    });
  }
});

describe("the approver's card's cost on okta", () => {
  it('reads who is asking and the risk once, however often the card is drawn', async () => {
    const okta = await startOktaFlows();
    try {
      const alice = okta.as(U.alice.email);
      const created = ok(await okta.flows.requestAccess(alice, { entryId: E.salesforceSalesUser.id }));
      if (created.kind !== 'created') throw new Error('expected a request');
      const principalReads = () => okta.org.calls.filter((c) => /^\/api\/v1\/users\/00u/.test(c.path)).length;
      const assessments = () => okta.org.calls.filter((c) => c.path.endsWith('/risk-rule-assessments')).length;
      const before = [principalReads(), assessments()] as const;
      await okta.flows.snapshot(created.request.id);
      const [reads, assessed] = [principalReads(), assessments()];
      // Alice and her manager; one assessment of the grant.
      expect(reads - before[0]).toBeLessThanOrEqual(2);
      expect(assessed - before[1]).toBe(1);
      await Promise.all([okta.flows.snapshot(created.request.id), okta.flows.snapshot(created.request.id)]);
      ok(await okta.flows.pendingApprovals(okta.as(U.bob.email)));
      expect([principalReads(), assessments()]).toEqual([reads, assessed]);
    } finally {
      await okta.close();
    }
  });

  it('draws the card without the context the directory could not give', async () => {
    const okta = await startOktaFlows();
    try {
      const created = ok(await okta.flows.requestAccess(okta.as(U.alice.email), { entryId: E.salesforceSalesUser.id }));
      if (created.kind !== 'created') throw new Error('expected a request');
      okta.org.faults.add({ method: 'GET', path: /^\/api\/v1\/users\/00u/, kind: 'status', status: 500, times: 50 });
      okta.org.faults.add({ path: /risk-rule-assessments$/, kind: 'status', status: 500, times: 50 });
      const [waiting] = ok(await okta.flows.pendingApprovals(okta.as(U.bob.email))).items;
      expect(waiting?.id).toBe(created.request.id);
      expect(waiting?.actions).toContain('approve');
      expect(waiting).not.toHaveProperty('requesterContext');
      expect(waiting).not.toHaveProperty('risk');
      expect(waiting?.waitingSince).toBeTruthy();
    } finally {
      await okta.close();
    }
  });
});
