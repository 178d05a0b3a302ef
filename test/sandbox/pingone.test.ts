import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { sandboxPlugin } from '@gatehouse/sandbox';
import { SEED } from '@gatehouse/sandbox/okta';
import {
  createPingOneTenant,
  JWT_BEARER,
  type PersonGrantArtefacts,
  type PingOneTenant,
  type PingOneTenantOptions,
  pingOneEmulator,
} from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { type JWK, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_SECRETS } from '../support/test-secrets.js';

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

  it('is refused to administrators in the seeded sandbox too, which trusts the person grant instead', async () => {
    const { PingOneTenant, SANDBOX_PERSON_GRANT } = await import('@gatehouse/sandbox/pingone');
    expect(createPingOneTenant().adminMayDecide).toBe(false);
    expect(createPingOneTenant().trustedIssuers.map((issuer) => issuer.issuer)).toEqual([SANDBOX_PERSON_GRANT.issuer]);
    expect(new PingOneTenant().adminMayDecide).toBe(false);
    expect(new PingOneTenant().trustedIssuers).toEqual([]);
  });
});

/**
 * The JWT bearer grant (RFC 7523) at the realm's access_token endpoint, set up as
 * `frodo admin generate-rfc7523-authz-grant-artefacts` does (frodo-lib src/ops/AdminOps.ts): a
 * public client allowed only that grant, and a trusted issuer with the public key and the subjects
 * it may assert. AM's checks (its "JWT profile for OAuth 2.0 authorization grant" pages): issuer,
 * signature, `aud` naming the token endpoint, `exp` present, not passed and at most 30 minutes on.
 */
