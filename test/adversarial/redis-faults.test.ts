import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { type MessageRecord, SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { buttonsOf, eventually, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';
import { loseRedisWhileOktaWrites } from '../support/store-loss.js';

/**
 * Redis going away under a running Gatehouse (issue 9). Gatehouse keeps its store (delivery
 * claims, message refs, identity caches), the notifier's queue, the poller's lease and cursor and
 * the chat rate budgets there. While Redis is gone Slack still gets every answer inside its 3 s,
 * people are told plainly what cannot be done, and nothing crashes; changes made in the Okta portal
 * meanwhile reach chat once Redis is back, each card once, decisions drawn on the cards already
 * posted. Three ways for Redis to go: killed and restarted with its data (a Redis with
 * persistence), frozen with everything intact (a hung or partitioned Redis), and killed and
 * restarted empty (a Redis without persistence).
 */

const APPROVALS = SLACK_SEED.channels.approvals.id;
const HOOK = { authorization: SANDBOX_SECRETS.oktaEventHookSecret };
/** Slack gives up on an answer after 3 s and shows the person an error. */
const SLACK_DEADLINE_MS = 3_000;
const STORE_DOWN = /cannot reach its store/i;

/** One clock for Okta and Gatehouse: real time, plus however far a test has moved it on. */
let ahead = 0;
const now = () => Date.now() + ahead;

let redis: RedisServer;
let world: SlackWorld;
let closed: boolean;
/**
 * What would take a real process down or go past its logs: unhandled rejections, and error events
 * nobody listens to (ioredis and BullMQ print those with console.error; Gatehouse logs with pino).
 */
let faults: string[];
const onRejection = (reason: unknown) => faults.push(`unhandled rejection: ${String(reason)}`);

beforeEach(async () => {
  faults = [];
  closed = false;
  ahead = 0;
  process.on('unhandledRejection', onRejection);
  const consoleError = console.error.bind(console);
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    faults.push(`console.error: ${args.map(String).join(' ').slice(0, 300)}`);
    consoleError(...args);
  });
  redis = await startRedisServer();
  world = await startSlackWorld({
    // Okta's own API limits would slow the frequent polls down; this is about Redis.
    org: createOktaOrg({ rateLimitPerMinute: 1_000_000, now }),
    now,
    env: {
      REDIS_URL: redis.url,
      // Polls often, so portal changes made while Redis was away are found soon after it returns.
      POLL_INTERVAL_MS: '1000',
      // The approvals channel allows one post a second; a handful of cards need not wait for it.
      CHAT_RATE_SCALE: '50',
    },
  });
});

afterEach(async () => {
  try {
    // Gatehouse shuts down against a live Redis, as it would after an outage.
    redis.resume();
    if (!redis.running) await redis.start();
    if (!closed) await world?.close();
  } finally {
    await redis.cleanup();
    process.removeListener('unhandledRejection', onRejection);
    vi.restoreAllMocks();
  }
  expect(faults).toEqual([]);
});

/** A Slack delivery answered the way Slack needs: a 200 inside its deadline. */
async function inTime<T extends { statusCode: number; elapsedMs: number }>(delivery: Promise<T>): Promise<T> {
  const answer = await delivery;
  expect(answer.statusCode).toBe(200);
  expect(answer.elapsedMs).toBeLessThan(SLACK_DEADLINE_MS);
  return answer;
}

/** Where `person` stands in what only they are shown: ephemeral answers and their DM with the app. */
const heardSoFar = (person: { id: string }) => ({
  ephemerals: world.slack.ephemeralsFor(person.id).length,
  dm: world.slack.dmWith(person.id).length,
});

/** What `person` has been shown since `mark` (everything without one). */
function heardBy(person: { id: string }, mark = { ephemerals: 0, dm: 0 }): string[] {
  return [
    ...world.slack.ephemeralsFor(person.id).slice(mark.ephemerals),
    ...world.slack.dmWith(person.id).slice(mark.dm),
  ].map((message) => shown(message));
}

/** Waits for `person` to be shown something matching `words` after `mark`. */
function told(person: { id: string }, mark: ReturnType<typeof heardSoFar>, words: RegExp): Promise<string> {
  return eventually(() => heardBy(person, mark).find((text) => words.test(text)));
}

/** A request card (not a notice, not a thread reply) about `requestId`. */
const isCard = (message: MessageRecord, requestId: string) =>
  !message.thread_ts && message.blocks?.[0]?.type === 'header' && shown(message).includes(requestId);
