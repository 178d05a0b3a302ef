import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg } from '@gatehouse/sandbox/okta';
import {
  createSlackWorkspace,
  dmChannelId,
  type Json,
  LIMITS,
  SLACK_SEED,
  SlackDriver,
  type SlackWorkspace,
  type SlackWorkspaceOptions,
  signSlackRequest,
} from '@gatehouse/sandbox/slack';
import { verifySlackRequest, webApi } from '@slack/bolt';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const { WebClient } = webApi;
type WebClient = InstanceType<typeof WebClient>;

const START = 1_700_000_000_000;
const { users: U, channels: C, bot: BOT } = SLACK_SEED;
const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName() {},
};

interface Harness {
  workspace: SlackWorkspace;
  clock: { now: number };
  origin: string;
  client: WebClient;
}

const opened: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** The sandbox (Okta and Slack emulators) on a real socket, and a real WebClient pointed at it. */
async function harness(options: SlackWorkspaceOptions = {}): Promise<Harness> {
  const clock = { now: START };
  const workspace = createSlackWorkspace({ now: () => clock.now, ...options });
  const app = Fastify();
  await app.register(sandboxPlugin, { prefix: '/sandbox', slack: workspace });
  opened.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { workspace, clock, origin, client: webClient(origin, SLACK_SEED.botToken) };
}

function webClient(origin: string, token?: string, options: ConstructorParameters<typeof WebClient>[1] = {}) {
  return new WebClient(token, {
    slackApiUrl: `${origin}/sandbox/slack/api/`,
    logger: quiet,
    retryConfig: { retries: 0 },
    ...options,
  });
}

// biome-ignore lint/suspicious/noExplicitAny: Slack's answers are read field by field in assertions.
type Answer = Record<string, any>;

const call = async (client: WebClient, method: string, args: Record<string, unknown> = {}) =>
  (await client.apiCall(method, args)) as Answer;

/** Slack's refusal: WebClient throws a platform error carrying Slack's body. */
async function refusal(promise: Promise<unknown>): Promise<Answer> {
  const error = await promise.then(
    () => {
      throw new Error('expected Slack to refuse the call');
    },
    (caught: unknown) => caught as { code: string; data: Answer },
  );
  expect(error.code).toBe('slack_webapi_platform_error');
  expect(error.data.ok).toBe(false);
  return error.data;
}

const refused = async (client: WebClient, method: string, args: Record<string, unknown> = {}) =>
  refusal(client.apiCall(method, args));

const plain = (text: string) => ({ type: 'plain_text', text });
const section = (text: string, extra: Json = {}) => ({ type: 'section', text: { type: 'mrkdwn', text }, ...extra });
const button = (text: string, actionId: string, extra: Json = {}) => ({
  type: 'button',
  text: plain(text),
  action_id: actionId,
  ...extra,
});
const actions = (elements: Json[], extra: Json = {}) => ({ type: 'actions', elements, ...extra });
const textInput = (blockId: string, extra: Json = {}, element: Json = {}) => ({
  type: 'input',
  block_id: blockId,
  label: plain('Reason'),
  element: { type: 'plain_text_input', action_id: `${blockId}_input`, ...element },
  ...extra,
});
const modal = (extra: Json = {}) => ({
  type: 'modal',
  title: plain('Request access'),
  blocks: [section('Hi')],
  ...extra,
});
const x = (length: number) => 'x'.repeat(length);

describe('the seed', () => {
  it('is the Okta seed company in Slack, plus a guest without email and a stranger Okta does not know', () => {
    const okta = createOktaOrg().users;
    const people = Object.values(U).filter((user) => user.id !== U.noEmail.id && user.id !== U.stranger.id);
    expect(people).toHaveLength(11);
    for (const person of people) {
      const match = okta.filter((user) => user.profile.email === person.email);
      expect(match.length, person.email ?? '').toBeGreaterThan(0);
      expect(match.map((user) => `${user.profile.firstName} ${user.profile.lastName}`)).toContain(person.name);
    }
    expect(U.jordanLee.email).toBe(U.jordanLi.email);
    expect(U.noEmail.email).toBeNull();
    expect(okta.some((user) => user.profile.email === U.stranger.email)).toBe(false);
    expect(dmChannelId(U.alice.id)).toBe('D0ALICE');
    expect(dmChannelId(U.jordanLee.id)).toBe('D0JORDANLEE');
  });
});

describe('authentication', () => {
  it('answers auth.test for the bot token with the bot and the team', async () => {
    const { client } = await harness();
    expect(await client.auth.test()).toMatchObject({
      ok: true,
      team_id: SLACK_SEED.teamId,
      user_id: BOT.userId,
      bot_id: BOT.botId,
      url: 'https://acme-sandbox.slack.com/',
    });
  });

  it('answers auth.test with the org’s enterprise_id for a workspace on Enterprise Grid', async () => {
    const plain = await harness();
    expect(await plain.client.auth.test()).not.toHaveProperty('enterprise_id');
    const grid = await harness({ enterprise: { id: 'E0ACME', name: 'Acme Group' } });
    expect(await grid.client.auth.test()).toMatchObject({
      ok: true,
      team_id: SLACK_SEED.teamId,
      team: SLACK_SEED.teamName,
      enterprise_id: 'E0ACME',
      is_enterprise_install: false,
    });
  });

  it('refuses a missing token with not_authed and any other token with invalid_auth', async () => {
    const { origin, workspace } = await harness();
    expect((await refusal(webClient(origin).auth.test())).error).toBe('not_authed');
    expect((await refusal(webClient(origin, 'xoxb-someone-else').auth.test())).error).toBe('invalid_auth');
    expect(workspace.callsTo('auth.test').map((entry) => entry.error)).toEqual(['not_authed', 'invalid_auth']);
  });

  it('takes the token from a form field but never from a JSON body, as Slack does', async () => {
    const { origin } = await harness();
    const url = `${origin}/sandbox/slack/api/auth.test`;
    const form = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${SLACK_SEED.botToken}`,
    });
    expect(await form.json()).toMatchObject({ ok: true, user_id: BOT.userId });
    const json = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: SLACK_SEED.botToken }),
    });
    expect(await json.json()).toEqual({ ok: false, error: 'not_authed' });
    const bearer = await fetch(`${origin}/sandbox/slack/api/users.info`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${SLACK_SEED.botToken}` },
      body: JSON.stringify({ user: U.alice.id }),
    });
    expect(await bearer.json()).toMatchObject({ ok: true, user: { id: U.alice.id } });
  });

  it('answers unknown_method for a method it does not serve, and invalid_json for a broken body', async () => {
    const { client, origin } = await harness();
    expect((await refused(client, 'chat.scheduleMessage', { channel: C.approvals.id })).error).toBe('unknown_method');
    const broken = await fetch(`${origin}/sandbox/slack/api/auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SLACK_SEED.botToken}` },
      body: '{"nope',
    });
    expect(broken.status).toBe(200);
    expect(await broken.json()).toEqual({ ok: false, error: 'invalid_json' });
  });
});