describe('the JWT bearer grant, as frodo sets it up', () => {
  const TOKEN = '/am/oauth2/realms/root/realms/alpha/access_token';
  /** The token endpoint as app.inject reaches it. */
  const AUDIENCE = `http://localhost${TOKEN}`;
  const ISSUER = 'https://my-issuer.com/issuer';
  const CLIENT = 'rfc7523-client1';

  /** frodo's RSA key (one for the whole block: making RSA keys is slow). */
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  /** frodo's artefacts with its RSA key; the tenant trusts the public half. */
  function frodo(h: Harness, extra: Partial<PersonGrantArtefacts> = {}): KeyObject {
    h.tenant.trustPersonGrant({
      clientId: CLIENT,
      issuer: ISSUER,
      publicKeys: [{ ...(publicKey.export({ format: 'jwk' }) as JWK), alg: 'RS256' }],
      ...extra,
    });
    return privateKey;
  }

  /** An assertion as frodo's executeRfc7523AuthZGrantFlow makes it, with claims changed at will. */
  function assertion(
    h: Harness,
    key: KeyObject,
    claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number } = {},
  ): Promise<string> {
    const now = Math.floor(h.clock.now / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(claims.iss ?? ISSUER)
      .setSubject(claims.sub ?? U.bob.id)
      .setAudience(claims.aud ?? AUDIENCE)
      .setExpirationTime(claims.exp ?? now + 180)
      .setJti(randomUUID())
      .sign(key);
  }

  function exchange(h: Harness, jwt: string, form: Record<string, string> = {}, headers: Record<string, string> = {}) {
    return h.app.inject({
      method: 'POST',
      url: TOKEN,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams({
        grant_type: JWT_BEARER,
        assertion: jwt,
        client_id: CLIENT,
        scope: 'fr:idm:* fr:iga:*',
        ...form,
      }).toString(),
    });
  }

  async function tokenFor(h: Harness, key: KeyObject, sub: string): Promise<string> {
    const answer = await exchange(h, await assertion(h, key, { sub }));
    expect(answer.statusCode).toBe(200);
    return (answer.json() as { access_token: string }).access_token;
  }

  function act(h: Harness, token: string, id: string, action: string, body: object, phaseName?: string) {
    return h.app.inject({
      method: 'POST',
      url: `${GOV}/requests/${id}?_action=${action}${phaseName ? `&phaseName=${phaseName}` : ''}`,
      headers: { authorization: `Bearer ${token}` },
      payload: body,
    });
  }

  it('gives a token acting as the subject: the phase’s actor approves, recorded as theirs', async () => {
    const h = await harness();
    const key = frodo(h);
    const answer = await exchange(h, await assertion(h, key));
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'fr:idm:* fr:iga:*' });
    const token = (answer.json() as { access_token: string }).access_token;
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    const approved = await act(h, token, request.id, 'approve', { justification: 'Fine by me' }, 'managerApproval1');
    expect(approved.statusCode).toBe(200);
    const record = h.tenant.request(request.id);
    expect(record?.decision.phases[0]?.completedBy?.id).toBe(U.bob.id);
    expect(record?.decision.comments.at(-1)).toMatchObject({ user: { id: U.bob.id }, comment: 'Fine by me' });
  });

  it('lets only a phase’s actors decide it with their own token', async () => {
    const h = await harness();
    const key = frodo(h);
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    const grace = await tokenFor(h, key, U.grace.id);
    const refused = await act(h, grace, request.id, 'approve', { justification: '' }, 'managerApproval1');
    expect(refused.statusCode).toBe(403);
    expect(h.tenant.request(request.id)?.decision.phases[0]?.status).toBe('in-progress');
  });

  it('lets a person comment on a request they take part in and cancel their own, and nobody else', async () => {
    const h = await harness();
    const key = frodo(h);
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    const carol = await tokenFor(h, key, U.carol.id);
    expect((await act(h, carol, request.id, 'comment', { comment: 'me too' })).statusCode).toBe(403);
    expect((await act(h, carol, request.id, 'cancel', { comment: '' })).statusCode).toBe(403);
    const bob = await tokenFor(h, key, U.bob.id);
    expect((await act(h, bob, request.id, 'comment', { comment: 'Which region?' })).statusCode).toBe(200);
    expect((await act(h, bob, request.id, 'cancel', { comment: '' })).statusCode).toBe(403);
    const alice = await tokenFor(h, key, U.alice.id);
    expect((await act(h, alice, request.id, 'cancel', { comment: 'Not needed' })).statusCode).toBe(200);
    expect(h.tenant.request(request.id)?.decision.comments.map((c) => [c.user.id, c.comment])).toEqual([
      [U.bob.id, 'Which region?'],
      [U.alice.id, 'Not needed'],
    ]);
  });

  it('takes the audience with the default port written out, as frodo writes it, or as an array', async () => {
    const h = await harness();
    const key = frodo(h);
    for (const aud of [`http://localhost:80${TOKEN}`, ['https://elsewhere.example/token', AUDIENCE]]) {
      expect((await exchange(h, await assertion(h, key, { aud }))).statusCode).toBe(200);
    }
  });

  it.each([
    ['an issuer it does not trust', { iss: 'https://someone-else.example' }, 'JWT issuer is not trusted'],
    ['another audience', { aud: 'https://openam-acme.forgeblocks.com/am/oauth2/access_token' }, 'audience'],
    ['an assertion that has expired', { exp: Math.floor(START / 1000) - 1 }, 'JWT has expired'],
    ['an expiry more than 30 minutes on', { exp: Math.floor(START / 1000) + 3600 }, 'unreasonable'],
    ['a subject that is nobody in the realm', { sub: 'no-such-user' }, 'not an active user'],
  ])('refuses %s with invalid_grant', async (_name, claims, description) => {
    const h = await harness();
    const key = frodo(h);
    const answer = await exchange(h, await assertion(h, key, claims));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining(description),
    });
    expect(h.tenant.personTokens.size).toBe(0);
  });

  it('refuses a subject the issuer may not assert, when its allowed subjects are listed', async () => {
    const h = await harness();
    const key = frodo(h, { allowedSubjects: [U.bob.id] });
    expect((await exchange(h, await assertion(h, key, { sub: U.bob.id }))).statusCode).toBe(200);
    const answer = await exchange(h, await assertion(h, key, { sub: U.grace.id }));
    expect(answer.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringContaining('subject'),
    });
  });

  it('refuses an assertion signed with a key the issuer does not hold', async () => {
    const h = await harness();
    frodo(h);
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const answer = await exchange(h, await assertion(h, stranger));
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a client that is not allowed the grant, and a confidential client without its secret', async () => {
    const h = await harness();
    const key = frodo(h, { clientSecret: 'person-client-secret-0123456789' });
    const jwt = await assertion(h, key);
    expect((await exchange(h, jwt, { client_id: 'nobody' })).json()).toMatchObject({ error: 'invalid_client' });
    expect((await exchange(h, jwt)).statusCode).toBe(401);
    const basic = Buffer.from(`${CLIENT}:person-client-secret-0123456789`).toString('base64');
    expect((await exchange(h, jwt, {}, { authorization: `Basic ${basic}` })).statusCode).toBe(200);
  });

  it('stops accepting a person’s token once it expires', async () => {
    const h = await harness();
    const key = frodo(h);
    const token = await tokenFor(h, key, U.bob.id);
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    h.clock.now += 3601 * 1000;
    expect((await act(h, token, request.id, 'comment', { comment: 'late' })).statusCode).toBe(401);
  });
});

