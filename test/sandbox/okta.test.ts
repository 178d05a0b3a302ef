import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg, type OktaOrgOptions, oktaEmulator, SEED } from '@gatehouse/sandbox/okta';
import { GENERATED, VENDOR_DIR } from '@gatehouse/sandbox/okta/spec-guard';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  accessRequest,
  accessRequestList,
  catalogEntry,
  catalogEntryList,
  grantList,
  oktaUser,
  oktaUserList,
  requestFieldList,
  taskList,
  task as taskSchema,
} from '../../src/api/okta/wire.js';

const AUTH = { authorization: `SSWS ${SEED.apiToken}` };
const START = Date.parse('2025-03-03T09:00:00.000Z');
const HOUR = 3_600_000;
const V2 = '/governance/api/v2';
const { users: U, entries: E } = SEED;

interface Harness {
  app: FastifyInstance;
  org: OktaOrg;
  clock: { now: number };
}

const opened: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function harness(options: OktaOrgOptions = {}): Promise<Harness> {
  const clock = { now: START };
  const org = createOktaOrg({ now: () => clock.now, ...options });
  const app = Fastify();
  await app.register(oktaEmulator, { org });
  opened.push(app);
  return { app, org, clock };
}

const get = (app: FastifyInstance, url: string, headers: Record<string, string> = AUTH) =>
  app.inject({ method: 'GET', url, headers });

const post = (app: FastifyInstance, url: string, payload?: unknown, headers: Record<string, string> = AUTH) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

const query = (params: Record<string, string | number>) =>
  new URLSearchParams(Object.entries(params).map(([key, value]): [string, string] => [key, String(value)])).toString();

/** The next page's address from a list envelope. */
const nextHref = (page: { _links?: Record<string, unknown> }) =>
  (page._links?.next as { href: string } | undefined)?.href;

function requestBody(entryId: string, requestedFor: string, fields: { id: string; value: string }[] = []) {
  return {
    requested: { type: 'CATALOG_ENTRY', entryId },
    requestedFor: { type: 'OKTA_USER', externalId: requestedFor },
    requesterFieldValues: fields,
  };
}

async function fieldsOf(app: FastifyInstance, entryId: string, userId: string) {
  const response = await get(app, `${V2}/catalogs/default/entries/${entryId}/users/${userId}/request-fields`);
  return requestFieldList.parse(response.json()).data;
}

/** Creates a request, filling the justification when the entry has one. */
async function submit(
  app: FastifyInstance,
  entryId: string,
  requestedFor: string,
  extra: { id: string; value: string }[] = [],
) {
  const fields = await fieldsOf(app, entryId, requestedFor);
  const text = fields.find((field) => field.type === 'TEXT');
  const values = [...(text ? [{ id: text.id, value: 'Quarter-end reporting' }] : []), ...extra];
  const response = await post(app, `${V2}/requests`, requestBody(entryId, requestedFor, values));
  expect(response.statusCode, response.body).toBe(202);
  return accessRequest.parse(response.json());
}

async function readRequest(app: FastifyInstance, id: string) {
  return accessRequest.parse((await get(app, `${V2}/requests/${id}`)).json());
}

async function tasksOf(app: FastifyInstance, requestId: string) {
  const response = await get(app, `${V2}/tasks?${query({ filter: `requestId eq "${requestId}"` })}`);
  return taskList.parse(response.json()).data;
}

async function openTask(app: FastifyInstance, requestId: string) {
  const open = (await tasksOf(app, requestId)).filter((task) => task.status === 'OPEN');
  expect(open).toHaveLength(1);
  return open[0] as (typeof open)[number];
}

const resolve = (app: FastifyInstance, taskId: string, value: 'APPROVED' | 'DENIED') =>
  post(app, `${V2}/tasks/${taskId}/resolve`, { value });

function expectOktaError(response: LightMyRequestResponse, status: number, errorCode: string) {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json();
  expect(body).toMatchObject({ errorCode, errorLink: errorCode, errorId: expect.any(String) });
  expect(Array.isArray(body.errorCauses)).toBe(true);
  return body as { errorSummary: string; errorCauses: { errorSummary: string; reason?: string; domain?: string }[] };
}

describe('the seed', () => {
  it('names a company with fixed, well-formed ids', () => {
    const org = createOktaOrg();
    const { users, entries } = org;
    expect(users.length).toBeGreaterThanOrEqual(9);
    for (const user of users) expect(user.id).toMatch(/^00u[0-9a-zA-Z]{17}$/);
    for (const entry of entries) expect(entry.id).toMatch(/^cen[0-9a-zA-Z]{17}$/);
    expect(entries.filter((entry) => entry.requestable).length).toBeGreaterThanOrEqual(15);
    expect(org.users.find((user) => user.id === U.alice.id)?.profile.managerId).toBe(U.bob.id);
    expect(org.users.find((user) => user.id === U.erin.id)?.profile.managerId).toBe(U.bob.id);
    expect(org.users.find((user) => user.id === U.carol.id)?.profile.managerId).toBe(U.frank.id);
    expect(org.users.find((user) => user.id === U.ivan.id)?.status).toBe('SUSPENDED');
    expect(users.filter((user) => user.profile.email === SEED.ambiguousEmail)).toHaveLength(2);
    expect(createOktaOrg().entries).toEqual(org.entries);
  });
});

describe('authentication', () => {
  it('refuses calls without a valid token with E0000004, and carries rate-limit headers on every answer', async () => {
    const { app } = await harness();
    for (const headers of [{}, { authorization: 'SSWS wrong' }, { authorization: 'Bearer nope' }] as Record<
      string,
      string
    >[]) {
      const response = await get(app, '/api/v1/users', headers);
      const body = expectOktaError(response, 401, 'E0000004');
      expect(body).toMatchObject({ errorSummary: 'Authentication failed.', errorCauses: [] });
      expect(response.headers['x-rate-limit-limit']).toBe('600');
    }
    const ok = await get(app, '/api/v1/users');
    expect(ok.statusCode).toBe(200);
    expect(Number(ok.headers['x-rate-limit-reset'])).toBe((START + 60_000) / 1000);
  });

  it('answers unknown paths with E0000007 and malformed JSON with E0000003, never a 500', async () => {
    const { app } = await harness();
    expectOktaError(await get(app, '/api/v1/nothing-here'), 404, 'E0000007');
    const malformed = await app.inject({
      method: 'POST',
      url: `${V2}/requests`,
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"requested": ',
    });
    expect(expectOktaError(malformed, 400, 'E0000003').errorSummary).toBe('The request body was not well-formed.');
  });
});

