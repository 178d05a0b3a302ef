import { conversationUpdate, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';

const T = TEAMS_SEED.users;
const APPROVALS = TEAMS_SEED.channels.approvals.id;
let world: TeamsWorld;
beforeEach(async () => {
  world = await startTeamsWorld();
});
afterEach(async () => {
  await world.close();
});

const botSaid = (conversationId: string) =>
  world.teams
    .transcript(conversationId)
    .filter((activity) => activity.from?.id === TEAMS_SEED.bot.id)
    .map((activity) => activity.text ?? '');

describe('greeting where Gatehouse is added', () => {
  it('tells a channel what Gatehouse does there, not the personal how-to-ask', async () => {
    // Teams' conversationUpdate when a team owner adds the app to a team: the bot among membersAdded, in a channel.
    const added = conversationUpdate(
      {
        id: 'add-1',
        timestamp: Date.now(),
        serviceUrl: world.driver.serviceUrl,
        conversation: { id: APPROVALS, kind: 'channel' },
      },
      {
        user: { id: T.bob.id, name: 'Bob Martinez', aadObjectId: T.bob.aadObjectId },
        membersAdded: [{ id: TEAMS_SEED.bot.id }],
      },
    );
    const answer = await world.driver.send(added);
    expect(answer.statusCode).toBeLessThan(300);
    await world.gatehouse.idle();
    const said = botSaid(APPROVALS);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('posted here as a card');
    expect(said[0]).toContain('1:1 chat');
    expect(said[0]).not.toContain('Write to me');
  });

  it('still greets a person who installs it with how to ask', async () => {
    await world.driver.install(T.carol.id);
    await world.gatehouse.idle();
    const said = botSaid(world.teams.personalConversationOf(T.carol.id));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('Write to me');
  });
});
