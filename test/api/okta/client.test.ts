import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OktaGovernance, type OktaGovernanceOptions } from '../../../src/api/okta/client.js';
import {
  GovernanceAuthFailed,
  GovernanceProtocolError,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../../../src/domain/errors.js';
import type { Principal } from '../../../src/domain/types.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import {
  ALICE_ID,
  authFailedBody,
  BOB_ID,
  ENTRY_ID,
  forbiddenBody,
  notFoundBody,
  ORG,
  oktaCatalogEntry,
  oktaCompletedTask,
  oktaError,
  oktaList,
  oktaParentEntry,
  oktaRequest,
  oktaRequestFields,
  oktaSparseRequest,
  oktaSubmittedRequest,
  oktaTask,
  oktaUser,
  PARENT_ENTRY_ID,
  REQUEST_ID,
  serverErrorBody,
  TASK_ID,
  without,
} from '../../fixtures/okta/index.js';

const V2 = '/governance/api/v2';
const JSON_HEADERS = { 'content-type': 'application/json' };
const REQUEST_PATH = `${V2}/requests/${REQUEST_ID}`;
const TASK_PATH = `${V2}/tasks/${TASK_ID}`;
const RESOLVE_PATH = `${TASK_PATH}/resolve`;
const MESSAGES_PATH = `${REQUEST_PATH}/messages`;
const FIELDS_PATH = `${V2}/catalogs/default/entries/${ENTRY_ID}/users/${ALICE_ID}/request-fields`;
const TASKS_OF_REQUEST = { filter: `requestId eq "${REQUEST_ID}"`, limit: '200' };

const alice: Principal = {
  id: ALICE_ID,
  email: 'alice@acme.example',
  displayName: 'Alice Nguyen',
  active: true,
};
const bob: Principal = { id: BOB_ID, email: 'bob@acme.example', displayName: 'Bob Okafor', active: true };

const PROFILES: Record<string, Record<string, unknown>> = {
  [ALICE_ID]: { firstName: 'Alice', lastName: 'Nguyen', login: 'alice@acme.example', email: 'alice@acme.example' },
  [BOB_ID]: { firstName: 'Bob', lastName: 'Okafor', login: 'bob@acme.example', email: 'bob@acme.example' },
};

function makeClient(overrides: Partial<OktaGovernanceOptions> = {}): OktaGovernance {
  return new OktaGovernance({
    orgUrl: ORG,
    auth: { kind: 'ssws', token: 'test-token' },
    timeoutMs: 200,
    baseBackoffMs: 5,
    maxRateLimitWaitMs: 2000,
    metrics: createMetrics(),
    ...overrides,
  });
}

/**
 * Look-ups a request's mapping makes on the side (people's names, the entry's name), answered for
 * as long as the test runs. Kept in their own scope so the scopes under test count exactly.
 */
function stubDirectory(): nock.Scope {
  return nock(ORG)
    .persist()
    .get(/^\/api\/v1\/users\/[^/?]+$/)
    .reply((uri) => {
      const id = uri.split('/').pop() ?? '';
      const profile = PROFILES[id];
      return profile ? [200, oktaUser({ id, profile }), JSON_HEADERS] : [404, notFoundBody(), JSON_HEADERS];
    })
    .get(/^\/governance\/api\/v2\/catalogs\/default\/entries\/[^/?]+$/)
    .reply((uri) => {
      const id = uri.split('/').pop();
      if (id === ENTRY_ID) return [200, oktaCatalogEntry(), JSON_HEADERS];
      if (id === PARENT_ENTRY_ID) return [200, oktaParentEntry(), JSON_HEADERS];
      return [404, notFoundBody(), JSON_HEADERS];
    });
}

