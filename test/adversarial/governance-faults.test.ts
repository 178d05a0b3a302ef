import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';

/**
 * The governance system misbehaving while people use Gatehouse (issue 9): rate-limit storms,
 * server errors, hung calls and dropped connections during the two writes that matter, creating a
 * request and deciding one. Whatever Okta does, the person is told plainly what happened, nothing
 * is written twice, and a decision is either confirmed or reported as not recorded. When Okta
 * keeps failing, calls stop at once (the circuit opens) and /readyz says so.
 */
const REQUESTS = '/governance/api/v2/requests';
const RESOLVE = /^\/governance\/api\/v2\/tasks\/[^/]+\/resolve$/;
const COOLDOWN_MS = 1500;
/** A rate-limit window longer than Gatehouse will wait inside one click (maxRateLimitWaitMs). */
const WINDOW_SECONDS = 3;

/** One clock for Okta and Gatehouse: real time, plus however far a test has moved it on. */
const realNow = Date.now;
let ahead = 0;
const now = () => realNow() + ahead;
/** A rate-limit window passes for Okta and Gatehouse alike, without the test waiting it out. */
const windowPasses = () => {
  ahead += WINDOW_SECONDS * 1000;
};
/**
 * The breaker's cooldown is cockatiel's, which reads Date.now itself: moved the same way (and put
 * back after each test).
 */
const cooldownPasses = () => {
  ahead += COOLDOWN_MS + 100;
  vi.spyOn(Date, 'now').mockImplementation(now);
};

let world: SlackWorld;
afterEach(async () => {
  vi.restoreAllMocks();
  ahead = 0;
  await world?.close();
});

/** Okta calls short enough that a hung one is given up in a test's time. */
async function start(): Promise<SlackWorld> {
  world = await startSlackWorld({
    org: createOktaOrg({ now }),
    now,
    okta: {
      now,
      timeoutMs: 400,
      baseBackoffMs: 5,
      maxRateLimitWaitMs: 2000,
      breakerThreshold: 3,
      breakerCooldownMs: COOLDOWN_MS,
    },
  });
  return world;
}

/** Everything only `person` has been shown (ephemeral answers and direct messages), by message. */
const heardBy = (person: { id: string }) =>
  new Map(
    [...world.slack.ephemeralsFor(person.id), ...world.slack.dmWith(person.id)].map((message) => [
      `${message.channel}:${message.ts}`,
      shown(message),
    ]),
  );

/** What `person` has been shown so far, to tell what is new later. */
type Heard = ReadonlySet<string>;
const heardSoFar = (person: { id: string }): Heard => new Set(heardBy(person).keys());

/**
 * Waits for `person` to be shown something new matching `words`: a message not in `before`, or
 * the card they clicked as it reads now (a decision redraws it in place).
 */
async function told(
  person: { id: string },
  before: Heard,
  words: RegExp,
  card?: { channel: string; ts: string },
): Promise<string> {
  const seen = () => [
    ...[...heardBy(person)].filter(([key]) => !before.has(key)).map(([, text]) => text),
    ...(card ? [shown(world.slack.message(card.channel, card.ts))] : []),
  ];
  try {
    return await eventually(() => seen().find((text) => words.test(text)));
  } catch {
    throw new Error(`${person.id} was never told ${words}; they saw:\n${seen().join('\n')}`);
  }
}

const salesforceRequests = () =>
  world.okta.requests.filter((request) => request.requested.entryId === SEED.entries.salesforceAdmin.id);
/** Resolve calls Gatehouse sent, answered or not. */
const resolveCalls = () => world.okta.calls.filter((call) => call.method === 'POST' && RESOLVE.test(call.path)).length;
/** Approval steps of Alice's request Okta has decided. */
const decided = (requestId: string) =>
  world.okta.tasks.filter((task) => task.requestId === requestId && task.status !== 'OPEN').length;
const created = () => world.writes(REQUESTS);

async function aliceAsksForSalesforce() {
  const before = heardSoFar(S.alice);
  const answer = await world.driver.command(S.alice.id, 'request Salesforce Admin because quarter-end reports');
  expect(answer.statusCode).toBe(200);
  return before;
}

/** Bob's one approval card about a request, once the notifier has posted it. */
async function bobsCardAbout(requestId: string) {
  const card = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), requestId));
  expect(world.slack.dmWith(S.bob.id).filter((message) => shown(message).includes(requestId))).toHaveLength(1);
  return card;
}