describe('users', () => {
  it('finds a user by email, ignoring case, with search= or filter=', async () => {
    const { app } = await harness();
    for (const param of ['search', 'filter']) {
      const response = await get(app, `/api/v1/users?${query({ [param]: 'profile.email eq "ALICE@acme.example"' })}`);
      const users = oktaUserList.parse(response.json());
      expect(users.map((user) => user.id)).toEqual([U.alice.id]);
    }
    const shared = oktaUserList.parse(
      (await get(app, `/api/v1/users?${query({ search: `profile.email eq "${SEED.ambiguousEmail}"` })}`)).json(),
    );
    expect(shared.map((user) => user.profile.login).sort()).toEqual([U.jordanLee.login, U.jordanLi.login]);
    const quick = oktaUserList.parse((await get(app, '/api/v1/users?q=car')).json());
    expect(quick.map((user) => user.id)).toEqual([U.carol.id]);
    expectOktaError(await get(app, `/api/v1/users?${query({ search: 'profile.shoeSize eq "9"' })}`), 400, 'E0000031');
  });

  it('pages with limit and a Link header, and reads one user by id or login', async () => {
    const { app } = await harness();
    const first = await get(app, '/api/v1/users?limit=4');
    expect(first.json()).toHaveLength(4);
    const next = /<([^>]+)>; rel="next"/.exec(String(first.headers.link))?.[1];
    expect(next).toMatch(/^http:\/\/localhost\/api\/v1\/users\?limit=4&after=00u/);
    const second = await get(app, new URL(next ?? '').pathname + new URL(next ?? '').search);
    expect(second.json()[0].id).not.toBe(first.json()[0].id);

    const alice = oktaUser.parse((await get(app, `/api/v1/users/${U.alice.id}`)).json());
    expect(alice.profile).toMatchObject({ email: U.alice.email, managerId: U.bob.id, manager: 'Bob Martinez' });
    expect((await get(app, `/api/v1/users/${encodeURIComponent(U.alice.email)}`)).json().id).toBe(U.alice.id);
    expect(expectOktaError(await get(app, '/api/v1/users/00unobody0000000000'), 404, 'E0000007').errorSummary).toBe(
      'Resource not found exception.',
    );
  });
});

