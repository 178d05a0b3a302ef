import { SEED } from '@gatehouse/sandbox/okta';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';

/**
 * Issue 19, point 3, in Teams: the answer to Action.Execute is the clicker's card, and it is drawn
 * from the decision's own reading, so the person sees the outcome one write after pressing and the
 * governance system is not read again for it.
 */
const T = TEAMS_SEED.users;
let world: TeamsWorld;

beforeEach(async () => {
  world = await startTeamsWorld();
});
afterEach(async () => {
  await world.close();
});

/** `who` asks for Salesforce in chat; Bob, their manager, gets the approval card. */
async function requestInChat(who: { id: string; email: string | null }): Promise<string> {
  await world.driver.say(who.id, 'request Salesforce Sales User because new territory');
  const found = await eventually(() =>
    world.okta.requests.find(
      (r) => r.requested.entryId === SEED.entries.salesforceSalesUser.id && r.requestedFor.externalId === oktaIdOf(who),
    ),
  );
  await world.gatehouse.idle();
  return found.id;
}

const oktaIdOf = (who: { email: string | null }) =>
  Object.values(SEED.users).find((u) => u.email.toLowerCase() === who.email?.toLowerCase())?.id;

const cardAbout = (conversationId: string, requestId: string) =>
  world.teams
    .transcript(conversationId)
    .find((a) => a.from?.id === TEAMS_SEED.bot.id && a.attachments?.length && JSON.stringify(a).includes(requestId));

describe('Approve on a Teams card', () => {
  it('answers with the card as the decision left it, reading the request no more than the decision itself does', async () => {
    await world.driver.install(T.bob.id);
    const bobChat = world.teams.personalConversationOf(T.bob.id);
    const direct = await requestInChat(T.alice);
    const pressed = await requestInChat(T.erin);
    const card = await eventually(() => cardAbout(bobChat, pressed));
    const bob = {
      platform: 'teams' as const,
      userId: T.bob.id,
      email: T.bob.email ?? undefined,
      displayName: 'Bob Martinez',
    };
    // Bob's identity resolved once, so neither decision below pays for looking him up.
    await world.gatehouse.flows.whoAmI(bob);

    // The decision alone, through the flow: what any surface must spend on it.
    let before = world.portal.requestReads(direct);
    const decided = await world.gatehouse.flows.decide(bob, { requestId: direct, decision: 'approve' });
    expect(decided.ok).toBe(true);
    await world.gatehouse.idle();
    const decisionReads = world.portal.requestReads(direct) - before;

    before = world.portal.requestReads(pressed);
    const answer = await world.driver.execute(T.bob.id, { conversationId: bobChat, activityId: card.id }, 'approve');
    await world.gatehouse.idle();

    expect(answer.statusCode).toBe(200);
    expect(JSON.stringify(answer.body)).toContain('Approved by Bob Martinez');
    expect(world.portal.requestReads(pressed) - before).toBe(decisionReads);
    expect(world.portal.status(pressed)).toBe('approved');
  });
});
