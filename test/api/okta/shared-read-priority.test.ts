import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { BudgetYield } from '../../../src/api/budget.js';
import { OktaFullReads } from '../../../src/api/okta/full-reads.js';
import { OktaHttp } from '../../../src/api/okta/http.js';
import { withPriority } from '../../../src/api/priority.js';
import { createMetrics } from '../../../src/metrics.js';
import { ORG, oktaRequest, REQUEST_ID } from '../../fixtures/okta/index.js';

/**
 * Reads of one request made at the same time share one call, spent at the priority of whoever
 * started it. When that was background work (the poll, App Home) and the budget made it give way,
 * a person who joined the read must not be told "busy": their own turn would have been allowed.
 */
const PATH = `/governance/api/v2/requests/${REQUEST_ID}`;

afterEach(() => {
  nock.cleanAll();
});

/** An answer whose headers say the requests family has `remaining` of its 30 calls left this minute. */
function answer(status: string, remaining: number) {
  return [
    200,
    oktaRequest({ status }),
    {
      'content-type': 'application/json',
      'x-rate-limit-limit': '30',
      'x-rate-limit-remaining': String(remaining),
      'x-rate-limit-reset': String(Math.ceil(Date.now() / 1000) + 60),
    },
  ] as const;
}

/** Full reads over a transport whose budget Okta has just said is down to `remaining` calls. */
async function readsWithLeft(remaining: number) {
  nock(ORG)
    .get(PATH)
    .reply(...answer('PENDING', remaining));
  const http = new OktaHttp({
    orgUrl: ORG,
    auth: { kind: 'ssws', token: 'test-token' },
    timeoutMs: 2_000,
    metrics: createMetrics(),
  });
  const full = new OktaFullReads(http);
  await full.request(REQUEST_ID);
  return full;
}

const failure = (read: Promise<unknown>) =>
  read.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('a person joining a read that background work started', () => {
  it('reads at their own turn when the budget made the background read give way', async () => {
    // Five left: under background work's reserve (two fifths), a person's to spend.
    const full = await readsWithLeft(5);
    const scope = nock(ORG)
      .get(PATH)
      .reply(...answer('APPROVED', 4));

    const poll = failure(withPriority('background', () => full.request(REQUEST_ID)));
    const person = full.request(REQUEST_ID);

    expect((await person)?.status).toBe('APPROVED');
    expect(await poll).toBeInstanceOf(BudgetYield);
    expect(scope.isDone()).toBe(true);
  });

  it('lets a notifier sync that joined read at its own turn too, when its reserve still allows it', async () => {
    // Ten left: under background work's reserve (twelve), above the syncs' (six).
    const full = await readsWithLeft(10);
    const scope = nock(ORG)
      .get(PATH)
      .reply(...answer('APPROVED', 9));

    const poll = failure(withPriority('background', () => full.request(REQUEST_ID)));
    const sync = withPriority('sync', () => full.request(REQUEST_ID));

    expect((await sync)?.status).toBe('APPROVED');
    expect(await poll).toBeInstanceOf(BudgetYield);
    expect(scope.isDone()).toBe(true);
  });

  it('shares the give-way among readers of the same turn, sending nothing', async () => {
    const full = await readsWithLeft(5);
    const scope = nock(ORG)
      .get(PATH)
      .reply(...answer('APPROVED', 4));

    const [home, poll] = await Promise.all([
      failure(withPriority('background', () => full.request(REQUEST_ID))),
      failure(withPriority('background', () => full.request(REQUEST_ID))),
    ]);

    expect(home).toBeInstanceOf(BudgetYield);
    expect(poll).toBe(home);
    expect(scope.isDone()).toBe(false);
  });
});
