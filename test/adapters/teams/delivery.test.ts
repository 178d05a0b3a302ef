import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED } from '../../../src/sandbox/okta/index.js';
import { cardProblems, invokeAction, TEAMS_SEED } from '../../../src/sandbox/teams/index.js';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';

const T = TEAMS_SEED.users;
const APPROVALS = TEAMS_SEED.channels.approvals.id;
let world: TeamsWorld;
beforeEach(async () => {
  world = await startTeamsWorld();
});
afterEach(async () => {
  await world.close();
});

type Json = Record<string, unknown>;
const text = (value: unknown) => JSON.stringify(value ?? null);
const cardOf = (activity: { attachments?: { content?: unknown }[] }) => activity.attachments?.[0]?.content as Json;
const botCards = (conversationId: string, needle: string) =>
  world.teams
    .transcript(conversationId)
    .filter((a) => a.from?.id === TEAMS_SEED.bot.id && a.attachments?.length && text(a).includes(needle));

async function zoomRequest() {
  await world.driver.say(T.alice.id, 'request Zoom Pro License because webinars');
  return eventually(() => world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id));
}

describe('reaching approvers in Teams', () => {
  it('finds an approver who never talked to the bot through the approvals team, and opens a 1:1 chat', async () => {
    const request = await zoomRequest();
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    const card = await eventually(() => botCards(danaChat, request.id)[0]);
    expect(text(cardOf(card))).toContain('Alice Nguyen');
    expect(world.teams.callsTo('createConversation').length).toBeGreaterThan(0);
  });

  it('retries a throttled send and still delivers every card once', async () => {
    // botbuilder sends proactive messages as replies in the conversation.
    world.teams.faults.add({ operation: 'replyToActivity', kind: 'throttled', retryAfterSeconds: 1, times: 2 });
    const request = await zoomRequest();
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    await eventually(() => botCards(danaChat, request.id)[0], 15_000);
    await eventually(() => botCards(APPROVALS, request.id)[0], 15_000);
    expect(world.teams.calls.filter((call) => call.status === 429)).toHaveLength(2);
    await world.gatehouse.messages.sync(request.id);
    expect(botCards(danaChat, request.id)).toHaveLength(1);
    expect(botCards(APPROVALS, request.id)).toHaveLength(1);
  });

  it('shows buttons on the channel card only to the approver who refreshes it', async () => {
    const request = await zoomRequest();
    const channelCard = await eventually(() => botCards(APPROVALS, request.id)[0]);
    const target = { conversationId: APPROVALS, activityId: channelCard.id };
    const dana = await world.driver.refresh(T.dana.id, target);
    expect(dana.statusCode).toBe(200);
    expect(text(dana.body)).toContain('"verb":"approve"');
    const carol = await world.driver.refresh(T.carol.id, target);
    expect(carol.notSent?.join()).toContain('refresh.userIds');
  });

  it('answers type-ahead in the request form from the catalog the person may request', async () => {
    await world.driver.say(T.alice.id, 'request');
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    await eventually(() => botCards(aliceChat, 'Request access')[0]);
    const search = {
      ...invokeAction(
        {
          id: 's1',
          timestamp: Date.now(),
          serviceUrl: `${world.baseUrl}/sandbox/teams`,
          conversation: { id: aliceChat, kind: 'personal' },
        },
        {
          user: { id: T.alice.id, name: 'Alice Nguyen', aadObjectId: T.alice.aadObjectId },
          replyToId: 'x',
          verb: '',
          data: {},
          trigger: 'manual',
        },
      ),
      name: 'application/search',
      value: { kind: 'search', queryText: 'figma', queryOptions: { skip: 0, top: 15 }, dataset: 'catalog' },
    };
    const answer = await world.driver.send(search);
    expect(answer.statusCode).toBe(200);
    expect(text(answer.body)).toContain(SEED.entries.figmaEditor.id);
  });
});

describe('every card Gatehouse sends is a valid Adaptive Card 1.5', () => {
  it('in every conversation of a full request → approve round', async () => {
    const request = await zoomRequest();
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    const card = await eventually(() => botCards(danaChat, request.id)[0]);
    await world.driver.execute(T.dana.id, { conversationId: danaChat, activityId: card.id }, 'approve');
    await eventually(() => world.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    await world.driver.say(T.alice.id, 'mine');
    await world.driver.say(T.dana.id, 'pending');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const conversations = [danaChat, APPROVALS, world.teams.personalConversationOf(T.alice.id)];
    let checked = 0;
    for (const conversation of conversations) {
      for (const sent of world.teams.cardsIn(conversation)) {
        expect(cardProblems(sent)).toEqual([]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