describe('chat.postMessage', () => {
  it('posts to a user id in the DM with that user and answers with the D channel', async () => {
    const { client, workspace } = await harness();
    const posted = await call(client, 'chat.postMessage', { channel: U.alice.id, text: 'Your request is pending' });
    expect(posted.channel).toBe('D0ALICE');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(posted.message).toMatchObject({
      type: 'message',
      user: BOT.userId,
      bot_id: BOT.botId,
      app_id: SLACK_SEED.appId,
      text: 'Your request is pending',
      ts: posted.ts,
    });
    expect(workspace.dmWith(U.alice.id)).toMatchObject([{ ts: posted.ts, text: 'Your request is pending' }]);
    expect(workspace.messagesIn(U.alice.id)).toEqual(workspace.dmWith(U.alice.id));
  });

  it('gives increasing timestamps that follow the workspace clock', async () => {
    const { client, clock } = await harness();
    const first = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'one' });
    const second = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'two' });
    clock.now += 60_000;
    const third = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'three' });
    expect(first.ts).toBe('1700000000.000000');
    expect(second.ts).toBe('1700000000.000100');
    expect(third.ts).toBe('1700000060.000000');
  });

  it('keeps the blocks as sent and fills in the block_id and action_id Slack invents when left out', async () => {
    const { client, workspace } = await harness();
    const blocks = [
      section('*Salesforce*', { block_id: 'summary' }),
      actions([button('Approve', 'approve'), { type: 'button', text: plain('Reject') }]),
    ];
    const posted = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'fallback', blocks });
    const stored = workspace.message(C.approvals.id, posted.ts)?.blocks ?? [];
    expect(stored[0]).toEqual(blocks[0]);
    expect(stored[1]?.block_id).toMatch(/^\w{5}$/);
    const elements = stored[1]?.elements as Json[];
    expect(elements[0]?.action_id).toBe('approve');
    expect(elements[1]?.action_id).toMatch(/^\w{5}$/);
    expect(posted.message.blocks).toEqual(stored);
  });

  it('answers not_in_channel where the bot is not a member, unless chat:write.public is granted', async () => {
    const { client } = await harness();
    expect((await refused(client, 'chat.postMessage', { channel: C.general.id, text: 'hi' })).error).toBe(
      'not_in_channel',
    );
    const open = await harness({ chatWritePublic: true });
    expect((await call(open.client, 'chat.postMessage', { channel: '#general', text: 'hi' })).channel).toBe(
      C.general.id,
    );
  });

  it('answers channel_not_found, no_text, msg_too_long and invalid_blocks_format', async () => {
    const { client, workspace } = await harness();
    expect((await refused(client, 'chat.postMessage', { channel: 'C0NOPE', text: 'hi' })).error).toBe(
      'channel_not_found',
    );
    expect((await refused(client, 'chat.postMessage', { channel: 'U0NOPE', text: 'hi' })).error).toBe(
      'channel_not_found',
    );
    expect((await refused(client, 'chat.postMessage', { text: 'hi' })).error).toBe('channel_not_found');
    expect((await refused(client, 'chat.postMessage', { channel: C.approvals.id })).error).toBe('no_text');
    const long = { channel: C.approvals.id, text: x(LIMITS.messageText + 1) };
    expect((await refused(client, 'chat.postMessage', long)).error).toBe('msg_too_long');
    await call(client, 'chat.postMessage', { ...long, text: x(LIMITS.messageText) });
    const notJson = { channel: C.approvals.id, text: 'hi', blocks: '[{"type":' };
    expect((await refused(client, 'chat.postMessage', notJson)).error).toBe('invalid_blocks_format');
    expect(workspace.messagesIn(C.approvals.id)).toHaveLength(1);
  });

  it('threads replies under the parent (a reply to a reply joins the same thread)', async () => {
    const { client, workspace } = await harness();
    const parent = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'Request #1' });
    const first = await call(client, 'chat.postMessage', {
      channel: C.approvals.id,
      text: 'Bob approved',
      thread_ts: parent.ts,
    });
    const second = await call(client, 'chat.postMessage', {
      channel: C.approvals.id,
      text: 'Granted',
      thread_ts: first.ts,
    });
    expect(first.message).toMatchObject({ thread_ts: parent.ts, parent_user_id: BOT.userId });
    expect(second.message.thread_ts).toBe(parent.ts);
    expect(workspace.threadOf(C.approvals.id, parent.ts).map((message) => message.text)).toEqual([
      'Request #1',
      'Bob approved',
      'Granted',
    ]);
    const unknown = { channel: C.approvals.id, text: 'lost', thread_ts: '1600000000.000000' };
    expect((await refused(client, 'chat.postMessage', unknown)).error).toBe('thread_not_found');
  });

  it('keeps metadata, returned by history only when asked for', async () => {
    const { client } = await harness();
    const metadata = { event_type: 'access_request', event_payload: { id: 'req1' } };
    await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'hi', metadata });
    const plainHistory = await call(client, 'conversations.history', { channel: C.approvals.id });
    expect(plainHistory.messages[0].metadata).toBeUndefined();
    const full = await call(client, 'conversations.history', { channel: C.approvals.id, include_all_metadata: true });
    expect(full.messages[0].metadata).toEqual(metadata);
    const badMetadata = { channel: C.approvals.id, text: 'hi', metadata: { event_type: 'x' } };
    expect((await refused(client, 'chat.postMessage', badMetadata)).error).toBe('invalid_metadata_schema');
  });
});

describe('chat.update, chat.postEphemeral, chat.delete', () => {
  it('updates the bot message in place, keeping its thread, and marks it edited', async () => {
    const { client, workspace, clock } = await harness();
    const parent = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'Request' });
    const reply = await call(client, 'chat.postMessage', {
      channel: C.approvals.id,
      text: 'pending',
      thread_ts: parent.ts,
    });
    clock.now += 5_000;
    const blocks = [section('Approved by Bob')];
    const updated = await call(client, 'chat.update', {
      channel: C.approvals.id,
      ts: reply.ts,
      text: 'approved',
      blocks,
    });
    expect(updated).toMatchObject({ channel: C.approvals.id, ts: reply.ts, text: 'approved' });
    const stored = workspace.message(C.approvals.id, reply.ts);
    expect(stored).toMatchObject({ text: 'approved', thread_ts: parent.ts, blocks, edited: { user: BOT.userId } });
    expect(stored?.edited?.ts.startsWith('1700000005.')).toBe(true);
    // Slack's merge: blocks alone keep the text; text alone drops the blocks.
    await call(client, 'chat.update', { channel: C.approvals.id, ts: reply.ts, blocks: [section('v2')] });
    expect(workspace.message(C.approvals.id, reply.ts)).toMatchObject({ text: 'approved', blocks: [section('v2')] });
    await call(client, 'chat.update', { channel: C.approvals.id, ts: reply.ts, text: 'text only' });
    expect(workspace.message(C.approvals.id, reply.ts)?.blocks).toBeUndefined();
  });

  it('refuses unknown messages, other people’s messages and DMs named by user id', async () => {
    const { client, workspace } = await harness();
    const dm = await call(client, 'chat.postMessage', { channel: U.alice.id, text: 'hi' });
    const human = workspace.postAsUser(U.bob.id, C.approvals.id, 'I typed this');
    const update = (args: Json) => refused(client, 'chat.update', { text: 'new', ...args });
    expect((await update({ channel: C.approvals.id, ts: '1600000000.000000' })).error).toBe('message_not_found');
    expect((await update({ channel: C.approvals.id, ts: human.ts })).error).toBe('cant_update_message');
    expect((await update({ channel: U.alice.id, ts: dm.ts })).error).toBe('channel_not_found');
    expect((await call(client, 'chat.update', { channel: dm.channel, ts: dm.ts, text: 'new' })).ok).toBe(true);
  });

  it('shows an ephemeral message to one member only, never in history', async () => {
    const { client, workspace } = await harness();
    const answer = await call(client, 'chat.postEphemeral', {
      channel: C.approvals.id,
      user: U.bob.id,
      text: 'Only you',
    });
    expect(answer.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(workspace.ephemeralsFor(U.bob.id)).toMatchObject([
      { channel: C.approvals.id, text: 'Only you', ts: answer.message_ts },
    ]);
    expect(workspace.ephemeralsFor(U.alice.id)).toEqual([]);
    expect((await call(client, 'conversations.history', { channel: C.approvals.id })).messages).toEqual([]);
    const stranger = { channel: C.approvals.id, user: U.stranger.id, text: 'hi' };
    expect((await refused(client, 'chat.postEphemeral', stranger)).error).toBe('user_not_in_channel');
    const general = { channel: C.general.id, user: U.bob.id, text: 'hi' };
    expect((await refused(client, 'chat.postEphemeral', general)).error).toBe('not_in_channel');
    const ts = answer.message_ts;
    expect((await refused(client, 'chat.update', { channel: C.approvals.id, ts, text: 'x' })).error).toBe(
      'message_not_found',
    );
  });

  it('deletes the bot’s messages; a parent with replies leaves a tombstone', async () => {
    const { client, workspace } = await harness();
    const lone = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'lone' });
    const parent = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'parent' });
    await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'reply', thread_ts: parent.ts });
    expect(await call(client, 'chat.delete', { channel: C.approvals.id, ts: lone.ts })).toMatchObject({ ts: lone.ts });
    await call(client, 'chat.delete', { channel: C.approvals.id, ts: parent.ts });
    expect(workspace.message(C.approvals.id, lone.ts)).toBeUndefined();
    expect(workspace.message(C.approvals.id, parent.ts)).toMatchObject({ subtype: 'tombstone' });
    expect((await refused(client, 'chat.delete', { channel: C.approvals.id, ts: lone.ts })).error).toBe(
      'message_not_found',
    );
    const human = workspace.postAsUser(U.bob.id, C.approvals.id, 'mine');
    expect((await refused(client, 'chat.delete', { channel: C.approvals.id, ts: human.ts })).error).toBe(
      'cant_delete_message',
    );
  });
});

