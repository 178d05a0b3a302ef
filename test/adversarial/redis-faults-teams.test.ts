import { SEED } from '@gatehouse/sandbox/okta';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { loseRedisWhileOktaWrites } from '../support/store-loss.js';
import { eventually, startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';

/**
 * Redis going away under Gatehouse, seen from Teams (issue 9; Slack's side is redis-faults.test.ts).
 * A message gets a reply saying what cannot be done (help still works), a card button gets a
 * message Teams can show inside its deadline while the card keeps its buttons, nothing reaches
 * Okta meanwhile, and once Redis is back the same button works. A decision Okta recorded as Redis
 * went is shown as made, never as "nothing was changed".
 */
const T = TEAMS_SEED.users;
const STORE_DOWN = /cannot reach its store/i;
const TEAMS_DEADLINE_MS = 10_000;

let redis: RedisServer;
let world: TeamsWorld;
beforeEach(async () => {
  redis = await startRedisServer();
  world = await startTeamsWorld({ env: { REDIS_URL: redis.url } });
});
afterEach(async () => {
  try {
    if (!redis.running) await redis.start();
    await world?.close();
  } finally {
    await redis.cleanup();
  }
});

const text = (value: unknown) => JSON.stringify(value ?? null);
const chatOf = (id: string) => world.teams.personalConversationOf(id);
/** What the bot has said in a person's chat since `after` activities. */
/** The Action.Execute verbs on the card as `userId` sees it. */
const verbsOn = (userId: string, card: { conversationId: string; activityId: string }) =>
  [...text(world.teams.viewOf(userId, card.conversationId, card.activityId)).matchAll(/"verb":"([^"]+)"/g)].map(
    (match) => match[1],
  );

/** Dana's card about `requestId` (she approves Zoom Pro). */
const danaCardAbout = (requestId: string) =>
  eventually(() => {
    for (const activity of world.teams.transcript(chatOf(T.dana.id))) {
      const card = world.teams.cardOf(chatOf(T.dana.id), activity.id);
      if (activity.from.id === TEAMS_SEED.bot.id && card && text(card).includes(requestId)) {
        return { conversationId: chatOf(T.dana.id), activityId: activity.id };
      }
    }
    return undefined;
  });

/** Alice asks for Zoom Pro in Teams before anything goes wrong; Dana gets its card. */
async function aliceAsksForZoomPro() {
  await world.driver.install(T.alice.id);
  await world.driver.install(T.dana.id);
  await world.driver.say(T.alice.id, 'request zoom pro because webinars');
  const request = await eventually(() =>
    world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
  );
  return { request, danaCard: await danaCardAbout(request.id) };
}

const readyAgain = async () => {
  while ((await world.gatehouse.server.inject({ url: '/readyz' })).statusCode !== 200) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

const botSaid = (id: string, after = 0) =>
  world.teams
    .transcript(chatOf(id))
    .slice(after)
    .filter((activity) => activity.from.id === TEAMS_SEED.bot.id)
    .map((activity) => text(activity));

describe('Teams while Redis is away', () => {
  it('tells people the store is unreachable, writes nothing, and works again once Redis is back', async () => {
    const { request, danaCard } = await aliceAsksForZoomPro();

    await redis.stop({ keepData: true });
    const writes = world.writes('');

    // A typed request: the reply says why nothing happened.
    const before = world.teams.transcript(chatOf(T.alice.id)).length;
    const said = await world.driver.say(T.alice.id, 'request salesforce admin because quarter-end');
    expect(said.statusCode).toBeLessThan(300);
    await eventually(() => botSaid(T.alice.id, before).some((reply) => STORE_DOWN.test(reply)));
    // Help needs nothing from the store.
    const beforeHelp = world.teams.transcript(chatOf(T.alice.id)).length;
    await world.driver.say(T.alice.id, 'help');
    const help = await eventually(() => botSaid(T.alice.id, beforeHelp)[0]);
    expect(help).toMatch(/request/i);
    expect(help).not.toMatch(STORE_DOWN);

    // Dana's Approve: answered in time with a message saying so, her card keeps its buttons, and the step stays open.
    const pressed = await world.driver.execute(T.dana.id, danaCard, 'approve');
    expect(pressed.statusCode).toBe(200);
    expect(pressed.elapsedMs).toBeLessThan(TEAMS_DEADLINE_MS);
    expect(pressed.answerProblems).toEqual([]);
    expect(pressed.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    expect(text(pressed.body)).toMatch(STORE_DOWN);
    expect(verbsOn(T.dana.id, danaCard)).toContain('approve');
    expect(world.writes('')).toBe(writes);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('PENDING');

    // Redis is back: the same button records the approval.
    await redis.start();
    await readyAgain();
    const again = await world.driver.execute(T.dana.id, danaCard, 'approve');
    expect(again.statusCode).toBe(200);
    await eventually(() => world.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
  });

  it('shows an approval Okta recorded as Redis went as made, not as nothing changed', async () => {
    const { request, danaCard } = await aliceAsksForZoomPro();

    const pressed = await loseRedisWhileOktaWrites(world.okta, redis, /\/resolve$/, () =>
      world.driver.execute(T.dana.id, danaCard, 'approve'),
    );

    expect(pressed.statusCode).toBe(200);
    expect(pressed.answerProblems).toEqual([]);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('APPROVED');
    expect(text(pressed.body)).not.toMatch(STORE_DOWN);
    expect(text(pressed.body)).toMatch(/approved/i);
    expect(verbsOn(T.dana.id, danaCard)).not.toContain('approve');

    await redis.start();
    await readyAgain();
    expect(world.writes('/resolve')).toBe(1);
  });
});