/** Every request nock answered for this scope, as "METHOD /path" (no query), in order. */
function callsTo(scope: nock.Scope): string[] {
  const calls: string[] = [];
  scope.on('request', (req: { method: string; path: string }) => calls.push(`${req.method} ${req.path.split('?')[0]}`));
  return calls;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('OktaGovernance.decide when the resolve answer is lost', () => {
  it('reads the task back and resends once when Okta shows it still OPEN', async () => {
    stubDirectory();
    const resolveBodies: unknown[] = [];
    const flow = nock(ORG)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(RESOLVE_PATH, (body) => resolveBodies.push(body) > 0)
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(RESOLVE_PATH, (body) => resolveBodies.push(body) > 0)
      .reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS)
      .post(MESSAGES_PATH)
      .reply(201, '')
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'APPROVED', grantStatus: 'PENDING' }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaCompletedTask('APPROVED')], { path: `${V2}/tasks` }), JSON_HEADERS);
    const spare = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);
    const calls = callsTo(flow);

    const result = await makeClient().decide({
      requestId: REQUEST_ID,
      taskId: TASK_ID,
      approver: bob,
      decision: 'approve',
      via: 'Slack',
    });

    expect(calls.slice(0, 4)).toEqual([
      `GET ${TASK_PATH}`,
      `POST ${RESOLVE_PATH}`,
      `GET ${TASK_PATH}`,
      `POST ${RESOLVE_PATH}`,
    ]);
    // The note and the read back go at once; the request and its tasks are read at once.
    expect(calls.slice(4).sort()).toEqual([`GET ${V2}/tasks`, `GET ${REQUEST_PATH}`, `POST ${MESSAGES_PATH}`].sort());
    expect(resolveBodies).toEqual([{ value: 'APPROVED' }, { value: 'APPROVED' }]);
    expect(flow.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
    expect(result.status).toBe('approved');
    expect(result.steps[0]?.status).toBe('approved');
    expect(result.steps[0]?.decision?.by).toMatchObject({ id: BOB_ID, displayName: 'Bob Okafor' });
  });

  it('does not resend when Okta shows the task COMPLETED with the same value', async () => {
    stubDirectory();
    let note: unknown;
    const flow = nock(ORG)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(RESOLVE_PATH, { value: 'DENIED' })
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(TASK_PATH)
      .reply(200, oktaCompletedTask('DENIED'), JSON_HEADERS)
      .post(MESSAGES_PATH, (body) => {
        note = body;
        return true;
      })
      .reply(201, '')
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'DENIED', resolved: '2025-10-21T09:12:03Z' }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaCompletedTask('DENIED')], { path: `${V2}/tasks` }), JSON_HEADERS);
    const spare = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('DENIED'), JSON_HEADERS);
    const calls = callsTo(flow);

    const result = await makeClient().decide({
      requestId: REQUEST_ID,
      taskId: TASK_ID,
      approver: bob,
      decision: 'reject',
      reason: 'Not on the design team',
      via: 'Slack',
    });

    // The note and the read back go at once; the request and its tasks are read at once.
    expect(calls.slice(0, 3)).toEqual([`GET ${TASK_PATH}`, `POST ${RESOLVE_PATH}`, `GET ${TASK_PATH}`]);
    expect(calls.slice(3).sort()).toEqual([`GET ${V2}/tasks`, `GET ${REQUEST_PATH}`, `POST ${MESSAGES_PATH}`].sort());
    expect(flow.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
    expect(note).toEqual({ message: 'Rejected in Slack by Bob Okafor (bob@acme.example): Not on the design team' });
    expect(result.status).toBe('denied');
  });

  it('neither resends nor claims success when Okta shows the task COMPLETED with the other value', async () => {
    stubDirectory();
    const flow = nock(ORG)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(RESOLVE_PATH, { value: 'APPROVED' })
      .reply(502, 'Bad Gateway')
      .get(TASK_PATH)
      .reply(200, oktaCompletedTask('DENIED'), JSON_HEADERS);
    const spareResolve = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);
    const spareMessage = nock(ORG).post(MESSAGES_PATH).reply(201, '');

    const error = await rejectionOf(
      makeClient().decide({ requestId: REQUEST_ID, taskId: TASK_ID, approver: bob, decision: 'approve' }),
    );

    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
    expect(flow.isDone()).toBe(true);
    expect(spareResolve.isDone()).toBe(false);
    expect(spareMessage.isDone()).toBe(false);
  });

  // If the read-back fails too, the resolve's outcome is still unknown: never "Nothing was changed".
  it('still reports outcomeUnknown when the task cannot be read back', async () => {
    nock(ORG)
      .get(TASK_PATH)
      .reply(200, oktaTask(), JSON_HEADERS)
      .post(RESOLVE_PATH, { value: 'APPROVED' })
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(TASK_PATH)
      .times(3)
      .reply(503, serverErrorBody(), JSON_HEADERS);
    const spareResolve = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);

    const error = await rejectionOf(
      makeClient().decide({ requestId: REQUEST_ID, taskId: TASK_ID, approver: bob, decision: 'approve' }),
    );

    expect(spareResolve.isDone()).toBe(false);
    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
  });

  it('refuses to decide a task that is no longer open, without resolving', async () => {
    nock(ORG).get(TASK_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);
    const resolve = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);

    const error = await rejectionOf(
      makeClient().decide({ requestId: REQUEST_ID, taskId: TASK_ID, approver: bob, decision: 'approve' }),
    );

    expect(error).toBeInstanceOf(GovernanceRejected);
    expect((error as GovernanceRejected).status).toBe(409);
    expect(resolve.isDone()).toBe(false);
  });
});