describe('conversations', () => {
  it('opens the DM with a person and refuses unknown users, the bot itself and an empty list', async () => {
    const { client } = await harness();
    expect((await call(client, 'conversations.open', { users: U.carol.id })).channel).toEqual({ id: 'D0CAROL' });
    expect((await refused(client, 'conversations.open', { users: 'U0NOPE' })).error).toBe('user_not_found');
    expect((await refused(client, 'conversations.open', { users: BOT.userId })).error).toBe('cannot_dm_bot');
    expect((await refused(client, 'conversations.open', {})).error).toBe('users_list_not_supplied');
  });

  it('pages history newest first, top-level messages only, with a cursor and has_more', async () => {
    const { client } = await harness();
    const posted: string[] = [];
    for (const text of ['a', 'b', 'c', 'd', 'e']) {
      posted.push((await call(client, 'chat.postMessage', { channel: C.approvals.id, text })).ts);
    }
    await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'reply', thread_ts: posted[0] });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call(client, 'conversations.history', { channel: C.approvals.id, limit: 2, cursor });
      seen.push(...page.messages.map((message: Answer) => message.text));
      expect(page.has_more).toBe(page.response_metadata?.next_cursor !== undefined);
      cursor = page.response_metadata?.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['e', 'd', 'c', 'b', 'a']);
    const all = await call(client, 'conversations.history', { channel: C.approvals.id });
    expect(all.messages.at(-1)).toMatchObject({ text: 'a', reply_count: 1, thread_ts: posted[0] });
    const window = await call(client, 'conversations.history', {
      channel: C.approvals.id,
      oldest: posted[1],
      latest: posted[3],
    });
    expect(window.messages.map((message: Answer) => message.text)).toEqual(['c']);
    const inclusive = { channel: C.approvals.id, oldest: posted[1], latest: posted[3], inclusive: true };
    expect((await call(client, 'conversations.history', inclusive)).messages).toHaveLength(3);
    expect((await refused(client, 'conversations.history', { channel: C.general.id })).error).toBe('not_in_channel');
    const badCursor = { channel: C.approvals.id, cursor: 'bm9wZQ==' };
    expect((await refused(client, 'conversations.history', badCursor)).error).toBe('invalid_cursor');
  });

  it('reads a thread parent first, replies oldest first, from the parent’s or a reply’s ts', async () => {
    const { client } = await harness();
    const parent = await call(client, 'chat.postMessage', { channel: U.dana.id, text: 'parent' });
    const one = await call(client, 'chat.postMessage', { channel: U.dana.id, text: 'one', thread_ts: parent.ts });
    await call(client, 'chat.postMessage', { channel: U.dana.id, text: 'two', thread_ts: parent.ts });
    const thread = await call(client, 'conversations.replies', { channel: 'D0DANA', ts: one.ts });
    expect(thread.messages.map((message: Answer) => message.text)).toEqual(['parent', 'one', 'two']);
    expect(thread.messages[0]).toMatchObject({
      reply_count: 2,
      reply_users: [BOT.userId],
      latest_reply: expect.any(String),
    });
    const paged = await call(client, 'conversations.replies', { channel: 'D0DANA', ts: parent.ts, limit: 2 });
    expect(paged).toMatchObject({ has_more: true, messages: [{ text: 'parent' }, { text: 'one' }] });
    const next = { channel: 'D0DANA', ts: parent.ts, cursor: paged.response_metadata.next_cursor };
    expect((await call(client, 'conversations.replies', next)).messages).toMatchObject([{ text: 'two' }]);
    const missing = { channel: 'D0DANA', ts: '1600000000.000000' };
    expect((await refused(client, 'conversations.replies', missing)).error).toBe('thread_not_found');
  });
});

describe('users', () => {
  it('describes a person with their profile email, and a guest without one', async () => {
    const { client } = await harness();
    const alice = await call(client, 'users.info', { user: U.alice.id });
    expect(alice.user).toMatchObject({
      id: U.alice.id,
      name: 'alice',
      real_name: 'Alice Nguyen',
      is_bot: false,
      profile: { email: 'alice@acme.example', real_name: 'Alice Nguyen' },
    });
    const guest = await call(client, 'users.info', { user: U.noEmail.id });
    expect(guest.user.is_restricted).toBe(true);
    expect(guest.user.profile).not.toHaveProperty('email');
    const bot = await call(client, 'users.info', { user: BOT.userId });
    expect(bot.user).toMatchObject({ is_bot: true, profile: { bot_id: BOT.botId } });
    expect((await refused(client, 'users.info', { user: 'U0NOPE' })).error).toBe('user_not_found');
  });

  it('lists everyone through cursor pages', async () => {
    const { client, workspace } = await harness();
    const ids: string[] = [];
    let cursor = '';
    do {
      const page = await call(client, 'users.list', { limit: 5, ...(cursor ? { cursor } : {}) });
      expect(page.members.length).toBeLessThanOrEqual(5);
      ids.push(...page.members.map((member: Answer) => member.id));
      cursor = page.response_metadata.next_cursor;
    } while (cursor);
    expect(ids).toEqual(workspace.users.map((user) => user.id));
    expect(ids).toHaveLength(14);
    expect((await refused(client, 'users.list', { cursor: 'bm9wZQ==' })).error).toBe('invalid_cursor');
  });

  it('looks people up by email, case-insensitively, and answers users_not_found otherwise', async () => {
    const { client } = await harness();
    expect((await call(client, 'users.lookupByEmail', { email: 'Zoe@Acme.Example' })).user.id).toBe(U.stranger.id);
    expect((await call(client, 'users.lookupByEmail', { email: U.jordanLi.email })).user.id).toBe(U.jordanLee.id);
    expect((await refused(client, 'users.lookupByEmail', { email: 'nobody@acme.example' })).error).toBe(
      'users_not_found',
    );
    expect((await refused(client, 'users.lookupByEmail', {})).error).toBe('invalid_arguments');
  });
});

describe('people from elsewhere', () => {
  it('describes them as Slack does: a partner’s own team, a Grid person’s org, a stranger without email', async () => {
    const { client, workspace } = await harness({ enterprise: { id: 'E0ACME', name: 'Acme Group' } });
    workspace.addUser({
      id: 'U0PARTNER',
      realName: 'Pat Partner',
      email: 'pat@partner.example',
      teamId: 'T0PARTNERCO',
    });
    workspace.addUser({
      id: 'W0OTHERORG',
      realName: 'Oli Other',
      email: 'oli@other.example',
      teamId: 'T0OTHERWS',
      enterpriseId: 'E0OTHERORG',
      enterpriseName: 'Other Org',
    });
    workspace.addUser({
      id: 'U0STRANGE',
      realName: 'Sam Stranger',
      email: 'sam@else.example',
      teamId: 'T0ELSE',
      stranger: true,
    });
    workspace.addUser({ id: 'U0GUEST', realName: 'Gus Guest', email: 'gus@acme.example', restricted: true });

    const info = async (user: string) => (await call(client, 'users.info', { user })).user;
    expect(await info(U.alice.id)).toMatchObject({
      team_id: SLACK_SEED.teamId,
      enterprise_user: { enterprise_id: 'E0ACME', enterprise_name: 'Acme Group', teams: [SLACK_SEED.teamId] },
    });
    const partner = await info('U0PARTNER');
    expect(partner).toMatchObject({
      team_id: 'T0PARTNERCO',
      profile: { team: 'T0PARTNERCO', email: 'pat@partner.example' },
    });
    expect(partner).not.toHaveProperty('enterprise_user');
    expect(partner).not.toHaveProperty('is_stranger');
    expect(await info('W0OTHERORG')).toMatchObject({
      team_id: 'T0OTHERWS',
      enterprise_user: { enterprise_id: 'E0OTHERORG', enterprise_name: 'Other Org', teams: ['T0OTHERWS'] },
    });
    const stranger = await info('U0STRANGE');
    expect(stranger).toMatchObject({ team_id: 'T0ELSE', is_stranger: true, is_email_confirmed: false });
    expect(stranger.profile).not.toHaveProperty('email');
    expect(await info('U0GUEST')).toMatchObject({
      team_id: SLACK_SEED.teamId,
      is_restricted: true,
      enterprise_user: { enterprise_id: 'E0ACME' },
    });

    // Members only: users.list and users.lookupByEmail never find anyone of elsewhere.
    const listed = (await call(client, 'users.list')).members.map((member: Answer) => member.id);
    expect(listed).toContain('U0GUEST');
    expect(listed).not.toContain('U0PARTNER');
    expect(listed).not.toContain('W0OTHERORG');
    expect(listed).not.toContain('U0STRANGE');
    expect((await refused(client, 'users.lookupByEmail', { email: 'pat@partner.example' })).error).toBe(
      'users_not_found',
    );
    expect((await call(client, 'users.lookupByEmail', { email: 'gus@acme.example' })).user.id).toBe('U0GUEST');
  });
});