/** Alice's request, with Bob's approval card once it is posted. */
async function pendingForBob() {
  await aliceAsksForSalesforce();
  const request = await eventually(() => salesforceRequests()[0]);
  return { request, card: await bobsCardAbout(request.id) };
}

async function bobApproves(card: { channel: string; ts: string }) {
  const before = heardSoFar(S.bob);
  const answer = await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
  expect(answer.statusCode).toBe(200);
  return before;
}

async function readiness() {
  const answer = await world.gatehouse.server.inject({ method: 'GET', url: '/readyz' });
  return { status: answer.statusCode, checks: answer.json().checks as Record<string, string> };
}

describe('governance faults while creating a request', () => {
  it('tells the requester Okta is busy during a 429 storm, creates nothing, and creates one request once it passes', async () => {
    await start();
    world.okta.faults.add({
      method: 'POST',
      path: REQUESTS,
      kind: 'status',
      status: 429,
      retryAfterSeconds: WINDOW_SECONDS,
      times: Number.POSITIVE_INFINITY,
    });
    const before = await aliceAsksForSalesforce();
    await told(S.alice, before, /busy|rate limit/i);
    expect(salesforceRequests()).toHaveLength(0);

    // Okta said the requests API's window is spent: until it resets, Gatehouse answers without
    // calling that API again (Okta counts each endpoint family apart: the catalog may still answer).
    world.okta.faults.clear();
    const requestsApi = () => world.okta.calls.filter((call) => call.path.includes(REQUESTS)).length;
    const calls = requestsApi();
    const meanwhile = await aliceAsksForSalesforce();
    await told(S.alice, meanwhile, /busy|rate limit/i);
    expect(requestsApi()).toBe(calls);
    windowPasses();

    const again = await aliceAsksForSalesforce();
    await told(S.alice, again, new RegExp(`${SEED.entries.salesforceAdmin.name}`, 'i'));
    const request = await eventually(() => salesforceRequests()[0]);
    await bobsCardAbout(request.id);
    expect(created()).toBe(1);
  });

  it('creates one request when Okta applied the create but answered 500, and says it was created', async () => {
    await start();
    world.okta.faults.add({ method: 'POST', path: REQUESTS, kind: 'fail-after-write' });
    const before = await aliceAsksForSalesforce();
    const request = await eventually(() => salesforceRequests()[0]);
    await told(S.alice, before, new RegExp(request.id));
    await bobsCardAbout(request.id);
    expect(salesforceRequests()).toHaveLength(1);
  });

  it('retries a create whose connection was reset only after checking Okta has none, and creates one', async () => {
    await start();
    world.okta.faults.add({ method: 'POST', path: REQUESTS, kind: 'reset' });
    const before = await aliceAsksForSalesforce();
    const request = await eventually(() => salesforceRequests()[0]);
    await told(S.alice, before, new RegExp(request.id));
    await bobsCardAbout(request.id);
    expect(salesforceRequests()).toHaveLength(1);
  });

  it('says the request was not sent when Okta keeps answering 5xx, and nothing is created', async () => {
    await start();
    world.okta.faults.add({
      method: 'POST',
      path: REQUESTS,
      kind: 'status',
      status: 502,
      times: Number.POSITIVE_INFINITY,
    });
    const before = await aliceAsksForSalesforce();
    // A 502 on a write may have been applied: Gatehouse checks, finds none, and says so.
    await told(S.alice, before, /not answering|did not confirm|try again|check its status/i);
    expect(salesforceRequests()).toHaveLength(0);
  });
});

