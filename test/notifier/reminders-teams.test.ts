import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { cardProblems, type Json, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';

/**
 * Issue 21, point 3, in Teams: the reminder is the approver's card again in their 1:1 chat, as a
 * reply to the card they got, with its buttons; pressed, it decides the request and every card
 * shows it. The person's time zone comes from their own activities (`localTimezone`); the
 * escalation goes to their manager's chat. The clock is moved, never waited on.
 */

const T = TEAMS_SEED.users;
const E = SEED.entries;
const HOUR = 3_600_000;
type User = (typeof T)[keyof typeof T];

let world: TeamsWorld;
afterEach(async () => {
  await world.close();
});

const text = (value: unknown) => JSON.stringify(value ?? null);

/** The bot's cards about `requestId` in `user`'s 1:1 chat, oldest first, as they see each now. */
function cardsIn(user: User, requestId: string) {
  const chat = world.teams.personalConversationOf(user.id);
  return world.teams
    .transcript(chat)
    .filter(
      (entry) => entry.from?.id === TEAMS_SEED.bot.id && entry.attachments?.length && text(entry).includes(requestId),
    )
    .map((activity) => {
      const target = { conversationId: chat, activityId: String(activity.id) };
      return { activity, target, card: world.teams.viewOf(user.id, chat, target.activityId) as Json };
    });
}

async function start(now: () => number, env: Record<string, string> = {}) {
  world = await startTeamsWorld({ org: createOktaOrg({ now }), now, env });
  await world.driver.install(T.dana.id);
  await world.driver.install(T.henry.id);
  await world.driver.say(T.alice.id, 'request Zoom Pro License because webinars');
  const request = await eventually(() => world.portal.find(E.zoomPro.id));
  await eventually(() => cardsIn(T.dana, request.id)[0]);
  await world.gatehouse.idle();
  return request;
}

async function poll() {
  await world.gatehouse.poller.pollOnce();
  await world.gatehouse.idle();
}

describe('reminders in Teams (Okta)', () => {
  it('repeat the card with its buttons as a reply to the original, and Approve pressed there decides it', async () => {
    let now = Date.parse('2026-12-07T09:00:00Z'); // a Monday
    const request = await start(() => now);
    await poll();
    const original = cardsIn(T.dana, request.id)[0];
    now += 4 * HOUR;
    await poll();
    await poll();
    const cards = cardsIn(T.dana, request.id);
    expect(cards).toHaveLength(2);
    const reminder = cards[1] as (typeof cards)[number];
    expect(reminder.activity.replyToId).toBe(original?.activity.id);
    expect(cardProblems(reminder.card)).toEqual([]);
    expect(text(reminder.card)).toContain(
      '⏰ Reminder: waiting since 2026-12-07 09:00 UTC for your decision (reminder 1 of 3).',
    );
    expect(text(reminder.card)).toContain('Alice Nguyen');

    const answer = await world.driver.execute(T.dana.id, reminder.target, 'approve');
    expect(answer.statusCode).toBe(200);
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(1);
    expect(world.portal.status(request.id)).toMatch(/approved/i);
    // The original card, refreshed as Dana sees it, shows the decision and no Approve.
    await eventually(() => {
      const first = cardsIn(T.dana, request.id)[0];
      return first &&
        /approved by Dana Kowalski/i.test(text(first.card)) &&
        !text(first.card).includes('"verb":"approve"')
        ? first
        : undefined;
    });
  }, 30_000);

  it('hold one due at night in the zone Teams gave with her activities, and send it in the morning', async () => {
    let now = Date.parse('2026-12-07T17:00:00Z');
    const request = await start(() => now);
    // The emulated Teams client gives Etc/UTC with every activity of hers.
    expect(await world.gatehouse.store.get(`teams:time-zone:${T.dana.id}`)).toBe('Etc/UTC');
    await poll();
    now = Date.parse('2026-12-07T21:05:00Z');
    await poll();
    now = Date.parse('2026-12-08T07:50:00Z');
    await poll();
    expect(cardsIn(T.dana, request.id)).toHaveLength(1);
    now = Date.parse('2026-12-08T08:05:00Z');
    await poll();
    expect(cardsIn(T.dana, request.id)).toHaveLength(2);
  }, 30_000);

  it("escalate to the approver's manager in their chat, saying why", async () => {
    let now = Date.parse('2026-12-07T09:00:00Z');
    const request = await start(() => now, { REMINDER_COUNT: '1', ESCALATE_AFTER: '8h' });
    await poll();
    now += 8 * HOUR;
    await poll();
    const henry = await eventually(() => cardsIn(T.henry, request.id)[0]);
    expect(text(henry.card)).toContain(
      '🚨 Dana Kowalski has not decided on this request since 2026-12-07 09:00 UTC; you are their manager.',
    );
    expect(text(henry.card)).not.toContain('"verb":"approve"');
    now += 24 * HOUR;
    await poll();
    expect(cardsIn(T.henry, request.id)).toHaveLength(1);
  }, 30_000);
});
