import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg } from '@gatehouse/sandbox/okta';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  cardProblems,
  createTeamsTenant,
  type Json,
  TEAMS_SEED,
  TeamsDriver,
  type TeamsTenant,
} from '@gatehouse/sandbox/teams';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type ConversationParameters,
  type ConversationReference,
  TeamsInfo,
  type TurnContext,
} from 'botbuilder';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const START = Date.UTC(2026, 0, 15, 9, 0, 0);
const { users: U, channels: C, bot: BOT, tenantId: TENANT } = TEAMS_SEED;

/** A stand-in for the bot's messaging endpoint: records what Teams posts and answers as told. */
interface FakeBot {
  received: Json[];
  onMessage: (activity: Json) => Promise<void>;
  onInvoke: (activity: Json) => { status: number; body?: unknown };
}

interface Harness {
  tenant: TeamsTenant;
  origin: string;
  serviceUrl: string;
  adapter: CloudAdapter;
  bot: FakeBot;
  driver: TeamsDriver;
}

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** The sandbox on a real socket, a fake bot at /api/messages, and botbuilder's CloudAdapter without app credentials. */
async function harness(): Promise<Harness> {
  const tenant = createTeamsTenant({ now: () => START });
  const app = Fastify();
  await app.register(sandboxPlugin, { prefix: '/sandbox', teams: tenant });
  const bot: FakeBot = {
    received: [],
    onMessage: async () => {},
    onInvoke: () => ({
      status: 200,
      body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'ok' },
    }),
  };
  app.post('/api/messages', async (request, reply) => {
    const activity = request.body as Json;
    bot.received.push(activity);
    if (activity.type === 'invoke') {
      const answer = bot.onInvoke(activity);
      return reply.code(answer.status).send(answer.body);
    }
    if (activity.type === 'message') await bot.onMessage(activity);
    return reply.code(200).send();
  });
  opened.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const driver = new TeamsDriver({ tenant, inject: (request) => app.inject(request), baseUrl: origin });
  return { tenant, origin, serviceUrl: `${origin}/sandbox/teams`, adapter, bot, driver };
}

const reference = (h: Harness, conversationId: string): Partial<ConversationReference> => ({
  channelId: 'msteams',
  serviceUrl: h.serviceUrl,
  conversation: {
    id: conversationId,
    isGroup: conversationId.startsWith('19:'),
    conversationType: '',
    tenantId: TENANT,
    name: '',
  },
  bot: { ...BOT },
});

/** Runs logic as the bot in a conversation, proactively, exactly as Gatehouse's messenger does. */
async function asBot<T>(h: Harness, conversationId: string, logic: (context: TurnContext) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await h.adapter.continueConversationAsync('', reference(h, conversationId), async (context) => {
    result = await logic(context);
  });
  return result as T;
}

const oneToOne = (userId: string, extra: Partial<ConversationParameters> = {}): ConversationParameters =>
  ({
    isGroup: false,
    bot: { ...BOT },
    members: [{ id: userId, name: '' }],
    tenantId: TENANT,
    channelData: { tenant: { id: TENANT } },
    ...extra,
  }) as ConversationParameters;

async function createConversation(h: Harness, parameters: ConversationParameters): Promise<string> {
  let id = '';
  await h.adapter.createConversationAsync('', 'msteams', h.serviceUrl, '', parameters, async (context) => {
    id = context.activity.conversation.id;
  });
  return id;
}

/** The connector's refusal: botframework-connector throws with the status and the ErrorResponse's code and message. */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected the connector to refuse');
    },
    (caught: unknown) => caught as { statusCode: number; details: { error: { code: string; message: string } } },
  );
  return { status: error.statusCode, ...error.details.error };
}

// biome-ignore lint/suspicious/noExplicitAny: the connector's JSON answers are read field by field in assertions.
type Answer = Record<string, any>;
const json = async (response: Response) => (await response.json()) as Answer;
const lastReceived = (h: Harness): Answer => h.bot.received.at(-1) as Answer;

const card = (body: unknown[], extra: Json = {}): Json => ({
  type: 'AdaptiveCard',
  $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
  version: '1.5',
  body,
  ...extra,
});
const withCard = (content: Json) => ({
  type: 'message',
  attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, content }],
});
const text = (value: string) => ({ type: 'TextBlock', text: value, wrap: true });
const execute = (title: string, verb: string, data: Json = {}) => ({ type: 'Action.Execute', title, verb, data });
const actionSet = (...actions: Json[]) => ({ type: 'ActionSet', actions });