const cardsIn = (messages: MessageRecord[], requestId: string) => messages.filter((m) => isCard(m, requestId));

/** The cards every person concerned should have about a one-step request: approver, channel, requester. */
function cardsOf(requestId: string, requester: { id: string }) {
  return {
    approver: cardsIn(world.slack.dmWith(S.dana.id), requestId),
    channel: cardsIn(world.slack.messagesIn(APPROVALS), requestId),
    requester: cardsIn(world.slack.dmWith(requester.id), requestId),
  };
}

/** All three cards of a request have arrived. */
const allPosted = (requestId: string, requester: { id: string }) => {
  const cards = cardsOf(requestId, requester);
  return cards.approver.length > 0 && cards.channel.length > 0 && cards.requester.length > 0 && cards;
};

/** Each person concerned has exactly one card about the request: nothing lost, nothing posted twice. */
function expectOneCardEach(requestId: string, requester: { id: string }) {
  const cards = cardsOf(requestId, requester);
  expect({
    requestId,
    approver: cards.approver.length,
    channel: cards.channel.length,
    requester: cards.requester.length,
  }).toEqual({ requestId, approver: 1, channel: 1, requester: 1 });
}

/** The notices (not the cards) telling `person` something matching `words`. */
const notices = (person: { id: string }, words: RegExp) =>
  heardBy(person).filter((text) => words.test(text) && !text.includes('"header"'));

/** A Zoom Pro request made in the Okta portal (Dana approves those), with no Gatehouse involved. */
function portalRequest(person: { id: string }) {
  const request = world.okta.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
      requestedFor: { type: 'OKTA_USER', externalId: person.id },
      requesterFieldValues: [],
    },
    world.okta.actorFor(person.id),
  );
  world.okta.settle();
  return request;
}

function portalDecision(requestId: string, value: 'APPROVED' | 'DENIED') {
  const task = world.okta.tasks.find((t) => t.requestId === requestId && t.status === 'OPEN');
  if (!task) throw new Error(`no open task for ${requestId}`);
  world.okta.resolveTaskAs(task.id, SEED.users.dana.id, value);
  world.okta.settle();
}

async function readiness() {
  const answer = await world.gatehouse.server.inject({ method: 'GET', url: '/readyz' });
  return { status: answer.statusCode, store: (answer.json().checks as Record<string, string>).store };
}

/**
 * Gatehouse has finished what it started (no sync running, none queued or delayed in Redis, no
 * work after an answer): what chat shows now is all it will show.
 */
function quiet(): Promise<void> {
  return world.gatehouse.idle();
}

/** Alice asks for Zoom Pro in Slack before anything goes wrong; all three cards arrive. */
async function aliceAsksBeforeTheOutage() {
  await inTime(world.driver.command(S.alice.id, 'request Zoom Pro because customer webinars'));
  const request = await eventually(() =>
    world.okta.requests.find((r) => r.requestedFor.externalId === SEED.users.alice.id),
  );
  const cards = await eventually(() => allPosted(request.id, S.alice));
  // Every pass over the request has recorded what it posted before Redis goes.
  await quiet();
  return { request, cards };
}

/**
 * What people do in Slack while Redis is away. Everything is answered inside Slack's deadline;
 * what needs the store says so and does nothing, what does not (help) just works.
 */
async function useSlackMeanwhile(requestId: string, danaCard: MessageRecord) {
  const help = await inTime(world.driver.command(S.alice.id, 'help'));
  expect(shown({ text: JSON.stringify(help.body) })).toMatch(/request/);

  const requestsBefore = world.okta.requests.length;
  const aliceHeard = heardSoFar(S.alice);
  await inTime(world.driver.command(S.alice.id, 'request Jira Software User'));
  expect(await told(S.alice, aliceHeard, STORE_DOWN)).toMatch(/try again/i);

  const danaHeard = heardSoFar(S.dana);
  await inTime(world.driver.command(S.dana.id, 'pending'));
  await told(S.dana, danaHeard, STORE_DOWN);

  const clicked = heardSoFar(S.dana);
  await inTime(world.driver.click(S.dana.id, { channel: danaCard.channel, ts: danaCard.ts }, 'approve'));
  await told(S.dana, clicked, STORE_DOWN);

  await inTime(world.driver.openHome(S.dana.id));
  await eventually(() => STORE_DOWN.test(shown({ blocks: world.slack.homeOf(S.dana.id)?.blocks })));

  // Okta retries a hook delivery that failed, and the poller finds the change anyway: an honest
  // 503 at once beats holding Okta's connection until Redis returns.
  const started = performance.now();
  const hook = await world.gatehouse.server.inject({
    method: 'POST',
    url: '/hooks/okta',
    headers: HOOK,
    payload: { data: { events: world.okta.events.filter((e) => e.target.some((t) => t.id === requestId)) } },
  });
  expect(hook.statusCode).toBe(503);
  expect(performance.now() - started).toBeLessThan(SLACK_DEADLINE_MS);

  // Nothing went to Okta: no request made, no decision taken.
  expect(world.okta.requests).toHaveLength(requestsBefore);
  expect(world.writes('/resolve')).toBe(0);
}