describe('what the vendor’s material leaves open, each way a tenant may answer', () => {
  const search = (h: Harness, path: string, query = '', targetFilter?: object) =>
    post(h, `${GOV}${path}?_action=search${query}`, targetFilter ? { targetFilter } : {});

  it('keeps entitlement names where Ping’s UI reads and searches them, or on the entitlement when told', async () => {
    const byName = {
      operator: 'CONTAINS',
      operand: { targetName: 'descriptor.idx./entitlement.displayName', targetValue: 'sales user' },
    };
    const h = await harness();
    const [item] = (await search(h, '/catalog', '', byName)).json().result as Record<string, unknown>[];
    expect(item).toMatchObject({
      id: E.salesforceSalesUser.id,
      descriptor: { idx: { '/entitlement': { displayName: 'Sales User' } } },
    });
    expect(item?.entitlement).not.toHaveProperty('displayName');
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    expect((await get(h, `${GOV}/requests/${request.id}`)).json()).toMatchObject({
      descriptor: { idx: { '/entitlement': { displayName: 'Sales User' } } },
    });

    const onEntitlement = await harness({ entitlementNames: 'entitlement' });
    const [plain] = (
      await search(onEntitlement, '/catalog', '', {
        ...byName,
        operand: { ...byName.operand, targetName: 'entitlement.displayName' },
      })
    ).json().result as Record<string, unknown>[];
    expect(plain).toMatchObject({ entitlement: { displayName: 'Sales User' } });
    expect(plain).not.toHaveProperty('descriptor');
  });

  it('answers `_action=create` with the requests whole, their ids, or nothing, as told', async () => {
    const body = { users: [U.alice.id], catalogs: [{ type: 'entitlement', id: E.zoomPro.id }] };
    const created = async (h: Harness) =>
      (await post(h, `${GOV}/requests?_action=create`, body)).json() as { result: Record<string, unknown>[] };
    const whole = await harness();
    expect((await created(whole)).result).toEqual([
      expect.objectContaining({ id: whole.tenant.requests[0]?.id, decision: expect.any(Object) }),
    ]);
    const ids = await harness({ createAnswer: 'ids' });
    expect((await created(ids)).result).toEqual([{ id: ids.tenant.requests[0]?.id }]);
    const none = await harness({ createAnswer: 'none' });
    expect((await created(none)).result).toEqual([]);
    expect(none.tenant.requests).toHaveLength(1);
  });

  it('writes searchAfterKey as an array, a string or null', async () => {
    for (const [searchAfterKey, expected] of [
      ['array', [expect.any(String)]],
      ['string', expect.any(String)],
      ['null', null],
    ] as const) {
      const h = await harness({ searchAfterKey });
      create(h, U.alice.id, E.zoomPro.id);
      expect((await search(h, '/requests/search')).json().searchAfterKey).toEqual(expected);
    }
  });

  it('searches everyone’s requests at /requests/search and /requests?_action=search, each retirable', async () => {
    const h = await harness();
    const request = create(h, U.alice.id, E.zoomPro.id);
    for (const path of ['/requests/search', '/requests']) {
      expect(((await search(h, path)).json() as Listed).result.map((r) => r.id)).toEqual([request.id]);
    }
    h.tenant.servesRequestsSearch = false;
    expect((await search(h, '/requests/search')).statusCode).toBe(404);
    h.tenant.servesRequestsSearchAction = false;
    expect((await search(h, '/requests')).statusCode).toBe(404);
  });
});

describe('an approval that runs out of time, written each way a tenant may (wire audit P8)', () => {
  it.each([
    ['cancelled', { status: 'cancelled', outcome: 'cancelled' }, 'expired'],
    ['outcome', { status: 'complete', outcome: 'expired', decision: null }, 'complete'],
    ['status', { status: 'expired', outcome: null, decision: null }, 'complete'],
  ] as const)('expiredAs %s: writes %o, the phase %s', async (expiredAs, decision, phaseStatus) => {
    const h = await harness(expiredAs === 'cancelled' ? {} : { expiredAs });
    const request = create(h, U.alice.id, E.salesforceSalesUser.id);
    h.clock.now += 8 * 24 * HOUR;
    const read = (await get(h, `${GOV}/requests/${request.id}`)).json();
    expect(read.decision).toMatchObject(decision);
    expect(read.decision.phases[0]).toMatchObject({ status: phaseStatus, decision: null });
    expect(read.decision.actors.active).toEqual([]);
    expect((await post(h, `${GOV}/requests/${request.id}?_action=cancel`, {})).statusCode).toBe(400);
  });
});

