import { createOktaOrg, type OktaOrg, oktaEmulator, SEED, specViolations } from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The Okta emulator's delegates, principal settings and risk assessment, asked directly the way a
 * client other than Gatehouse's might: what Okta's document says they refuse, they refuse, and
 * every answer stays inside the document (the spec guard records none).
 */

const AUTH = { authorization: `SSWS ${SEED.apiToken}` };
const V1 = '/governance/api/v1';
const { users: U, entries: E } = SEED;
const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function emulator(): Promise<{ app: FastifyInstance; org: OktaOrg }> {
  const org = createOktaOrg();
  const app = Fastify();
  await app.register(oktaEmulator, { org });
  opened.push(app);
  return { app, org };
}

const appoint = (app: FastifyInstance, delegatorId: string, appointments: unknown[]) =>
  app.inject({
    method: 'PATCH',
    url: `${V1}/principal-settings/${delegatorId}`,
    headers: AUTH,
    payload: { delegates: { appointments } },
  });

describe('delegates in the Okta emulator', () => {
  it('filters by delegatorId only, as the document says, and refuses any other filter', async () => {
    const { app } = await emulator();
    await appoint(app, U.bob.id, [{ delegate: { type: 'OKTA_USER', externalId: U.henry.id } }]);
    await appoint(app, U.frank.id, [{ delegate: { type: 'OKTA_USER', externalId: U.dana.id } }]);

    const mine = await app.inject({
      method: 'GET',
      url: `${V1}/delegates?filter=${encodeURIComponent(`delegatorId eq "${U.bob.id}" OR delegatorId eq "${U.frank.id}"`)}`,
      headers: AUTH,
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().data.map((one: { delegate: { externalId: string } }) => one.delegate.externalId)).toEqual([
      U.henry.id,
      U.dana.id,
    ]);

    const byDelegate = await app.inject({
      method: 'GET',
      url: `${V1}/delegates?filter=${encodeURIComponent(`delegateId eq "${U.henry.id}"`)}`,
      headers: AUTH,
    });
    expect(byDelegate.statusCode).toBe(400);
    expect(byDelegate.json()).toMatchObject({ errorCode: 'E0000001' });
  });

  it('keeps at most one appointment a person, refuses two, and ends it with none', async () => {
    const { app, org } = await emulator();
    const two = await appoint(app, U.bob.id, [
      { delegate: { type: 'OKTA_USER', externalId: U.henry.id } },
      { delegate: { type: 'OKTA_USER', externalId: U.dana.id } },
    ]);
    expect(two.statusCode).toBe(400);
    const one = await appoint(app, U.bob.id, [
      { delegate: { type: 'OKTA_USER', externalId: U.henry.id }, note: 'Away', endTime: '2099-01-01T00:00:00Z' },
    ]);
    expect(one.statusCode).toBe(200);
    expect(one.json().delegates.appointments[0]).toMatchObject({
      delegator: { externalId: U.bob.id },
      delegate: { externalId: U.henry.id },
      note: 'Away',
      createdBy: U.service.id,
    });
    expect((await appoint(app, U.bob.id, [])).json()).toEqual({ delegates: { appointments: [] } });
    expect(org.delegates.all()).toEqual([]);
  });

  it('refuses a suspended delegate, oneself, an end already past, and an unknown person', async () => {
    const { app } = await emulator();
    const as = (externalId: string, extra = {}) => [{ delegate: { type: 'OKTA_USER', externalId }, ...extra }];
    expect((await appoint(app, U.bob.id, as(U.ivan.id))).statusCode).toBe(400);
    expect((await appoint(app, U.bob.id, as(U.bob.id))).statusCode).toBe(400);
    expect((await appoint(app, U.bob.id, as(U.henry.id, { endTime: '2001-01-01T00:00:00Z' }))).statusCode).toBe(400);
    expect((await appoint(app, '00unobody00000000000', as(U.henry.id))).statusCode).toBe(404);
  });
});

describe('the risk assessment in the Okta emulator', () => {
  const carol = `orn:okta:directory:${SEED.orgId}:users:${U.carol.id}`;

  it('refuses a person of another org, and finds nothing for a resource no rule names', async () => {
    const { app } = await emulator();
    const elsewhere = await app.inject({
      method: 'POST',
      url: `${V1}/risk-rule-assessments`,
      headers: AUTH,
      payload: { principalOrn: `orn:okta:directory:00oelsewhere00000000:users:${U.carol.id}` },
    });
    expect(elsewhere.statusCode).toBe(400);
    const collection = await app.inject({
      method: 'POST',
      url: `${V1}/risk-rule-assessments`,
      headers: AUTH,
      payload: {
        principalOrn: carol,
        resourceOrn: `orn:okta:governance:${SEED.orgId}:collections:col0000000000000000`,
      },
    });
    expect(collection.json()).toMatchObject({ data: [] });
  });

  it('names a rule for the bundle of an entry the person must not hold with what they hold', async () => {
    const { app, org } = await emulator();
    const bundle = org.entries.find((entry) => entry.id === E.awsProductionAdmin.id)?.accessScope.id;
    const answer = await app.inject({
      method: 'POST',
      url: `${V1}/risk-rule-assessments`,
      headers: AUTH,
      payload: { principalOrn: carol, resourceOrn: `orn:okta:governance:${SEED.orgId}:entitlement-bundles:${bundle}` },
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json().data).toEqual([
      expect.objectContaining({ ruleName: 'Write code and administer production', type: 'SEPARATION_OF_DUTIES' }),
    ]);
    expect(specViolations()).toEqual([]);
  });
});