describe('Redis killed mid-run and restarted with its data', () => {
  it('keeps answering Slack, then delivers every portal change once, on the cards already posted', async () => {
    const first = await aliceAsksBeforeTheOutage();
    const danaCard = first.cards.approver[0] as MessageRecord;
    const channelCard = first.cards.channel[0] as MessageRecord;

    await redis.stop({ keepData: true });
    await vi.waitFor(async () =>
      expect(await readiness()).toMatchObject({ status: 503, store: expect.not.stringMatching(/^ok$/) }),
    );
    await useSlackMeanwhile(first.request.id, danaCard);

    // Meanwhile in the Okta portal: Dana approves Alice's request, Carol asks for Zoom Pro.
    portalDecision(first.request.id, 'APPROVED');
    const carols = portalRequest(SEED.users.carol);

    await redis.start();
    await vi.waitFor(async () => expect(await readiness()).toMatchObject({ store: 'ok' }), { timeout: 8_000 });

    // The decision is drawn on the cards posted before the outage, and Alice hears of it.
    await eventually(() => shown(world.slack.message(danaCard.channel, danaCard.ts)).includes('Approved'), 15_000);
    await eventually(() => shown(world.slack.message(channelCard.channel, channelCard.ts)).includes('Approved'));
    expect(buttonsOf(world.slack.message(danaCard.channel, danaCard.ts))).not.toContain('approve');
    await eventually(() => heardBy(S.alice).some((text) => /approved by Dana/i.test(text)));
    // Carol's request, made while Redis was away, reaches everyone.
    await eventually(() => allPosted(carols.id, S.carol), 15_000);

    await quiet();
    expectOneCardEach(first.request.id, S.alice);
    expectOneCardEach(carols.id, S.carol);
    expect(notices(S.alice, /approved by Dana/i)).toHaveLength(1);

    // And Slack works as before: Alice's Jira request goes through now.
    const heard = heardSoFar(S.alice);
    await inTime(world.driver.command(S.alice.id, 'request Jira Software User'));
    const jira = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.jiraSoftwareUser.id),
    );
    await told(S.alice, heard, new RegExp(jira.id));
  }, 60_000);
});

describe('Redis frozen mid-run (connections open, nothing answers) and let go', () => {
  it('answers Slack inside its deadline while every Redis call hangs, then brings chat up to date once', async () => {
    const first = await aliceAsksBeforeTheOutage();
    const danaCard = first.cards.approver[0] as MessageRecord;
    const channelCard = first.cards.channel[0] as MessageRecord;

    redis.pause();
    await vi.waitFor(async () => expect((await readiness()).store).not.toBe('ok'), { timeout: 5_000 });
    await useSlackMeanwhile(first.request.id, danaCard);

    portalDecision(first.request.id, 'DENIED');
    const franks = portalRequest(SEED.users.frank);

    redis.resume();
    await vi.waitFor(async () => expect(await readiness()).toMatchObject({ store: 'ok' }), { timeout: 8_000 });

    await eventually(() => shown(world.slack.message(danaCard.channel, danaCard.ts)).includes('Rejected'), 15_000);
    await eventually(() => shown(world.slack.message(channelCard.channel, channelCard.ts)).includes('Rejected'));
    await eventually(() => allPosted(franks.id, S.frank), 15_000);
    await quiet();
    expectOneCardEach(first.request.id, S.alice);
    expectOneCardEach(franks.id, S.frank);
    expect(notices(S.alice, /rejected by Dana/i)).toHaveLength(1);
  }, 60_000);
});