describe('IGA and tokens without the token-modification script’s claims (a model of P1-AUTH)', () => {
  const SECRET = TEST_SECRETS.pingoneClientSecret;
  async function tokenFor(h: Harness, clientId: string) {
    h.tenant.oauthClients.set(clientId, SECRET);
    const answer = await h.app.inject({
      method: 'POST',
      url: '/am/oauth2/realms/root/realms/alpha/access_token',
      headers: {
        authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'grant_type=client_credentials&scope=fr:idm:* fr:iga:*',
    });
    return answer.json().access_token as string;
  }
  const as = (h: Harness, token: string, url: string) =>
    h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const CONFIG = '/iga/commons/config/iga_access_request';
  const USER = `/openidm/managed/alpha_user/${U.alice.id}`;

  it('refuses IGA calls with a client-credentials token lacking them, and still answers /openidm', async () => {
    const h = await harness({ requireIgaTokenClaims: true });
    const token = await tokenFor(h, 'gatehouse');
    const refused = await as(h, token, CONFIG);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: expect.stringContaining('claims'),
    });
    expect((await as(h, token, USER)).statusCode).toBe(200);
    const asked = await h.app.inject({
      method: 'POST',
      url: `${GOV}/requests/search?_action=search`,
      headers: { authorization: `Bearer ${token}` },
      payload: {},
    });
    expect(asked.statusCode).toBe(403);
  });

  it('takes tokens minted for a client the script is set up for, and answers 401 when told', async () => {
    const h = await harness({ requireIgaTokenClaims: true, igaTokenScript: ['gatehouse'], igaTokenRefusal: 401 });
    expect((await as(h, await tokenFor(h, 'gatehouse'), CONFIG)).statusCode).toBe(200);
    const other = await as(h, await tokenFor(h, 'plain-service-account'), CONFIG);
    expect(other.statusCode).toBe(401);
    expect(other.json()).toMatchObject({ code: 401, reason: 'Unauthorized' });
    // The tenant's given token stands for one made as the guide says.
    expect((await get(h, CONFIG)).statusCode).toBe(200);
  });

  it('asks nothing of tokens by default', async () => {
    const h = await harness();
    expect((await as(h, await tokenFor(h, 'gatehouse'), CONFIG)).statusCode).toBe(200);
  });
});

describe("the realm's end-user UI, where a request's portal links go", () => {
  it('answers under the sandbox with the page, without a token, and records no API call', async () => {
    const tenant = createPingOneTenant();
    const app = Fastify();
    await app.register(sandboxPlugin, { prefix: '/sandbox', pingone: tenant });
    opened.push(app);
    const { result } = tenant.create(
      { users: [U.alice.id], catalogs: [{ type: 'application', id: E.zoomPro.id }] },
      tenant.serviceAccountId,
    );
    const id = result[0]?.id ?? '';

    const page = await app.inject({ method: 'GET', url: '/sandbox/pingone/enduser/?realm=alpha' });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // The ids Ping's hash routes name: the requester's details and the approver's approval page.
    expect(page.body).toContain(`<article id="/my-requests/details/${id}">`);
    expect(page.body).toContain(`<h2 id="/approvals/${id}/active">`);
    expect(tenant.calls).toEqual([]);
  });

  it('shows a rejected request with who rejected it and why, escaping what people typed', async () => {
    const h = await harness();
    const request = create(h, U.alice.id, E.salesforceAdmin.id, { justification: 'Quarter-end <b>close</b>' });
    h.clock.now += HOUR;
    h.tenant.decide(request.id, 'reject', undefined, U.bob.id, '"><script>steal()</script>');

    const page = (await h.app.inject({ method: 'GET', url: '/enduser/?realm=alpha' })).body;

    expect(page).toContain('complete, rejected, not provisioned');
    expect(page).toMatch(/Manager approval: reject by Bob Martinez &lt;bob@[^<]*<\/li>/);
    expect(page).toContain(
      'reject by Bob Martinez &lt;bob@acme.example&gt;: &quot;&gt;&lt;script&gt;steal()&lt;/script&gt;',
    );
    expect(page).toContain('Quarter-end &lt;b&gt;close&lt;/b&gt;');
    expect(page).not.toContain('<script>steal');
  });
});