describe('the catalog', () => {
  const entries = `${V2}/catalogs/default/entries`;

  it('requires a parent filter and a match of 3–50 characters', async () => {
    const { app } = await harness();
    const missing = expectOktaError(await get(app, entries), 400, 'E0000001');
    expect(missing.errorSummary).toMatch(/^Api validation failed: /);
    expect(missing.errorCauses[0]).toMatchObject({ reason: 'REQUIRED_PROPERTY_MISSING', domain: 'governance' });
    const short = expectOktaError(
      await get(app, `${entries}?${query({ filter: 'not(parent pr)', match: 'ab' })}`),
      400,
      'E0000001',
    );
    expect(short.errorSummary).toBe('Api validation failed: AccessRequestCatalog');
    expect(short.errorCauses[0]?.errorSummary).toBe(
      'AccessRequestCatalog - String "ab" is too short (length: 2, required minimum: 3)',
    );
    expectOktaError(await get(app, `${entries}?${query({ filter: 'name eq "Slack"' })}`), 400, 'E0000001');
  });

  it('lists top-level entries and children, matching name or description', async () => {
    const { app } = await harness();
    const top = catalogEntryList.parse(
      (await get(app, `${entries}?${query({ filter: 'not(parent pr)', limit: 200 })}`)).json(),
    );
    expect(top.data.every((entry) => !entry.parent)).toBe(true);
    expect(top.data.find((entry) => entry.id === E.salesforce.id)).toMatchObject({
      label: 'Application',
      requestable: false,
    });
    const children = catalogEntryList.parse(
      (await get(app, `${entries}?${query({ filter: `parent eq "${E.salesforce.id}"` })}`)).json(),
    );
    expect(children.data.map((entry) => entry.name).sort()).toEqual([
      E.salesforceAdmin.name,
      E.salesforceSalesUser.name,
    ]);
    expect(children.data.every((entry) => entry.requestable && entry.parent === E.salesforce.id)).toBe(true);
    const matched = catalogEntryList.parse(
      (await get(app, `${entries}?${query({ filter: 'not(parent pr)', match: 'SALES' })}`)).json(),
    );
    expect(matched.data.map((entry) => entry.id)).toEqual([E.salesforce.id]);
    const one = catalogEntry.parse((await get(app, `${entries}/${E.awsProductionAdmin.id}`)).json());
    expect(one).toMatchObject({ name: E.awsProductionAdmin.name, parent: E.awsProduction.id });
    // [rcar-entry] label: "currently either Application or Resource Collection"; access levels carry none.
    expect(one.label).toBeUndefined();
    const parent = catalogEntry.parse((await get(app, `${entries}/${E.awsProduction.id}`)).json());
    expect(parent.label).toBe('Application');
    expectOktaError(await get(app, `${entries}/cennothing0000000000`), 404, 'E0000007');
  });

  it('shows each user only what they may request', async () => {
    const { app } = await harness();
    const visible = async (userId: string, filter: string) =>
      catalogEntryList
        .parse(
          (await get(app, `${V2}/catalogs/default/user/${userId}/entries?${query({ filter, limit: 200 })}`)).json(),
        )
        .data.map((entry) => entry.id);
    expect(await visible(U.carol.id, 'not(parent pr)')).toContain(E.awsProduction.id);
    expect(await visible(U.alice.id, 'not(parent pr)')).not.toContain(E.awsProduction.id);
    expect(await visible(U.alice.id, `parent eq "${E.awsProduction.id}"`)).toEqual([]);
    expect(await visible(U.carol.id, `parent eq "${E.awsProduction.id}"`)).toHaveLength(2);
    expect(await visible(U.ivan.id, 'not(parent pr)')).toEqual([]);
  });

  it('pages with after and answers the next page in _links and the Link header', async () => {
    const { app } = await harness();
    const seen: string[] = [];
    let url: string | undefined = `${entries}?${query({ filter: 'not(parent pr)', limit: 5 })}`;
    while (url) {
      const response = await get(app, url);
      const page = catalogEntryList.parse(response.json());
      seen.push(...page.data.map((entry) => entry.id));
      const header = /<([^>]+)>; rel="next"/.exec(String(response.headers.link))?.[1];
      const next = nextHref(page);
      expect(header).toBe(next);
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    expect(seen).toHaveLength(11);
    expect(new Set(seen).size).toBe(11);
    expectOktaError(
      await get(app, `${entries}?${query({ filter: 'not(parent pr)', after: 'cenunknown' })}`),
      400,
      'E0000001',
    );
  });

  it('computes request fields from the entry and the user', async () => {
    const { app } = await harness();
    const aws = await fieldsOf(app, E.awsProductionAdmin.id, U.carol.id);
    expect(aws).toEqual([
      expect.objectContaining({
        type: 'TEXT',
        label: 'What is the business justification for this request?',
        required: true,
      }),
      { id: 'ACCESS_DURATION', type: 'DURATION', required: true, readOnly: false, maximumValue: 'PT8H' },
    ]);
    expect(aws[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await fieldsOf(app, E.netsuiteFinanceViewer.id, U.erin.id))[1]).toEqual({
      id: 'ACCESS_DURATION',
      type: 'DURATION',
      required: false,
      readOnly: true,
      value: 'P30D',
    });
    expect((await fieldsOf(app, E.figmaEditor.id, U.alice.id))[1]).toMatchObject({
      required: false,
      maximumValue: 'P7D',
    });
    expect(await fieldsOf(app, E.slackMember.id, U.alice.id)).toEqual([expect.objectContaining({ required: false })]);
    const path = (entryId: string, userId: string) =>
      `${V2}/catalogs/default/entries/${entryId}/users/${userId}/request-fields`;
    // Not requestable by this user: the operation documents 200, 401 and 404 only.
    expectOktaError(await get(app, path(E.awsProductionAdmin.id, U.alice.id)), 404, 'E0000007');
    expectOktaError(await get(app, path('cennothing0000000000', U.alice.id)), 404, 'E0000007');
  });
});

describe('access requests', () => {
  it('accepts a request with 202 SUBMITTED, then routes it to PENDING with one open task for the manager', async () => {
    const { app, org } = await harness();
    const created = await submit(app, E.salesforceSalesUser.id, U.alice.id);
    expect(created).toMatchObject({
      status: 'SUBMITTED',
      createdBy: U.service.id,
      requestedBy: { type: 'OKTA_USER', externalId: U.service.id },
      requestedFor: { type: 'OKTA_USER', externalId: U.alice.id },
      requested: { entryId: E.salesforceSalesUser.id, resourceId: SEED.apps.salesforce, resourceType: 'APPLICATION' },
    });
    expect(created.id).toMatch(/^req[0-9a-zA-Z]{17}$/);
    expect(Object.keys(created._links ?? {}).sort()).toEqual(['catalogEntry', 'self']);
    expect(created.requesterFieldValues?.[0]).toMatchObject({ type: 'TEXT', value: 'Quarter-end reporting' });

    await new Promise((done) => setImmediate(done));
    expect(org.request(created.id)?.status).toBe('PENDING');
    const pending = await readRequest(app, created.id);
    expect(pending.status).toBe('PENDING');
    expect(pending._links).toHaveProperty('approvalCondition');
    expect(pending._links).toHaveProperty('approvalSequence');
    const task = await openTask(app, created.id);
    expect(task).toMatchObject({
      type: 'APPROVAL',
      label: 'Approve access to Salesforce — Sales User (step 1 of 1)',
      assignees: [{ externalId: U.bob.id, type: 'OKTA_USER' }],
    });
    expect(task.id).toMatch(/^[0-9a-f]{24}$/);
    expect(org.events.map((event) => event.eventType)).toEqual(['access.request.create', 'access.request.update']);
    expect(org.events[0]?.target[0]).toMatchObject({ id: created.id, type: 'AccessRequest' });
  });

  it('runs a two-step sequence: manager, then the app owner, then grants', async () => {
    const { app, org } = await harness();
    const { id } = await submit(app, E.salesforceAdmin.id, U.alice.id);
    const first = await openTask(app, id);
    expect(first.assignees).toEqual([{ externalId: U.bob.id, type: 'OKTA_USER' }]);
    const resolved = await resolve(app, first.id, 'APPROVED');
    expect(resolved.statusCode).toBe(200);
    expect(taskSchema.parse(resolved.json())).toMatchObject({
      status: 'COMPLETED',
      value: 'APPROVED',
      completedBy: { externalId: U.service.id, type: 'OKTA_USER' },
    });
    expect((await readRequest(app, id)).status).toBe('PENDING');
    const second = await openTask(app, id);
    expect(second).toMatchObject({
      label: expect.stringContaining('(step 2 of 2)'),
      assignees: [{ externalId: U.grace.id }],
    });

    await resolve(app, second.id, 'APPROVED');
    const done = await readRequest(app, id);
    expect(done).toMatchObject({ status: 'APPROVED', grantStatus: 'GRANTED', resolved: expect.any(String) });
    expect(done.granted).toBeTruthy();
    expect(done.requestApproval).toMatchObject({
      type: 'OKTA',
      status: 'APPROVED',
      // [request-approval-decision]: deciderId, APPROVE|DENY|CANCEL (the schema, not the examples' userId/APPROVED).
      decisions: [
        { deciderId: U.service.id, decision: 'APPROVE' },
        { deciderId: U.service.id, decision: 'APPROVE' },
      ],
    });
    expect(
      org.grants.filter((grant) => grant.targetPrincipal.externalId === U.alice.id && grant.actor === 'ACCESS_REQUEST'),
    ).toHaveLength(1);
    expect(org.events.map((event) => event.eventType)).toContain('access.request.resolve');
  });

  it('ends DENIED when an approver denies, and refuses to resolve a completed task', async () => {
    const { app } = await harness();
    const { id } = await submit(app, E.githubOrgOwner.id, U.carol.id);
    const task = await openTask(app, id);
    await resolve(app, task.id, 'DENIED');
    const denied = await readRequest(app, id);
    expect(denied).toMatchObject({ status: 'DENIED', requestApproval: { status: 'DENIED' } });
    expect(denied.grantStatus).toBeUndefined();
    expect(await tasksOf(app, id)).toHaveLength(1);
    const again = expectOktaError(await resolve(app, task.id, 'APPROVED'), 400, 'E0000001');
    expect(again.errorCauses[0]?.errorSummary).toBe('Task is already completed');
    expectOktaError(await resolve(app, 'ffffffffffffffffffffffff', 'APPROVED'), 404, 'E0000007');
    expectOktaError(await post(app, `${V2}/tasks/${task.id}/resolve`, { value: 'MAYBE' }), 400, 'E0000001');
  });

  it('lets any member of an approver group decide', async () => {
    const { app, org } = await harness();
    const { id } = await submit(app, E.slackWorkspaceAdmin.id, U.alice.id);
    const task = await openTask(app, id);
    expect(task.assignees.map((assignee) => assignee.externalId).sort()).toEqual([U.dana.id, U.henry.id].sort());
    org.resolveTaskAs(task.id, U.henry.id, 'APPROVED');
    expect((await readRequest(app, id)).status).toBe('APPROVED');
    expect((await get(app, `${V2}/tasks/${task.id}`)).json().completedBy.externalId).toBe(U.henry.id);
  });

  it('approves an entry that needs no approval by itself, then grants it', async () => {
    const { app } = await harness();
    const { id } = await submit(app, E.googleWorkspaceStandard.id, U.erin.id);
    const request = await readRequest(app, id);
    expect(request).toMatchObject({ status: 'APPROVED', grantStatus: 'GRANTED' });
    expect(request.requestApproval).toBeUndefined();
    expect(await tasksOf(app, id)).toEqual([]);
    const filter = `target.externalId eq "${SEED.apps.googleWorkspace}" AND target.type eq "APPLICATION" AND targetPrincipal.externalId eq "${U.erin.id}" AND targetPrincipal.type eq "OKTA_USER"`;
    const grants = grantList.parse((await get(app, `/governance/api/v1/grants?${query({ filter })}`)).json());
    expect(grants.data).toEqual([
      expect.objectContaining({ grantType: 'CUSTOM', action: 'ALLOW', actor: 'ACCESS_REQUEST', status: 'ACTIVE' }),
    ]);
    expect(grants.data[0]?.id).toMatch(/^0gg[0-9a-zA-Z]{17}$/);
  });

  it('ends MANUAL_REQUIRED for the seeded manual entry, and FAILED when told to', async () => {
    const { app, org } = await harness();
    const manual = await submit(app, E.netsuiteApClerk.id, U.erin.id);
    await resolve(app, (await openTask(app, manual.id)).id, 'APPROVED');
    expect((await readRequest(app, manual.id)).grantStatus).toBe('MANUAL_REQUIRED');
    org.setGrantOutcome(E.googleWorkspaceStandard.id, 'FAILED');
    const failed = await submit(app, E.googleWorkspaceStandard.id, U.alice.id);
    expect((await readRequest(app, failed.id)).grantStatus).toBe('FAILED');
  });

  it('rejects, as the system, a request nobody can approve', async () => {
    const { app, org } = await harness();
    const { id } = await submit(app, E.salesforceSalesUser.id, U.jordanLi.id);
    expect((await readRequest(app, id)).status).toBe('REJECTED');
    expect(org.events.at(-1)?.eventType).toBe('access.request.reject');
  });

  it('validates the body: entry, requester, required fields and field ids', async () => {
    const { app } = await harness();
    const create = (body: unknown) => post(app, `${V2}/requests`, body);
    const unknownEntry = expectOktaError(
      await create(requestBody('cennothing0000000000', U.alice.id)),
      400,
      'E0000001',
    );
    expect(unknownEntry.errorCauses[0]).toMatchObject({ reason: 'IDENTIFIER_NOT_FOUND', domain: 'governance' });
    const hidden = expectOktaError(await create(requestBody(E.awsProductionReadOnly.id, U.alice.id)), 400, 'E0000001');
    expect(hidden.errorCauses[0]?.reason).toBe('IDENTIFIER_NOT_FOUND');
    expectOktaError(await create(requestBody(E.salesforce.id, U.alice.id)), 400, 'E0000001');
    const missing = expectOktaError(await create(requestBody(E.salesforceAdmin.id, U.alice.id)), 400, 'E0000001');
    expect(missing.errorSummary).toBe('Api validation failed: Request missing required fields');
    const stray = await create(requestBody(E.slackMember.id, U.alice.id, [{ id: 'ACCESS_DURATION', value: 'P1D' }]));
    expect(expectOktaError(stray, 400, 'E0000001').errorCauses[0]?.reason).toBe('IDENTIFIER_NOT_FOUND');
    const shapeless = expectOktaError(await create({ requested: { type: 'CATALOG_ENTRY' } }), 400, 'E0000001');
    expect(shapeless.errorCauses[0]).toMatchObject({
      reason: 'REQUIRED_PROPERTY_MISSING',
      location: '/requested/entryId',
    });
  });

  it('accepts only single-unit durations within the maximum', async () => {
    const { app } = await harness();
    const [text] = await fieldsOf(app, E.awsProductionAdmin.id, U.carol.id);
    const attempt = (duration?: string) =>
      post(
        app,
        `${V2}/requests`,
        requestBody(E.awsProductionAdmin.id, U.carol.id, [
          { id: text?.id ?? '', value: 'Incident 4711' },
          ...(duration ? [{ id: 'ACCESS_DURATION', value: duration }] : []),
        ]),
      );
    for (const bad of ['P1DT2H', 'P1W', 'PT8H30M', 'P1M']) {
      expect(expectOktaError(await attempt(bad), 400, 'E0000001').errorCauses[0]?.reason).toBe('STRING_FORMAT_INVALID');
    }
    expect(expectOktaError(await attempt('PT9H'), 400, 'E0000001').errorCauses[0]?.errorSummary).toMatch(
      /maximum of PT8H/,
    );
    expect(expectOktaError(await attempt(), 400, 'E0000001').errorSummary).toMatch(/Request missing required fields/);
    for (const good of ['PT8H', 'PT90M']) expect((await attempt(good)).statusCode).toBe(202);
  });

  it('revokes timed access once the clock passes revocationScheduled', async () => {
    const { app, org, clock } = await harness();
    const { id, accessDuration } = await submit(app, E.awsProductionAdmin.id, U.carol.id, [
      { id: 'ACCESS_DURATION', value: 'PT4H' },
    ]);
    expect(accessDuration).toBe('PT4H');
    await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    clock.now += 60_000;
    await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    const granted = await readRequest(app, id);
    expect(granted).toMatchObject({ grantStatus: 'GRANTED', revocationStatus: 'PENDING' });
    expect(Date.parse(granted.revocationScheduled ?? '') - Date.parse(granted.granted ?? '')).toBe(4 * HOUR);
    const grant = org.grants.find(
      (candidate) => candidate.targetPrincipal.externalId === U.carol.id && candidate.actor === 'ACCESS_REQUEST',
    );
    expect(grant?.scheduleSettings?.expirationDate).toBe(granted.revocationScheduled);

    clock.now += 4 * HOUR - 1;
    expect((await readRequest(app, id)).revocationStatus).toBe('PENDING');
    clock.now += 1;
    const revoked = await readRequest(app, id);
    expect(revoked).toMatchObject({ revocationStatus: 'REVOKED', revoked: granted.revocationScheduled });
    expect(org.grants.find((candidate) => candidate.id === grant?.id)?.status).toBe('EXPIRED');
    const filter = `target.externalId eq "${SEED.apps.awsProduction}" AND target.type eq "APPLICATION"`;
    expect(grantList.parse((await get(app, `/governance/api/v1/grants?${query({ filter })}`)).json()).data).toEqual([]);
  });

  it('applies the admin-fixed duration', async () => {
    const { app } = await harness();
    const { id } = await submit(app, E.netsuiteFinanceViewer.id, U.erin.id);
    for (let step = 0; step < 2; step += 1) await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    const request = await readRequest(app, id);
    expect(request.accessDuration).toBe('P30D');
    expect(Date.parse(request.revocationScheduled ?? '') - Date.parse(request.granted ?? '')).toBe(30 * 24 * HOUR);
  });

  it('expires a request nobody acts on after requestTtlMs, closing its task', async () => {
    const { app, org, clock } = await harness({ requestTtlMs: 2 * HOUR });
    const { id } = await submit(app, E.zoomPro.id, U.alice.id);
    const task = await openTask(app, id);
    clock.now += 2 * HOUR;
    const expired = await readRequest(app, id);
    expect(expired).toMatchObject({ status: 'EXPIRED', resolved: new Date(START + 2 * HOUR).toISOString() });
    expect((await get(app, `${V2}/tasks/${task.id}`)).json().status).toBe('COMPLETED');
    expect(org.events.at(-1)?.eventType).toBe('access.request.expire');

    const other = await submit(app, E.zoomPro.id, U.erin.id);
    org.expireRequest(other.id);
    expect((await readRequest(app, other.id)).status).toBe('EXPIRED');
    const third = await submit(app, E.zoomPro.id, U.bob.id);
    org.cancelRequest(third.id);
    expect((await readRequest(app, third.id)).status).toBe('CANCELED');
  });

  it('lists with filters, order and cursor', async () => {
    const { app, clock } = await harness();
    const ids: string[] = [];
    for (const [entry, user] of [
      [E.salesforceSalesUser.id, U.alice.id],
      [E.zoomPro.id, U.alice.id],
      [E.googleWorkspaceStandard.id, U.alice.id],
      [E.zoomPro.id, U.erin.id],
    ] as const) {
      ids.push((await submit(app, entry, user)).id);
      clock.now += 1000;
    }
    const list = async (params: Record<string, string | number>) => {
      const response = await get(app, `${V2}/requests?${query(params)}`);
      expect(response.statusCode, response.body).toBe(200);
      return accessRequestList.parse(response.json());
    };
    const alicePending = await list({ filter: `requestedFor eq "${U.alice.id}" AND status eq "PENDING"` });
    expect(alicePending.data.map((request) => request.id)).toEqual([ids[0], ids[1]]);
    const lower = await list({ filter: `requestedFor eq "${U.alice.id}" and grantStatus eq "GRANTED"` });
    expect(lower.data.map((request) => request.id)).toEqual([ids[2]]);
    const since = new Date(START + 1500).toISOString();
    expect((await list({ filter: `lastUpdated gt "${since}"` })).data.map((request) => request.id)).toEqual([
      ids[2],
      ids[3],
    ]);
    const newest = await list({ orderBy: 'created desc', limit: 3 });
    expect(newest.data.map((request) => request.id)).toEqual([ids[3], ids[2], ids[1]]);
    const after = new URL(nextHref(newest) ?? '').searchParams.get('after') ?? '';
    expect((await list({ orderBy: 'created desc', limit: 3, after })).data.map((request) => request.id)).toEqual([
      ids[0],
    ]);
    expectOktaError(await get(app, `${V2}/requests?${query({ filter: 'entryId eq "x"' })}`), 400, 'E0000001');
    expectOktaError(
      await get(app, `${V2}/requests?${query({ filter: 'status eq "PENDING" or status eq "APPROVED"' })}`),
      400,
      'E0000001',
    );
    expectOktaError(await get(app, `${V2}/requests?${query({ limit: 500 })}`), 400, 'E0000001');
    expectOktaError(await get(app, `${V2}/requests?${query({ orderBy: 'name asc' })}`), 400, 'E0000001');
    expectOktaError(await get(app, `${V2}/requests/reqnothing00000000000`), 404, 'E0000007');
  });

  it('lists tasks by assignee and status, including an or-group on status', async () => {
    const { app } = await harness();
    await submit(app, E.salesforceSalesUser.id, U.alice.id);
    await submit(app, E.githubMember.id, U.carol.id);
    const forBob = taskList.parse(
      (
        await get(
          app,
          `${V2}/tasks?${query({ filter: `assigneeId eq "${U.bob.id}" and status eq "OPEN" and type eq "APPROVAL"` })}`,
        )
      ).json(),
    );
    expect(forBob.data).toHaveLength(1);
    const either = await get(
      app,
      `${V2}/tasks?${query({ filter: '(status eq "OPEN" or status eq "ASSIGNING")', orderBy: 'createdAt desc' })}`,
    );
    expect(taskList.parse(either.json()).data).toHaveLength(2);
    expectOktaError(await get(app, `${V2}/tasks?${query({ filter: 'colour eq "red"' })}`), 400, 'E0000001');
  });

  it('records messages with the caller as author, and answers 201 with no body', async () => {
    const { app, org } = await harness();
    const { id } = await submit(app, E.jiraSoftwareUser.id, U.alice.id);
    const sent = await post(app, `${V2}/requests/${id}/messages`, { message: 'Approved in Slack by Bob Martinez.' });
    expect(sent.statusCode).toBe(201);
    expect(sent.body).toBe('');
    expect(org.messages).toEqual([
      expect.objectContaining({
        requestId: id,
        message: 'Approved in Slack by Bob Martinez.',
        author: { type: 'OKTA_USER', externalId: U.service.id },
      }),
    ]);
    // [request-message-mutable] message: 1 to 5000 characters.
    expect((await post(app, `${V2}/requests/${id}/messages`, { message: 'x'.repeat(5000) })).statusCode).toBe(201);
    expectOktaError(await post(app, `${V2}/requests/${id}/messages`, { message: 'x'.repeat(5001) }), 400, 'E0000001');
    expectOktaError(await post(app, `${V2}/requests/${id}/messages`, { message: '' }), 400, 'E0000001');
    expectOktaError(
      await post(app, `${V2}/requests/reqnothing00000000000/messages`, { message: 'hi' }),
      404,
      'E0000007',
    );
  });
});

describe('test controls', () => {
  it('holds system actions, reports events as they happen, and acts as other admins', async () => {
    const { app, org } = await harness();
    const seen: string[] = [];
    const stop = org.onEvent((event) => seen.push(event.eventType));
    org.holdSystemActions(true);
    const { id } = await submit(app, E.zoomPro.id, U.alice.id);
    await new Promise((done) => setImmediate(done));
    expect((await readRequest(app, id)).status).toBe('SUBMITTED');
    org.holdSystemActions(false);
    expect((await readRequest(app, id)).status).toBe('PENDING');
    expect(seen).toEqual(['access.request.create', 'access.request.update']);
    stop();

    const task = await openTask(app, id);
    const reassigned = await app.inject({
      method: 'PATCH',
      url: `${V2}/tasks/${task.id}`,
      headers: AUTH,
      payload: { assignees: [{ externalId: U.grace.id, type: 'OKTA_USER' }] },
    });
    expect(taskSchema.parse(reassigned.json()).assignees).toEqual([{ externalId: U.grace.id, type: 'OKTA_USER' }]);

    const dana = { authorization: `SSWS ${org.createApiToken(U.dana.id)}` };
    expect((await post(app, `${V2}/tasks/${task.id}/resolve`, { value: 'APPROVED' }, dana)).json().completedBy).toEqual(
      {
        externalId: U.dana.id,
        type: 'OKTA_USER',
      },
    );
    expect(seen).toHaveLength(2);
  });
});

describe('grants', () => {
  const grants = (filter?: string) => `/governance/api/v1/grants${filter ? `?${query({ filter })}` : ''}`;

  it('requires a filter naming exactly one resource', async () => {
    const { app } = await harness();
    const slack = SEED.apps.slack;
    for (const filter of [undefined, `target.externalId eq "${slack}"`, 'targetPrincipal.type eq "OKTA_USER"']) {
      const body = expectOktaError(await get(app, grants(filter)), 400, 'E0000029');
      expect(body.errorSummary).toBe('Invalid filter');
    }
    const two = `(target.externalId eq "${slack}" OR target.externalId eq "${SEED.apps.zoom}") AND target.type eq "APPLICATION"`;
    expect(expectOktaError(await get(app, grants(two)), 400, 'E0000029').errorCauses[0]?.errorSummary).toMatch(
      /Multiple values/,
    );
    expectOktaError(
      await get(app, grants(`target.externalId eq "${slack}" AND target.type eq "APP"`)),
      400,
      'E0000029',
    );

    const all = grantList.parse(
      (await get(app, grants(`target.externalId eq "${slack}" AND target.type eq "APPLICATION"`))).json(),
    );
    expect(all.data.map((grant) => grant.targetPrincipal.externalId).sort()).toEqual([U.alice.id, U.carol.id].sort());
    const mine = grantList.parse(
      (
        await get(
          app,
          grants(
            `target.externalId eq "${slack}" AND target.type eq "APPLICATION" AND targetPrincipal.externalId eq "${U.alice.id}" AND targetPrincipal.type eq "OKTA_USER"`,
          ),
        )
      ).json(),
    );
    expect(mine.data).toHaveLength(1);
  });

  it('refuses a target.type outside [target-resource] (APPLICATION only) as an invalid filter', async () => {
    const { app } = await harness();
    for (const type of ['REQUEST_TYPE', 'GROUP']) {
      const filter = `target.externalId eq "${SEED.apps.slack}" AND target.type eq "${type}"`;
      const body = expectOktaError(await get(app, grants(filter)), 400, 'E0000029');
      expect(body.errorSummary).toBe('Invalid filter');
    }
  });

  it("names each grant's principal and resource by ORN, as the document's examples do", async () => {
    const { app } = await harness();
    const filter = `target.externalId eq "${SEED.apps.slack}" AND target.type eq "APPLICATION" AND targetPrincipal.externalId eq "${U.alice.id}" AND targetPrincipal.type eq "OKTA_USER"`;
    const [grant] = (await get(app, grants(filter))).json().data;
    expect(grant).toMatchObject({
      targetPrincipalOrn: `orn:okta:directory:${SEED.orgId}:users:${U.alice.id}`,
      targetResourceOrn: `orn:okta:idp:${SEED.orgId}:apps:slack:${SEED.apps.slack}`,
      target: { externalId: SEED.apps.slack, type: 'APPLICATION' },
    });
    expect(SEED.orgId).toMatch(/^00o[0-9a-zA-Z]{17}$/);
    expect(grant).not.toHaveProperty('entitlements');
  });

  it('needs the APP_ADMIN role (x-okta-iam-admin-roles), as access requests need ACCESS_REQUESTS_ADMIN', async () => {
    const filter = `target.externalId eq "${SEED.apps.slack}" AND target.type eq "APPLICATION"`;
    const requestsAdmin = await harness({ adminRoles: ['ACCESS_REQUESTS_ADMIN'] });
    expectOktaError(await get(requestsAdmin.app, grants(filter)), 403, 'E0000006');
    expect((await get(requestsAdmin.app, `${V2}/requests`)).statusCode).toBe(200);
    const appAdmin = await harness({ adminRoles: ['APP_ADMIN'] });
    expect((await get(appAdmin.app, grants(filter))).statusCode).toBe(200);
    expectOktaError(await get(appAdmin.app, `${V2}/requests`), 403, 'E0000006');
    const both = await harness({ adminRoles: ['ACCESS_REQUESTS_ADMIN', 'APP_ADMIN'] });
    expect((await get(both.app, grants(filter))).statusCode).toBe(200);
    // Users are the management API's, not a governance role's.
    expect((await get(appAdmin.app, '/api/v1/users?limit=1')).statusCode).toBe(200);
  });
});

describe('how one org differs from another', () => {
  it.each([
    ['forbidden', 403, 'E0000006'],
    ['absent', 404, 'E0000007'],
  ] as const)('an org whose Tasks API is %s answers %i on every task path', async (tasksApi, status, errorCode) => {
    const { app, org } = await harness({ tasksApi });
    const { id } = await submit(app, E.zoomPro.id, U.alice.id);
    const task = org.tasks.find((candidate) => candidate.requestId === id);
    if (!task) throw new Error('no task');
    expectOktaError(await get(app, `${V2}/tasks?${query({ filter: `requestId eq "${id}"` })}`), status, errorCode);
    expectOktaError(await get(app, `${V2}/tasks/${task.id}`), status, errorCode);
    expectOktaError(await resolve(app, task.id, 'APPROVED'), status, errorCode);
    // The request itself reads as before.
    expect((await readRequest(app, id)).status).toBe('PENDING');
    org.tasksApi = 'available';
    expect(await tasksOf(app, id)).toHaveLength(1);
  });

  it('lists tasks as TaskSparse, exactly: no completedBy, no links', async () => {
    const { app } = await harness();
    const { id } = await submit(app, E.salesforceAdmin.id, U.alice.id);
    await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    const listed = (await get(app, `${V2}/tasks?${query({ filter: `requestId eq "${id}"` })}`)).json().data;
    expect(listed).toHaveLength(2);
    for (const item of listed) {
      expect(Object.keys(item).every((key) => TASK_SPARSE.includes(key))).toBe(true);
    }
    expect(listed.find((item: { status: string }) => item.status === 'COMPLETED')).toMatchObject({ value: 'APPROVED' });
  });

  it('routes a legacy request type to no task, decided only in Okta, with no grant', async () => {
    const { app, org } = await harness();
    const request = await submit(app, E.financeAnalysts.id, U.erin.id);
    expect(request.requested).toMatchObject({
      resourceType: 'REQUEST_TYPE',
      resourceId: SEED.requestTypes.financeAnalysts,
      accessScopeType: 'REQUEST_TYPE',
    });
    expect((await readRequest(app, request.id)).status).toBe('PENDING');
    expect(await tasksOf(app, request.id)).toEqual([]);
    expect(() => org.decideInOkta(request.id, U.bob.id, 'APPROVED')).toThrow(/may not decide/);
    org.decideInOkta(request.id, U.grace.id, 'APPROVED');
    const done = await readRequest(app, request.id);
    expect(done).toMatchObject({
      status: 'APPROVED',
      grantStatus: 'GRANTED',
      requestApproval: { decisions: [{ deciderId: U.grace.id, deciderName: 'Grace Lee', decision: 'APPROVE' }] },
    });
    expect(org.grants.filter((grant) => grant.targetPrincipal.externalId === U.erin.id)).toEqual([]);
  });

  it('publishes no access.request.update before release 2026.05, and names the target as told', async () => {
    const { app, org } = await harness({ updateEvents: false, hookTargetType: 'AccessRequestV2' });
    const { id } = await submit(app, E.salesforceAdmin.id, U.alice.id);
    await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    await readRequest(app, id);
    const events = org.events.filter((event) => event.target.some((target) => target.id === id));
    expect(events.map((event) => event.eventType)).toEqual(['access.request.create', 'access.request.resolve']);
    expect(events.every((event) => event.target[0]?.type === 'AccessRequestV2')).toBe(true);
  });

  it("may leave a request's lastUpdated where it was when only its task changes", async () => {
    const { app, org, clock } = await harness({ taskChangesTouchRequest: false });
    const { id } = await submit(app, E.salesforceAdmin.id, U.alice.id);
    const routed = await readRequest(app, id);
    clock.now += HOUR;
    const first = await openTask(app, id);
    const resolved = taskSchema.parse((await resolve(app, first.id, 'APPROVED')).json());
    expect(resolved.updatedAt).toBe(new Date(clock.now).toISOString());
    expect((await readRequest(app, id)).lastUpdated).toBe(routed.lastUpdated);
    // Closing it moves it, whatever the org.
    clock.now += HOUR;
    await resolve(app, (await openTask(app, id)).id, 'APPROVED');
    expect((await readRequest(app, id)).lastUpdated).not.toBe(routed.lastUpdated);
    expect(org.request(id)?.status).toBe('APPROVED');
  });
});

/** The properties a schema of the vendored governance document names, through its `allOf` parts. */
function documentedFields(schema: string): string[] {
  const spec = JSON.parse(readFileSync(join(VENDOR_DIR, GENERATED.spec), 'utf8')) as {
    components: { schemas: Record<string, { properties?: object; allOf?: { $ref?: string }[] }> };
  };
  const fields = (name: string): string[] => {
    const found = spec.components.schemas[name];
    if (!found) throw new Error(`no schema ${name} in the vendored document`);
    const parts = (found.allOf ?? []).map((part) => fields(part.$ref?.split('/').pop() ?? ''));
    return [...Object.keys(found.properties ?? {}), ...parts.flat()];
  };
  return [...new Set(fields(schema))];
}

/** TaskSparse's fields (tasks-api.yaml task-sparse, closed). */
const TASK_SPARSE = ['id', 'assignees', 'status', 'label', 'requestId', 'createdAt', 'updatedAt', 'type', 'value'];

describe('rate limits', () => {
  it('answers 429 E0000047 over the per-minute limit of an endpoint family, until the window resets', async () => {
    const { app, clock } = await harness({ rateLimitPerMinute: 3 });
    for (let call = 0; call < 3; call += 1) {
      const response = await get(app, '/api/v1/users?limit=1');
      expect(response.headers['x-rate-limit-remaining']).toBe(String(2 - call));
    }
    const limited = await get(app, '/api/v1/users?limit=1');
    expect(expectOktaError(limited, 429, 'E0000047').errorSummary).toBe(
      'API call exceeded rate limit due to too many requests.',
    );
    expect(limited.headers).toMatchObject({ 'x-rate-limit-limit': '3', 'x-rate-limit-remaining': '0' });
    expect(Number(limited.headers['x-rate-limit-reset'])).toBe((START + 60_000) / 1000);
    expect((await get(app, `${V2}/requests`)).statusCode).toBe(200);
    clock.now += 60_000;
    expect((await get(app, '/api/v1/users?limit=1')).statusCode).toBe(200);
  });
});

describe('what a real org answers (issue 17)', () => {
  it('lists requests sparsely [request-sparse-2]: the reason and duration only on a read of the request', async () => {
    const { app } = await harness();
    const { id } = await submit(app, E.zoomPro.id, U.alice.id);
    const listed = (await get(app, `${V2}/requests?${query({ filter: `requestedFor eq "${U.alice.id}"` })}`)).json();
    const item = listed.data.find((request: { id: string }) => request.id === id);
    expect(item).toBeDefined();
    expect(item).not.toHaveProperty('requesterFieldValues');
    expect(item).not.toHaveProperty('accessDuration');
    expect(item).not.toHaveProperty('revocationScheduled');
    expect((await readRequest(app, id)).requesterFieldValues?.[0]?.value).toBe('Quarter-end reporting');
  });

  it("lists exactly the document's sparse fields [request-sparse-2], whatever a read of the request carries", async () => {
    const { app, org } = await harness();
    // Time-bound access, decided and granted: its read carries the reason, the duration, the
    // scheduled revocation and the decision.
    const { id } = await submit(app, E.figmaEditor.id, U.alice.id, [{ id: 'ACCESS_DURATION', value: 'P2D' }]);
    org.decideInOkta(id, U.bob.id, 'APPROVED');
    const read = await readRequest(app, id);
    expect(read).toMatchObject({ status: 'APPROVED', grantStatus: 'GRANTED', accessDuration: 'P2D' });
    expect(read.revocationScheduled).toEqual(expect.any(String));
    expect(read.requestApproval).toBeDefined();

    const listed = (await get(app, `${V2}/requests?${query({ filter: `requestedFor eq "${U.alice.id}"` })}`)).json();
    const item = listed.data.find((request: { id: string }) => request.id === id) as Record<string, unknown>;
    const sparse = documentedFields('request-sparse-2');
    expect(sparse).toContain('status');
    expect(sparse).not.toContain('requestApproval');
    // Every field of the read that the document lists sparsely, and nothing else.
    expect(Object.keys(item).sort()).toEqual(
      Object.keys(read)
        .filter((field) => sparse.includes(field))
        .sort(),
    );
  });

  it('lists tasks without completedBy (TaskSparse); a read of the task names who completed it', async () => {
    const { app } = await harness();
    const { id } = await submit(app, E.salesforceSalesUser.id, U.alice.id);
    const task = await openTask(app, id);
    expect((await resolve(app, task.id, 'APPROVED')).statusCode).toBe(200);
    const listed = (await tasksOf(app, id)).find((candidate) => candidate.id === task.id);
    expect(listed?.status).toBe('COMPLETED');
    expect(listed).not.toHaveProperty('completedBy');
    const read = (await get(app, `${V2}/tasks/${task.id}`)).json();
    expect(read.completedBy).toEqual({ type: 'OKTA_USER', externalId: U.service.id });
  });

  it('cancels with PATCH status CANCELED, and refuses once a task has been resolved', async () => {
    const { app } = await harness();
    const patch = (id: string, payload: unknown) =>
      app.inject({ method: 'PATCH', url: `${V2}/requests/${id}`, headers: AUTH, payload: payload as object });
    const first = await submit(app, E.salesforceSalesUser.id, U.alice.id);
    const cancelled = await patch(first.id, { status: 'CANCELED' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json().status).toBe('CANCELED');
    expect((await tasksOf(app, first.id)).every((task) => task.status !== 'OPEN')).toBe(true);

    const second = await submit(app, E.salesforceSalesUser.id, U.carol.id);
    await resolve(app, (await openTask(app, second.id)).id, 'APPROVED');
    expectOktaError(await patch(second.id, { status: 'CANCELED' }), 400, 'E0000001');
    expectOktaError(await patch(first.id, { status: 'APPROVED' }), 400, 'E0000001');
    expectOktaError(await patch('reqnothing00000000000', { status: 'CANCELED' }), 404, 'E0000007');
  });

  it('refuses a requester field value over 1,000 characters [request-field-value]', async () => {
    const { app } = await harness();
    const fields = await fieldsOf(app, E.zoomPro.id, U.alice.id);
    const text = fields.find((field) => field.type === 'TEXT');
    expect(text).toBeDefined();
    const body = (value: string) => requestBody(E.zoomPro.id, U.alice.id, [{ id: text?.id ?? '', value }]);
    expect((await post(app, `${V2}/requests`, body('x'.repeat(1000)))).statusCode).toBe(202);
    expectOktaError(await post(app, `${V2}/requests`, body('x'.repeat(1001))), 400, 'E0000001');
  });

  it('counts a value’s length in characters as JSON Schema does, so 1,000 emoji fit', async () => {
    const { app } = await harness();
    const fields = await fieldsOf(app, E.zoomPro.id, U.carol.id);
    const text = fields.find((field) => field.type === 'TEXT');
    const body = (value: string) => requestBody(E.zoomPro.id, U.carol.id, [{ id: text?.id ?? '', value }]);
    expectOktaError(await post(app, `${V2}/requests`, body('🚀'.repeat(1001))), 400, 'E0000001');
    expect((await post(app, `${V2}/requests`, body('🚀'.repeat(1000)))).statusCode).toBe(202);
  });

  it('keeps a real org’s budgets by default: 30 a minute on requests, 50 on the catalog', async () => {
    const { app } = await harness();
    const requests = await get(app, `${V2}/requests?limit=1`);
    expect(requests.headers['x-rate-limit-limit']).toBe('30');
    const catalog = await get(
      app,
      `${V2}/catalogs/default/user/${U.alice.id}/entries?${query({ filter: 'not(parent pr)' })}`,
    );
    expect(catalog.headers['x-rate-limit-limit']).toBe('50');
    for (let call = 1; call < 30; call += 1) expect((await get(app, `${V2}/requests?limit=1`)).statusCode).toBe(200);
    expectOktaError(await get(app, `${V2}/requests?limit=1`), 429, 'E0000047');
    expect(
      (await get(app, `${V2}/catalogs/default/user/${U.alice.id}/entries?${query({ filter: 'not(parent pr)' })}`))
        .statusCode,
    ).toBe(200);
  });
});

describe('faults', () => {
  it('answers an injected status, with Retry-After and rate-limit headers on 429, for the given times', async () => {
    const { app, org } = await harness();
    org.faults.add({
      method: 'GET',
      path: '/api/v1/users',
      kind: 'status',
      status: 429,
      retryAfterSeconds: 2,
      times: 2,
    });
    org.faults.add({ path: /^\/governance\/api\/v2\/requests/, kind: 'status', status: 503 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const limited = await get(app, '/api/v1/users');
      expectOktaError(limited, 429, 'E0000047');
      expect(limited.headers).toMatchObject({ 'retry-after': '2', 'x-rate-limit-remaining': '0' });
      expect(Number(limited.headers['x-rate-limit-reset'])).toBe(START / 1000 + 2);
    }
    expect((await get(app, '/api/v1/users')).statusCode).toBe(200);
    expectOktaError(await get(app, `${V2}/requests`), 503, 'E0000009');
    expect((await get(app, `${V2}/requests`)).statusCode).toBe(200);
    expect(org.faults.size).toBe(0);
  });

  it('delays, answers malformed JSON, and resets the connection', async () => {
    const { app, org } = await harness();
    org.faults.add({ kind: 'delay', ms: 60 });
    const started = performance.now();
    expect((await get(app, '/api/v1/users')).statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);

    org.faults.add({ kind: 'malformed' });
    const malformed = await get(app, `${V2}/requests`);
    expect(malformed.statusCode).toBe(200);
    expect(malformed.headers['content-type']).toMatch(/application\/json/);
    expect(() => JSON.parse(malformed.body)).toThrow();

    org.faults.add({ kind: 'reset' });
    await expect(get(app, `${V2}/requests`)).rejects.toThrow(/reset/);
    expect(org.calls.at(-1)).toEqual({ method: 'GET', path: `${V2}/requests`, status: 0 });
  });

  it('applies a write, then answers 500 (outcome unknown)', async () => {
    const { app, org } = await harness();
    org.faults.add({ kind: 'fail-after-write', status: 500, path: `${V2}/requests` });
    expect((await get(app, `${V2}/requests`)).statusCode).toBe(200); // reads never match
    const response = await post(app, `${V2}/requests`, requestBody(E.slackMember.id, U.alice.id));
    expectOktaError(response, 500, 'E0000009');
    expect(org.requests).toHaveLength(1);
    expect(org.calls.filter((call) => call.method === 'POST')).toEqual([
      { method: 'POST', path: `${V2}/requests`, status: 500 },
    ]);
  });
});

describe('over a real socket, mounted under a prefix', () => {
  let keys: Awaited<ReturnType<typeof generateKeyPair>>;

  beforeAll(async () => {
    keys = await generateKeyPair('RS256', { extractable: true });
  });

  async function listening() {
    const org = createOktaOrg();
    const app = Fastify();
    await app.register(sandboxPlugin, { prefix: '/sandbox', okta: org });
    opened.push(app);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/sandbox/okta`;
    return { org, base };
  }

  const assertion = (clientId: string, audience: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(crypto.randomUUID())
      .sign(keys.privateKey);

  const token = (base: string, jwt: string, scope: string) =>
    fetch(`${base}/oauth2/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      }),
    });

  it('serves SSWS calls with links that carry the host and prefix, and a reset drops the socket', async () => {
    const { org, base } = await listening();
    const response = await fetch(
      `${base}${V2}/catalogs/default/entries?${query({ filter: 'not(parent pr)', limit: 2 })}`,
      {
        headers: AUTH,
      },
    );
    expect(response.status).toBe(200);
    const page = catalogEntryList.parse(await response.json());
    expect(nextHref(page)).toMatch(new RegExp(`^${base}${V2}/catalogs/default/entries\\?`));
    expect(response.headers.get('link')).toContain('rel="next"');
    expect(org.calls[0]?.path).toBe(`${V2}/catalogs/default/entries`);

    org.faults.add({ kind: 'reset' });
    await expect(fetch(`${base}/api/v1/users`, { headers: AUTH })).rejects.toThrow();
  });

  it('issues OAuth tokens for a private_key_jwt client assertion, and enforces scopes', async () => {
    const { org, base } = await listening();
    const app = org.registerServiceApp({
      clientId: '0oagatehouse0000000',
      publicJwk: await exportJWK(keys.publicKey),
      scopes: ['okta.users.read', 'okta.accessRequests.request.manage'],
      name: 'Gatehouse',
    });
    const audience = `${base}/oauth2/v1/token`;

    const wrongAudience = await token(
      base,
      await assertion(app.clientId, 'https://acme.okta.com/oauth2/v1/token'),
      'okta.users.read',
    );
    expect(wrongAudience.status).toBe(401);
    expect(await wrongAudience.json()).toMatchObject({ error: 'invalid_client' });
    const unknown = await token(base, await assertion('0oastranger00000000', audience), 'okta.users.read');
    expect(unknown.status).toBe(401);
    const tooMuch = await token(base, await assertion(app.clientId, audience), 'okta.users.read okta.users.manage');
    expect(tooMuch.status).toBe(400);
    expect(await tooMuch.json()).toMatchObject({ error: 'invalid_scope' });

    const issued = await token(
      base,
      await assertion(app.clientId, audience),
      'okta.users.read okta.accessRequests.request.manage',
    );
    expect(issued.status).toBe(200);
    const body = (await issued.json()) as {
      token_type: string;
      expires_in: number;
      access_token: string;
      scope: string;
    };
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'okta.users.read okta.accessRequests.request.manage',
    });
    const bearer = { authorization: `Bearer ${body.access_token}` };

    expect((await fetch(`${base}/api/v1/users?limit=1`, { headers: bearer })).status).toBe(200);
    const forbidden = await fetch(`${base}${V2}/tasks`, { headers: bearer });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ errorCode: 'E0000006' });

    const create = (body: unknown) =>
      fetch(`${base}${V2}/requests`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // `requestedBy` defaults to "the admin user ID" and is a user ([target-principal]): a service
    // app, which is none, must say who asks.
    const unnamed = await create(requestBody(E.slackMember.id, U.alice.id));
    expect(unnamed.status).toBe(400);
    expect(await unnamed.json()).toMatchObject({
      errorCode: 'E0000001',
      errorCauses: [expect.objectContaining({ reason: 'REQUIRED_PROPERTY_MISSING', location: '/requestedBy' })],
    });
    const created = await create({
      ...requestBody(E.slackMember.id, U.alice.id),
      requestedBy: { type: 'OKTA_USER', externalId: U.alice.id },
    });
    expect(created.status).toBe(202);
    // The app is who created it; the person it names is who asked.
    expect(await created.json()).toMatchObject({
      createdBy: app.principalId,
      requestedBy: { type: 'OKTA_USER', externalId: U.alice.id },
    });
  });
});

