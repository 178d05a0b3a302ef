import { SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance } from '../../../src/api/pingone/client.js';
import { GovernanceRejected } from '../../../src/domain/errors.js';
import type { AccessRequest, Principal } from '../../../src/domain/types.js';
import { pingOneClient } from './client.js';

/**
 * Forwarding the phase waiting now on PingOne IGA, as Ping's own UI does it
 * (`_action=reassign&phaseName=…` with `{updatedActors, comment}`), from Gatehouse's client to the
 * emulated tenant: as the approver where the person grant is set up, else with the administrator
 * token and a comment saying who forwarded in chat.
 */

const { users: U, entries: E } = SEED;
let tenant: PingOneTenant;
let emulator: FastifyInstance;

beforeEach(async () => {
  tenant = createPingOneTenant();
  emulator = Fastify();
  await emulator.register(pingOneEmulator, { tenant });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await emulator.close();
});

const base = () => `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`;

async function person(governance: PingOneGovernance, email: string): Promise<Principal> {
  const [found] = await governance.findPrincipalsByEmail(email);
  if (!found) throw new Error(`no ${email} in the tenant`);
  return found;
}

/** How the client acts: as the approver (the person grant), or with the administrator token. */
type Acting = 'as the approver' | 'as administrator' | 'neither';
const ACTING: Record<Acting, Parameters<typeof pingOneClient>[2]> = {
  'as the approver': {},
  'as administrator': { personGrant: undefined, adminDecides: true },
  neither: { personGrant: undefined },
};

/** Alice asks for Salesforce — Admin: her manager Bob's phase first. */
async function waitingOnBob(acting: Acting = 'as the approver') {
  const governance = pingOneClient(base(), Date.now, ACTING[acting]);
  const [alice, bob, carol, henry] = await Promise.all(
    [U.alice, U.bob, U.carol, U.henry].map((one) => person(governance, one.email)),
  );
  const request = await governance.createRequest({
    requester: alice as Principal,
    requestedFor: alice as Principal,
    entryId: E.salesforceAdmin.id,
    justification: 'quarter-end',
  });
  return {
    governance,
    alice: alice as Principal,
    bob: bob as Principal,
    carol: carol as Principal,
    henry: henry as Principal,
    request,
  };
}

const waitingStep = (request: AccessRequest) => request.steps.find((step) => step.status === 'pending');
const reassigns = () => tenant.calls.filter((call) => call.action === 'reassign');