describe('Block Kit limits', () => {
  const options = (count: number, text = 'Option') =>
    Array.from({ length: count }, (_, index) => ({ text: plain(`${text}`), value: `v${index}` }));
  const select = (extra: Json) => ({ type: 'static_select', action_id: 'pick', placeholder: plain('Pick'), ...extra });

  /** One over each limit, and the json-pointer and wording Slack would answer with. */
  const overLimit: [string, Json[], string][] = [
    [
      '51 blocks in a message',
      Array.from({ length: 51 }, () => ({ type: 'divider' })),
      'no more than 50 items allowed [json-pointer:/blocks]',
    ],
    [
      'section text of 3001',
      [section(x(3001))],
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ],
    ['empty section text', [section('')], 'must be more than 0 characters [json-pointer:/blocks/0/text/text]'],
    [
      'a section with neither text nor fields',
      [{ type: 'section' }],
      'must define either `text` or `fields` [json-pointer:/blocks/0]',
    ],
    [
      '11 section fields',
      [{ type: 'section', fields: Array.from({ length: 11 }, () => plain('f')) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
    ],
    [
      'a section field of 2001',
      [{ type: 'section', fields: [plain(x(2001))] }],
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]',
    ],
    [
      'header text of 151',
      [{ type: 'header', text: plain(x(151)) }],
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ],
    [
      'a mrkdwn header',
      [{ type: 'header', text: { type: 'mrkdwn', text: 'Hi' } }],
      'must be plain_text [json-pointer:/blocks/0/text/type]',
    ],
    [
      'button text of 76',
      [actions([button(x(76), 'a')])],
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ],
    [
      'button value of 2001',
      [actions([button('Go', 'a', { value: x(2001) })])],
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]',
    ],
    [
      'button url of 3001',
      [actions([button('Go', 'a', { url: `https://${x(2993)}` })])],
      'must be less than 3001 characters [json-pointer:/blocks/0/elements/0/url]',
    ],
    [
      'action_id of 256',
      [actions([button('Go', x(256))])],
      'must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]',
    ],
    [
      'block_id of 256',
      [section('Hi', { block_id: x(256) })],
      'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
    ],
    [
      'a block_id used twice',
      [section('a', { block_id: 'same' }), section('b', { block_id: 'same' })],
      'duplicate block_id: same [json-pointer:/blocks/1/block_id]',
    ],
    [
      '26 elements in an actions block',
      [actions(Array.from({ length: 26 }, (_, index) => button('Go', `a${index}`)))],
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      '11 context elements',
      [{ type: 'context', elements: Array.from({ length: 11 }, () => plain('c')) }],
      'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    ],
    [
      'a text object of another type',
      [{ type: 'section', text: { type: 'markdown', text: 'Hi' } }],
      'must be one of: plain_text, mrkdwn [json-pointer:/blocks/0/text/type]',
    ],
    [
      'a text object without text',
      [{ type: 'section', text: { type: 'mrkdwn' } }],
      'missing required field: text [json-pointer:/blocks/0/text]',
    ],
    [
      '101 select options',
      [section('Pick', { accessory: select({ options: options(101) }) })],
      'no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]',
    ],
    [
      'an option text of 76',
      [section('Pick', { accessory: select({ options: options(1, x(76)) }) })],
      'must be less than 76 characters [json-pointer:/blocks/0/accessory/options/0/text/text]',
    ],
    [
      'an option value of 151',
      [section('Pick', { accessory: select({ options: [{ text: plain('A'), value: x(151) }] }) })],
      'must be less than 151 characters [json-pointer:/blocks/0/accessory/options/0/value]',
    ],
    [
      'an input block in a message',
      [textInput('reason')],
      'input blocks are only allowed in modals and the Home tab [json-pointer:/blocks/0]',
    ],
    ['an unknown block type', [{ type: 'carousel' }], 'unsupported type: carousel [json-pointer:/blocks/0/type]'],
  ];

  it.each(overLimit)('refuses %s with invalid_blocks, saying where and which limit', async (_name, blocks, problem) => {
    const { client, workspace } = await harness();
    const answer = await refused(client, 'chat.postMessage', { channel: C.approvals.id, text: 'fallback', blocks });
    expect(answer.error).toBe('invalid_blocks');
    expect(answer.errors).toContain(problem);
    expect(answer.response_metadata.messages).toContain(`[ERROR] ${problem}`);
    expect(workspace.messagesIn(C.approvals.id)).toEqual([]);
  });

  it('accepts everything exactly at the limits', async () => {
    const { client } = await harness();
    const atLimits = [
      section(x(3000), { block_id: x(255) }),
      { type: 'section', fields: Array.from({ length: 10 }, () => plain(x(2000))) },
      { type: 'header', text: plain(x(150)) },
      actions(Array.from({ length: 25 }, (_, index) => button(x(75), `a${index}`, { value: x(2000) }))),
      { type: 'context', elements: Array.from({ length: 10 }, () => plain('c')) },
      section('Pick', { accessory: select({ options: [...options(99), { text: plain(x(75)), value: x(150) }] }) }),
      ...Array.from({ length: 44 }, () => ({ type: 'divider' })),
    ];
    expect(atLimits).toHaveLength(LIMITS.messageBlocks);
    const posted = await call(client, 'chat.postMessage', { channel: C.approvals.id, text: 'ok', blocks: atLimits });
    expect(posted.ok).toBe(true);
  });

  it('holds ephemeral messages to the same limits', async () => {
    const { client, workspace } = await harness();
    const args = { channel: C.approvals.id, user: U.bob.id, text: 'x', blocks: [section(x(3001))] };
    expect((await refused(client, 'chat.postEphemeral', args)).error).toBe('invalid_blocks');
    expect(workspace.ephemeralsFor(U.bob.id)).toEqual([]);
  });

  it('holds modals and the Home tab to view limits, refused as invalid_arguments', async () => {
    const { client, workspace } = await harness();
    const open = (view: Json) =>
      refused(client, 'views.open', { trigger_id: workspace.mintTriggerId(U.alice.id), view });
    const cases: [Json, string][] = [
      [modal({ title: plain(x(25)) }), 'must be less than 25 characters [json-pointer:/view/title/text]'],
      [modal({ submit: plain(x(25)) }), 'must be less than 25 characters [json-pointer:/view/submit/text]'],
      [modal({ close: plain(x(25)) }), 'must be less than 25 characters [json-pointer:/view/close/text]'],
      [modal({ private_metadata: x(3001) }), 'must be less than 3001 characters [json-pointer:/view/private_metadata]'],
      [modal({ callback_id: x(256) }), 'must be less than 256 characters [json-pointer:/view/callback_id]'],
      [
        modal({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) }),
        'no more than 100 items allowed [json-pointer:/view/blocks]',
      ],
      [
        modal({ blocks: [textInput('reason')] }),
        'must define `submit` to use an `input` block in modals [json-pointer:/view/blocks/0/input]',
      ],
      [
        modal({ submit: plain('Send'), blocks: [textInput('reason', {}, { max_length: 3001 })] }),
        'must be an integer between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]',
      ],
      [
        modal({ blocks: [section(x(3001))] }),
        'must be less than 3001 characters [json-pointer:/view/blocks/0/text/text]',
      ],
      [
        { type: 'modal', blocks: [] },
        'must be a text object with type plain_text or mrkdwn [json-pointer:/view/title]',
      ],
    ];
    for (const [view, problem] of cases) {
      const answer = await open(view);
      expect(answer.error, problem).toBe('invalid_arguments');
      expect(answer.response_metadata.messages).toContain(`[ERROR] ${problem}`);
    }
    const fits = modal({ submit: plain('Send'), blocks: [textInput('reason', {}, { max_length: 3000 })] });
    expect((await call(client, 'views.open', { trigger_id: workspace.mintTriggerId(U.alice.id), view: fits })).ok).toBe(
      true,
    );
    const huge = modal({ blocks: Array.from({ length: 100 }, () => section(x(2600))) });
    expect((await open(huge)).error).toBe('view_too_large');
    const home = { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) };
    const publish = await refused(client, 'views.publish', { user_id: U.alice.id, view: home });
    expect(publish.response_metadata.messages).toContain(
      '[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]',
    );
    expect(workspace.homeOf(U.alice.id)).toBeUndefined();
  });
});

