import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OktaHttp, type OktaHttpOptions } from '../../../src/api/okta/http.js';
import { accessRequest, accessRequestList, ignored, task } from '../../../src/api/okta/wire.js';
import type { OktaAuth } from '../../../src/config.js';
import {
  GovernanceAuthFailed,
  GovernanceProtocolError,
  GovernanceRateLimited,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../../../src/domain/errors.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import {
  ALICE_ID,
  authFailedBody,
  ENTRY_ID,
  forbiddenBody,
  ORG,
  oktaCompletedTask,
  oktaError,
  oktaList,
  oktaRequest,
  oktaSubmittedRequest,
  REQUEST_ID,
  rateLimitedBody,
  serverErrorBody,
  TASK_ID,
  without,
} from '../../fixtures/okta/index.js';

const V2 = '/governance/api/v2';
const REQUEST_PATH = `${V2}/requests/${REQUEST_ID}`;
const RESOLVE_PATH = `${V2}/tasks/${TASK_ID}/resolve`;
const JSON_HEADERS = { 'content-type': 'application/json' };
const SSWS: OktaAuth = { kind: 'ssws', token: 'test-token' };

const CREATE_BODY = {
  requested: { type: 'CATALOG_ENTRY', entryId: ENTRY_ID },
  requestedFor: { type: 'OKTA_USER', externalId: ALICE_ID },
  requestedBy: { type: 'OKTA_USER', externalId: ALICE_ID },
  requesterFieldValues: [{ id: 'bb9da40d-9c1b-41c6-8016-edfd010b02d2', value: 'Design review' }],
};

function makeHttp(overrides: Partial<OktaHttpOptions> = {}): OktaHttp {
  return new OktaHttp({
    orgUrl: ORG,
    auth: SSWS,
    timeoutMs: 200,
    baseBackoffMs: 5,
    maxRateLimitWaitMs: 2000,
    metrics: createMetrics(),
    ...overrides,
  });
}

/** Every request nock answered for this scope, as "METHOD /path?query", in order. */
function callsTo(scope: nock.Scope): string[] {
  const calls: string[] = [];
  scope.on('request', (req: { method: string; path: string }) => calls.push(`${req.method} ${req.path}`));
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

/** Epoch seconds at least one second from now (Okta's X-Rate-Limit-Reset is whole seconds). */
function resetAboutOneSecondAhead(): number {
  return Math.ceil((Date.now() + 1000) / 1000);
}

function retriesCounted(text: string, operation: string, reason?: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('gatehouse_governance_retries_total{')) continue;
    if (!line.includes(`operation="${operation}"`)) continue;
    if (reason && !line.includes(`reason="${reason}"`)) continue;
    total += Number(line.split(' ').pop());
  }
  return total;
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  // A clock a test moved (Date.now) goes back to real time.
  vi.restoreAllMocks();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('OktaHttp rate limits', () => {
  it('retries a GET answered 429 with Retry-After: 1 after about a second', async () => {
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'Retry-After': '1' })
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);
    const calls = callsTo(scope);

    const started = Date.now();
    const { body } = await makeHttp().get('getRequest', REQUEST_PATH, accessRequest);
    const elapsed = Date.now() - started;

    expect(body.id).toBe(REQUEST_ID);
    expect(body.status).toBe('PENDING');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(1900);
    expect(calls).toEqual([`GET ${REQUEST_PATH}`, `GET ${REQUEST_PATH}`]);
    expect(scope.isDone()).toBe(true);
  });

  it('honours X-Rate-Limit-Reset on a 429 that has no Retry-After', async () => {
    const reset = resetAboutOneSecondAhead();
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'X-Rate-Limit-Reset': String(reset) })
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);

    const started = Date.now();
    const { body } = await makeHttp().get('getRequest', REQUEST_PATH, accessRequest);
    const elapsed = Date.now() - started;

    expect(body.id).toBe(REQUEST_ID);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    // Not before the window resets: Reset is whole seconds, so compare against it.
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000 - 50);
    expect(scope.isDone()).toBe(true);
  });

  it('takes the wait of a 429 from X-Rate-Limit-Reset when there is no Retry-After', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 60;
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'X-Rate-Limit-Reset': String(reset) });

    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceRateLimited);
    const expected = reset * 1000 - Date.now();
    expect((error as GovernanceRateLimited).retryAfterMs).toBeGreaterThan(expected - 1000);
    expect((error as GovernanceRateLimited).retryAfterMs).toBeLessThanOrEqual(expected + 1000);
  });

  it('surfaces a 429 whose wait exceeds maxRateLimitWaitMs as GovernanceRateLimited without sleeping', async () => {
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'Retry-After': '30' });
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const started = Date.now();
    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(GovernanceRateLimited);
    expect((error as GovernanceRateLimited).retryAfterMs).toBe(30_000);
    expect((error as GovernanceRateLimited).operation).toBe('getRequest');
    expect(elapsed).toBeLessThan(500);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('retries a POST create answered 429 exactly once more (Okta did nothing)', async () => {
    const scope = nock(ORG)
      .post(`${V2}/requests`, CREATE_BODY)
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'Retry-After': '0' })
      .post(`${V2}/requests`, CREATE_BODY)
      .reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE0000000' }));
    const calls = callsTo(scope);

    const { body } = await makeHttp().send('createRequest', 'POST', `${V2}/requests`, accessRequest, CREATE_BODY);

    expect(body.id).toBe(REQUEST_ID);
    expect(body.status).toBe('SUBMITTED');
    expect(calls).toEqual([`POST ${V2}/requests`, `POST ${V2}/requests`]);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('retries a task resolve answered 429 exactly once more', async () => {
    const scope = nock(ORG)
      .post(RESOLVE_PATH, { value: 'APPROVED' })
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'Retry-After': '0' })
      .post(RESOLVE_PATH, { value: 'APPROVED' })
      .reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);
    const spare = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);
    const calls = callsTo(scope);

    const { body } = await makeHttp().send('decide', 'POST', RESOLVE_PATH, task, { value: 'APPROVED' });

    expect(body.status).toBe('COMPLETED');
    expect(calls).toHaveLength(2);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('holds the next call until X-Rate-Limit-Reset after a success that left X-Rate-Limit-Remaining: 0', async () => {
    const reset = resetAboutOneSecondAhead();
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), {
        ...JSON_HEADERS,
        'X-Rate-Limit-Limit': '30',
        'X-Rate-Limit-Remaining': '0',
        'X-Rate-Limit-Reset': String(reset),
      })
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'APPROVED' }), {
        ...JSON_HEADERS,
        'X-Rate-Limit-Limit': '30',
        'X-Rate-Limit-Remaining': '29',
        'X-Rate-Limit-Reset': String(reset + 60),
      });
    const http = makeHttp();

    const firstStarted = Date.now();
    await http.get('getRequest', REQUEST_PATH, accessRequest);
    expect(Date.now() - firstStarted).toBeLessThan(500);

    const started = Date.now();
    const { body } = await http.get('getRequest', REQUEST_PATH, accessRequest);
    const elapsed = Date.now() - started;

    expect(body.status).toBe('APPROVED');
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000 - 50);
    expect(scope.isDone()).toBe(true);
  });

  it('does not hold the next call when X-Rate-Limit-Remaining is above zero', async () => {
    const headers = {
      ...JSON_HEADERS,
      'X-Rate-Limit-Limit': '30',
      'X-Rate-Limit-Remaining': '29',
      'X-Rate-Limit-Reset': String(Math.ceil(Date.now() / 1000) + 30),
    };
    nock(ORG).get(REQUEST_PATH).twice().reply(200, oktaRequest(), headers);
    const http = makeHttp();

    const started = Date.now();
    await http.get('getRequest', REQUEST_PATH, accessRequest);
    await http.get('getRequest', REQUEST_PATH, accessRequest);

    expect(Date.now() - started).toBeLessThan(500);
  });

  it('fails fast with GovernanceRateLimited when the window resets later than maxRateLimitWaitMs', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 60;
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), {
        ...JSON_HEADERS,
        'X-Rate-Limit-Remaining': '0',
        'X-Rate-Limit-Reset': String(reset),
      });
    const untouched = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);
    const http = makeHttp();
    await http.get('getRequest', REQUEST_PATH, accessRequest);

    const started = Date.now();
    const error = await rejectionOf(http.get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceRateLimited);
    expect((error as GovernanceRateLimited).retryAfterMs).toBeGreaterThan(2000);
    expect(Date.now() - started).toBeLessThan(500);
    expect(untouched.isDone()).toBe(false);
  });
});