describe('the seed', () => {
  it('is the Okta seed company in Teams, plus a guest without email and a stranger Okta does not know', () => {
    const okta = createOktaOrg().users;
    const tenant = createTeamsTenant();
    const people = tenant.users.filter((user) => user.id !== U.guest.id && user.id !== U.stranger.id);
    expect(people).toHaveLength(11);
    for (const person of people) {
      const match = okta.filter((user) => user.profile.email === person.email);
      expect(match.map((user) => `${user.profile.firstName} ${user.profile.lastName}`)).toContain(person.name);
    }
    expect(tenant.usersByEmail('ambiguous@acme.example').map((user) => user.id)).toEqual([
      U.jordanLee.id,
      U.jordanLi.id,
    ]);
    expect(tenant.user(U.guest.id)).toMatchObject({
      userRole: 'guest',
      userPrincipalName: 'sam_guest#EXT#@acme.onmicrosoft.com',
    });
    expect(tenant.user(U.guest.id)?.email).toBeUndefined();
    expect(okta.some((user) => user.profile.email === U.stranger.email)).toBe(false);
    expect(tenant.user('ALICE@acme.example')?.id).toBe('29:1alice-sandbox');
    expect(tenant.personalConversationOf(U.alice.id)).toBe('a:1on1-alice');
  });
});

describe('conversations, as botbuilder calls them', () => {
  it('creates a 1:1 chat idempotently, and refuses ids, tenants and people Teams would refuse', async () => {
    const h = await harness();
    expect(await createConversation(h, oneToOne(U.alice.id))).toBe('a:1on1-alice');
    expect(await createConversation(h, oneToOne(U.alice.id))).toBe('a:1on1-alice');
    expect(h.tenant.callsTo('createConversation').map((call) => call.status)).toEqual([201, 201]);
    expect(await refusal(createConversation(h, oneToOne('29:1nobody')))).toEqual({
      status: 400,
      code: 'BadArgument',
      message: 'Failed to decrypt pairwise id',
    });
    const noTenant = oneToOne(U.alice.id, { tenantId: undefined, channelData: {} });
    expect(await refusal(createConversation(h, noTenant))).toMatchObject({ status: 400, code: 'BadArgument' });
    h.tenant.setInstalled(U.alice.id, false);
    expect(await refusal(createConversation(h, oneToOne(U.alice.id)))).toMatchObject({
      status: 403,
      code: 'BotNotInConversationRoster',
    });
  });

  it('sends, replies, updates and deletes; the transcript keeps the latest version and counts updates', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.alice.id);
    const [first, second] = await asBot(h, chat, async (context) => {
      const sent = await context.sendActivity('Your request is in');
      // TurnContext replaces replyToId with its own reference's; the connector client replies to a chosen message.
      const connector = context.turnState.get(context.adapter.ConnectorClientKey) as {
        conversations: { replyToActivity(id: string, to: string, activity: Json): Promise<{ id: string }> };
      };
      const reply = await connector.conversations.replyToActivity(chat, sent?.id as string, {
        type: 'message',
        text: 'More soon',
      });
      await context.updateActivity({ id: sent?.id, type: 'message', text: 'Your request was approved' });
      await context.deleteActivity(reply.id);
      return [sent?.id, reply.id];
    });
    expect(Number(second)).toBeGreaterThan(Number(first));
    const [edited, deleted] = h.tenant.transcript(chat);
    expect(edited).toMatchObject({ id: first, from: { id: BOT.id }, text: 'Your request was approved', updates: 1 });
    expect(deleted).toMatchObject({ id: second, replyToId: first, deleted: true });
    expect(deleted?.text).toBeUndefined();
    expect(h.tenant.calls.map((call) => `${call.operation} ${call.status}`)).toEqual([
      'replyToActivity 201',
      'replyToActivity 201',
      'updateActivity 200',
      'deleteActivity 200',
    ]);
  });

  it('refuses unknown conversations, unknown activities and edits of a person’s message, in Teams’ words', async () => {
    const h = await harness();
    expect(await refusal(asBot(h, 'a:1on1-nobody', (context) => context.sendActivity('hi')))).toEqual({
      status: 404,
      code: 'ConversationNotFound',
      message: 'Conversation not found.',
    });
    const chat = h.tenant.personalConversationOf(U.alice.id);
    const unknown = asBot(h, chat, (context) => context.updateActivity({ id: '42', type: 'message', text: 'x' }));
    expect(await refusal(unknown)).toMatchObject({ status: 404, code: 'ActivityNotFoundInConversation' });
    const said = await h.driver.say(U.alice.id, 'hello');
    const theirs = asBot(h, chat, (context) =>
      context.updateActivity({ id: said.activity?.id as string, type: 'message', text: 'x' }),
    );
    expect(await refusal(theirs)).toMatchObject({ status: 403, code: 'NotEnoughPermissions' });
  });

  it('threads channel posts by conversation id: a bare channel id starts a thread, `;messageid=` replies in it', async () => {
    const h = await harness();
    const root = await asBot(h, C.approvals.id, (context) => context.sendActivity('New request'));
    const thread = `${C.approvals.id};messageid=${root?.id}`;
    const reply = await asBot(h, thread, (context) => context.sendActivity('Bob commented'));
    const started = await asBot(h, C.approvals.id, (context) => {
      const connector = context.turnState.get(context.adapter.ConnectorClientKey) as {
        conversations: {
          createConversation(parameters: ConversationParameters): Promise<{ id: string; activityId: string }>;
        };
      };
      return connector.conversations.createConversation({
        isGroup: true,
        channelData: { channel: { id: C.approvals.id } },
        activity: { type: 'message', text: 'Another request' },
      } as ConversationParameters);
    });
    expect(started.id).toBe(`${C.approvals.id};messageid=${started.activityId}`);
    expect(h.tenant.transcript(C.approvals.id).map((entry) => [entry.id, entry.text, entry.replyToId])).toEqual([
      [root?.id, 'New request', undefined],
      [reply?.id, 'Bob commented', root?.id],
      [started.activityId, 'Another request', undefined],
    ]);
    const lost = asBot(h, `${C.approvals.id};messageid=123`, (context) => context.sendActivity('x'));
    expect(await refusal(lost)).toMatchObject({ status: 404, code: 'ActivityNotFoundInConversation' });
  });

  it('refuses to write to someone who removed the app (403 BotNotInConversationRoster)', async () => {
    const h = await harness();
    await h.driver.uninstall(U.bob.id);
    const chat = h.tenant.personalConversationOf(U.bob.id);
    expect(await refusal(asBot(h, chat, (context) => context.sendActivity('hi')))).toMatchObject({
      status: 403,
      code: 'BotNotInConversationRoster',
    });
  });
});