describe('the end-user catalog page, where "Open in portal" goes', () => {
  it('answers the audited address under the sandbox with the page, not a 401, and counts no API call', async () => {
    const org = createOktaOrg();
    const app = Fastify();
    await app.register(sandboxPlugin, { prefix: '/sandbox', okta: org });
    opened.push(app);
    const request = org.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: E.zoomPro.id },
        requestedFor: { type: 'OKTA_USER', externalId: U.alice.id },
      },
      org.actorFor(U.alice.id),
    );

    const page = await app.inject({ method: 'GET', url: '/sandbox/okta/enduser/catalog' });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`<article id="${request.id}">`);
    expect(org.calls.filter((call) => call.path.startsWith('/enduser'))).toEqual([]);
  });

  it('shows a decided request with who decided each step, and escapes what people typed', async () => {
    const { app, org, clock } = await harness();
    const request = await submit(app, E.salesforceSalesUser.id, U.alice.id);
    org.settle();
    const [task] = org.findTasks((t) => t.requestId === request.id);
    org.resolveTaskAs(task?.id ?? '', U.bob.id, 'DENIED');
    clock.now += HOUR;
    org.postMessage(request.id, '"><script>steal()</script>', org.actorFor(U.bob.id));

    const page = (await app.inject({ method: 'GET', url: '/enduser/catalog' })).body;

    expect(page).toMatch(/: DENIED by Bob Martinez &lt;bob@[^<]*<\/li>/);
    expect(page).toContain(
      'Comment by Bob Martinez &lt;bob@acme.example&gt;: &quot;&gt;&lt;script&gt;steal()&lt;/script&gt;',
    );
    expect(page).not.toContain('<script>steal');
  });
});
