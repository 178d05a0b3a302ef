import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { GovernanceAuthFailed, GovernanceUnsupported } from '../../../src/domain/errors.js';
import type { Principal } from '../../../src/domain/types.js';
import { type EmulatedOkta, emulatedOkta } from './emulated.js';

/**
 * Okta's risk assessment of a potential grant (POST /governance/api/v1/risk-rule-assessments, Beta)
 * through Gatehouse's client against the emulated org: the separation-of-duties rules a grant would
 * break, as an approver's card shows them, and no assessment (never a broken card) where Okta gives
 * none.
 */

const { users: U, entries: E } = SEED;
const ASSESSMENTS = '/governance/api/v1/risk-rule-assessments';
const opened: EmulatedOkta[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((one) => one.close()));
});

async function okta(...args: Parameters<typeof emulatedOkta>): Promise<EmulatedOkta> {
  const one = await emulatedOkta(...args);
  opened.push(one);
  return one;
}

/** A request of `entryId` for `person`, read as an approver's card reads it. */
async function pendingRequest(emulated: EmulatedOkta, person: Principal, entryId: string, duration?: string) {
  const created = await emulated.governance.createRequest({
    requester: person,
    requestedFor: person,
    entryId,
    justification: 'Needed for the on-call rotation',
    ...(duration ? { accessDuration: duration } : {}),
  });
  return emulated.governance.getRequest(created.id);
}

describe("Okta's risk assessment of a grant", () => {
  it('names the separation-of-duties rule a pending request would break', async () => {
    const emulated = await okta();
    const carol = await emulated.person(U.carol.id);
    await pendingRequest(emulated, carol, E.awsProductionAdmin.id, 'PT4H');

    const assessment = await emulated.governance.assessRisk({ principal: carol, entryId: E.awsProductionAdmin.id });

    expect(assessment.conflicts).toEqual([
      {
        rule: 'Write code and administer production',
        description: 'Whoever pushes code to GitHub must not also administer the production AWS account.',
        type: 'SEPARATION_OF_DUTIES',
      },
    ]);
  });

  it('finds nothing where the grant breaks no rule, and reads the org id only once', async () => {
    const emulated = await okta();
    const alice = await emulated.person(U.alice.id);
    await pendingRequest(emulated, alice, E.salesforceAdmin.id);
    await pendingRequest(emulated, alice, E.githubOrgOwner.id);

    expect(await emulated.governance.assessRisk({ principal: alice, entryId: E.salesforceAdmin.id })).toEqual({
      conflicts: [],
    });
    expect(await emulated.governance.assessRisk({ principal: alice, entryId: E.githubOrgOwner.id })).toEqual({
      conflicts: [],
    });
    expect(emulated.callsTo('/.well-known/okta-organization')).toBe(1);
    expect(emulated.callsTo(ASSESSMENTS, 'POST')).toBe(2);
  });

  it('takes the org id from configuration when given, without asking Okta', async () => {
    const emulated = await okta({}, { orgId: SEED.orgId });
    const carol = await emulated.person(U.carol.id);
    await pendingRequest(emulated, carol, E.awsProductionAdmin.id, 'PT4H');
    const assessment = await emulated.governance.assessRisk({ principal: carol, entryId: E.awsProductionAdmin.id });
    expect(assessment.conflicts).toHaveLength(1);
    expect(emulated.callsTo('/.well-known/')).toBe(0);
  });

  it('gives no assessment, without a call, for access Okta names no resource of', async () => {
    const emulated = await okta();
    const alice = await emulated.person(U.alice.id);
    // Slack — Member is plain assignment to the app: no bundle, no resource the assessment takes.
    await pendingRequest(emulated, alice, E.slackMember.id);
    const before = emulated.org.calls.length;

    await expect(
      emulated.governance.assessRisk({ principal: alice, entryId: E.slackMember.id }),
    ).rejects.toBeInstanceOf(GovernanceUnsupported);
    // An entry no request of which was read: what it grants is unknown.
    await expect(
      emulated.governance.assessRisk({ principal: alice, entryId: E.netsuiteApClerk.id }),
    ).rejects.toBeInstanceOf(GovernanceUnsupported);
    expect(emulated.org.calls.length).toBe(before);
  });

  it.each([
    ['forbidden (the Beta, scope or App Admin role missing)', 403],
    ['absent', 404],
  ] as const)('gives no assessment when Okta refuses it as %s, and does not ask again at once', async (_, status) => {
    const emulated = await okta();
    const carol = await emulated.person(U.carol.id);
    await pendingRequest(emulated, carol, E.awsProductionAdmin.id, 'PT4H');
    emulated.org.faults.add({ method: 'POST', path: ASSESSMENTS, kind: 'status', status });

    const input = { principal: carol, entryId: E.awsProductionAdmin.id };
    await expect(emulated.governance.assessRisk(input)).rejects.toBeInstanceOf(GovernanceUnsupported);
    await expect(emulated.governance.assessRisk(input)).rejects.toBeInstanceOf(GovernanceUnsupported);
    expect(emulated.callsTo(ASSESSMENTS)).toBe(1);
  });

  it('is refused by an org whose credentials lack the App Admin role, as no assessment', async () => {
    const emulated = await okta({ adminRoles: ['ACCESS_REQUESTS_ADMIN'] });
    const carol = await emulated.person(U.carol.id);
    await pendingRequest(emulated, carol, E.awsProductionAdmin.id, 'PT4H');
    const refused = emulated.governance.assessRisk({ principal: carol, entryId: E.awsProductionAdmin.id });
    await expect(refused).rejects.toBeInstanceOf(GovernanceUnsupported);
  });

  it('still reports credentials Okta does not accept at all (401) as such', async () => {
    const emulated = await okta();
    const carol = await emulated.person(U.carol.id);
    await pendingRequest(emulated, carol, E.awsProductionAdmin.id, 'PT4H');
    emulated.org.faults.add({ method: 'POST', path: ASSESSMENTS, kind: 'status', status: 401, times: 3 });
    await expect(
      emulated.governance.assessRisk({ principal: carol, entryId: E.awsProductionAdmin.id }),
    ).rejects.toBeInstanceOf(GovernanceAuthFailed);
  });
});
