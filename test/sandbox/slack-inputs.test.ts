import { sandboxPlugin } from '@gatehouse/sandbox';
import {
  createSlackWorkspace,
  SLACK_SEED,
  SlackDriver,
  type SlackWorkspace,
  type SlackWorkspaceOptions,
} from '@gatehouse/sandbox/slack';
import { webApi } from '@slack/bolt';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { slackManifestTemplate } from '../../manifest/slack/manifest.js';

/**
 * The Slack stand-in's inputs beyond buttons, as issue 21 needs them: checkboxes in a list message
 * whose ticks travel as `state.values` with the next click, a users_select in a modal or message
 * (`selected_user`), and a person picked in the composer of a slash command, sent as our manifest's
 * `should_escape` makes Slack send it.
 */

const { users: U, channels: C } = SLACK_SEED;
// biome-ignore lint/suspicious/noExplicitAny: payloads are read field by field in assertions.
type Payload = Record<string, any>;

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** The Slack emulator and a stand-in bot on one server: the bot records what Slack delivers and answers 200. */
async function world(options: SlackWorkspaceOptions = {}) {
  const workspace: SlackWorkspace = createSlackWorkspace(options);
  const received: Payload[] = [];
  const app = Fastify();
  opened.push(app);
  await app.register(sandboxPlugin, { prefix: '/sandbox', slack: workspace });
  app.register(async (bot) => {
    bot.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    bot.post('/slack/events', async (request) => {
      const body = request.body as Record<string, string>;
      received.push(typeof body.payload === 'string' ? JSON.parse(body.payload) : body);
      return '';
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const client = new webApi.WebClient(SLACK_SEED.botToken, {
    slackApiUrl: `${origin}/sandbox/slack/api/`,
    retryConfig: { retries: 0 },
    logLevel: webApi.LogLevel.ERROR,
  });
  const driver = new SlackDriver({ workspace, inject: (request) => app.inject(request), responseBaseUrl: origin });
  return { workspace, received, client, driver };
}

const plain = (text: string) => ({ type: 'plain_text', text });
const option = (value: string, text: string) => ({ text: plain(text), value });

/** A `/access pending` list as the bulk-decision design draws it: one checkboxes element, then the buttons. */
const pendingList = [
  { type: 'section', block_id: 'intro', text: { type: 'mrkdwn', text: '3 requests wait for you' } },
  {
    type: 'actions',
    block_id: 'pick',
    elements: [
      {
        type: 'checkboxes',
        action_id: 'pending_pick',
        options: [option('r1', 'Salesforce'), option('r2', 'Figma'), option('r3', 'Zoom')],
      },
    ],
  },
  {
    type: 'actions',
    block_id: 'bulk',
    elements: [
      { type: 'button', action_id: 'approve_selected', text: plain('Approve selected'), style: 'primary' },
      { type: 'button', action_id: 'reject_selected', text: plain('Reject selected'), style: 'danger' },
    ],
  },
] as never[];

describe('checkboxes in a message', () => {
  it('sends each tick to the bot, then the ticked options as state.values with the button pressed', async () => {
    const { client, driver, received } = await world();
    const posted = await client.chat.postMessage({ channel: U.bob.id, text: 'pending', blocks: pendingList });
    const where = { channel: String(posted.channel), ts: String(posted.ts) };

    const first = await driver.tick(U.bob.id, where, 'pending_pick', ['r1']);
    expect(first.statusCode).toBe(200);
    await driver.tick(U.bob.id, where, 'pending_pick', ['r1', 'r3']);
    // Slack sends every change of an interactive element in an actions block, with everything ticked now.
    expect(received[1]).toMatchObject({
      type: 'block_actions',
      actions: [
        {
          type: 'checkboxes',
          action_id: 'pending_pick',
          block_id: 'pick',
          selected_options: [option('r1', 'Salesforce'), option('r3', 'Zoom')],
        },
      ],
    });

    await driver.click(U.bob.id, where, 'approve_selected');
    const pressed = received[2];
    expect(pressed?.actions).toMatchObject([{ type: 'button', action_id: 'approve_selected', block_id: 'bulk' }]);
    expect(pressed?.state).toEqual({
      values: {
        pick: {
          pending_pick: {
            type: 'checkboxes',
            selected_options: [option('r1', 'Salesforce'), option('r3', 'Zoom')],
          },
        },
      },
    });
    expect(pressed?.container).toMatchObject({ type: 'message', message_ts: where.ts });
  });

  it('keeps each person’s ticks their own, and forgets them once the bot changes the message', async () => {
    const { workspace, client, driver, received } = await world();
    const posted = await client.chat.postMessage({ channel: C.approvals.id, text: 'pending', blocks: pendingList });
    const where = { channel: C.approvals.id, ts: String(posted.ts) };
    await driver.tick(U.bob.id, where, 'pending_pick', ['r2']);

    // Slack sends the full state: every stateful element, untouched ones with their initial value.
    const untouched = { values: { pick: { pending_pick: { type: 'checkboxes', selected_options: [] } } } };
    await driver.click(U.carol.id, where, 'approve_selected');
    expect(received.at(-1)?.state).toEqual(untouched);

    await driver.click(U.bob.id, where, 'approve_selected');
    expect(received.at(-1)?.state.values.pick.pending_pick.selected_options).toEqual([option('r2', 'Figma')]);

    await client.chat.update({ channel: C.approvals.id, ts: where.ts, text: 'pending', blocks: pendingList.slice(1) });
    await driver.click(U.bob.id, where, 'approve_selected');
    expect(received.at(-1)?.state).toEqual(untouched);
    expect(workspace.message(C.approvals.id, where.ts)?.blocks).toHaveLength(2);
  });

  it('ticks in an ephemeral list too (a command’s answer), as the client keeps those as well', async () => {
    const { client, driver, received } = await world();
    const shown = await client.chat.postEphemeral({
      channel: 'D0BOB',
      user: U.bob.id,
      text: 'pending',
      blocks: pendingList,
    });
    const where = { channel: 'D0BOB', ts: String(shown.message_ts) };
    await driver.tick(U.bob.id, where, 'pending_pick', ['r1', 'r2']);
    await driver.click(U.bob.id, where, 'reject_selected');
    expect(received.at(-1)).toMatchObject({
      container: { is_ephemeral: true },
      state: { values: { pick: { pending_pick: { selected_options: [{ value: 'r1' }, { value: 'r2' }] } } } },
    });
  });

  it('refuses to tick what the message does not offer, or an element that is not a checkbox', async () => {
    const { client, driver, received } = await world();
    const posted = await client.chat.postMessage({ channel: U.bob.id, text: 'pending', blocks: pendingList });
    const where = { channel: String(posted.channel), ts: String(posted.ts) };
    await expect(driver.tick(U.bob.id, where, 'pending_pick', ['r9'])).rejects.toThrow(/"r9" is not an option/);
    await expect(driver.tick(U.bob.id, where, 'approve_selected', ['r1'])).rejects.toThrow(/is a button/);
    expect(received).toHaveLength(0);
  });
});

describe('users_select', () => {
  const forwardModal = {
    type: 'modal',
    callback_id: 'forward',
    title: plain('Forward'),
    submit: plain('Forward'),
    blocks: [
      {
        type: 'input',
        block_id: 'to',
        label: plain('Forward to'),
        element: { type: 'users_select', action_id: 'forward_to' },
      },
    ],
  };

  async function openForward(context: Awaited<ReturnType<typeof world>>) {
    const trigger = context.workspace.mintTriggerId(U.bob.id);
    const opened = await context.client.views.open({ trigger_id: trigger, view: forwardModal as never });
    return String(opened.view?.id);
  }

  it('sends the person picked in a modal as selected_user, without a block_actions of its own', async () => {
    const context = await world();
    const viewId = await openForward(context);
    const picked = await context.driver.pickUser(U.bob.id, viewId, 'forward_to', U.carol.id);
    expect(picked.statusCode).toBe(0);
    await context.driver.submit(U.bob.id, viewId);
    expect(context.received).toHaveLength(1);
    expect(context.received[0]).toMatchObject({
      type: 'view_submission',
      view: { state: { values: { to: { forward_to: { type: 'users_select', selected_user: U.carol.id } } } } },
    });
  });

  it('takes a pick given at submission too, and offers only the workspace’s people', async () => {
    const context = await world();
    context.workspace.addUser({ id: 'U0PARTNER', realName: 'Pat Partner', teamId: 'T0PARTNERCO' });
    const viewId = await openForward(context);
    await expect(context.driver.pickUser(U.bob.id, viewId, 'forward_to', 'U0PARTNER')).rejects.toThrow(
      /not a person of this workspace/,
    );
    await expect(context.driver.submit(U.bob.id, viewId, { to: 'U0NOBODY' })).rejects.toThrow(
      /not a person of this workspace/,
    );
    expect((await context.driver.submit(U.bob.id, viewId)).notSent).toEqual(['to: this field is required']);
    await context.driver.submit(U.bob.id, viewId, { forward_to: U.dana.id });
    expect(context.received[0]?.view.state.values.to.forward_to.selected_user).toBe(U.dana.id);
  });

  it('sends a pick in a message’s actions block at once, as block_actions with selected_user', async () => {
    const { client, driver, received } = await world();
    const blocks = [
      {
        type: 'actions',
        block_id: 'fwd',
        elements: [{ type: 'users_select', action_id: 'forward_to', placeholder: plain('Forward to…') }],
      },
    ];
    const posted = await client.chat.postMessage({ channel: U.bob.id, text: 'card', blocks });
    await driver.pickUser(
      U.bob.id,
      { channel: String(posted.channel), ts: String(posted.ts) },
      'forward_to',
      U.erin.id,
    );
    expect(received[0]).toMatchObject({
      type: 'block_actions',
      actions: [{ type: 'users_select', action_id: 'forward_to', selected_user: U.erin.id }],
      state: { values: { fwd: { forward_to: { type: 'users_select', selected_user: U.erin.id } } } },
    });
  });
});

describe('a person picked in a slash command', () => {
  const typed = ['delegate ', { mention: U.carol.id }, ' until 2026-12-24 & back'] as const;

  it('is escaped or not as our manifest’s /access says (should_escape)', () => {
    const command = slackManifestTemplate.features.slash_commands?.find((candidate) => candidate.command === '/access');
    expect(createSlackWorkspace().commandShouldEscape).toBe(command?.should_escape ?? false);
  });

  it('arrives as the @display name typed where the command does not escape', async () => {
    const { driver, received } = await world({ commandShouldEscape: false });
    await driver.command(U.alice.id, typed);
    expect(received[0]?.text).toBe('delegate @carol until 2026-12-24 &amp; back');
  });

  it('arrives as <@U…|handle> where the command escapes (should_escape: true)', async () => {
    const { driver, received } = await world({ commandShouldEscape: true });
    await driver.command(U.alice.id, typed);
    expect(received[0]?.text).toBe(`delegate <@${U.carol.id}|carol> until 2026-12-24 &amp; back`);
  });

  it('offers only the workspace’s people in the composer', async () => {
    const { driver, received } = await world();
    await expect(driver.command(U.alice.id, ['delegate ', { mention: 'U0NOBODY' }])).rejects.toThrow(
      /not a person of this workspace/,
    );
    expect(received).toHaveLength(0);
  });
});