describe('OktaGovernance.createRequest within Okta’s own limits', () => {
  const asked = { requester: alice, requestedFor: alice, entryId: ENTRY_ID };

  it('says a reason over 1,000 characters is too long for Okta before sending anything', async () => {
    nock(ORG).get(FIELDS_PATH).reply(200, oktaRequestFields(), JSON_HEADERS);
    const create = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeClient().createRequest({ ...asked, justification: 'x'.repeat(1001) }));

    expect((error as GovernanceRejected).userMessage).toMatch(/at most 1,000 characters; yours has 1,001/);
    expect(create.isDone()).toBe(false);
  });

  it('sends durations in the one-unit forms Okta takes, and says so for one it cannot take', async () => {
    let sent: unknown;
    nock(ORG)
      .get(FIELDS_PATH)
      .reply(200, oktaRequestFields(), JSON_HEADERS)
      .post(`${V2}/requests`, (body) => {
        sent = body;
        return true;
      })
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(`${V2}/requests`)
      .query(true)
      .reply(200, oktaList([]), JSON_HEADERS);
    // 72 hours is 3 days: P3D, the shortest exact form.
    await rejectionOf(makeClient().createRequest({ ...asked, justification: 'Audit', accessDuration: 'PT72H' }));
    expect(JSON.stringify(sent)).toContain('"value":"P3D"');

    nock(ORG).get(FIELDS_PATH).reply(200, oktaRequestFields(), JSON_HEADERS);
    const create = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    // Two and a half hours has no one-unit form of at most five characters (PT150M is six).
    const error = await rejectionOf(
      makeClient().createRequest({ ...asked, justification: 'Audit', accessDuration: 'PT2H30M' }),
    );
    expect((error as GovernanceRejected).userMessage).toMatch(/whole days .* hours .* minutes/);
    expect(create.isDone()).toBe(false);
  });
});

describe('an entry whose Okta form asks what chat cannot fill in', () => {
  it('is refused before sending, naming the field, with a link to request it in Okta instead of an address', async () => {
    const fields = oktaRequestFields();
    fields.data.push({ id: 'cost-center', type: 'SELECT', label: 'Cost center', required: true });
    nock(ORG).get(FIELDS_PATH).reply(200, fields, JSON_HEADERS);
    const create = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);

    const error = await rejectionOf(
      makeClient().createRequest({ requester: alice, requestedFor: alice, entryId: ENTRY_ID, justification: 'Audit' }),
    );

    expect(error).toBeInstanceOf(GovernanceRejected);
    const rejected = error as GovernanceRejected;
    expect(rejected.userMessage).toBe(
      'This item asks for "Cost center", which Gatehouse cannot fill in from chat yet. Request it in Okta.',
    );
    expect(rejected.userMessage).not.toContain('http');
    expect(rejected.link).toEqual({ label: 'Request in Okta', url: `${ORG}/enduser/catalog` });
    expect(create.isDone()).toBe(false);
  });
});

describe('an entry Okta does not let this person request (its answer is not documented in words)', () => {
  const ENTRY_PATH = `${V2}/catalogs/default/entries/${ENTRY_ID}`;
  // Okta's document lists 404 for request-fields; an org may as well answer 400 or 403.
  for (const [status, body] of [
    [404, notFoundBody()],
    [400, oktaError('E0000001', 'Api validation failed')],
    [403, authFailedBody()],
  ] as const) {
    it(`reads a ${status} on the person's request form as "not for you", not as Gatehouse's credentials failing`, async () => {
      nock(ORG)
        .get(ENTRY_PATH)
        .reply(200, oktaCatalogEntry(), JSON_HEADERS)
        .get(FIELDS_PATH)
        .reply(status, body, JSON_HEADERS);
      expect(await makeClient().getCatalogEntry(alice, ENTRY_ID)).toBeNull();

      nock(ORG).get(FIELDS_PATH).reply(status, body, JSON_HEADERS);
      const create = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
      const error = await rejectionOf(
        makeClient().createRequest({ requester: alice, requestedFor: alice, entryId: ENTRY_ID }),
      );
      expect(error).toBeInstanceOf(GovernanceRejected);
      expect((error as GovernanceRejected).userMessage).toMatch(/does not let you request this/);
      expect(create.isDone()).toBe(false);
    });
  }

  it("still reports Gatehouse's own credentials when the entry itself is refused too", async () => {
    nock(ORG)
      .get(ENTRY_PATH)
      .reply(403, authFailedBody(), JSON_HEADERS)
      .get(FIELDS_PATH)
      .reply(403, authFailedBody(), JSON_HEADERS);
    const error = await rejectionOf(makeClient().getCatalogEntry(alice, ENTRY_ID));
    expect(error).toBeInstanceOf(GovernanceAuthFailed);
  });
});