describe('members and teams, as TeamsInfo asks', () => {
  it('gives a member’s profile, leaves out a guest’s missing email, and refuses someone not in the chat', async () => {
    const h = await harness();
    const alice = await asBot(h, h.tenant.personalConversationOf(U.alice.id), (context) =>
      TeamsInfo.getMember(context, U.alice.id),
    );
    expect(alice).toEqual({
      id: U.alice.id,
      name: 'Alice Nguyen',
      aadObjectId: U.alice.aadObjectId,
      objectId: U.alice.aadObjectId,
      givenName: 'Alice',
      surname: 'Nguyen',
      email: 'alice@acme.example',
      userPrincipalName: 'alice@acme.example',
      tenantId: TENANT,
      userRole: 'user',
    });
    const guest = await asBot(h, h.tenant.personalConversationOf(U.guest.id), (context) =>
      TeamsInfo.getMember(context, U.guest.id),
    );
    expect(guest).toMatchObject({ userRole: 'guest', userPrincipalName: U.guest.userPrincipalName });
    expect('email' in guest).toBe(false);
    const stranger = asBot(h, h.tenant.personalConversationOf(U.alice.id), (context) =>
      TeamsInfo.getMember(context, U.bob.id),
    );
    expect(await refusal(stranger)).toMatchObject({ status: 404, code: 'MemberNotFoundInConversation' });
  });

  it('lists a channel’s roster in pages of at least 50, finds members by UPN in the team, and describes the team', async () => {
    const h = await harness();
    const answers = await asBot(h, C.approvals.id, async (context) => ({
      page: await TeamsInfo.getPagedMembers(context, 2),
      dana: await TeamsInfo.getTeamMember(context, TEAMS_SEED.team.id, U.dana.userPrincipalName),
      details: await TeamsInfo.getTeamDetails(context, TEAMS_SEED.team.id),
      channels: await TeamsInfo.getTeamChannels(context, TEAMS_SEED.team.id),
    }));
    expect(answers.page.members).toHaveLength(11);
    expect(answers.page.members.map((member) => member.id)).not.toContain(U.guest.id);
    expect(answers.page.continuationToken).toBeUndefined();
    expect(answers.dana.id).toBe(U.dana.id);
    expect(answers.details).toMatchObject({
      id: TEAMS_SEED.team.id,
      name: 'Acme',
      aadGroupId: TEAMS_SEED.team.aadGroupId,
    });
    expect(answers.channels).toEqual([
      { id: C.general.id, name: null },
      { id: C.approvals.id, name: 'access-approvals' },
    ]);
    const badToken = await fetch(
      `${h.serviceUrl}/v3/conversations/${encodeURIComponent(C.approvals.id)}/pagedmembers?continuationToken=zz`,
    );
    expect(badToken.status).toBe(400);
  });
});

