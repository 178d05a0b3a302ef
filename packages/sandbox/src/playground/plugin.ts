import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { OktaOrg } from '../okta/index.js';
import type { PingOneTenant } from '../pingone/index.js';
import { type InjectFn, SLACK_SEED, SlackDriver, type SlackWorkspace, type TypedText } from '../slack/index.js';
import { TEAMS_SEED, TeamsDriver, type TeamsTenant } from '../teams/index.js';
import { slackState, teamsState } from './chat-state.js';
import { governanceState, portalDecide, portalTakesReason } from './governance.js';

export interface PlaygroundOptions {
  okta: OktaOrg;
  pingone: PingOneTenant;
  provider: 'okta' | 'pingone';
  slack: SlackWorkspace;
  teams: TeamsTenant;
  /** Delivers to the bot's own endpoints (/slack/events, /api/messages), as Slack and Teams do. */
  inject: InjectFn;
  /** Where the bot reaches the stand-ins (response_url, serviceUrl). */
  publicUrl: string;
  signingSecret: string;
  /** Fires whenever a stand-in answered a call: the page then reads the state again. */
  changes: EventEmitter;
}

const page = readFileSync(new URL('./page.html', import.meta.url), 'utf8');
/** The page's own scripts, plain ES modules served as they are written (no build step). */
const SCRIPTS = [
  'page.js',
  'common.js',
  'slack-pane.js',
  'mrkdwn.js',
  'teams-pane.js',
  'choice-set.js',
  'portal.js',
  'try-this.js',
];
const scripts = new Map(SCRIPTS.map((name) => [name, readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')]));
const adaptiveCards = readFileSync(
  createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js'),
  'utf8',
);

const user = z.string().min(1).max(100);

/**
 * The playground: a page at `/` with a Slack-like and a Teams-like pane and the emulated
 * governance portal beside them. The panes are clients of the stand-ins, never of the bot: a
 * slash command, a click or a card action goes to the Slack or Teams stand-in, which delivers it
 * to the bot exactly as the real platform would (signed payloads to /slack/events, Bot Framework
 * activities to /api/messages), and the page shows what the stand-ins then hold.
 */
export const playgroundPlugin: FastifyPluginAsync<PlaygroundOptions> = async (app, options) => {
  const slack = new SlackDriver({
    workspace: options.slack,
    inject: options.inject,
    signingSecret: options.signingSecret,
    responseBaseUrl: options.publicUrl,
  });
  const teams = new TeamsDriver({ tenant: options.teams, inject: options.inject, baseUrl: options.publicUrl });
  const done = (sent: { statusCode: number; notSent?: string[] }) => {
    options.changes.emit('change');
    return { status: sent.statusCode, ...(sent.notSent?.length ? { notSent: sent.notSent } : {}) };
  };

  // What the page sent could not be read (400), or the stand-in would not do it (422): said plainly.
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof z.ZodError) {
      return reply.code(400).send({ error: 'bad_request', message: error.issues[0]?.message ?? 'Unreadable request.' });
    }
    const status = (error as { statusCode?: number }).statusCode;
    const message = error instanceof Error ? error.message : String(error);
    if (status && status < 500) return reply.code(status).send({ error: 'bad_request', message });
    return reply.code(422).send({ error: 'not_done', message });
  });

  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get<{ Params: { name: string } }>('/playground/:name', async (request, reply) => {
    const script = scripts.get(request.params.name);
    if (script === undefined) return reply.code(404).send({ error: 'not_found', message: 'No such file.' });
    return reply.type('text/javascript').send(script);
  });
  app.get('/playground/adaptivecards.js', async (_request, reply) =>
    reply.type('text/javascript').header('cache-control', 'max-age=3600').send(adaptiveCards),
  );

  app.get('/playground/people', async () => ({
    provider: options.provider,
    portalReason: portalTakesReason(options.provider),
    slack: Object.values(SLACK_SEED.users).map((u) => ({ id: u.id, name: u.name, title: u.title, handle: u.handle })),
    teams: Object.values(TEAMS_SEED.users).map((u) => ({ id: u.id, name: u.name, email: u.email })),
  }));

  app.get<{ Querystring: { slack?: string; teams?: string } }>('/playground/state', async (request) => ({
    slack: slackState(options.slack, request.query.slack ?? SLACK_SEED.users.alice.id),
    teams: teamsState(options.teams, request.query.teams ?? TEAMS_SEED.users.bob.id),
    governance: governanceState(options),
  }));

  // ── Slack's client, talking to the Slack stand-in ────────────────────────────────────────────
  app.post('/playground/slack/command', async (request) => {
    // Typed where the person is looking: the command's answers appear in that conversation.
    const body = z.object({ user, text: z.string().max(3000), channel: z.string().optional() }).parse(request.body);
    const text = typedMentions(options.slack, body.text.replace(/^\/access\s*/, ''));
    return done(await slack.command(body.user, text, body.channel ? { channel: body.channel } : {}));
  });
  app.post('/playground/slack/click', async (request) => {
    const body = z
      .object({
        user,
        channel: z.string().optional(),
        ts: z.string().optional(),
        viewId: z.string().optional(),
        actionId: z.string(),
        /** The block the clicked element sits in: a list repeats its action_ids under every item. */
        blockId: z.string().optional(),
        /** A button's own value, as the bot gave it. */
        value: z.string().optional(),
        /** The option picked in a select. */
        selected: z.string().optional(),
      })
      .parse(request.body);
    const where = body.viewId ? { viewId: body.viewId } : { channel: body.channel ?? '', ts: body.ts ?? '' };
    const value = body.selected ?? body.value;
    return done(
      await slack.click(body.user, where, body.actionId, {
        ...(body.blockId === undefined ? {} : { blockId: body.blockId }),
        ...(value === undefined ? {} : { value }),
      }),
    );
  });
  // Checkboxes and people pickers in a message or modal: Slack keeps the choice for the next press there.
  const input = {
    user,
    channel: z.string().optional(),
    ts: z.string().optional(),
    viewId: z.string().optional(),
    actionId: z.string(),
    blockId: z.string().optional(),
  };
  const placeOf = (body: { channel?: string; ts?: string; viewId?: string }) =>
    body.viewId ? { viewId: body.viewId } : { channel: body.channel ?? '', ts: body.ts ?? '' };
  app.post('/playground/slack/tick', async (request) => {
    const body = z.object({ ...input, values: z.array(z.string().max(150)).max(100) }).parse(request.body);
    const options = body.blockId === undefined ? {} : { blockId: body.blockId };
    return done(await slack.tick(body.user, placeOf(body), body.actionId, body.values, options));
  });
  app.post('/playground/slack/pick-user', async (request) => {
    const body = z.object({ ...input, picked: user }).parse(request.body);
    const options = body.blockId === undefined ? {} : { blockId: body.blockId };
    return done(await slack.pickUser(body.user, placeOf(body), body.actionId, body.picked, options));
  });
  app.post('/playground/slack/home', async (request) => {
    const body = z.object({ user }).parse(request.body);
    return done(await slack.openHome(body.user));
  });
  app.post('/playground/slack/submit', async (request) => {
    const body = z.object({ user, viewId: z.string(), values: z.record(z.string(), z.unknown()) }).parse(request.body);
    const sent = await slack.submit(body.user, body.viewId, body.values);
    // The bot's own field errors (response_action: errors) are what the person must fix.
    const answer = sent.body as { response_action?: string; errors?: Record<string, string> } | undefined;
    const errors = answer?.response_action === 'errors' ? Object.values(answer.errors ?? {}) : [];
    const result = done(sent);
    return errors.length > 0 ? { ...result, notSent: [...(result.notSent ?? []), ...errors] } : result;
  });
  app.post('/playground/slack/suggest', async (request) => {
    const body = z.object({ user, viewId: z.string(), actionId: z.string(), text: z.string() }).parse(request.body);
    const sent = await slack.suggest(body.user, body.viewId, body.actionId, body.text);
    // Slack shows option groups under their labels: the page's list shows the options, the labels as a hint.
    const answer = sent.body as
      | { options?: unknown[]; option_groups?: { label?: { text?: string }; options?: unknown[] }[] }
      | undefined;
    const groups = answer?.option_groups ?? [];
    const options = answer?.options ?? groups.flatMap((group) => group.options ?? []);
    const labels = groups.map((group) => group.label?.text).filter(Boolean);
    return { status: sent.statusCode, options, ...(labels.length ? { hint: labels.join(' · ') } : {}) };
  });
  app.post('/playground/slack/close', async (request) => {
    const body = z.object({ user, viewId: z.string() }).parse(request.body);
    return done(await slack.close(body.user, body.viewId));
  });

  // ── Teams' client, talking to the Teams stand-in ─────────────────────────────────────────────
  const installed = new Set<string>();
  // Choosing a Teams person means they have the app, as after a rollout: Teams then tells the bot
  // (conversationUpdate, installationUpdate), which is how it learns where to reach them.
  app.post('/playground/teams/install', async (request) => {
    const body = z.object({ user }).parse(request.body);
    if (installed.has(body.user)) return { status: 200 };
    const sent = await teams.install(body.user);
    if (sent.conversationUpdate.statusCode < 300) installed.add(body.user);
    return done(sent.conversationUpdate);
  });
  app.post('/playground/teams/say', async (request) => {
    const body = z.object({ user, text: z.string().min(1).max(3000) }).parse(request.body);
    return done(await teams.say(body.user, body.text));
  });
  const card = { conversationId: z.string(), activityId: z.string() };
  app.post('/playground/teams/execute', async (request) => {
    const body = z
      .object({
        user,
        ...card,
        /** The pressed Action.Execute as the card defines it: its id, else its verb and own data. */
        actionId: z.string().optional(),
        verb: z.string(),
        data: z.unknown().optional(),
        inputs: z.record(z.string(), z.string()).default({}),
      })
      .parse(request.body);
    const target = { conversationId: body.conversationId, activityId: body.activityId };
    const action = body.actionId ? { id: body.actionId } : { verb: body.verb, data: body.data ?? undefined };
    const sent = await teams.execute(body.user, target, action, body.inputs);
    return { ...done(sent), ...answerMessage(sent.body) };
  });
  // Teams runs a card's refresh action for a person in its refresh.userIds when it shows them the card.
  app.post('/playground/teams/refresh', async (request) => {
    const body = z.object({ user, ...card }).parse(request.body);
    const target = { conversationId: body.conversationId, activityId: body.activityId };
    return done(await teams.refresh(body.user, target));
  });
  app.post('/playground/teams/search', async (request) => {
    const body = z.object({ user, ...card, inputId: z.string(), queryText: z.string().max(500) }).parse(request.body);
    const target = { conversationId: body.conversationId, activityId: body.activityId };
    const sent = await teams.search(body.user, target, body.inputId, body.queryText);
    return { status: sent.statusCode, results: sent.results, ...(sent.notSent ? { notSent: sent.notSent } : {}) };
  });

  // ── The governance portal ────────────────────────────────────────────────────────────────────
  app.post('/playground/portal/decide', async (request) => {
    const body = z
      .object({
        requestId: z.string(),
        decision: z.enum(['approve', 'reject']),
        reason: z.string().max(2000).optional(),
      })
      .parse(request.body);
    portalDecide(options, body.requestId, body.decision, body.reason);
    options.changes.emit('change');
    return { status: 200 };
  });
  app.post('/playground/portal/expire', async (request) => {
    const body = z.object({ requestId: z.string() }).parse(request.body);
    if (options.provider === 'okta') options.okta.expireRequest(body.requestId);
    else options.pingone.expire(body.requestId);
    options.changes.emit('change');
    return { status: 200 };
  });

  // An event stream (one per open playground tab) never ends by itself, and a server closes only
  // once every response has ended: closing ends them, or Ctrl-C would wait for each tab to close.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get('/playground/events', (request, reply) => {
    reply.hijack();
    streams.add(reply.raw);
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write('retry: 1000\n\n');
    let pending: NodeJS.Timeout | undefined;
    const send = () => {
      // Many calls land together (a card and its notices): one event for the burst.
      pending ??= setTimeout(() => {
        pending = undefined;
        if (!reply.raw.writableEnded) reply.raw.write('event: change\ndata: {}\n\n');
      }, 50);
    };
    options.changes.on('change', send);
    request.raw.on('close', () => {
      streams.delete(reply.raw);
      clearTimeout(pending);
      options.changes.off('change', send);
    });
  });
};