describe('views', () => {
  it('opens a modal on a fresh trigger, with Slack’s view fields', async () => {
    const { client, workspace } = await harness();
    const view = modal({ callback_id: 'request', private_metadata: '{"step":1}', external_id: 'request-alice' });
    const answer = await call(client, 'views.open', { trigger_id: workspace.mintTriggerId(U.alice.id), view });
    expect(answer.view).toMatchObject({
      id: expect.stringMatching(/^V[0-9A-Z]{10}$/),
      team_id: SLACK_SEED.teamId,
      type: 'modal',
      callback_id: 'request',
      private_metadata: '{"step":1}',
      external_id: 'request-alice',
      state: { values: {} },
      hash: expect.stringMatching(/^1700000000\.\w{8}$/),
      previous_view_id: null,
      app_id: SLACK_SEED.appId,
      bot_id: BOT.botId,
    });
    expect(answer.view.root_view_id).toBe(answer.view.id);
    expect(workspace.openModalOf(U.alice.id)).toMatchObject({ id: answer.view.id, user: U.alice.id, view });
  });

  it('takes a trigger once, within 3 seconds, and only one it minted', async () => {
    const { client, workspace, clock } = await harness();
    const trigger = workspace.mintTriggerId(U.alice.id);
    await call(client, 'views.open', { trigger_id: trigger, view: modal() });
    expect((await refused(client, 'views.open', { trigger_id: trigger, view: modal() })).error).toBe(
      'exchanged_trigger_id',
    );
    const late = workspace.mintTriggerId(U.alice.id);
    clock.now += 3_001;
    expect((await refused(client, 'views.open', { trigger_id: late, view: modal() })).error).toBe('expired_trigger_id');
    const unknown = { trigger_id: '1700000000.4242424242.deadbeef', view: modal() };
    expect((await refused(client, 'views.open', unknown)).error).toBe('invalid_trigger_id');
    expect((await refused(client, 'views.open', { view: modal() })).error).toBe('invalid_arguments');
  });

  it('updates a view by id or external_id, refusing a stale hash with hash_conflict', async () => {
    const { client, workspace } = await harness();
    const trigger_id = workspace.mintTriggerId(U.alice.id);
    const opened = await call(client, 'views.open', { trigger_id, view: modal({ external_id: 'ext-1' }) });
    const { id, hash } = opened.view;
    const updated = await call(client, 'views.update', {
      view_id: id,
      hash,
      view: modal({ blocks: [section('Loaded')] }),
    });
    expect(updated.view).toMatchObject({ id, blocks: [section('Loaded')] });
    expect(updated.view.hash).not.toBe(hash);
    const stale = { view_id: id, hash, view: modal({ blocks: [section('Too late')] }) };
    expect((await refused(client, 'views.update', stale)).error).toBe('hash_conflict');
    expect(workspace.view(id)?.blocks).toMatchObject([section('Loaded')]);
    await call(client, 'views.update', { external_id: 'ext-1', view: modal({ blocks: [section('By external id')] }) });
    expect(workspace.openModalOf(U.alice.id)?.blocks).toMatchObject([section('By external id')]);
    expect((await refused(client, 'views.update', { view_id: 'V0NOPE', view: modal() })).error).toBe('not_found');
    const second = { trigger_id: workspace.mintTriggerId(U.bob.id), view: modal({ external_id: 'ext-1' }) };
    expect((await refused(client, 'views.open', second)).error).toBe('duplicate_external_id');
  });

  it('pushes up to three views on a modal, then push_limit_reached', async () => {
    const { client, workspace } = await harness();
    const root = await call(client, 'views.open', { trigger_id: workspace.mintTriggerId(U.bob.id), view: modal() });
    const push = () => call(client, 'views.push', { trigger_id: workspace.mintTriggerId(U.bob.id), view: modal() });
    const second = await push();
    expect(second.view).toMatchObject({ root_view_id: root.view.id, previous_view_id: root.view.id });
    const third = await push();
    expect(third.view.previous_view_id).toBe(second.view.id);
    const fourth = refusal(
      client.apiCall('views.push', { trigger_id: workspace.mintTriggerId(U.bob.id), view: modal() }),
    );
    expect((await fourth).error).toBe('push_limit_reached');
    expect(workspace.modalStackOf(U.bob.id).map((view) => view.id)).toEqual([
      root.view.id,
      second.view.id,
      third.view.id,
    ]);
    const nobody = { trigger_id: workspace.mintTriggerId(U.carol.id), view: modal() };
    expect((await refused(client, 'views.push', nobody)).error).toBe('not_found');
  });

  it('publishes one Home tab per user, replaced in place, guarded by its hash', async () => {
    const { client, workspace } = await harness();
    const first = await call(client, 'views.publish', {
      user_id: U.erin.id,
      view: { type: 'home', blocks: [section('Mine')] },
    });
    expect(first.view).toMatchObject({ type: 'home', blocks: [section('Mine')] });
    const again = {
      user_id: U.erin.id,
      hash: first.view.hash,
      view: { type: 'home', blocks: [section('Pending: 2')] },
    };
    const second = await call(client, 'views.publish', again);
    expect(second.view.id).toBe(first.view.id);
    expect(workspace.homeOf(U.erin.id)?.blocks).toMatchObject([section('Pending: 2')]);
    expect((await refused(client, 'views.publish', again)).error).toBe('hash_conflict');
    const wrongType = { user_id: U.erin.id, view: modal() };
    expect((await refused(client, 'views.publish', wrongType)).response_metadata.messages).toContain(
      '[ERROR] must be home [json-pointer:/view/type]',
    );
  });
});

describe('response_url', () => {
  const post = (url: string, body: Json) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('takes five posts, then answers 404 used_url', async () => {
    const { workspace, origin } = await harness();
    const url = workspace.mintResponseUrl({ channel: 'D0ALICE', userId: U.alice.id, baseUrl: origin });
    expect(url).toMatch(new RegExp(`^${origin}/sandbox/slack/response/[\\w-]+$`));
    for (let use = 1; use <= 5; use += 1) expect((await post(url, { text: `update ${use}` })).status).toBe(200);
    const sixth = await post(url, { text: 'one too many' });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
    expect(workspace.ephemeralsFor(U.alice.id)).toHaveLength(5);
    expect(workspace.responses(url).map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 404]);
  });

  it('expires after 30 minutes', async () => {
    const { workspace, origin, clock } = await harness();
    const url = workspace.mintResponseUrl({ channel: 'D0ALICE', userId: U.alice.id, baseUrl: origin });
    clock.now += 30 * 60_000 + 1;
    const late = await post(url, { text: 'late' });
    expect(late.status).toBe(404);
    expect(await late.json()).toEqual({ ok: false, error: 'expired_url' });
  });

  it('shows ephemeral by default, posts in_channel, and replaces the ephemeral it posted', async () => {
    const { workspace, origin } = await harness();
    const url = workspace.mintResponseUrl({ channel: C.approvals.id, userId: U.bob.id, baseUrl: origin });
    await post(url, { text: 'Looking…' });
    await post(url, { text: 'Found 2 requests', replace_original: true });
    expect(workspace.ephemeralsFor(U.bob.id)).toMatchObject([{ text: 'Found 2 requests', via: 'response_url' }]);
    await post(url, { text: 'Everyone sees this', response_type: 'in_channel' });
    expect(workspace.messagesIn(C.approvals.id)).toMatchObject([{ text: 'Everyone sees this', user: BOT.userId }]);
  });

  it('replaces or deletes the real message the interaction came from', async () => {
    const { workspace, origin, client } = await harness();
    const posted = await call(client, 'chat.postMessage', {
      channel: C.approvals.id,
      text: 'Approve?',
      blocks: [section('Approve?')],
    });
    const mint = () =>
      workspace.mintResponseUrl({ channel: C.approvals.id, userId: U.bob.id, baseUrl: origin, messageTs: posted.ts });
    await post(mint(), { replace_original: true, text: 'Approved by Bob' });
    expect(workspace.message(C.approvals.id, posted.ts)).toMatchObject({ text: 'Approved by Bob', user: BOT.userId });
    expect(workspace.message(C.approvals.id, posted.ts)?.blocks).toBeUndefined();
    await post(mint(), { delete_original: true });
    expect(workspace.message(C.approvals.id, posted.ts)).toBeUndefined();
  });

  it('refuses what Slack refuses with HTTP 400: invalid blocks, no text, unknown URLs with 404', async () => {
    const { workspace, origin } = await harness();
    const url = workspace.mintResponseUrl({ channel: 'D0ALICE', userId: U.alice.id, baseUrl: origin });
    const invalid = await post(url, { text: 'x', blocks: [{ type: 'header', text: plain(x(151)) }] });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
      errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
    });
    expect((await post(url, {})).status).toBe(400);
    expect(workspace.ephemeralsFor(U.alice.id)).toEqual([]);
    expect((await post(`${origin}/sandbox/slack/response/nope`, { text: 'x' })).status).toBe(404);
  });
});