describe('readers for tests and the playground, and authentication', () => {
  it('serves the transcript and the users', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.alice.id);
    await asBot(h, chat, (context) => context.sendActivity('hello'));
    const transcript = await json(
      await fetch(`${h.serviceUrl}/v3/conversations/${encodeURIComponent(chat)}/activities`),
    );
    expect(transcript).toEqual({ activities: h.tenant.transcript(chat) });
    expect(transcript.activities[0]).toMatchObject({ text: 'hello', from: { id: BOT.id }, updates: 0 });
    const { users } = await json(await fetch(`${h.serviceUrl}/users`));
    expect(users).toContainEqual({
      id: U.alice.id,
      aadObjectId: U.alice.aadObjectId,
      name: 'Alice Nguyen',
      email: 'alice@acme.example',
      userPrincipalName: 'alice@acme.example',
      userRole: 'user',
      conversationId: chat,
    });
    expect(users.find((user: Json) => user.id === U.guest.id).email).toBeUndefined();
    const missing = await fetch(`${h.serviceUrl}/v3/conversations/nope/activities`);
    expect([missing.status, (await json(missing)).error.code]).toEqual([404, 'ConversationNotFound']);
  });

  it('accepts anonymous calls and any Bearer token, and refuses other schemes', async () => {
    const h = await harness();
    const get = (authorization?: string) =>
      fetch(`${h.serviceUrl}/v3/teams/${encodeURIComponent(TEAMS_SEED.team.id)}`, {
        headers: authorization ? { authorization } : {},
      });
    expect((await get()).status).toBe(200);
    expect((await get('Bearer anything')).status).toBe(200);
    const basic = await get('Basic dXNlcjpwYXNz');
    expect([basic.status, await basic.json()]).toEqual([
      401,
      { message: 'Authorization has been denied for this request.' },
    ]);
  });
});