describe('OktaGovernance.createRequest when the create answer is lost', () => {
  const input = {
    requester: alice,
    requestedFor: alice,
    entryId: ENTRY_ID,
    justification: 'Design review for Q3 launch',
    accessDuration: 'P2D',
  };

  function lostCreate(options: { failure: 'status500' | 'hang'; landed: boolean }) {
    let listQuery: Record<string, unknown> | undefined;
    const posted: unknown[] = [];
    const flow = nock(ORG).get(FIELDS_PATH).reply(200, oktaRequestFields(), JSON_HEADERS);
    const firstPost = flow.post(`${V2}/requests`, (body) => posted.push(body) > 0);
    if (options.failure === 'hang') firstPost.delay(1000).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    else firstPost.reply(500, serverErrorBody(), JSON_HEADERS);
    flow
      .get(`${V2}/requests`)
      .query((query) => {
        listQuery = query;
        return true;
      })
      .reply(
        200,
        oktaList(
          options.landed
            ? [
                // Someone else's older request for another entry, then the one we created.
                oktaSubmittedRequest({ id: 'req0ther0000000000001', requested: { entryId: 'cen0therEntry0000001' } }),
                oktaSubmittedRequest(),
              ]
            : [],
        ),
        JSON_HEADERS,
      );
    return { flow, posted, listQuery: () => listQuery };
  }

  function readBack(status = 'PENDING') {
    return nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaTask()], { path: `${V2}/tasks` }), JSON_HEADERS);
  }

  it('lists requests after a 500 and, finding the created one, does not POST again', async () => {
    stubDirectory();
    const lost = lostCreate({ failure: 'status500', landed: true });
    const read = readBack();
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));
    const calls = callsTo(lost.flow);

    const created = await makeClient().createRequest(input);

    expect(calls).toEqual([`GET ${FIELDS_PATH}`, `POST ${V2}/requests`, `GET ${V2}/requests`]);
    expect(lost.flow.isDone()).toBe(true);
    expect(read.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
    expect(lost.posted).toHaveLength(1);
    expect(lost.posted[0]).toEqual({
      requested: { type: 'CATALOG_ENTRY', entryId: ENTRY_ID },
      requestedFor: { type: 'OKTA_USER', externalId: ALICE_ID },
      requestedBy: { type: 'OKTA_USER', externalId: ALICE_ID },
      requesterFieldValues: [
        { id: 'bb9da40d-9c1b-41c6-8016-edfd010b02d2', value: 'Design review for Q3 launch' },
        { id: 'ACCESS_DURATION', value: 'P2D' },
      ],
    });
    const filter = String(lost.listQuery()?.filter);
    expect(filter).toContain(`requestedFor eq "${ALICE_ID}"`);
    expect(filter).toMatch(/lastUpdated gt "\d{4}-\d\d-\d\dT/);
    expect(created.id).toBe(REQUEST_ID);
    expect(created.status).toBe('pending');
    expect(created.entry).toEqual({ id: ENTRY_ID, name: 'Figma Editor' });
    expect(created.steps).toHaveLength(1);
  });

  it('POSTs once more when the check finds nothing was created', async () => {
    stubDirectory();
    const lost = lostCreate({ failure: 'status500', landed: false });
    const resend = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const read = readBack();
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));

    const created = await makeClient().createRequest(input);

    expect(lost.flow.isDone()).toBe(true);
    expect(resend.isDone()).toBe(true);
    expect(read.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
    expect(created.id).toBe(REQUEST_ID);
  });

  it('checks first after a hung POST and does not POST again when the request landed', async () => {
    stubDirectory();
    const lost = lostCreate({ failure: 'hang', landed: true });
    const read = readBack();
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));

    const created = await makeClient().createRequest(input);

    expect(lost.flow.isDone()).toBe(true);
    expect(read.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
    expect(lost.posted).toHaveLength(1);
    expect(created.id).toBe(REQUEST_ID);
  });

  // If the check-first list fails too, the create's outcome is still unknown: never "Nothing was changed".
  it('still reports outcomeUnknown when the check-first list fails', async () => {
    nock(ORG)
      .get(FIELDS_PATH)
      .reply(200, oktaRequestFields(), JSON_HEADERS)
      .post(`${V2}/requests`)
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(`${V2}/requests`)
      .query(true)
      .times(3)
      .reply(503, serverErrorBody(), JSON_HEADERS);
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));

    const error = await rejectionOf(makeClient().createRequest(input));

    expect(spare.isDone()).toBe(false);
    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
  });

  it('retries a 429 on create once, without listing first', async () => {
    stubDirectory();
    const flow = nock(ORG)
      .get(FIELDS_PATH)
      .reply(200, oktaRequestFields(), JSON_HEADERS)
      .post(`${V2}/requests`)
      .reply(429, oktaError('E0000047', 'API call exceeded rate limit due to too many requests.'), {
        ...JSON_HEADERS,
        'Retry-After': '0',
      })
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const read = readBack();
    const list = nock(ORG).get(`${V2}/requests`).query(true).reply(200, oktaList([]), JSON_HEADERS);
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));

    const created = await makeClient().createRequest(input);

    expect(created.id).toBe(REQUEST_ID);
    expect(flow.isDone()).toBe(true);
    expect(read.isDone()).toBe(true);
    expect(list.isDone()).toBe(false);
    expect(spare.isDone()).toBe(false);
  });

  it('surfaces 400 E0000001 as GovernanceRejected with the cause, without checking or resending', async () => {
    nock(ORG).get(FIELDS_PATH).reply(200, oktaRequestFields(), JSON_HEADERS);
    nock(ORG)
      .post(`${V2}/requests`)
      .reply(
        400,
        oktaError('E0000001', 'Api validation failed: requesterFieldValues', [
          {
            errorSummary: 'accessDuration must be at most P4D',
            reason: 'INVALID_ENUM_VALUE',
            location: '/requesterFieldValues/1/value',
            locationType: 'body',
            domain: 'governance',
          },
        ]),
        JSON_HEADERS,
      );
    const list = nock(ORG).get(`${V2}/requests`).query(true).reply(200, oktaList([]), JSON_HEADERS);
    const spare = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeClient().createRequest({ ...input, accessDuration: 'P7D' }));

    expect(error).toBeInstanceOf(GovernanceRejected);
    expect((error as GovernanceRejected).userMessage).toBe('accessDuration must be at most P4D');
    expect((error as GovernanceRejected).vendorCode).toBe('E0000001');
    expect(list.isDone()).toBe(false);
    expect(spare.isDone()).toBe(false);
  });
});