describe('governance faults while deciding', () => {
  it('confirms an approval Okta applied but answered 500 for, without sending it again', async () => {
    await start();
    const { request, card } = await pendingForBob();
    world.okta.faults.add({ method: 'POST', path: RESOLVE, kind: 'fail-after-write' });
    const before = await bobApproves(card);
    await told(S.bob, before, /approved by/i, card);
    // Gatehouse read the step back, saw it decided, and did not resend.
    expect(resolveCalls()).toBe(1);
    expect(decided(request.id)).toBe(1);
    // Step 2 opened: the decision is Okta's, not only chat's.
    expect(world.okta.tasks.some((task) => task.requestId === request.id && task.status === 'OPEN')).toBe(true);
  });

  it('resends an approval whose connection was reset once Okta shows the step still open, deciding it once', async () => {
    await start();
    const { request, card } = await pendingForBob();
    world.okta.faults.add({ method: 'POST', path: RESOLVE, kind: 'reset' });
    const before = await bobApproves(card);
    await told(S.bob, before, /approved by/i, card);
    expect(resolveCalls()).toBe(2);
    expect(decided(request.id)).toBe(1);
  });

  it('says an approval could not be confirmed when neither the write nor the check gets an answer, and lets the approver press again once Okta answers', async () => {
    await start();
    const { request, card } = await pendingForBob();
    // The resolve hangs past Gatehouse's timeout (Okta drops it), and every read after it fails.
    world.okta.faults.add({ method: 'POST', path: RESOLVE, kind: 'delay', ms: 1500 });
    const before = await bobApproves(card);
    await eventually(() => resolveCalls() === 1);
    world.okta.faults.add({ method: 'GET', kind: 'status', status: 503, times: Number.POSITIVE_INFINITY });
    const said = await told(S.bob, before, /did not confirm/i);
    expect(said).toMatch(/press again/i);
    expect(resolveCalls()).toBe(1);
    expect(decided(request.id)).toBe(0);

    // Okta answers again and shows the step still open: Bob's second press is recorded, once.
    world.okta.faults.clear();
    cooldownPasses();
    const again = await bobApproves(card);
    await told(S.bob, again, /approved by/i, card);
    expect(resolveCalls()).toBe(2);
    expect(decided(request.id)).toBe(1);
  });

  it('tells the approver a rate-limited decision was not recorded, and the step stays open for a retry', async () => {
    await start();
    const { request, card } = await pendingForBob();
    world.okta.faults.add({
      method: 'POST',
      path: RESOLVE,
      kind: 'status',
      status: 429,
      retryAfterSeconds: WINDOW_SECONDS,
      times: Number.POSITIVE_INFINITY,
    });
    const before = await bobApproves(card);
    await told(S.bob, before, /busy|rate limit/i);
    expect(decided(request.id)).toBe(0);

    world.okta.faults.clear();
    windowPasses();
    const again = await bobApproves(card);
    await told(S.bob, again, /approved by/i, card);
    expect(decided(request.id)).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('stops calling Okta after repeated failures, answers at once, reports it on /readyz, and recovers', async () => {
    await start();
    expect((await readiness()).status).toBe(200);
    world.okta.faults.add({ kind: 'status', status: 503, times: Number.POSITIVE_INFINITY });

    // Three commands in a row find Okta down: each is told so.
    for (let i = 0; i < 3; i += 1) {
      const before = heardSoFar(S.bob);
      await world.driver.command(S.bob.id, 'pending');
      await told(S.bob, before, /not answering/i);
    }
    const ready = await readiness();
    expect(ready.status).toBe(503);
    expect(ready.checks.governance).toBe('circuit_open');

    // While open, a command is answered without Okta being called at all.
    const callsBefore = world.okta.calls.length;
    const before = heardSoFar(S.bob);
    const startedAt = Date.now();
    await world.driver.command(S.bob.id, 'pending');
    await told(S.bob, before, /not answering/i);
    expect(Date.now() - startedAt).toBeLessThan(COOLDOWN_MS);
    expect(world.okta.calls.length).toBe(callsBefore);

    // Okta recovers; after the cooldown one call tests it and calls flow again.
    world.okta.faults.clear();
    cooldownPasses();
    const after = heardSoFar(S.bob);
    await world.driver.command(S.bob.id, 'pending');
    await told(S.bob, after, /nothing|no requests|waiting|pending/i);
    await eventually(async () => (await readiness()).status === 200);
    expect((await readiness()).checks.governance).toBe('ok');
  });

  it('does not open on refusals: a stream of requests Okta rejects leaves calls flowing', async () => {
    await start();
    world.okta.faults.add({ method: 'POST', path: REQUESTS, kind: 'status', status: 400, times: 5 });
    for (let i = 0; i < 5; i += 1) {
      const before = await aliceAsksForSalesforce();
      await told(S.alice, before, /.+/);
    }
    expect(world.gatehouse.governance.circuit?.()).toBe('closed');
    const before = await aliceAsksForSalesforce();
    await eventually(() => salesforceRequests().length === 1);
    await told(S.alice, before, new RegExp(salesforceRequests()[0]?.id ?? 'never'));
  });
});