describe('what the connector refuses in the bot’s activities', () => {
  it('refuses an invalid Adaptive Card with BadArgument naming the attachment, the element, the property and why', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const invalid = card([
      { type: 'TextBlock', wrap: true },
      { type: 'Carousel', pages: [] },
    ]);
    const answer = await refusal(asBot(h, chat, (context) => context.sendActivity(withCard(invalid))));
    expect(answer.status).toBe(400);
    expect(answer.code).toBe('BadArgument');
    expect(answer.message).toContain(
      "attachments[0] (Adaptive Card): TextBlock at body[0] is missing required property 'text'",
    );
    expect(answer.message).toContain("body[1]: unknown element type 'Carousel'");
    expect(h.tenant.transcript(chat)).toEqual([]);
  });

  it('accepts a valid 1.5 card, refuses an update to 1.6 and keeps the card as it was', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const good = card([text('Approve Figma?'), actionSet(execute('Approve', 'approve', { requestId: 'r1' }))], {
      refresh: { action: { type: 'Action.Execute', verb: 'refresh' }, userIds: [U.bob.id] },
    });
    const sent = await asBot(h, chat, (context) => context.sendActivity(withCard(good)));
    const newer = { ...good, version: '1.6' };
    const update = asBot(h, chat, (context) => context.updateActivity({ ...withCard(newer), id: sent?.id }));
    expect(await refusal(update)).toMatchObject({
      status: 400,
      code: 'BadArgument',
      message: "attachments[0] (Adaptive Card): the card's version 1.6 is above 1.5, the highest Teams renders",
    });
    expect(h.tenant.cardsIn(chat)).toEqual([good]);
    expect(h.tenant.activity(chat, sent?.id as string)?.updates).toBe(0);
  });

  it('refuses an activity over 28 KB with 413 MessageSizeTooBig', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const big = asBot(h, chat, (context) => context.sendActivity('x'.repeat(29 * 1024)));
    expect(await refusal(big)).toMatchObject({ status: 413, code: 'MessageSizeTooBig' });
    expect((await refusal(big)).message).toMatch(/^Message size too large\./);
    expect(await asBot(h, chat, (context) => context.sendActivity('x'.repeat(27 * 1024)))).toHaveProperty('id');
  });

  it('splits text plus attachments into two messages and answers without an id, as Teams does', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const both = await asBot(h, chat, (context) =>
      context.sendActivity({ ...withCard(card([text('x')])), text: 'see card' }),
    );
    expect(both?.id).toBeUndefined();
    expect(h.tenant.transcript(chat).map((entry) => [entry.text, entry.attachments.length])).toEqual([
      ['see card', 0],
      [undefined, 1],
    ]);
  });
});