describe('OktaGovernance reads', () => {
  it('returns null from getRequest on 404 E0000007, without retrying', async () => {
    const scope = nock(ORG).get(REQUEST_PATH).reply(404, notFoundBody(), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    expect(await makeClient().getRequest(REQUEST_ID)).toBeNull();
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('maps a pending request with its approval step and people', async () => {
    stubDirectory();
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaTask()], { path: `${V2}/tasks` }), JSON_HEADERS);

    const request = await makeClient().getRequest(REQUEST_ID);

    expect(request).toMatchObject({
      id: REQUEST_ID,
      status: 'pending',
      requestedFor: { id: ALICE_ID, displayName: 'Alice Nguyen', email: 'alice@acme.example' },
      requester: { id: ALICE_ID },
      entry: { id: ENTRY_ID, name: 'Figma Editor' },
      justification: 'Design review for Q3 launch',
      portalUrl: `${ORG}/enduser/catalog`,
    });
    expect(request?.steps).toEqual([
      {
        index: 1,
        taskId: TASK_ID,
        name: 'Manager approval',
        status: 'pending',
        // The task's creation: when the step started waiting (reminders count from it).
        startedAt: '2025-10-20T21:29:49Z',
        approvers: [{ id: BOB_ID, displayName: 'Bob Okafor', email: 'bob@acme.example' }],
        decision: undefined,
      },
    ]);
  });

  it('throws GovernanceProtocolError naming status when a request lacks it', async () => {
    nock(ORG).get(REQUEST_PATH).reply(200, without(oktaRequest(), 'status'), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeClient().getRequest(REQUEST_ID));

    expect(error).toBeInstanceOf(GovernanceProtocolError);
    expect(error.message).toMatch(/\bstatus\b/);
    expect(spare.isDone()).toBe(false);
  });

  it("throws GovernanceProtocolError naming status for status 'WEIRD'", async () => {
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'WEIRD' }), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeClient().getRequest(REQUEST_ID));

    expect(error).toBeInstanceOf(GovernanceProtocolError);
    expect(error.message).toMatch(/\bstatus\b/);
    expect(spare.isDone()).toBe(false);
  });

  it('surfaces 401 E0000004 and 403 E0000006 as GovernanceAuthFailed, not as "not found"', async () => {
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(401, authFailedBody(), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(403, forbiddenBody(), JSON_HEADERS);
    const client = makeClient();

    const unauthenticated = await rejectionOf(client.getRequest(REQUEST_ID));
    const forbidden = await rejectionOf(client.getRequest(REQUEST_ID));

    expect(unauthenticated).toBeInstanceOf(GovernanceAuthFailed);
    expect((unauthenticated as GovernanceAuthFailed).vendorCode).toBe('E0000004');
    expect(forbidden).toBeInstanceOf(GovernanceAuthFailed);
    expect((forbidden as GovernanceAuthFailed).vendorCode).toBe('E0000006');
  });

  it('counts a retried read in gatehouse_governance_retries_total', async () => {
    stubDirectory();
    const metrics: Metrics = createMetrics();
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'APPROVED', grantStatus: 'GRANTED' }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaCompletedTask('APPROVED')], { path: `${V2}/tasks` }), JSON_HEADERS);
    const read = async () => metrics.registry.getSingleMetricAsString('gatehouse_governance_retries_total');
    const count = (text: string) =>
      text
        .split('\n')
        .filter(
          (line) => line.startsWith('gatehouse_governance_retries_total{') && line.includes('operation="getRequest"'),
        )
        .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    const before = count(await read());

    const request = await makeClient({ metrics }).getRequest(REQUEST_ID);

    expect(request?.status).toBe('approved');
    expect(count(await read()) - before).toBe(1);
  });
});