/**
 * `@handle` of someone in the workspace, typed in the composer, is what Slack's autocomplete makes a
 * mention of; the stand-in then sends it as the command's should_escape says (`@handle` or `<@U…|handle>`).
 */
function typedMentions(workspace: SlackWorkspace, typed: string): TypedText {
  const parts: (string | { mention: string })[] = [];
  let rest = 0;
  for (const match of typed.matchAll(/(^|\s)@([\w.-]+)/g)) {
    const handle = match[2] ?? '';
    const person = workspace.users.find((candidate) => candidate.handle === handle && !candidate.isBot);
    if (!person) continue;
    const at = (match.index ?? 0) + (match[1]?.length ?? 0);
    parts.push(typed.slice(rest, at), { mention: person.id });
    rest = at + handle.length + 1;
  }
  parts.push(typed.slice(rest));
  return parts.length === 1 ? typed : parts.filter((part) => part !== '');
}

/** Teams shows the person a message the bot answered an Action.Execute with (a refusal, say) beside the card. */
function answerMessage(body: unknown): { message?: string } {
  const answer = body as { type?: unknown; value?: unknown } | undefined;
  return answer?.type === 'application/vnd.microsoft.activity.message' && typeof answer.value === 'string'
    ? { message: answer.value }
    : {};
}
