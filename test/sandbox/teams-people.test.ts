import { sandboxPlugin } from '@gatehouse/sandbox';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  createTeamsTenant,
  type Json,
  TEAMS_SEED,
  TeamsDriver,
  type TeamsTenantOptions,
} from '@gatehouse/sandbox/teams';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The Teams stand-in's people, as issue 21 needs them: the People Picker (an Input.ChoiceSet over
 * `graph.microsoft.com/users`), which Teams answers from the directory without asking the bot, whose
 * value is the Entra object id; toggles gathered by a bulk action; and @mentions in a message.
 */

const { users: U, bot: BOT } = TEAMS_SEED;
// biome-ignore lint/suspicious/noExplicitAny: activities are read field by field in assertions.
type Activity = Record<string, any>;

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** The Teams stand-in and a fake bot that answers any message with `card` and any invoke with a message. */
async function world(card: Json, options: TeamsTenantOptions = {}) {
  const tenant = createTeamsTenant(options);
  const received: Activity[] = [];
  const app = Fastify();
  await app.register(sandboxPlugin, { prefix: '/sandbox', teams: tenant });
  app.post('/api/messages', async (request, reply) => {
    const activity = request.body as Activity;
    received.push(activity);
    if (activity.type === 'invoke') {
      return reply.send({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'ok' });
    }
    const conversation = encodeURIComponent(String(activity.conversation.id));
    await fetch(`${activity.serviceUrl}v3/conversations/${conversation}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content: card }],
      }),
    });
    return reply.send();
  });
  opened.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const driver = new TeamsDriver({ tenant, inject: (request) => app.inject(request), baseUrl: origin });
  /** The card the bot sends a person when they say anything. */
  const cardFor = async (userId: string) => {
    await driver.say(userId, 'card');
    const chat = tenant.personalConversationOf(userId);
    const posted = tenant.transcript(chat).filter((entry) => entry.from.id === BOT.id);
    return { conversationId: chat, activityId: String(posted.at(-1)?.id) };
  };
  return { tenant, received, driver, cardFor };
}

const forwardCard: Json = {
  type: 'AdaptiveCard',
  version: '1.5',
  body: [{ type: 'TextBlock', text: 'Salesforce for Alice', wrap: true }],
  actions: [
    {
      type: 'Action.ShowCard',
      title: 'Forward',
      card: {
        type: 'AdaptiveCard',
        body: [
          {
            type: 'Input.ChoiceSet',
            id: 'forwardTo',
            label: 'Forward to',
            isRequired: true,
            choices: [],
            'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' },
          },
          {
            type: 'Input.ChoiceSet',
            id: 'cc',
            label: 'Tell',
            isMultiSelect: true,
            choices: [],
            'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users?scope=currentContext' },
          },
        ],
        actions: [{ type: 'Action.Execute', title: 'Forward', verb: 'forward', data: { requestId: 'r1' } }],
      },
    },
  ],
};

describe('the People Picker', () => {
  it('is searched by Teams in the directory, never by the bot, offering people by Entra object id', async () => {
    const { received, driver, cardFor } = await world(forwardCard);
    const target = await cardFor(U.bob.id);
    const before = received.length;
    const found = await driver.search(U.bob.id, target, 'forwardTo', 'car');
    expect(found.activity).toBeUndefined();
    expect(found.notSent).toEqual([]);
    expect(found.results).toEqual([{ title: 'Carol Okafor', value: U.carol.aadObjectId }]);
    expect(received).toHaveLength(before);
    // By mail or UPN too, everyone in the tenant (a guest as well), at most 15.
    expect((await driver.search(U.bob.id, target, 'forwardTo', 'dana@')).results).toEqual([
      { title: 'Dana Kowalski', value: U.dana.aadObjectId },
    ]);
    expect((await driver.search(U.bob.id, target, 'forwardTo', '')).results).toHaveLength(13);
    expect((await driver.search(U.bob.id, target, 'forwardTo', '', { top: 50 })).results).toHaveLength(13);
    expect((await driver.search(U.bob.id, target, 'forwardTo', '', { skip: 10 })).results).toHaveLength(3);
  });

  it('offers only the conversation’s members with scope=currentContext', async () => {
    const { driver, cardFor } = await world(forwardCard);
    const target = await cardFor(U.bob.id);
    expect((await driver.search(U.bob.id, target, 'cc', '')).results).toEqual([
      { title: 'Bob Martinez', value: U.bob.aadObjectId },
    ]);
  });

  it('sends the picked people’s Entra object ids, comma-separated for a multi-select', async () => {
    const { received, driver, cardFor } = await world(forwardCard);
    const target = await cardFor(U.bob.id);
    await driver.execute(U.bob.id, target, 'forward', { forwardTo: U.carol.aadObjectId, cc: U.bob.aadObjectId });
    expect(received.at(-1)?.value.action).toEqual({
      type: 'Action.Execute',
      verb: 'forward',
      data: { requestId: 'r1', forwardTo: U.carol.aadObjectId, cc: U.bob.aadObjectId },
    });
  });

  it('refuses values Teams could not send: a Teams id, someone outside the directory or the chat, two in a single pick', async () => {
    const { received, driver, cardFor } = await world(forwardCard);
    const target = await cardFor(U.bob.id);
    const sent = received.length;
    await expect(driver.execute(U.bob.id, target, 'forward', { forwardTo: U.carol.id })).rejects.toThrow(
      /not an Entra object id the people picker forwardTo offers/,
    );
    await expect(
      driver.execute(U.bob.id, target, 'forward', { forwardTo: '00000000-0000-4000-9000-000000009999' }),
    ).rejects.toThrow(/no one in the tenant's directory/);
    await expect(
      driver.execute(U.bob.id, target, 'forward', { forwardTo: `${U.carol.aadObjectId},${U.dana.aadObjectId}` }),
    ).rejects.toThrow(/picks one person; 2 were given/);
    await expect(
      driver.execute(U.bob.id, target, 'forward', { forwardTo: U.carol.aadObjectId, cc: U.carol.aadObjectId }),
    ).rejects.toThrow(/cc offers there/);
    expect((await driver.execute(U.bob.id, target, 'forward')).notSent).toEqual(['Forward to (forwardTo) is required']);
    expect(received).toHaveLength(sent);
  });
});

describe('toggles in a list', () => {
  it('sends each item’s Input.Toggle with the bulk action, unticked ones as their valueOff', async () => {
    const list: Json = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: ['r1', 'r2', 'r3'].map((id) => ({
        type: 'Input.Toggle',
        id: `pick-${id}`,
        title: `Request ${id}`,
        valueOn: 'true',
        valueOff: 'false',
      })),
      actions: [{ type: 'Action.Execute', title: 'Approve selected', verb: 'approveSelected' }],
    };
    const { received, driver, cardFor } = await world(list);
    const target = await cardFor(U.bob.id);
    await driver.execute(U.bob.id, target, 'approveSelected', { 'pick-r1': 'true', 'pick-r3': 'true' });
    expect(received.at(-1)?.value.action.data).toEqual({ 'pick-r1': 'true', 'pick-r2': 'false', 'pick-r3': 'true' });
    await expect(driver.execute(U.bob.id, target, 'approveSelected', { 'pick-r2': 'yes' })).rejects.toThrow(
      /either true or false/,
    );
  });
});

describe('@mentions in a message', () => {
  it('sends <at>Name</at> with a mention entity naming the person by Teams id', async () => {
    const { received, driver } = await world(forwardCard, { mentionsOutsideConversation: true });
    await driver.say(U.alice.id, ['delegate ', { mention: U.carol.id }, ' until 2026-12-24']);
    const said = received[0];
    expect(said?.text).toBe('delegate <at>Carol Okafor</at> until 2026-12-24');
    expect(said?.entities).toEqual([
      { type: 'mention', text: '<at>Carol Okafor</at>', mentioned: { id: U.carol.id, name: 'Carol Okafor' } },
      { locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Etc/UTC', type: 'clientInfo' },
    ]);
  });

  it('refuses, by default, to mention someone outside the 1:1 chat, as Teams suggests only its members', async () => {
    const { received, driver, tenant } = await world(forwardCard);
    expect(tenant.mentionsOutsideConversation).toBe(false);
    await expect(driver.say(U.alice.id, ['delegate ', { mention: U.carol.id }])).rejects.toThrow(
      /Carol Okafor is not in a:1on1-alice/,
    );
    expect(received).toHaveLength(0);
  });
});