describe('OktaGovernance.getRequest: what Okta lists sparsely', () => {
  it('reads who decided a completed step from the task itself, once: the task list carries no completedBy', async () => {
    stubDirectory();
    const { completedBy: _listed, ...sparse } = oktaCompletedTask('APPROVED');
    const reads = nock(ORG)
      .get(REQUEST_PATH)
      .times(2)
      .reply(200, oktaRequest({ status: 'APPROVED', grantStatus: 'GRANTED' }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .times(2)
      .reply(200, oktaList([sparse], { path: `${V2}/tasks` }), JSON_HEADERS);
    const taskRead = nock(ORG).get(TASK_PATH).once().reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);
    const client = makeClient();

    const first = await client.getRequest(REQUEST_ID);
    const again = await client.getRequest(REQUEST_ID);

    for (const request of [first, again]) {
      expect(request?.steps[0]?.status).toBe('approved');
      expect(request?.steps[0]?.decision?.by.id).toBe(BOB_ID);
      expect(request?.steps[0]?.decision?.at).toBe('2025-10-21T09:12:03Z');
    }
    // A completed task never changes: read once, then kept.
    expect(taskRead.isDone()).toBe(true);
    expect(reads.isDone()).toBe(true);
  });
});

describe("Okta's Tasks API page size (a default of 20 documented, no maximum)", () => {
  const filter = `requestId eq "${REQUEST_ID}"`;

  it('asks without limit once the org refuses 200 a page, follows the cursor, and remembers', async () => {
    stubDirectory();
    const refused = nock(ORG)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(400, oktaError('E0000001', 'Api validation failed: limit'), JSON_HEADERS);
    const pages = nock(ORG)
      .get(REQUEST_PATH)
      .times(2)
      .reply(200, oktaRequest(), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query({ filter })
      .times(2)
      .reply(
        200,
        oktaList([oktaTask()], { path: `${V2}/tasks`, next: `${ORG}${V2}/tasks?after=page2&filter=x` }),
        JSON_HEADERS,
      )
      .get(`${V2}/tasks`)
      .query({ filter, after: 'page2' })
      .times(2)
      .reply(200, oktaList([], { path: `${V2}/tasks` }), JSON_HEADERS);

    const client = makeClient();
    const first = await client.getRequest(REQUEST_ID);
    expect(first?.steps).toHaveLength(1);
    expect(first?.steps[0]?.status).toBe('pending');
    // The next read goes straight to the org's own page size.
    expect((await client.getRequest(REQUEST_ID))?.steps).toHaveLength(1);
    expect(refused.isDone()).toBe(true);
    expect(pages.isDone()).toBe(true);
  });
});

describe('OktaGovernance.listRequests pagination', () => {
  const approved = { status: 'APPROVED', grantStatus: 'GRANTED' } as const;
  function listAnswer(link: string | undefined, next?: string) {
    return [
      200,
      oktaList([oktaSparseRequest(approved)], { next }),
      { ...JSON_HEADERS, ...(link ? { Link: link } : {}) },
    ] as const;
  }
  /** Okta's list items are sparse: the reason shown comes from a read of the request itself. */
  function fullRead() {
    return nock(ORG).get(`${V2}/requests/${REQUEST_ID}`).reply(200, oktaRequest(approved), JSON_HEADERS);
  }

  it('returns the cursor from a Link rel="next" header', async () => {
    stubDirectory();
    fullRead();
    nock(ORG)
      .get(`${V2}/requests`)
      .query({ limit: '1', orderBy: 'created desc' })
      .reply(
        ...listAnswer(
          `<${ORG}/governance/api/v2/requests?limit=1>; rel="self", <https://acme.okta.com/governance/api/v2/requests?limit=1&after=req123>; rel="next"`,
        ),
      );

    const page = await makeClient().listRequests({ limit: 1 });

    expect(page.cursor).toBe('req123');
    expect(page.items.map((item) => item.id)).toEqual([REQUEST_ID]);
    expect(page.items[0]?.status).toBe('approved');
    expect(page.items[0]?.justification).toBe('Design review for Q3 launch');
  });

  it('returns the cursor from _links.next.href in the body', async () => {
    stubDirectory();
    fullRead();
    nock(ORG)
      .get(`${V2}/requests`)
      .query({ limit: '1', orderBy: 'created desc' })
      .reply(
        ...listAnswer(
          `<${ORG}/governance/api/v2/requests?limit=1>; rel="self"`,
          'https://acme.okta.com/governance/api/v2/requests?limit=1&after=req123',
        ),
      );

    const page = await makeClient().listRequests({ limit: 1 });

    expect(page.cursor).toBe('req123');
  });

  it('sends the cursor back as after= and filters by person and status', async () => {
    stubDirectory();
    fullRead();
    const scope = nock(ORG)
      .get(`${V2}/requests`)
      .query({
        filter: `requestedFor eq "${ALICE_ID}" AND status eq "APPROVED"`,
        limit: '1',
        after: 'req123',
        orderBy: 'created desc',
      })
      .reply(...listAnswer(undefined));

    const page = await makeClient().listRequests({
      requestedFor: ALICE_ID,
      status: ['approved'],
      cursor: 'req123',
      limit: 1,
    });

    expect(scope.isDone()).toBe(true);
    expect(page.cursor).toBeUndefined();
  });
});

describe('OktaGovernance mapping sanity', () => {
  it('searches users by exact email and drops near matches', async () => {
    let authorization: unknown;
    nock(ORG)
      .get('/api/v1/users')
      .query({ search: 'profile.email eq "alice@acme.example"', limit: '10' })
      .reply(function () {
        authorization = this.req.headers.authorization;
        return [
          200,
          [
            oktaUser(),
            oktaUser({
              id: '00u9malice0000000001',
              profile: {
                firstName: 'Mal',
                lastName: 'Ice',
                login: 'malice@acme.example',
                email: 'malice@acme.example',
              },
            }),
            oktaUser({
              id: '00u9alice20000000002',
              profile: { login: 'alice@acme.example.org', email: 'alice@acme.example.org' },
            }),
          ],
          JSON_HEADERS,
        ];
      });

    const found = await makeClient().findPrincipalsByEmail('alice@acme.example');

    expect(authorization).toBe('SSWS test-token');
    expect(found).toEqual([
      {
        id: ALICE_ID,
        email: 'alice@acme.example',
        displayName: 'Alice Nguyen',
        login: 'alice@acme.example',
        managerId: undefined,
        active: true,
      },
    ]);
  });

  it('matches emails case-insensitively and escapes quotes in the search', async () => {
    const scope = nock(ORG)
      .get('/api/v1/users')
      .query({ search: 'profile.email eq "o\\"brien@acme.example"', limit: '10' })
      .reply(200, [], JSON_HEADERS)
      .get('/api/v1/users')
      .query({ search: 'profile.email eq "Alice@ACME.example"', limit: '10' })
      .reply(200, [oktaUser()], JSON_HEADERS);
    const client = makeClient();

    expect(await client.findPrincipalsByEmail('o"brien@acme.example')).toEqual([]);
    expect((await client.findPrincipalsByEmail('Alice@ACME.example')).map((p) => p.id)).toEqual([ALICE_ID]);
    expect(scope.isDone()).toBe(true);
  });

  it('cancels with PATCH status CANCELED (updaterequestv2) and notes who cancelled', async () => {
    stubDirectory();
    let patched: unknown;
    let noted: unknown;
    nock(ORG)
      .patch(`${V2}/requests/${REQUEST_ID}`, (body) => {
        patched = body;
        return true;
      })
      .reply(200, oktaRequest({ status: 'CANCELED' }), JSON_HEADERS)
      .post(`${V2}/requests/${REQUEST_ID}/messages`, (body) => {
        noted = body;
        return true;
      })
      .reply(201)
      .get(`${V2}/requests/${REQUEST_ID}`)
      .reply(200, oktaRequest({ status: 'CANCELED' }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(true)
      .reply(200, oktaList([], { path: `${V2}/tasks` }), JSON_HEADERS);

    const cancelled = await makeClient().cancel({ requestId: REQUEST_ID, by: alice, reason: 'no longer needed' });

    expect(patched).toEqual({ status: 'CANCELED' });
    expect(cancelled.status).toBe('canceled');
    expect((noted as { message: string }).message).toMatch(/Cancelled by Alice.*no longer needed/);
  });

  it('says plainly that a request with a decided step can no longer be cancelled', async () => {
    nock(ORG)
      .patch(`${V2}/requests/${REQUEST_ID}`)
      .reply(400, oktaError('E0000001', 'Api validation failed: status'), JSON_HEADERS);

    const error = await rejectionOf(makeClient().cancel({ requestId: REQUEST_ID, by: alice }));

    expect(error).toBeInstanceOf(GovernanceRejected);
    expect((error as GovernanceRejected).userMessage).toMatch(/already been decided/);
    expect((error as GovernanceRejected).link).toEqual({ label: 'Open Okta', url: `${ORG}/enduser/catalog` });
  });
});

describe('a write Okta took, then a read back the rate limit refuses', () => {
  const RATE_LIMITED = { 'content-type': 'application/json', 'retry-after': '120' };

  /** The read a flow makes first (who may act), answered with the request pending on its one task. */
  async function readPending(client: OktaGovernance): Promise<void> {
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'PENDING' }), JSON_HEADERS)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaTask()], { path: `${V2}/tasks` }), JSON_HEADERS);
    await client.getRequest(REQUEST_ID);
  }

  it('tells the requester the request was made, as Okta answered it, and creates it once', async () => {
    stubDirectory();
    nock(ORG).get(FIELDS_PATH).reply(200, oktaRequestFields(), JSON_HEADERS);
    const create = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));
    nock(ORG).get(REQUEST_PATH).reply(429, oktaError('E0000047', 'API call exceeded rate limit'), RATE_LIMITED);
    nock(ORG)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaTask()], { path: `${V2}/tasks` }), JSON_HEADERS);

    const created = await makeClient().createRequest({ requester: alice, requestedFor: alice, entryId: ENTRY_ID });

    expect(created).toMatchObject({ id: REQUEST_ID, status: 'submitted' });
    expect(create.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('tells the approver the step is decided, with the task as Okta answered it, however long the resolve waited', async () => {
    stubDirectory();
    const clock = { ahead: 0 };
    const client = makeClient({ now: () => Date.now() + clock.ahead });
    // The read that re-checks who may decide, as a click makes it.
    await readPending(client);
    // The resolve waits on the budget longer than a read stays at hand.
    const resolve = nock(ORG)
      .post(RESOLVE_PATH)
      .reply(() => {
        clock.ahead += 15_000;
        return [200, oktaCompletedTask('APPROVED'), JSON_HEADERS];
      });
    nock(ORG).post(MESSAGES_PATH).reply(201, '');
    nock(ORG).get(REQUEST_PATH).reply(429, oktaError('E0000047', 'API call exceeded rate limit'), RATE_LIMITED);
    nock(ORG)
      .get(`${V2}/tasks`)
      .query(TASKS_OF_REQUEST)
      .reply(200, oktaList([oktaCompletedTask('APPROVED')], { path: `${V2}/tasks` }), JSON_HEADERS);

    const decided = await client.decide({ requestId: REQUEST_ID, taskId: TASK_ID, approver: bob, decision: 'approve' });

    expect(resolve.isDone()).toBe(true);
    expect(decided.steps.find((step) => step.taskId === TASK_ID)?.decision).toMatchObject({ decision: 'approve' });
  });

  it('tells the author the comment is posted, however long the post waited on the budget', async () => {
    stubDirectory();
    const clock = { ahead: 0 };
    const client = makeClient({ now: () => Date.now() + clock.ahead });
    await readPending(client);
    const posted = nock(ORG)
      .post(MESSAGES_PATH)
      .reply(() => {
        clock.ahead += 15_000;
        return [201, ''];
      });
    nock(ORG).get(REQUEST_PATH).reply(429, oktaError('E0000047', 'API call exceeded rate limit'), RATE_LIMITED);

    const after = await client.comment({ requestId: REQUEST_ID, author: bob, text: 'Looks right', via: 'Slack' });

    expect(posted.isDone()).toBe(true);
    expect(after.id).toBe(REQUEST_ID);
  });
});
