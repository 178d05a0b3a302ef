import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { OktaFullReads } from '../../../src/api/okta/full-reads.js';
import { OktaHttp } from '../../../src/api/okta/http.js';
import { createMetrics } from '../../../src/metrics.js';
import { ORG, oktaRequest, REQUEST_ID } from '../../fixtures/okta/index.js';

/**
 * Reads of one request made at the same time share one call (two platforms' syncs of one change),
 * but a read after a write must not join a read that began before it: it would answer the request
 * as it was before the decision, and people would be shown that.
 */
const PATH = `/governance/api/v2/requests/${REQUEST_ID}`;
const JSON_HEADERS = { 'content-type': 'application/json' };

afterEach(() => {
  nock.cleanAll();
});

function reads() {
  const http = new OktaHttp({
    orgUrl: ORG,
    auth: { kind: 'ssws', token: 'test-token' },
    timeoutMs: 2_000,
    metrics: createMetrics(),
  });
  return new OktaFullReads(http);
}

describe('a read of a request after a write', () => {
  it('shares a read under way with readers of the same moment', async () => {
    const scope = nock(ORG)
      .get(PATH)
      .delay(150)
      .reply(200, oktaRequest({ status: 'PENDING' }), JSON_HEADERS);
    const full = reads();
    const [a, b] = await Promise.all([full.request(REQUEST_ID), full.request(REQUEST_ID)]);
    expect([a?.status, b?.status]).toEqual(['PENDING', 'PENDING']);
    expect(scope.isDone()).toBe(true);
  });

  it('does not join a read that began before the write', async () => {
    nock(ORG)
      .get(PATH)
      .delay(150)
      .reply(200, oktaRequest({ status: 'PENDING' }), JSON_HEADERS)
      .get(PATH)
      .reply(200, oktaRequest({ status: 'APPROVED' }), JSON_HEADERS);
    const full = reads();
    const before = full.request(REQUEST_ID);
    // The decision is written meanwhile; what it led to is read afresh.
    full.forgetInFlight(REQUEST_ID);
    const after = await full.request(REQUEST_ID);
    expect(after?.status).toBe('APPROVED');
    expect((await before)?.status).toBe('PENDING');
  });
});
