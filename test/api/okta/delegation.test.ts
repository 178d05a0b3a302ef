import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { GovernanceNotFound, GovernanceRejected, GovernanceUnsupported } from '../../../src/domain/errors.js';
import type { AccessRequest } from '../../../src/domain/types.js';
import { type EmulatedOkta, emulatedOkta } from './emulated.js';

/**
 * Okta's governance delegates through Gatehouse's client against the emulated org: appointing,
 * reading and ending an appointment (PATCH principal-settings, GET delegates), whom a delegate
 * stands in for, and a step opened while its approver is away landing on the delegate's own task
 * list, which is how Okta's tasks say it (TaskFull `isDelegated`, `originalAssigneeId`).
 */

const { users: U, entries: E } = SEED;
const DAY = 24 * 60 * 60_000;
const opened: EmulatedOkta[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((one) => one.close()));
});

async function okta(...args: Parameters<typeof emulatedOkta>) {
  const emulated = await emulatedOkta(...args);
  opened.push(emulated);
  const [bob, henry, alice, ivan] = [
    await emulated.person(U.bob.id),
    await emulated.person(U.henry.id),
    await emulated.person(U.alice.id),
    await emulated.person(U.ivan.id),
  ];
  return { emulated, delegation: emulated.governance.delegation, bob, henry, alice, ivan };
}

const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

describe('delegate appointments on Okta', () => {
  it('appoints, reads back, finds whom the delegate stands in for, and ends', async () => {
    const { delegation, bob, henry } = await okta();
    expect(await delegation.current(bob)).toBeNull();

    const endsAt = inDays(7);
    const appointed = await delegation.appoint({ delegator: bob, delegate: henry, endsAt, note: 'Parental leave' });
    expect(appointed).toMatchObject({
      delegator: { id: bob.id, displayName: 'Bob Martinez' },
      delegate: { id: henry.id, displayName: 'Henry Adams' },
      endsAt,
      note: 'Parental leave',
    });
    expect(appointed.id).toMatch(/^[0-9a-zA-Z]{20}$/);
    expect(await delegation.current(bob)).toEqual(appointed);
    expect((await delegation.delegatorsOf(henry)).map((one) => one.delegator.id)).toEqual([bob.id]);
    expect(await delegation.delegatorsOf(bob)).toEqual([]);

    await delegation.end(bob);
    expect(await delegation.current(bob)).toBeNull();
    expect(await delegation.delegatorsOf(henry)).toEqual([]);
    await delegation.end(bob);
  });

  it('replaces an appointment with the next one: Okta keeps one per person', async () => {
    const { emulated, delegation, bob, henry } = await okta();
    const dana = await emulated.person(U.dana.id);
    await delegation.appoint({ delegator: bob, delegate: henry });
    await delegation.appoint({ delegator: bob, delegate: dana, endsAt: inDays(2) });
    expect((await delegation.current(bob))?.delegate.id).toBe(dana.id);
    expect(await delegation.delegatorsOf(henry)).toEqual([]);
  });

  it('does not count an appointment that has not started yet as standing in', async () => {
    const { delegation, bob, henry } = await okta();
    await delegation.appoint({ delegator: bob, delegate: henry, startsAt: inDays(1), endsAt: inDays(3) });
    expect(await delegation.current(bob)).toMatchObject({ delegate: { id: henry.id } });
    expect(await delegation.delegatorsOf(henry)).toEqual([]);
  });

  it('refuses a delegate who is the person themselves or cannot sign in, or an end in the past, sending nothing', async () => {
    const { emulated, delegation, bob, ivan, henry } = await okta();
    await expect(delegation.appoint({ delegator: bob, delegate: bob })).rejects.toBeInstanceOf(GovernanceRejected);
    await expect(delegation.appoint({ delegator: bob, delegate: ivan })).rejects.toMatchObject({
      userMessage: 'Ivan Petrov is not an active user in Okta.',
    });
    await expect(delegation.appoint({ delegator: bob, delegate: henry, endsAt: inDays(-1) })).rejects.toBeInstanceOf(
      GovernanceRejected,
    );
    expect(emulated.callsTo('/governance/api/v1/principal-settings')).toBe(0);
  });

  it('passes on what Okta itself refuses, in its words', async () => {
    const { delegation, bob, henry } = await okta();
    // Gatehouse's own check passes (Henry is active to it); Okta knows better now.
    const gone = { ...henry, id: '00ugone0000000000000' };
    await expect(delegation.appoint({ delegator: bob, delegate: gone })).rejects.toMatchObject({
      status: 400,
      userMessage: expect.stringContaining('00ugone0000000000000'),
    });
    await expect(delegation.end({ ...bob, id: '00unobody00000000000' })).rejects.toBeInstanceOf(GovernanceNotFound);
  });

  it('has no delegates for Gatehouse in an org whose credentials lack Super Admin', async () => {
    const { delegation, bob, henry } = await okta({ adminRoles: ['ACCESS_REQUESTS_ADMIN', 'APP_ADMIN'] });
    await expect(delegation.current(bob)).rejects.toBeInstanceOf(GovernanceUnsupported);
    await expect(delegation.appoint({ delegator: bob, delegate: henry })).rejects.toBeInstanceOf(GovernanceUnsupported);
    await expect(delegation.delegatorsOf(henry)).rejects.toBeInstanceOf(GovernanceUnsupported);
  });

  it('has no delegates for Gatehouse in an org without the API (404)', async () => {
    const { emulated, delegation, bob } = await okta();
    emulated.org.faults.add({ method: 'GET', path: '/governance/api/v1/delegates', kind: 'status', status: 404 });
    await expect(delegation.current(bob)).rejects.toBeInstanceOf(GovernanceUnsupported);
  });
});