describe('Redis killed mid-run and restarted empty (no persistence)', () => {
  /**
   * An empty Redis has forgotten everything Gatehouse kept there: delivery claims (a Slack retry of
   * an event from before would be handled again), the record of every card already posted and of
   * where it is (so the next pass about an older request posts it afresh rather than editing the
   * old one: a message may come twice, never not at all), and the notifier's queued and delayed
   * jobs. Run Redis with persistence (AOF) for exactly-once across its restarts. What an empty
   * restart must not lose is what changed while it was away: the poller goes on from the cursor
   * it last knew, not from "now".
   */
  it('still delivers every change made while Redis was away, each once', async () => {
    const first = await aliceAsksBeforeTheOutage();

    await redis.stop();
    await vi.waitFor(async () => expect((await readiness()).store).not.toBe('ok'), { timeout: 5_000 });
    await inTime(world.driver.command(S.carol.id, 'help'));

    portalDecision(first.request.id, 'APPROVED');
    const carols = portalRequest(SEED.users.carol);
    const erins = portalRequest(SEED.users.erin);
    // Time passes for Okta and Gatehouse alike, far enough that a poller starting again from
    // "now" (less one interval and its overlap) would never read these changes.
    ahead += 60_000;

    await redis.start();
    await vi.waitFor(async () => expect(await readiness()).toMatchObject({ store: 'ok' }), { timeout: 8_000 });

    await eventually(() => allPosted(carols.id, S.carol) && allPosted(erins.id, S.erin), 15_000);
    await eventually(() => heardBy(S.alice).some((text) => /approved by Dana/i.test(text)), 15_000);
    await quiet();
    expectOneCardEach(carols.id, S.carol);
    expectOneCardEach(erins.id, S.erin);
    expect(notices(S.alice, /approved by Dana/i)).toHaveLength(1);
  }, 60_000);
});

describe('Redis lost while Okta is recording a change', () => {
  /**
   * Okta has the request or the decision; only Gatehouse's own notes about it (the idempotency
   * result, the attribution) could not be written. Telling the person "nothing was changed" then
   * would be false, and they would ask or approve again.
   */
  it('tells the person what Okta recorded, not that nothing changed', async () => {
    const aliceHeard = heardSoFar(S.alice);
    await loseRedisWhileOktaWrites(world.okta, redis, /\/requests$/, () =>
      inTime(world.driver.command(S.alice.id, 'request Zoom Pro because customer webinars')),
    );
    const request = await eventually(() =>
      world.okta.requests.find((r) => r.requestedFor.externalId === SEED.users.alice.id),
    );
    await told(S.alice, aliceHeard, new RegExp(request.id));
    expect(heardBy(S.alice, aliceHeard).filter((text) => STORE_DOWN.test(text))).toEqual([]);

    await redis.start();
    await vi.waitFor(async () => expect(await readiness()).toMatchObject({ store: 'ok' }), { timeout: 8_000 });
    const danaCard = (await eventually(() => allPosted(request.id, S.alice))).approver[0] as MessageRecord;
    await quiet();

    const danaHeard = heardSoFar(S.dana);
    await loseRedisWhileOktaWrites(world.okta, redis, /\/resolve$/, () =>
      inTime(world.driver.click(S.dana.id, { channel: danaCard.channel, ts: danaCard.ts }, 'approve')),
    );
    await eventually(() => world.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');

    await redis.start();
    await vi.waitFor(async () => expect(await readiness()).toMatchObject({ store: 'ok' }), { timeout: 8_000 });
    await eventually(() => shown(world.slack.message(danaCard.channel, danaCard.ts)).includes('Approved'), 15_000);
    await quiet();
    // Whatever Dana was shown, during the outage or after, says it was approved, never that
    // nothing was done.
    expect(heardBy(S.dana, danaHeard).filter((text) => STORE_DOWN.test(text))).toEqual([]);
    expect(world.writes('/resolve')).toBe(1);
  }, 60_000);
});

describe('shutting down while Redis is away', () => {
  it('ends within its grace period instead of waiting for Redis for ever', async () => {
    await redis.stop();
    await vi.waitFor(async () => expect((await readiness()).store).not.toBe('ok'), { timeout: 5_000 });
    // An orchestrator kills a process that has not stopped 30 s after SIGTERM (Kubernetes' default).
    closed = true;
    const shutdown = await Promise.race([
      world.close().then(() => 'ended'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 25_000)),
    ]);
    expect(shutdown).toBe('ended');
  }, 40_000);
});