describe('OktaHttp server errors', () => {
  it('retries a GET answered 500 up to maxAttempts (3 calls), then throws GovernanceUnavailable', async () => {
    const scope = nock(ORG).get(REQUEST_PATH).times(3).reply(500, serverErrorBody(), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);
    const calls = callsTo(scope);

    const error = await rejectionOf(makeHttp({ maxAttempts: 3 }).get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(false);
    expect((error as GovernanceUnavailable).operation).toBe('getRequest');
    expect(error.message).toContain('E0000009');
    expect(calls).toHaveLength(3);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('succeeds when a 500 on a GET is followed by a 200', async () => {
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);

    const { body } = await makeHttp().get('getRequest', REQUEST_PATH, accessRequest);

    expect(body.id).toBe(REQUEST_ID);
    expect(scope.isDone()).toBe(true);
  });

  it('retries a 503 and a reset connection on a GET', async () => {
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(503, 'Service Unavailable')
      .get(REQUEST_PATH)
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);

    const { body } = await makeHttp().get('getRequest', REQUEST_PATH, accessRequest);

    expect(body.id).toBe(REQUEST_ID);
    expect(scope.isDone()).toBe(true);
  });

  it('does not retry a write answered 500 and reports outcomeUnknown', async () => {
    const scope = nock(ORG).post(RESOLVE_PATH).reply(500, serverErrorBody(), JSON_HEADERS);
    const spare = nock(ORG).post(RESOLVE_PATH).reply(200, oktaCompletedTask('APPROVED'), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().send('decide', 'POST', RESOLVE_PATH, ignored, { value: 'APPROVED' }));

    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('counts retries in gatehouse_governance_retries_total', async () => {
    const metrics: Metrics = createMetrics();
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(500, serverErrorBody(), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(429, rateLimitedBody(), { ...JSON_HEADERS, 'Retry-After': '0' })
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);
    const before = retriesCounted(
      await metrics.registry.getSingleMetricAsString('gatehouse_governance_retries_total'),
      'getRequest',
    );

    await makeHttp({ metrics }).get('getRequest', REQUEST_PATH, accessRequest);

    const text = await metrics.registry.getSingleMetricAsString('gatehouse_governance_retries_total');
    expect(before).toBe(0);
    expect(retriesCounted(text, 'getRequest')).toBe(2);
    expect(retriesCounted(text, 'getRequest', 'rate_limited')).toBe(1);
    expect(text).toContain('provider="okta"');
  });
});

describe('OktaHttp unreadable answers', () => {
  it('throws GovernanceProtocolError on a truncated JSON body and does not retry', async () => {
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, '{"id":"reqp1pmpjhVdGEcVK1d5","created":"2025-10-20T21:29:46Z","stat', JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceProtocolError);
    expect(error.message).toMatch(/malformed JSON/i);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('names the missing field when a request has no status, and does not retry', async () => {
    nock(ORG).get(REQUEST_PATH).reply(200, without(oktaRequest(), 'status'), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceProtocolError);
    expect(error.message).toMatch(/\bstatus\b/);
    expect(spare.isDone()).toBe(false);
  });

  it('names the field when a request has an unknown status value', async () => {
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest({ status: 'WEIRD' }), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceProtocolError);
    expect(error.message).toMatch(/\bstatus\b/);
    expect(spare.isDone()).toBe(false);
  });

  it('names the nested path when a list item is malformed', async () => {
    nock(ORG)
      .get(`${V2}/requests`)
      .query(true)
      .reply(200, oktaList([oktaRequest(), without(oktaRequest({ id: 'req2' }), 'requestedFor')]), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().get('listRequests', `${V2}/requests`, accessRequestList, { limit: 20 }));

    expect(error).toBeInstanceOf(GovernanceProtocolError);
    expect(error.message).toContain('data.1.requestedFor');
  });
});

describe('OktaHttp timeouts', () => {
  it('retries a hung GET and then throws GovernanceUnavailable (outcome known)', async () => {
    const scope = nock(ORG).get(REQUEST_PATH).times(3).delay(1000).reply(200, oktaRequest(), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);
    const calls = callsTo(scope);

    const started = Date.now();
    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(false);
    expect(error.message).toContain('timed out');
    expect(calls).toHaveLength(3);
    expect(spare.isDone()).toBe(false);
    // Three attempts of 200 ms each, not one wait for the 1 s answer.
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1500);
  });

  it('succeeds when a hung GET is followed by a prompt answer', async () => {
    nock(ORG)
      .get(REQUEST_PATH)
      .delay(3000)
      .reply(200, oktaRequest({ status: 'DENIED' }), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);

    // Room for a loaded machine to answer the prompt one within its timeout; the hung one never can.
    const { body } = await makeHttp({ timeoutMs: 1000 }).get('getRequest', REQUEST_PATH, accessRequest);

    expect(body.status).toBe('PENDING');
  });

  it('reports a hung POST with outcomeUnknown and does not resend it', async () => {
    const scope = nock(ORG).post(`${V2}/requests`).delay(1000).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const spare = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const calls = callsTo(scope);

    const started = Date.now();
    const error = await rejectionOf(
      makeHttp().send('createRequest', 'POST', `${V2}/requests`, accessRequest, CREATE_BODY),
    );

    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
    expect(error.message).toContain('timed out');
    expect(calls).toEqual([`POST ${V2}/requests`]);
    expect(spare.isDone()).toBe(false);
    expect(Date.now() - started).toBeLessThan(900);
  });
});

describe('OktaHttp connection failures', () => {
  it('retries a write whose connection was refused (it never reached Okta)', async () => {
    const scope = nock(ORG)
      .post(`${V2}/requests`, CREATE_BODY)
      .replyWithError({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' })
      .post(`${V2}/requests`, CREATE_BODY)
      .reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const spare = nock(ORG)
      .post(`${V2}/requests`)
      .reply(202, oktaSubmittedRequest({ id: 'reqDUPLICATE00000000' }));

    const { body } = await makeHttp().send('createRequest', 'POST', `${V2}/requests`, accessRequest, CREATE_BODY);

    expect(body.id).toBe(REQUEST_ID);
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('does not resend a write whose connection was reset, and reports outcomeUnknown', async () => {
    nock(ORG).post(`${V2}/requests`).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    const spare = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);

    const error = await rejectionOf(
      makeHttp().send('createRequest', 'POST', `${V2}/requests`, accessRequest, CREATE_BODY),
    );

    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  // A body that times out after the headers is as uncertain as a timeout: not an unreadable answer
  // ("Nothing was changed"), and for a write not known to be safe to resend.
  it('treats a GET whose body stalls after the headers as a timeout and retries it', async () => {
    const scope = nock(ORG)
      .get(REQUEST_PATH)
      .delayBody(1000)
      .reply(200, oktaRequest({ status: 'DENIED' }), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(200, oktaRequest(), JSON_HEADERS);

    const { body } = await makeHttp().get('getRequest', REQUEST_PATH, accessRequest);

    expect(body.status).toBe('PENDING');
    expect(scope.isDone()).toBe(true);
  });

  it('does not report a write whose 2xx body stalled as "nothing was changed"', async () => {
    nock(ORG).post(`${V2}/requests`).delayBody(1000).reply(202, oktaSubmittedRequest(), JSON_HEADERS);
    const spare = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);

    const error = await rejectionOf(
      makeHttp().send('createRequest', 'POST', `${V2}/requests`, accessRequest, CREATE_BODY),
    );

    expect(error).not.toBeInstanceOf(GovernanceProtocolError);
    expect(error).toBeInstanceOf(GovernanceUnavailable);
    expect((error as GovernanceUnavailable).outcomeUnknown).toBe(true);
    expect(spare.isDone()).toBe(false);
  });
});

describe('OktaHttp error objects', () => {
  it('turns 400 E0000001 into GovernanceRejected with the cause as userMessage', async () => {
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
    const spare = nock(ORG).post(`${V2}/requests`).reply(202, oktaSubmittedRequest(), JSON_HEADERS);

    const error = await rejectionOf(
      makeHttp().send('createRequest', 'POST', `${V2}/requests`, accessRequest, CREATE_BODY),
    );

    expect(error).toBeInstanceOf(GovernanceRejected);
    const rejected = error as GovernanceRejected;
    expect(rejected.userMessage).toBe('accessDuration must be at most P4D');
    expect(rejected.vendorCode).toBe('E0000001');
    expect(rejected.status).toBe(400);
    expect(spare.isDone()).toBe(false);
  });

  it('uses errorSummary when a 400 has no causes', async () => {
    nock(ORG)
      .get(`${V2}/requests`)
      .query(true)
      .reply(400, oktaError('E0000001', 'Api validation failed: invalid-limit'), JSON_HEADERS);

    const error = await rejectionOf(
      makeHttp().get('listRequests', `${V2}/requests`, accessRequestList, { limit: 999 }),
    );

    expect(error).toBeInstanceOf(GovernanceRejected);
    expect((error as GovernanceRejected).userMessage).toBe('Api validation failed: invalid-limit');
  });

  it('turns 401 E0000004 into GovernanceAuthFailed without retrying', async () => {
    const scope = nock(ORG).get(REQUEST_PATH).reply(401, authFailedBody(), JSON_HEADERS);
    const spare = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().get('getRequest', REQUEST_PATH, accessRequest));

    expect(error).toBeInstanceOf(GovernanceAuthFailed);
    expect((error as GovernanceAuthFailed).status).toBe(401);
    expect((error as GovernanceAuthFailed).vendorCode).toBe('E0000004');
    expect(scope.isDone()).toBe(true);
    expect(spare.isDone()).toBe(false);
  });

  it('turns 403 E0000006 into GovernanceAuthFailed', async () => {
    nock(ORG).post(RESOLVE_PATH).reply(403, forbiddenBody(), JSON_HEADERS);

    const error = await rejectionOf(makeHttp().send('decide', 'POST', RESOLVE_PATH, ignored, { value: 'DENIED' }));

    expect(error).toBeInstanceOf(GovernanceAuthFailed);
    expect((error as GovernanceAuthFailed).status).toBe(403);
    expect((error as GovernanceAuthFailed).vendorCode).toBe('E0000006');
  });
});

describe('OktaHttp pagination', () => {
  it('reads the next cursor from the Link header', async () => {
    nock(ORG)
      .get(`${V2}/requests`)
      .query({ limit: '1' })
      .reply(200, oktaList([oktaRequest()]), {
        ...JSON_HEADERS,
        Link: `<${ORG}/governance/api/v2/requests?limit=1>; rel="self", <${ORG}/governance/api/v2/requests?limit=1&after=req123>; rel="next"`,
      });

    const page = await makeHttp().get('listRequests', `${V2}/requests`, accessRequestList, { limit: 1 });

    expect(page.nextCursor).toBe('req123');
  });

  it('reads the next cursor from _links.next.href in the body', async () => {
    nock(ORG)
      .get(`${V2}/requests`)
      .query({ limit: '1' })
      .reply(200, oktaList([oktaRequest()], { next: `${ORG}/governance/api/v2/requests?limit=1&after=req123` }), {
        ...JSON_HEADERS,
        Link: `<${ORG}/governance/api/v2/requests?limit=1>; rel="self"`,
      });

    const page = await makeHttp().get('listRequests', `${V2}/requests`, accessRequestList, { limit: 1 });

    expect(page.nextCursor).toBe('req123');
  });

  it('has no cursor on the last page', async () => {
    nock(ORG)
      .get(`${V2}/requests`)
      .query({ limit: '1' })
      .reply(200, oktaList([oktaRequest()]), {
        ...JSON_HEADERS,
        Link: `<${ORG}/governance/api/v2/requests?limit=1>; rel="self"`,
      });

    const page = await makeHttp().get('listRequests', `${V2}/requests`, accessRequestList, { limit: 1 });

    expect(page.nextCursor).toBeUndefined();
  });
});

describe('OktaHttp authorization', () => {
  it('sends the SSWS token', async () => {
    let authorization: string | string[] | undefined;
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(function () {
        authorization = this.req.headers.authorization;
        return [200, oktaRequest(), JSON_HEADERS];
      });

    await makeHttp().get('getRequest', REQUEST_PATH, accessRequest);

    expect(authorization).toBe('SSWS test-token');
  });

  describe('private_key_jwt', () => {
    const TOKEN_URL = `${ORG}/oauth2/v1/token`;
    let pem: string;
    let publicKey: Awaited<ReturnType<typeof generateKeyPair>>['publicKey'];
    let auth: OktaAuth;

    beforeAll(async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      pem = await exportPKCS8(pair.privateKey);
      publicKey = pair.publicKey;
    });

    beforeEach(() => {
      auth = {
        kind: 'private_key_jwt',
        clientId: '0oaclient',
        privateKey: pem,
        keyId: 'kid1',
        scopes: ['okta.users.read'],
      };
    });

    interface TokenCall {
      form: URLSearchParams;
      contentType: unknown;
    }

    /** Answers each token request with the next access token, recording the form it got. */
    function tokenEndpoint(tokens: string[]): { scope: nock.Scope; calls: TokenCall[] } {
      const calls: TokenCall[] = [];
      const scope = nock(ORG);
      for (const accessToken of tokens) {
        scope.post('/oauth2/v1/token').reply(function (_uri, body) {
          calls.push({ form: new URLSearchParams(String(body)), contentType: this.req.headers['content-type'] });
          return [
            200,
            { token_type: 'Bearer', expires_in: 3600, access_token: accessToken, scope: 'okta.users.read' },
            JSON_HEADERS,
          ];
        });
      }
      return { scope, calls };
    }

    /** The API, recording the Authorization header of each call. */
    function apiCalls(times: number, status = 200): string[] {
      const seen: string[] = [];
      nock(ORG)
        .get(REQUEST_PATH)
        .times(times)
        .reply(function () {
          seen.push(String(this.req.headers.authorization));
          return status === 200 ? [200, oktaRequest(), JSON_HEADERS] : [status, authFailedBody(), JSON_HEADERS];
        });
      return seen;
    }

    it('signs a client assertion Okta accepts and sends the access token as Bearer', async () => {
      const token = tokenEndpoint(['at-1']);
      const seen = apiCalls(1);

      await makeHttp({ auth }).get('getRequest', REQUEST_PATH, accessRequest);

      expect(token.calls).toHaveLength(1);
      const call = token.calls[0];
      if (!call) throw new Error('no token call');
      const { form } = call;
      expect(String(call.contentType)).toContain('application/x-www-form-urlencoded');
      expect(form.get('grant_type')).toBe('client_credentials');
      expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      expect(form.get('scope')).toBe('okta.users.read');

      const assertion = form.get('client_assertion') ?? '';
      const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
        issuer: '0oaclient',
        subject: '0oaclient',
        audience: TOKEN_URL,
      });
      const now = Math.floor(Date.now() / 1000);
      expect(payload.iss).toBe('0oaclient');
      expect(payload.sub).toBe('0oaclient');
      expect(payload.aud).toBe(TOKEN_URL);
      expect(payload.exp).toBeGreaterThan(now);
      expect(payload.exp).toBeLessThanOrEqual(now + 300 + 5);
      expect(typeof payload.jti).toBe('string');
      expect(String(payload.jti).length).toBeGreaterThan(0);
      expect(protectedHeader.kid).toBe('kid1');
      expect(protectedHeader.alg).toBe('RS256');

      expect(seen).toEqual(['Bearer at-1']);
    });

    it('uses a fresh jti for each assertion', async () => {
      const token = tokenEndpoint(['at-1', 'at-2']);
      apiCalls(1, 401);
      apiCalls(1);
      const http = makeHttp({ auth });

      await rejectionOf(http.get('getRequest', REQUEST_PATH, accessRequest));
      await http.get('getRequest', REQUEST_PATH, accessRequest);

      const jtis = await Promise.all(
        token.calls.map(
          async (call) => (await jwtVerify(call.form.get('client_assertion') ?? '', publicKey)).payload.jti,
        ),
      );
      expect(jtis).toHaveLength(2);
      expect(jtis[0]).not.toBe(jtis[1]);
    });

    it('reuses the cached token for the next call', async () => {
      const token = tokenEndpoint(['at-1', 'at-2']);
      const seen = apiCalls(2);
      const http = makeHttp({ auth });

      await http.get('getRequest', REQUEST_PATH, accessRequest);
      await http.get('getRequest', REQUEST_PATH, accessRequest);

      expect(token.calls).toHaveLength(1);
      expect(seen).toEqual(['Bearer at-1', 'Bearer at-1']);
      expect(token.scope.isDone()).toBe(false);
    });

    it('shares one token request between concurrent calls', async () => {
      const token = tokenEndpoint(['at-1', 'at-2']);
      const seen = apiCalls(3);
      const http = makeHttp({ auth });

      await Promise.all([1, 2, 3].map(() => http.get('getRequest', REQUEST_PATH, accessRequest)));

      expect(token.calls).toHaveLength(1);
      expect(seen).toEqual(['Bearer at-1', 'Bearer at-1', 'Bearer at-1']);
    });

    it('drops the cached token after a 401 so the next call fetches a new one', async () => {
      const token = tokenEndpoint(['at-1', 'at-2']);
      const refused = apiCalls(1, 401);
      const http = makeHttp({ auth });

      const error = await rejectionOf(http.get('getRequest', REQUEST_PATH, accessRequest));
      expect(error).toBeInstanceOf(GovernanceAuthFailed);
      expect(refused).toEqual(['Bearer at-1']);

      const accepted = apiCalls(1);
      await http.get('getRequest', REQUEST_PATH, accessRequest);

      expect(token.calls).toHaveLength(2);
      expect(accepted).toEqual(['Bearer at-2']);
      expect(token.scope.isDone()).toBe(true);
    });

    it('reports a token endpoint that refuses the client as GovernanceAuthFailed', async () => {
      nock(ORG)
        .post('/oauth2/v1/token')
        .reply(
          401,
          { error: 'invalid_client', error_description: 'The client_assertion signature is invalid.' },
          JSON_HEADERS,
        );
      const api = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);

      const error = await rejectionOf(makeHttp({ auth }).get('getRequest', REQUEST_PATH, accessRequest));

      expect(error).toBeInstanceOf(GovernanceAuthFailed);
      // The token request is what failed, and the logs say so (it used to say 'ping').
      expect(error).toMatchObject({ operation: 'token', status: 401, vendorCode: 'invalid_client' });
      expect(api.isDone()).toBe(false);
    });
  });
});

describe('OktaHttp circuit breaker', () => {
  const breaking = (metrics: Metrics) =>
    makeHttp({ maxAttempts: 1, breakerThreshold: 3, breakerCooldownMs: 300, metrics });

  it('refuses calls without sending them after three unavailable calls in a row, then lets one test Okta and closes on success', async () => {
    const metrics = createMetrics();
    const http = breaking(metrics);
    const failing = nock(ORG).get(REQUEST_PATH).times(3).reply(503, 'Service Unavailable');
    for (let i = 0; i < 3; i += 1) {
      expect(await rejectionOf(http.get('getRequest', REQUEST_PATH, accessRequest))).toBeInstanceOf(
        GovernanceUnavailable,
      );
    }
    expect(failing.isDone()).toBe(true);
    expect(http.circuit).toBe('open');
    expect(await metrics.registry.getSingleMetricAsString('gatehouse_governance_circuit_open')).toContain(
      'gatehouse_governance_circuit_open{provider="okta"} 1',
    );

    // Open: refused at once, nothing sent, and nothing can have changed.
    const unsent = nock(ORG).get(REQUEST_PATH).reply(200, oktaRequest(), JSON_HEADERS);
    const refused = await rejectionOf(http.get('getRequest', REQUEST_PATH, accessRequest));
    expect(refused).toBeInstanceOf(GovernanceUnavailable);
    expect((refused as GovernanceUnavailable).outcomeUnknown).toBe(false);
    expect(refused.message).toMatch(/circuit open/);
    expect(unsent.isDone()).toBe(false);

    // After the cooldown the next call goes through, and its success closes the circuit. The
    // breaker (cockatiel's) reads Date.now, so the clock is moved past the cooldown, not waited out.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 350);
    const { body } = await http.get('getRequest', REQUEST_PATH, accessRequest);
    expect(body.id).toBe(REQUEST_ID);
    expect(http.circuit).toBe('closed');
    expect(await metrics.registry.getSingleMetricAsString('gatehouse_governance_circuit_open')).toContain(
      'gatehouse_governance_circuit_open{provider="okta"} 0',
    );
  });

  it('stays closed through refusals and bad answers: only unavailability counts', async () => {
    const http = breaking(createMetrics());
    nock(ORG)
      .get(REQUEST_PATH)
      .reply(403, forbiddenBody(), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(200, '{"id":', JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(404, oktaError('E0000007', 'Not found'), JSON_HEADERS)
      .get(REQUEST_PATH)
      .reply(503, 'Service Unavailable')
      .get(REQUEST_PATH)
      .reply(503, 'Service Unavailable');
    for (let i = 0; i < 5; i += 1) await rejectionOf(http.get('getRequest', REQUEST_PATH, accessRequest));
    expect(http.circuit).toBe('closed');
  });
});

describe('OktaHttp calls in flight', () => {
  it('sends at most maxConcurrent at once, queues maxQueued, and refuses the rest at once as busy without sending them', async () => {
    const http = makeHttp({ maxConcurrent: 2, maxQueued: 2 });
    let inFlight = 0;
    let most = 0;
    const scope = nock(ORG).get(REQUEST_PATH).times(4).delay(150).reply(200, oktaRequest(), JSON_HEADERS);
    scope.on('request', () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
    });
    scope.on('replied', () => {
      inFlight -= 1;
    });
    let settled = 0;
    const calls = Array.from({ length: 6 }, () =>
      http.get('getRequest', REQUEST_PATH, accessRequest).then(
        () => ({ ok: true as const, order: settled++ }),
        (error: Error) => ({ ok: false as const, error, order: settled++ }),
      ),
    );
    const outcomes = await Promise.all(calls);

    expect(outcomes.filter((o) => o.ok)).toHaveLength(4);
    const refused = outcomes.filter((o) => !o.ok);
    expect(refused).toHaveLength(2);
    for (const outcome of refused) {
      if (outcome.ok) continue;
      expect(outcome.error).toBeInstanceOf(GovernanceRateLimited);
      expect((outcome.error as GovernanceRateLimited).userMessage).toMatch(/busy.*Nothing was changed/);
      // Refused before any call came back, not after waiting in line.
      expect(outcome.order).toBeLessThan(2);
    }
    expect(most).toBe(2);
    expect(scope.isDone()).toBe(true);
  });
});