describe('a step opened while its approver is away', () => {
  it("is the delegate's to decide, from the delegate's own task list", async () => {
    const { emulated, delegation, bob, henry, alice } = await okta();
    await delegation.appoint({ delegator: bob, delegate: henry, endsAt: inDays(7) });

    const created = await emulated.governance.createRequest({
      requester: alice,
      requestedFor: alice,
      entryId: E.salesforceSalesUser.id,
    });
    const request = (await emulated.governance.getRequest(created.id)) as AccessRequest;
    expect(request.steps[0]?.approvers.map((approver) => approver.id)).toEqual([henry.id]);
    expect((await emulated.governance.listPendingApprovals(henry)).map((one) => one.id)).toEqual([request.id]);
    expect(await emulated.governance.listPendingApprovals(bob)).toEqual([]);
    const task = emulated.org.tasks.find((one) => one.requestId === request.id);
    expect(task).toMatchObject({ isDelegated: true, originalAssigneeId: bob.id });

    const decided = await emulated.governance.decide({
      requestId: request.id,
      taskId: request.steps[0]?.taskId,
      approver: henry,
      decision: 'approve',
    });
    expect(decided.steps[0]?.status).toBe('approved');
  });

  it('is recorded as decided by the delegate for the approver when the delegate decides in Okta', async () => {
    const { emulated, delegation, bob, henry, alice } = await okta();
    await delegation.appoint({ delegator: bob, delegate: henry });
    const created = await emulated.governance.createRequest({
      requester: alice,
      requestedFor: alice,
      entryId: E.salesforceSalesUser.id,
    });
    const task = emulated.org.tasks.find((one) => one.requestId === created.id);
    emulated.org.resolveTaskAs(task?.id as string, henry.id, 'APPROVED');
    expect(emulated.org.request(created.id)?.requestApproval?.decisions[0]).toMatchObject({
      deciderId: henry.id,
      deciderDelegated: true,
      originalDeciderId: bob.id,
    });
  });
});