describe('faults', () => {
  it('answers 429 with Retry-After, surfacing as WebClient’s rate-limited error', async () => {
    const { origin, workspace } = await harness();
    workspace.faults.add({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSeconds: 7 });
    const client = webClient(origin, SLACK_SEED.botToken, { rejectRateLimitedCalls: true });
    const error = await client.chat
      .postMessage({ channel: C.approvals.id, text: 'hi' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(webApi.WebAPIRateLimitedError);
    expect(error).toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    expect(workspace.callsTo('chat.postMessage')).toMatchObject([{ ok: false, error: 'ratelimited' }]);
    expect((await client.chat.postMessage({ channel: C.approvals.id, text: 'hi' })).ok).toBe(true);
  });

  it('answers a chosen error code a given number of times, and HTTP 500', async () => {
    const { client, workspace } = await harness();
    workspace.faults.add({ method: 'users.info', kind: 'error', error: 'fatal_error', times: 2 });
    expect((await refused(client, 'users.info', { user: U.alice.id })).error).toBe('fatal_error');
    expect((await refused(client, 'users.info', { user: U.alice.id })).error).toBe('fatal_error');
    expect((await call(client, 'users.info', { user: U.alice.id })).ok).toBe(true);
    workspace.faults.add({ method: /^views\./, kind: 'http500' });
    const error = await client.views
      .publish({ user_id: U.alice.id, view: { type: 'home', blocks: [] } })
      .catch((e) => e);
    expect(error).toBeInstanceOf(webApi.WebAPIHTTPError);
    expect(error).toMatchObject({ statusCode: 500 });
    expect(workspace.faults.size).toBe(0);
  });

  it('delays a call', async () => {
    const { client, workspace } = await harness();
    workspace.faults.add({ method: 'auth.test', kind: 'delay', ms: 150 });
    const started = Date.now();
    expect((await client.auth.test()).ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});

describe('signing', () => {
  it('reproduces the example in Slack’s request-verification guide', () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = signSlackRequest({
      signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
      body,
      timestamp: 1531420618,
    });
    expect(headers['x-slack-signature']).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
  });

  it('produces signatures @slack/bolt accepts, and only for the exact body and secret', () => {
    const body = 'command=%2Faccess&text=request+salesforce';
    const signed = signSlackRequest({
      signingSecret: SLACK_SEED.signingSecret,
      body,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(signed['content-type']).toBe('application/x-www-form-urlencoded');
    const headers = {
      'x-slack-signature': signed['x-slack-signature'],
      'x-slack-request-timestamp': Number(signed['x-slack-request-timestamp']),
    };
    expect(() => verifySlackRequest({ signingSecret: SLACK_SEED.signingSecret, body, headers })).not.toThrow();
    expect(() => verifySlackRequest({ signingSecret: 'another-secret', body, headers })).toThrow();
    expect(() => verifySlackRequest({ signingSecret: SLACK_SEED.signingSecret, body: `${body}x`, headers })).toThrow();
    const stale = signSlackRequest({
      signingSecret: SLACK_SEED.signingSecret,
      body,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    const staleHeaders = {
      'x-slack-signature': stale['x-slack-signature'],
      'x-slack-request-timestamp': Number(stale['x-slack-request-timestamp']),
    };
    expect(() =>
      verifySlackRequest({ signingSecret: SLACK_SEED.signingSecret, body, headers: staleHeaders }),
    ).toThrow();
  });
});

describe('SlackDriver', () => {
  interface Received {
    raw: string;
    headers: Record<string, unknown>;
    payload: Answer;
  }
  type Handler = (payload: Answer) => Promise<{ status?: number; body?: unknown } | undefined>;

  /**
   * A stand-in bot: checks Slack's signature with @slack/bolt's own verifier, records what arrived,
   * answers with what the test's handler says, and calls the emulated Web API like the real bot.
   */
  async function bot(handler: Handler = async () => undefined, options: SlackWorkspaceOptions = {}) {
    const world = await harness(options);
    const received: Received[] = [];
    const app = Fastify();
    opened.push(app);
    app.addContentTypeParser(
      ['application/x-www-form-urlencoded', 'application/json'],
      { parseAs: 'string' },
      (_request, body, done) => done(null, body),
    );
    app.post('/slack/events', async (request, reply) => {
      const raw = String(request.body);
      try {
        verifySlackRequest({
          signingSecret: SLACK_SEED.signingSecret,
          body: raw,
          headers: {
            'x-slack-signature': String(request.headers['x-slack-signature']),
            'x-slack-request-timestamp': Number(request.headers['x-slack-request-timestamp']),
          },
        });
      } catch {
        return reply.code(401).send();
      }
      const parsed: Answer = request.headers['content-type']?.includes('json')
        ? JSON.parse(raw)
        : Object.fromEntries(new URLSearchParams(raw));
      const payload = typeof parsed.payload === 'string' ? JSON.parse(parsed.payload) : parsed;
      received.push({ raw, headers: request.headers, payload });
      const answer = await handler(payload);
      reply.code(answer?.status ?? 200);
      return answer?.body === undefined ? reply.send() : reply.send(answer.body);
    });
    const driver = new SlackDriver({
      workspace: world.workspace,
      inject: (options) => app.inject(options),
      responseBaseUrl: world.origin,
    });
    return { ...world, app, driver, received };
  }

  const postApproval = (client: WebClient) =>
    call(client, 'chat.postMessage', {
      channel: C.approvals.id,
      text: 'Alice asks for Salesforce',
      blocks: [
        section('*Alice* asks for *Salesforce*', { block_id: 'summary' }),
        actions(
          [
            button('Approve', 'approve', { value: 'req-1', style: 'primary' }),
            button('Reject', 'reject', { value: 'req-1' }),
          ],
          {
            block_id: 'decide',
          },
        ),
      ],
    });

  it('sends a signed slash command with every field Slack sends, and shows its ephemeral answer', async () => {
    const { driver, received, workspace } = await bot(async () => ({ body: { text: 'Working on it…' } }));
    const response = await driver.command(U.alice.id, 'request salesforce because quarter end');
    expect(response.statusCode).toBe(200);
    expect(response.answerProblems).toEqual([]);
    expect(received[0]?.raw).toContain('text=request+salesforce+because+quarter+end');
    expect(received[0]?.payload).toEqual({
      token: SLACK_SEED.verificationToken,
      team_id: SLACK_SEED.teamId,
      team_domain: SLACK_SEED.domain,
      channel_id: 'D0ALICE',
      channel_name: 'directmessage',
      user_id: U.alice.id,
      user_name: 'alice',
      command: '/access',
      text: 'request salesforce because quarter end',
      api_app_id: SLACK_SEED.appId,
      is_enterprise_install: 'false',
      response_url: response.responseUrl,
      trigger_id: response.triggerId,
    });
    expect(workspace.ephemeralsFor(U.alice.id)).toMatchObject([
      { channel: 'D0ALICE', text: 'Working on it…', via: 'command_answer' },
    ]);
  });

  it('names where each delivery comes from: this workspace, a partner’s own team, another one when asked', async () => {
    const { driver, received, workspace, client } = await bot();
    workspace.addUser({ id: 'U0PARTNER', realName: 'Pat Partner', teamId: 'T0PARTNERCO', channels: [C.approvals.id] });
    const posted = await postApproval(client);
    await driver.click('U0PARTNER', { channel: C.approvals.id, ts: posted.ts }, 'approve');
    expect(received[0]?.payload).toMatchObject({
      team: { id: SLACK_SEED.teamId, domain: SLACK_SEED.domain },
      enterprise: null,
      is_enterprise_install: false,
      user: { id: 'U0PARTNER', team_id: 'T0PARTNERCO' },
    });
    await driver.command(U.alice.id, 'help', { from: { teamId: 'T0ELSEWHERE' } });
    expect(received[1]?.payload).toMatchObject({ team_id: 'T0ELSEWHERE', user_id: U.alice.id });
    expect(received[1]?.payload).not.toHaveProperty('enterprise_id');
    await driver.openHome(U.alice.id, { from: { teamId: 'T0ELSEWHERE' } });
    expect(received[2]?.payload).toMatchObject({
      team_id: 'T0ELSEWHERE',
      authorizations: [{ team_id: 'T0ELSEWHERE', enterprise_id: null, is_enterprise_install: false }],
    });
  });

  it('names the Enterprise Grid org in every payload from a workspace on one', async () => {
    const grid = { id: 'E0ACME', name: 'Acme Group' };
    const { driver, received, client } = await bot(async () => undefined, { enterprise: grid });
    await driver.command(U.alice.id, 'help');
    expect(received[0]?.payload).toMatchObject({
      team_id: SLACK_SEED.teamId,
      enterprise_id: 'E0ACME',
      enterprise_name: 'Acme Group',
    });
    const posted = await postApproval(client);
    await driver.click(U.bob.id, { channel: C.approvals.id, ts: posted.ts }, 'approve');
    expect(received[1]?.payload).toMatchObject({
      team: { id: SLACK_SEED.teamId, enterprise_id: 'E0ACME', enterprise_name: 'Acme Group' },
      enterprise: grid,
      user: { id: U.bob.id, team_id: SLACK_SEED.teamId },
    });
    await driver.openHome(U.bob.id, { from: { enterprise: { id: 'E0OTHER', name: 'Other' } } });
    expect(received[2]?.payload).toMatchObject({
      team_id: SLACK_SEED.teamId,
      enterprise_id: 'E0OTHER',
      authorizations: [{ team_id: SLACK_SEED.teamId, enterprise_id: 'E0OTHER' }],
    });
  });

  it('reports a command answer Slack would refuse instead of showing it', async () => {
    const { driver, workspace } = await bot(async () => ({ body: { blocks: [section(x(3001))] } }));
    const response = await driver.command(U.alice.id, 'mine', { channel: C.approvals.id });
    expect(response.answerProblems).toEqual([
      'invalid_blocks',
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(workspace.ephemeralsFor(U.alice.id)).toEqual([]);
  });

  it('gives the bot a trigger it can open a modal with, once', async () => {
    let client: WebClient | undefined;
    const world = await bot(async (payload) => {
      await client?.views.open({
        trigger_id: payload.trigger_id,
        view: { type: 'modal', title: { type: 'plain_text', text: 'Request' }, blocks: [] },
      });
      return undefined;
    });
    client = world.client;
    const response = await world.driver.command(U.carol.id);
    expect(world.workspace.openModalOf(U.carol.id)?.view.title).toEqual(plain('Request'));
    const again = { trigger_id: response.triggerId, view: modal() };
    expect((await refused(world.client, 'views.open', again)).error).toBe('exchanged_trigger_id');
  });

  it('clicks the button the bot rendered, and the bot’s response_url replaces that message', async () => {
    const world = await bot(async (payload) => {
      await fetch(payload.response_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ replace_original: true, text: 'Approved by Bob' }),
      });
      return undefined;
    });
    const posted = await postApproval(world.client);
    const response = await world.driver.click(U.bob.id, { channel: C.approvals.id, ts: posted.ts }, 'approve');
    expect(response.statusCode).toBe(200);
    const payload = world.received[0]?.payload ?? {};
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: U.bob.id, username: 'bob', name: 'bob', team_id: SLACK_SEED.teamId },
      api_app_id: SLACK_SEED.appId,
      container: { type: 'message', message_ts: posted.ts, channel_id: C.approvals.id, is_ephemeral: false },
      team: { id: SLACK_SEED.teamId, domain: SLACK_SEED.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: C.approvals.id, name: 'access-approvals' },
      message: { ts: posted.ts, text: 'Alice asks for Salesforce', user: BOT.userId },
      state: { values: {} },
      actions: [
        {
          action_id: 'approve',
          block_id: 'decide',
          value: 'req-1',
          type: 'button',
          text: plain('Approve'),
          style: 'primary',
        },
      ],
    });
    expect(payload.trigger_id).toEqual(expect.any(String));
    expect(payload.actions[0].action_ts).toMatch(/^\d+\.\d+$/);
    expect(world.workspace.message(C.approvals.id, posted.ts)).toMatchObject({ text: 'Approved by Bob' });
    await expect(world.driver.click(U.bob.id, { channel: C.approvals.id, ts: posted.ts }, 'escalate')).rejects.toThrow(
      /no element with action_id escalate/,
    );
  });

  it('clicks the button in the block named, where a list repeats the action_id under every item', async () => {
    const world = await bot();
    const item = (n: number) =>
      actions(
        [button('Approve', 'approve', { value: `req-${n}` }), button('Reject', 'reject', { value: `req-${n}` })],
        {
          block_id: `item_${n}_actions`,
        },
      );
    const list = await call(world.client, 'chat.postEphemeral', {
      channel: C.approvals.id,
      user: U.bob.id,
      text: 'Waiting for your decision',
      blocks: [item(0), item(1), item(2)],
    });
    const where = { channel: C.approvals.id, ts: list.message_ts };
    await world.driver.click(U.bob.id, where, 'approve', { blockId: 'item_2_actions' });
    await world.driver.click(U.bob.id, where, 'approve', { blockId: 'item_0_actions' });
    expect(world.received.map(({ payload }) => [payload.actions[0].block_id, payload.actions[0].value])).toEqual([
      ['item_2_actions', 'req-2'],
      ['item_0_actions', 'req-0'],
    ]);
    // Not saying which of the rows was clicked is no click Slack could send.
    await expect(world.driver.click(U.bob.id, where, 'approve')).rejects.toThrow(/3 blocks hold action_id approve/);
    await expect(world.driver.click(U.bob.id, where, 'approve', { blockId: 'item_9_actions' })).rejects.toThrow(
      /no element with action_id approve in block item_9_actions/,
    );
  });

  it('clicks a button in an ephemeral message, whose response_url replaces that ephemeral', async () => {
    const world = await bot(async (payload) => {
      await fetch(payload.response_url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ replace_original: true, text: 'Cancelled' }),
      });
      return undefined;
    });
    const blocks = [actions([button('Cancel', 'cancel', { value: 'req-9' })], { block_id: 'mine' })];
    const shown = await call(world.client, 'chat.postEphemeral', {
      channel: 'D0ALICE',
      user: U.alice.id,
      text: 'x',
      blocks,
    });
    await world.driver.click(U.alice.id, { channel: 'D0ALICE', ts: shown.message_ts }, 'cancel');
    const payload = world.received[0]?.payload ?? {};
    expect(payload.container).toEqual({
      type: 'message',
      message_ts: shown.message_ts,
      channel_id: 'D0ALICE',
      is_ephemeral: true,
    });
    expect(payload).not.toHaveProperty('message');
    expect(payload.actions[0]).toMatchObject({ action_id: 'cancel', block_id: 'mine', value: 'req-9' });
    expect(world.workspace.ephemeralsFor(U.alice.id)).toMatchObject([{ ts: shown.message_ts, text: 'Cancelled' }]);
    expect(world.workspace.ephemeralsFor(U.alice.id)[0]?.blocks).toBeUndefined();
  });

  it('closes a modal view, telling the bot only when the view asked with notify_on_close', async () => {
    const world = await bot();
    const quietView = await call(world.client, 'views.open', {
      trigger_id: world.workspace.mintTriggerId(U.bob.id),
      view: modal(),
    });
    expect((await world.driver.close(U.bob.id, quietView.view.id)).statusCode).toBe(0);
    expect(world.workspace.openModalOf(U.bob.id)).toBeUndefined();
    const trigger_id = world.workspace.mintTriggerId(U.bob.id);
    const noisy = await call(world.client, 'views.open', {
      trigger_id,
      view: modal({ notify_on_close: true, callback_id: 'form' }),
    });
    expect((await world.driver.close(U.bob.id, noisy.view.id)).statusCode).toBe(200);
    expect(world.received.map((entry) => entry.payload)).toMatchObject([
      {
        type: 'view_closed',
        user: { id: U.bob.id },
        view: { id: noisy.view.id, callback_id: 'form' },
        is_cleared: false,
      },
    ]);
    expect(world.workspace.view(noisy.view.id)?.open).toBe(false);
  });

  it('delivers over HTTP to a listening bot as well', async () => {
    const world = await bot(async () => ({ body: 'Try `/access help`' }));
    await world.app.listen({ port: 0, host: '127.0.0.1' });
    const address = world.app.server.address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const overHttp = new SlackDriver({ workspace: world.workspace, baseUrl, responseBaseUrl: world.origin });
    const response = await overHttp.command(U.henry.id, 'what');
    expect(response).toMatchObject({ statusCode: 200, body: 'Try `/access help`', answerProblems: [] });
    expect(world.workspace.ephemeralsFor(U.henry.id)).toMatchObject([
      { text: 'Try `/access help`', channel: 'D0HENRY' },
    ]);
  });

  it('submits a modal from its rendered inputs; Slack never sends one with a required input empty', async () => {
    let answer: unknown;
    const world = await bot(async () => ({ body: answer }));
    const view = modal({
      callback_id: 'reject',
      submit: plain('Reject'),
      blocks: [
        textInput('reason', {}, { min_length: 5 }),
        textInput('note', { optional: true }),
        {
          type: 'input',
          block_id: 'duration',
          label: plain('For how long'),
          element: { type: 'static_select', action_id: 'pick', options: [{ text: plain('One day'), value: 'P1D' }] },
        },
      ],
    });
    const opened = await call(world.client, 'views.open', {
      trigger_id: world.workspace.mintTriggerId(U.bob.id),
      view,
    });
    const viewId = opened.view.id;
    const empty = await world.driver.submit(U.bob.id, viewId, { duration: 'P1D' });
    expect(empty.notSent).toEqual(['reason: this field is required']);
    expect((await world.driver.submit(U.bob.id, viewId, { reason: 'no', duration: 'P1D' })).notSent).toEqual([
      'reason: at least 5 characters',
    ]);
    expect(world.received).toEqual([]);

    answer = { response_action: 'errors', errors: { reason: 'Say why, please' } };
    const withErrors = await world.driver.submit(U.bob.id, viewId, { reason_input: 'Not needed', duration: 'P1D' });
    expect(withErrors.answerProblems).toEqual([]);
    expect(world.workspace.view(viewId)).toMatchObject({ open: true, errors: { reason: 'Say why, please' } });
    expect(world.received[0]?.payload).toMatchObject({
      type: 'view_submission',
      user: { id: U.bob.id },
      view: {
        id: viewId,
        callback_id: 'reject',
        state: {
          values: {
            reason: { reason_input: { type: 'plain_text_input', value: 'Not needed' } },
            note: { note_input: { type: 'plain_text_input', value: null } },
            duration: { pick: { type: 'static_select', selected_option: { text: plain('One day'), value: 'P1D' } } },
          },
        },
      },
      response_urls: [],
    });

    answer = { response_action: 'errors', errors: { summary: 'not an input' } };
    const stray = await world.driver.submit(U.bob.id, viewId, { reason: 'Not needed', duration: 'P1D' });
    expect(stray.answerProblems).toEqual(['errors names summary, which is not an input block']);

    answer = undefined;
    await world.driver.submit(U.bob.id, viewId, { reason: 'Not needed', duration: 'P1D' });
    expect(world.workspace.openModalOf(U.bob.id)).toBeUndefined();
    await expect(world.driver.submit(U.bob.id, viewId)).rejects.toThrow(/no open view/);
  });

  it('applies response_action update and push to the modal', async () => {
    let answer: unknown;
    const world = await bot(async () => ({ body: answer }));
    const view = modal({ submit: plain('Next'), blocks: [textInput('reason')] });
    const opened = await call(world.client, 'views.open', {
      trigger_id: world.workspace.mintTriggerId(U.dana.id),
      view,
    });
    answer = { response_action: 'update', view: modal({ blocks: [section('Step 2')] }) };
    await world.driver.submit(U.dana.id, opened.view.id, { reason: 'because' });
    expect(world.workspace.openModalOf(U.dana.id)).toMatchObject({ id: opened.view.id, blocks: [section('Step 2')] });
    answer = { response_action: 'push', view: modal({ submit: plain('Done'), blocks: [textInput('confirm')] }) };
    const stepTwo = { ...view, blocks: [textInput('reason')] };
    await call(world.client, 'views.update', { view_id: opened.view.id, view: stepTwo });
    await world.driver.submit(U.dana.id, opened.view.id, { reason: 'because' });
    expect(world.workspace.modalStackOf(U.dana.id)).toHaveLength(2);
    answer = { response_action: 'update', view: modal({ title: plain(x(30)) }) };
    const top = world.workspace.openModalOf(U.dana.id)?.id ?? '';
    const refusedUpdate = await world.driver.submit(U.dana.id, top, { confirm: 'yes' });
    expect(refusedUpdate.answerProblems).toEqual(['must be less than 25 characters [json-pointer:/view/title/text]']);
  });

  it('clicks inside a modal with the view, its state and no response_url', async () => {
    const world = await bot();
    const view = modal({
      blocks: [actions([button('Load more', 'more', { value: 'page-2' })], { block_id: 'paging' })],
    });
    const opened = await call(world.client, 'views.open', {
      trigger_id: world.workspace.mintTriggerId(U.erin.id),
      view,
    });
    await world.driver.click(U.erin.id, opened.view.id, 'more');
    const payload = world.received[0]?.payload ?? {};
    expect(payload).toMatchObject({
      container: { type: 'view', view_id: opened.view.id },
      view: { id: opened.view.id, hash: opened.view.hash, state: { values: {} } },
      actions: [{ action_id: 'more', block_id: 'paging', value: 'page-2' }],
    });
    expect(payload).not.toHaveProperty('response_url');
    const push = { trigger_id: payload.trigger_id, view: modal() };
    expect((await call(world.client, 'views.push', push)).view.previous_view_id).toBe(opened.view.id);
  });

  it('asks an external select for options after min_query_length and checks the answer', async () => {
    let options: unknown[] = [];
    const world = await bot(async () => ({ body: { options } }));
    const picker = { type: 'external_select', action_id: 'entry', min_query_length: 2, placeholder: plain('Search') };
    const view = modal({
      submit: plain('Request'),
      blocks: [{ type: 'input', block_id: 'what', label: plain('What'), element: picker }],
    });
    const opened = await call(world.client, 'views.open', {
      trigger_id: world.workspace.mintTriggerId(U.alice.id),
      view,
    });
    expect((await world.driver.suggest(U.alice.id, opened.view.id, 'entry', 's')).notSent).toEqual([
      'type at least 2 characters',
    ]);
    options = [{ text: plain('Salesforce'), value: 'cen1' }];
    const answered = await world.driver.suggest(U.alice.id, opened.view.id, 'entry', 'sa');
    expect(answered.body).toEqual({ options });
    expect(answered.answerProblems).toEqual([]);
    expect(world.received[0]?.payload).toMatchObject({
      type: 'block_suggestion',
      action_id: 'entry',
      block_id: 'what',
      value: 'sa',
    });
    options = Array.from({ length: 101 }, (_, index) => ({ text: plain('x'), value: `v${index}` }));
    const tooMany = await world.driver.suggest(U.alice.id, opened.view.id, 'entry', 'sal');
    expect(tooMany.answerProblems).toEqual(['no more than 100 items allowed [json-pointer:/options]']);
  });

  it('delivers app_home_opened with unique event ids, url_verification, and retries as the same bytes', async () => {
    const world = await bot(async (payload) =>
      payload.type === 'url_verification' ? { body: { challenge: payload.challenge } } : undefined,
    );
    await call(world.client, 'views.publish', { user_id: U.grace.id, view: { type: 'home', blocks: [section('Hi')] } });
    const first = await world.driver.openHome(U.grace.id);
    await world.driver.openHome(U.grace.id);
    const [one, two] = world.received.map((entry) => entry.payload);
    expect(one).toMatchObject({
      type: 'event_callback',
      team_id: SLACK_SEED.teamId,
      api_app_id: SLACK_SEED.appId,
      event: { type: 'app_home_opened', user: U.grace.id, channel: 'D0GRACE', tab: 'home', view: { type: 'home' } },
      authorizations: [{ user_id: BOT.userId, is_bot: true }],
    });
    expect(one?.event_id).toMatch(/^Ev\w+$/);
    expect(one?.event_id).not.toBe(two?.event_id);
    const retry = await world.driver.resend(first.request, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(retry.statusCode).toBe(200);
    const [original, , again] = world.received;
    expect(again?.raw).toBe(original?.raw);
    expect(again?.headers['x-slack-signature']).toBe(original?.headers['x-slack-signature']);
    expect(again?.headers['x-slack-retry-num']).toBe('1');
    const verification = await world.driver.urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    expect(verification.body).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('is refused by a bot that checks signatures when signed with another secret', async () => {
    const world = await bot();
    const forger = new SlackDriver({
      workspace: world.workspace,
      signingSecret: 'not-the-secret',
      inject: (options) => world.app.inject(options),
    });
    expect((await forger.command(U.alice.id, 'help')).statusCode).toBe(401);
    expect(world.received).toEqual([]);
  });
});
