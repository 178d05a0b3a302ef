import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { GovernanceRejected, GovernanceUnsupported } from '../../../src/domain/errors.js';
import type { AccessRequest } from '../../../src/domain/types.js';
import { type EmulatedOkta, emulatedOkta } from './emulated.js';

/**
 * Forwarding an approval step on Okta: the step's APPROVAL task reassigned through the Tasks API
 * (PATCH /governance/api/v2/tasks/{id} with `assignees`), from Gatehouse's client to the emulated
 * org. The one forwarding hands their place on; who forwarded, to whom and why is a request message.
 */

const { users: U, entries: E } = SEED;
const opened: EmulatedOkta[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((one) => one.close()));
});

/** Alice asks for Salesforce — Sales User, which her manager Bob approves. */
async function waitingOnBob(org: Parameters<typeof emulatedOkta>[0] = {}) {
  const emulated = await emulatedOkta(org);
  opened.push(emulated);
  const alice = await emulated.person(U.alice.id);
  const bob = await emulated.person(U.bob.id);
  const henry = await emulated.person(U.henry.id);
  const created = await emulated.governance.createRequest({
    requester: alice,
    requestedFor: alice,
    entryId: E.salesforceSalesUser.id,
  });
  const request = (await emulated.governance.getRequest(created.id)) as AccessRequest;
  const step = request.steps.find((one) => one.status === 'pending');
  if (!step?.taskId) throw new Error('the seeded request has no step waiting');
  return { emulated, alice, bob, henry, request, taskId: step.taskId };
}

const approversNow = (request: AccessRequest) =>
  request.steps.find((step) => step.status === 'pending')?.approvers.map((approver) => approver.id);

describe('forwarding an approval step on Okta', () => {
  it('hands the step to the new approver, who then has it to decide, and notes who forwarded it', async () => {
    const { emulated, bob, henry, request, taskId } = await waitingOnBob();

    const after = await emulated.governance.forward({
      requestId: request.id,
      taskId,
      by: bob,
      to: henry,
      reason: 'On leave until Monday',
      via: 'Slack',
    });

    expect(approversNow(after)).toEqual([henry.id]);
    expect((await emulated.governance.listPendingApprovals(henry)).map((one) => one.id)).toEqual([request.id]);
    expect(await emulated.governance.listPendingApprovals(bob)).toEqual([]);
    expect(emulated.org.messages.map((message) => message.message)).toContain(
      `Forwarded in Slack by Bob Martinez (${U.bob.email}) to Henry Adams (${U.henry.email}): On leave until Monday`,
    );
    const decided = await emulated.governance.decide({
      requestId: request.id,
      taskId,
      approver: henry,
      decision: 'approve',
    });
    expect(decided.steps[0]?.status).toBe('approved');
  });

  it('refuses someone who is not an approver of the step, and changes nothing', async () => {
    const { emulated, alice, henry, request, taskId } = await waitingOnBob();
    const refused = emulated.governance.forward({ requestId: request.id, taskId, by: alice, to: henry });
    await expect(refused).rejects.toBeInstanceOf(GovernanceRejected);
    await expect(refused).rejects.toMatchObject({ status: 403 });
    expect(emulated.callsTo('/governance/api/v2/tasks/', 'PATCH')).toBe(0);
    expect(approversNow((await emulated.governance.getRequest(request.id)) as AccessRequest)).toEqual([U.bob.id]);
  });

  it('refuses to forward to the approver themselves or to someone who cannot sign in', async () => {
    const { emulated, bob, request, taskId } = await waitingOnBob();
    const ivan = await emulated.person(U.ivan.id);
    await expect(
      emulated.governance.forward({ requestId: request.id, taskId, by: bob, to: bob }),
    ).rejects.toMatchObject({ userMessage: 'Bob Martinez is already an approver of this step.' });
    await expect(
      emulated.governance.forward({ requestId: request.id, taskId, by: bob, to: ivan }),
    ).rejects.toMatchObject({ userMessage: 'Ivan Petrov is not an active user in Okta.' });
    expect(emulated.callsTo('/governance/api/v2/tasks/', 'PATCH')).toBe(0);
  });

  it('refuses a stale card: the step was decided since', async () => {
    const { emulated, bob, henry, request, taskId } = await waitingOnBob();
    await emulated.governance.decide({ requestId: request.id, taskId, approver: bob, decision: 'approve' });
    await expect(
      emulated.governance.forward({ requestId: request.id, taskId, by: bob, to: henry }),
    ).rejects.toMatchObject({ userMessage: 'This approval step is no longer open in Okta.' });
  });

  it('says where to forward instead when Okta refuses Gatehouse the reassignment', async () => {
    const { emulated, bob, henry, request, taskId } = await waitingOnBob();
    emulated.org.faults.add({
      method: 'PATCH',
      path: `/governance/api/v2/tasks/${taskId}`,
      kind: 'status',
      status: 403,
    });
    await expect(
      emulated.governance.forward({ requestId: request.id, taskId, by: bob, to: henry }),
    ).rejects.toBeInstanceOf(GovernanceUnsupported);
  });
});