describe('forwarding a phase on PingOne', () => {
  it("hands Bob's phase to Henry as Bob, who then decides it; IGA keeps who forwarded and why", async () => {
    const { governance, bob, henry, request } = await waitingOnBob();

    const after = await governance.forward({
      requestId: request.id,
      taskId: 'managerApproval1',
      by: bob,
      to: henry,
      reason: 'Away this week',
      via: 'Slack',
    });

    expect(waitingStep(after)?.approvers.map((approver) => approver.id)).toEqual([henry.id]);
    expect(reassigns().map((call) => call.phaseName)).toEqual(['managerApproval1']);
    const record = tenant.request(request.id);
    expect(record?.decision.actors.inactive.map((actor) => actor.id)).toContain(`managed/user/${bob.id}`);
    expect(record?.decision.comments.at(-1)).toMatchObject({ action: 'reassign', comment: 'Away this week' });
    expect(record?.decision.comments.at(-1)?.user.id).toContain(bob.id);

    const decided = await governance.decide({
      requestId: request.id,
      taskId: 'managerApproval1',
      approver: henry,
      decision: 'approve',
    });
    expect(decided.steps[0]?.status).toBe('approved');
  });

  it('forwards with the administrator token where PINGONE_ADMIN_DECIDES allows it, saying who forwarded', async () => {
    const { governance, bob, henry, request } = await waitingOnBob('as administrator');
    const after = await governance.forward({ requestId: request.id, by: bob, to: henry, via: 'Teams' });
    expect(waitingStep(after)?.approvers.map((approver) => approver.id)).toEqual([henry.id]);
    expect(tenant.request(request.id)?.decision.comments.at(-1)?.comment).toContain('Bob');
  });

  it('is refused like a decision where neither the person grant nor PINGONE_ADMIN_DECIDES is set up', async () => {
    const { governance, bob, henry, request } = await waitingOnBob('neither');
    const refused = governance.forward({ requestId: request.id, by: bob, to: henry, via: 'Slack' });
    await expect(refused).rejects.toBeInstanceOf(GovernanceRejected);
    await expect(refused).rejects.toMatchObject({
      status: 403,
      vendorCode: 'person_grant_not_configured',
      userMessage: 'PingOne is not set up for Gatehouse to forward approvals as you, so it was not forwarded.',
      link: { label: 'Forward in PingOne', url: expect.stringContaining(request.id) },
    });
    expect(reassigns()).toEqual([]);
    expect(tenant.request(request.id)?.decision.actors.active.map((actor) => actor.id)).toEqual([
      `managed/user/${bob.id}`,
    ]);
  });

  for (const acting of ['as the approver', 'as administrator'] as const) {
    it(`on a phase with two approvers, hands only Bob's place to Henry and Carol stays (${acting})`, async () => {
      tenant.setWorkflow(E.salesforceAdmin.id, [{ approvers: 'USERS', userIds: [U.bob.id, U.carol.id] }]);
      const { governance, bob, carol, henry, request } = await waitingOnBob(acting);
      const actorsNow = () => tenant.request(request.id)?.decision.actors;
      const actorOf = (who: Principal) => actorsNow()?.active.find((actor) => actor.id === `managed/user/${who.id}`);
      // Each keeps what they may do: Bob may not modify the request, Carol may not forward it.
      const bobs = { approve: true, reject: true, reassign: true, modify: false, comment: true };
      const carols = { approve: true, reject: true, comment: true };
      Object.assign(actorOf(bob)?.permissions ?? {}, bobs);
      const carolEntry = actorOf(carol);
      if (carolEntry) carolEntry.permissions = { ...carols };

      const after = await governance.forward({ requestId: request.id, by: bob, to: henry, via: 'Slack' });

      const phase = waitingStep(after);
      expect(phase?.approvers.map((approver) => approver.id).sort()).toEqual([carol.id, henry.id].sort());
      expect(reassigns().map((call) => call.phaseName)).toEqual([phase?.taskId]);
      expect(actorOf(henry)?.permissions).toEqual(bobs);
      expect(actorOf(carol)?.permissions).toEqual(carols);
      expect(actorOf(bob)).toBeUndefined();
      expect(actorsNow()?.inactive.map((actor) => actor.id)).toEqual([`managed/user/${bob.id}`]);

      // Carol can still decide the phase herself.
      const decided = await pingOneClient(base(), Date.now).decide({
        requestId: request.id,
        taskId: phase?.taskId,
        approver: carol,
        decision: 'approve',
      });
      expect(decided.steps[0]?.status).toBe('approved');
    });
  }

  it('refuses someone who is not an approver of the phase, without asking IGA', async () => {
    const { governance, carol, henry, request } = await waitingOnBob();
    const refused = governance.forward({ requestId: request.id, by: carol, to: henry });
    await expect(refused).rejects.toBeInstanceOf(GovernanceRejected);
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(reassigns()).toEqual([]);
  });

  it('refuses a card drawn for a phase that has moved on', async () => {
    const { governance, bob, henry, request } = await waitingOnBob();
    await governance.decide({ requestId: request.id, taskId: 'managerApproval1', approver: bob, decision: 'approve' });
    await expect(
      governance.forward({ requestId: request.id, taskId: 'managerApproval1', by: bob, to: henry }),
    ).rejects.toMatchObject({ status: 409 });
    expect(reassigns()).toEqual([]);
  });

  it('tells the approver plainly, with where to forward instead, when IGA refuses them', async () => {
    const { governance, bob, henry, request } = await waitingOnBob();
    const actor = tenant.request(request.id)?.decision.actors.active.find((one) => one.id === `managed/user/${bob.id}`);
    if (actor) actor.permissions.reassign = false;
    const refused = governance.forward({ requestId: request.id, by: bob, to: henry });
    await expect(refused).rejects.toMatchObject({
      userMessage:
        'PingOne does not let you forward this step of the request (only its assigned approvers can), so it was not forwarded.',
      link: { label: 'Open in PingOne' },
    });
  });
});