describe('faults', () => {
  it('throttles with 429 and Retry-After; the ConnectorClient waits for it and retries', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.bob.id);
    h.tenant.faults.add({ path: /\/activities/, kind: 'throttled', retryAfterSeconds: 7 });
    const raw = await fetch(`${h.serviceUrl}/v3/conversations/${encodeURIComponent(chat)}/activities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'hi' }),
    });
    expect([raw.status, raw.headers.get('retry-after'), (await json(raw)).error.code]).toEqual([429, '7', 'Throttled']);

    h.tenant.faults.add({ operation: 'replyToActivity', kind: 'throttled', retryAfterSeconds: 1 });
    const started = Date.now();
    expect(await asBot(h, chat, (context) => context.sendActivity('hi'))).toHaveProperty('id');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(h.tenant.callsTo('replyToActivity').map((call) => call.status)).toEqual([429, 201]);
  });

  it('answers any status with an ErrorResponse, then recovers; delays answer late', async () => {
    const h = await harness();
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const sent = await asBot(h, chat, (context) => context.sendActivity('hi'));
    h.tenant.faults.add({ method: 'PUT', kind: 'status', status: 412 });
    const update = () =>
      asBot(h, chat, (context) => context.updateActivity({ id: sent?.id, type: 'message', text: 'x' }));
    expect(await refusal(update())).toMatchObject({ status: 412, code: 'PreconditionFailed' });
    await update();
    h.tenant.faults.add({ operation: 'updateActivity', kind: 'delay', ms: 150 });
    const started = Date.now();
    await update();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(h.tenant.faults.size).toBe(0);
  });
});

describe('cardProblems', () => {
  it('finds nothing wrong in a valid card, and says where and why for each problem otherwise', () => {
    expect(cardProblems(card([text('ok'), actionSet(execute('Approve', 'approve'))]))).toEqual([]);
    const nested = card([
      { type: 'Container', items: [{ type: 'TextBlock', text: 'a', color: 'pink' }] },
      { type: 'Image', url: 'https://x.example/a.png', selectAction: { type: 'Action.ShowCard', card: card([]) } },
      actionSet({
        type: 'Action.ShowCard',
        title: 'Reject',
        card: { type: 'AdaptiveCard', body: [{ type: 'Input.Text' }] },
      }),
      { type: 'Column', items: [] },
    ]);
    expect(cardProblems(nested)).toEqual([
      'TextBlock at body[0].items[0]: color must be one of "default", "dark", "light", "accent", "good", "warning", "attention", null',
      'body[1].selectAction: Action.ShowCard is not allowed as a select action here (allowed: Action.Execute, Action.OpenUrl, Action.Submit, Action.ToggleVisibility)',
      "Input.Text at body[2].actions[0].card.body[0] is missing required property 'id'",
      expect.stringMatching(/^body\[3\]: Column is not allowed as an element here/),
    ]);
    expect(cardProblems({ type: 'AdaptiveCard', body: [] })).toEqual([
      'the card has no version; a top-level card must declare one',
    ]);
    expect(cardProblems('card')).toEqual(['the card must be a JSON object']);
    expect(cardProblems(card([], { version: '1.6' }))).toEqual([
      "the card's version 1.6 is above 1.5, the highest Teams renders",
    ]);
  });
});

describe('TeamsDriver', () => {
  /** The fake bot answers "card" with the given card, posted through the serviceUrl Teams gave it. */
  function cardOnRequest(h: Harness, content: Json) {
    h.bot.onMessage = async (activity) => {
      const conversation = activity.conversation as Json;
      await fetch(`${activity.serviceUrl}v3/conversations/${encodeURIComponent(String(conversation.id))}/activities`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(withCard(content)),
      });
    };
  }

  it('says a message as Teams posts it, and records it before the bot’s answer', async () => {
    const h = await harness();
    cardOnRequest(h, card([text('hi')]));
    const said = await h.driver.say(U.alice.id, 'help');
    expect(said.statusCode).toBe(200);
    const chat = h.tenant.personalConversationOf(U.alice.id);
    expect(h.bot.received[0]).toEqual({
      id: String(START),
      timestamp: '2026-01-15T09:00:00.000Z',
      localTimestamp: '2026-01-15T09:00:00.000+00:00',
      localTimezone: 'Etc/UTC',
      serviceUrl: `${h.origin}/sandbox/teams/`,
      channelId: 'msteams',
      from: { id: U.alice.id, name: 'Alice Nguyen', aadObjectId: U.alice.aadObjectId },
      conversation: { conversationType: 'personal', tenantId: TENANT, id: chat },
      recipient: { id: BOT.id, name: 'Gatehouse' },
      entities: [{ locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Etc/UTC', type: 'clientInfo' }],
      locale: 'en-US',
      type: 'message',
      textFormat: 'plain',
      text: 'help',
      channelData: { tenant: { id: TENANT } },
    });
    expect(h.tenant.transcript(chat).map((entry) => [entry.from.id, entry.type, entry.text ?? 'card'])).toEqual([
      [U.alice.id, 'message', 'help'],
      [BOT.id, 'message', 'card'],
    ]);
  });

  it('presses an Action.Execute wherever it sits and merges the inputs of its card and the cards around it', async () => {
    const h = await harness();
    const rejectCard = {
      type: 'AdaptiveCard',
      body: [{ type: 'Input.Text', id: 'reason', label: 'Reason', isRequired: true }],
      actions: [execute('Send', 'reject', { requestId: 'r1', reason: 'overwritten' })],
    };
    cardOnRequest(
      h,
      card([
        { type: 'Input.Toggle', id: 'notify', title: 'Notify the requester' },
        actionSet(execute('Approve', 'approve', { requestId: 'r1' }), {
          type: 'Action.ShowCard',
          title: 'Reject',
          card: rejectCard,
        }),
      ]),
    );
    await h.driver.say(U.bob.id, 'card');
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const target = { conversationId: chat, activityId: h.tenant.transcript(chat)[1]?.id as string };

    expect((await h.driver.execute(U.bob.id, target, 'reject')).notSent).toEqual(['Reason (reason) is required']);
    const rejected = await h.driver.execute(U.bob.id, target, 'reject', { reason: 'not now', notify: 'true' });
    expect(rejected.answerProblems).toEqual([]);
    const invoke = lastReceived(h) as Json;
    expect(invoke).toMatchObject({
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: target.activityId,
      conversation: { conversationType: 'personal', id: chat },
      from: { id: U.bob.id },
      value: {
        action: {
          type: 'Action.Execute',
          verb: 'reject',
          data: { requestId: 'r1', reason: 'not now', notify: 'true' },
        },
        trigger: 'manual',
      },
      channelData: { tenant: { id: TENANT }, source: { name: 'message' } },
    });
    expect(String(invoke.id)).toMatch(/^f:/);
    await h.driver.execute(U.bob.id, target, 'Approve');
    expect((lastReceived(h).value as Json).action).toMatchObject({
      verb: 'approve',
      data: { requestId: 'r1', notify: 'false' },
    });
    await expect(h.driver.execute(U.bob.id, target, 'escalate')).rejects.toThrow(
      /Approve \[approve\], Send \[reject\]/,
    );
    await expect(h.driver.execute(U.bob.id, target, 'reject', { why: 'x' })).rejects.toThrow(/no input 'why'/);
  });

  it('presses the Action.Execute a list item holds, named by its id or its own data, where verbs repeat', async () => {
    const h = await harness();
    cardOnRequest(
      h,
      card([
        text('Jira for Alice'),
        actionSet(execute('Approve', 'approve', { requestId: 'r1' })),
        text('Zoom for Alice'),
        actionSet(execute('Approve', 'approve', { requestId: 'r2' })),
        actionSet({ ...execute('Approve', 'approve', { requestId: 'r3' }), id: 'approve-r3' }),
      ]),
    );
    await h.driver.say(U.bob.id, 'card');
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const target = { conversationId: chat, activityId: h.tenant.transcript(chat)[1]?.id as string };

    await expect(h.driver.execute(U.bob.id, target, 'approve')).rejects.toThrow(/several Action.Execute match/);
    await h.driver.execute(U.bob.id, target, { verb: 'approve', data: { requestId: 'r2' } });
    expect((lastReceived(h).value as Json).action).toEqual({
      type: 'Action.Execute',
      verb: 'approve',
      data: { requestId: 'r2' },
    });
    await h.driver.execute(U.bob.id, target, { id: 'approve-r3' });
    expect((lastReceived(h).value as Json).action).toMatchObject({ id: 'approve-r3', data: { requestId: 'r3' } });
    await expect(h.driver.execute(U.bob.id, target, { verb: 'approve', data: { requestId: 'r9' } })).rejects.toThrow(
      /no Action.Execute/,
    );
  });

  it('asks the bot for a dynamic type-ahead’s choices as Teams does, and lets the person pick one', async () => {
    const h = await harness();
    const picker = {
      type: 'Input.ChoiceSet',
      id: 'entry',
      label: 'What do you need?',
      style: 'filtered',
      choices: [{ title: 'Zoom — Pro License', value: 'zoom' }],
      'choices.data': { type: 'Data.Query', dataset: 'catalog' },
    };
    cardOnRequest(h, card([picker], { actions: [execute('Request', 'request', {})] }));
    h.bot.onInvoke = (activity) =>
      activity.name === 'application/search'
        ? {
            status: 200,
            body: {
              type: 'application/vnd.microsoft.search.searchResponse',
              value: { results: [{ title: 'Salesforce — Sales User', value: 'sf-user' }] },
            },
          }
        : { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'ok' } };
    await h.driver.say(U.alice.id, 'card');
    const chat = h.tenant.personalConversationOf(U.alice.id);
    const target = { conversationId: chat, activityId: h.tenant.transcript(chat)[1]?.id as string };

    const found = await h.driver.search(U.alice.id, target, 'entry', 'sales');
    expect(found.answerProblems).toEqual([]);
    expect(found.results).toEqual([{ title: 'Salesforce — Sales User', value: 'sf-user' }]);
    const search = lastReceived(h);
    expect(search).toMatchObject({
      type: 'invoke',
      name: 'application/search',
      from: { id: U.alice.id },
      conversation: { conversationType: 'personal', id: chat },
      value: { queryText: 'sales', queryOptions: { skip: 0, top: 15 }, dataset: 'catalog' },
    });
    // The client leaves `kind` out (microsoft/teams.ts#667), and names no card message.
    expect(search.value).not.toHaveProperty('kind');
    expect(search).not.toHaveProperty('replyToId');

    await h.driver.execute(U.alice.id, target, 'request', { entry: 'sf-user' });
    expect((lastReceived(h).value as Json).action).toMatchObject({ verb: 'request', data: { entry: 'sf-user' } });
    await expect(h.driver.search(U.alice.id, target, 'nothing', 'x')).rejects.toThrow(/no input 'nothing'/);
  });

  it('refreshes only for refresh.userIds, and shows each person the card the bot answered them with', async () => {
    const h = await harness();
    const forEveryone = card([text('Figma for Alice')], {
      refresh: { action: { type: 'Action.Execute', verb: 'refresh', data: { requestId: 'r1' } }, userIds: [U.bob.id] },
    });
    const forBob = card([text('Figma for Alice'), actionSet(execute('Approve', 'approve', { requestId: 'r1' }))]);
    const posted = await asBot(h, C.approvals.id, (context) => context.sendActivity(withCard(forEveryone)));
    const target = { conversationId: C.approvals.id, activityId: posted?.id as string };
    h.bot.onInvoke = () => ({
      status: 200,
      body: { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: forBob },
    });

    expect((await h.driver.refresh(U.alice.id, target)).notSent?.[0]).toMatch(/only for users in refresh.userIds/);
    await expect(h.driver.execute(U.bob.id, target, 'approve')).rejects.toThrow(/no Action.Execute 'approve'/);
    const refreshed = await h.driver.refresh(U.bob.id, target);
    expect(refreshed.answerProblems).toEqual([]);
    expect(lastReceived(h).value).toEqual({
      action: { type: 'Action.Execute', verb: 'refresh', data: { requestId: 'r1' } },
      trigger: 'automatic',
    });
    expect(h.tenant.viewOf(U.bob.id, C.approvals.id, target.activityId)).toEqual(forBob);
    expect(h.tenant.viewOf(U.alice.id, C.approvals.id, target.activityId)).toEqual(forEveryone);
    expect((await h.driver.execute(U.bob.id, target, 'approve')).statusCode).toBe(200);
    await expect(h.driver.execute(U.alice.id, target, 'approve')).rejects.toThrow(/no Action.Execute/);

    h.bot.onInvoke = () => ({
      status: 200,
      body: { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card([{ type: 'Oops' }]) },
    });
    const broken = await h.driver.execute(U.bob.id, target, 'approve');
    expect(broken.answerProblems[0]).toMatch(/^the returned card: body\[0\]: unknown element type 'Oops'/);
    h.bot.onInvoke = () => ({ status: 500 });
    expect((await h.driver.execute(U.bob.id, target, 'approve')).answerProblems).toEqual([
      'the bot answered HTTP 500; Teams expects 200 with { statusCode, type, value }',
    ]);
  });

  it('names the thread of a channel card, and does not show it to someone outside the team', async () => {
    const h = await harness();
    const root = await asBot(h, C.approvals.id, (context) =>
      context.sendActivity(withCard(card([text('Request r1'), actionSet(execute('Details', 'details'))]))),
    );
    const target = { conversationId: C.approvals.id, activityId: root?.id as string };
    await h.driver.execute(U.dana.id, target, 'details');
    expect(lastReceived(h)).toMatchObject({
      conversation: { isGroup: true, conversationType: 'channel', id: `${C.approvals.id};messageid=${root?.id}` },
      channelData: { channel: { id: C.approvals.id }, team: { id: TEAMS_SEED.team.id }, tenant: { id: TENANT } },
    });
    const guest = await h.driver.execute(U.guest.id, target, 'details');
    expect(guest.notSent?.[0]).toMatch(/is not in 19:approvals@thread.tacv2/);
    const refresh = await h.driver.refresh(U.dana.id, target);
    expect(refresh.notSent).toEqual(['the card has no refresh action']);
  });

  it('replays a delivery with the same id and timestamp, and installs as Teams announces it', async () => {
    const h = await harness();
    cardOnRequest(h, card([actionSet(execute('Approve', 'approve'))]));
    await h.driver.say(U.bob.id, 'card');
    const chat = h.tenant.personalConversationOf(U.bob.id);
    const first = await h.driver.execute(
      U.bob.id,
      { conversationId: chat, activityId: h.tenant.transcript(chat)[1]?.id as string },
      'approve',
    );
    await h.driver.resend(first);
    const [a, b] = h.bot.received.slice(-2);
    expect(b).toEqual(a);
    expect(h.tenant.transcript(chat).filter((entry) => entry.type === 'invoke')).toHaveLength(1);

    const { conversationUpdate, installationUpdate } = await h.driver.install(U.carol.id);
    expect([conversationUpdate.statusCode, installationUpdate.statusCode]).toEqual([200, 200]);
    const [update, install] = h.bot.received.slice(-2);
    expect(update).toMatchObject({
      type: 'conversationUpdate',
      membersAdded: [{ id: BOT.id }, { id: U.carol.id, aadObjectId: U.carol.aadObjectId }],
      conversation: { conversationType: 'personal', id: 'a:1on1-carol' },
      channelData: { tenant: { id: TENANT } },
    });
    expect(install).toMatchObject({ type: 'installationUpdate', action: 'add', from: { id: U.carol.id } });
  });
});
