import { SEED } from '@gatehouse/sandbox/okta';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatIdentity } from '../../src/flows/index.js';
import { eventually, startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';
import { PROVIDERS } from '../support/world.js';

/**
 * Issue 21 point 4, the notifier's side on Teams: a current delegate of the open step's approver
 * gets the approval card too, "for" whom they decide, and every card follows the decision.
 */

const T = TEAMS_SEED.users;
type User = (typeof T)[keyof typeof T];
const APPROVALS = TEAMS_SEED.channels.approvals.id;
const DAY_MS = 24 * 60 * 60_000;
const inTenDays = () => new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
const ON_BEHALF = 'You decide this for **Bob Martinez**, as their delegate';

type Json = Record<string, unknown>;
const text = (value: unknown) => JSON.stringify(value ?? null);
const cardOf = (activity: { attachments?: { content?: unknown }[] }) => activity.attachments?.[0]?.content as Json;

/** The verbs of the Action.Execute buttons a card offers (its refresh aside). */
function verbsIn(card: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Json;
      if (object.type === 'Action.Execute' && typeof object.verb === 'string') found.push(object.verb);
      for (const [key, inner] of Object.entries(object)) if (key !== 'refresh') walk(inner);
    }
  };
  walk(card);
  return found;
}

const identity = (user: User): ChatIdentity => ({
  platform: 'teams',
  userId: user.id,
  email: user.email ?? undefined,
  displayName: user.name,
});

describe.each(PROVIDERS)('approval cards for delegates on %s (Teams)', (provider) => {
  let world: TeamsWorld;
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
    for (const user of [T.bob, T.dana]) await world.driver.install(user.id);
  });
  afterEach(async () => {
    await world.close();
  });

  /** The bot's cards in a person's chat about the request. */
  const cardsAbout = (user: User, requestId: string) =>
    world.teams
      .transcript(world.teams.personalConversationOf(user.id))
      .filter((a) => a.from?.id === TEAMS_SEED.bot.id && a.attachments?.length && text(a).includes(requestId));
  const latest = (conversationId: string, id: string) =>
    world.teams.transcript(conversationId).find((a) => a.id === id);

  async function aliceAsks() {
    await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
    await world.gatehouse.idle();
    return request;
  }

  async function appointDana() {
    const appointed = await world.gatehouse.flows.delegate(identity(T.bob), {
      to: identity(T.dana),
      until: inTenDays(),
    });
    return appointed.ok;
  }

  if (provider === 'okta') {
    it('appointed after the step opened: the delegate gets a card "for" the approver, approves from it, and every card shows it', async () => {
      const request = await aliceAsks();
      const bobCard = await eventually(() => cardsAbout(T.bob, request.id)[0]);
      const channelCard = await eventually(
        () => world.teams.transcript(APPROVALS).filter((a) => text(a).includes(request.id))[0],
      );
      expect(cardsAbout(T.dana, request.id)).toEqual([]);

      expect(await appointDana()).toBe(true);
      // Okta leaves the open task with Bob; the next change noticed draws the request again.
      await world.gatehouse.messages.sync(request.id);
      const danaCard = await eventually(() => cardsAbout(T.dana, request.id)[0]);
      expect(text(cardOf(danaCard))).toContain(ON_BEHALF);
      expect(verbsIn(cardOf(danaCard).actions)).toEqual(expect.arrayContaining(['approve', 'reject']));
      await world.gatehouse.messages.sync(request.id);
      expect(cardsAbout(T.dana, request.id)).toHaveLength(1);

      const danaChat = world.teams.personalConversationOf(T.dana.id);
      const answer = await world.driver.execute(
        T.dana.id,
        { conversationId: danaChat, activityId: danaCard.id },
        'approve',
      );
      expect(answer.statusCode).toBe(200);
      await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id)?.status === 'approved');
      await world.gatehouse.idle();
      expect(world.portal.writes('decide')).toBe(1);
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      for (const [conversation, id] of [
        [bobChat, bobCard.id],
        [danaChat, danaCard.id],
        [APPROVALS, channelCard.id],
      ] as const) {
        await eventually(() => {
          const now = latest(conversation, id);
          return now && /Approved/.test(text(cardOf(now))) && !verbsIn(cardOf(now).actions).includes('approve');
        });
      }
    });

    it('a delegation ended brings the delegate no card for a new request', async () => {
      expect(await appointDana()).toBe(true);
      expect((await world.gatehouse.flows.endDelegation(identity(T.bob))).ok).toBe(true);
      const request = await aliceAsks();
      await eventually(() => cardsAbout(T.bob, request.id)[0]);
      expect(cardsAbout(T.dana, request.id)).toEqual([]);
    });
  } else {
    it('has no delegates: the appointment is refused and only the approver gets the card', async () => {
      expect(await appointDana()).toBe(false);
      const request = await aliceAsks();
      await eventually(() => cardsAbout(T.bob, request.id)[0]);
      expect(cardsAbout(T.dana, request.id)).toEqual([]);
    });
  }
});
