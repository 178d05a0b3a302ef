import { sandboxPlugin } from '@gatehouse/sandbox';
import {
  createSlackWorkspace,
  SLACK_SEED,
  type SlackWorkspace,
  type SlackWorkspaceOptions,
} from '@gatehouse/sandbox/slack';
import { POST_BURST } from '@gatehouse/sandbox/slack/rate-limits';
import { webApi } from '@slack/bolt';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';

const { WebClient } = webApi;

const START = 1_700_000_000_000;
const { users: U, channels: C } = SLACK_SEED;
const quiet = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => webApi.LogLevel.ERROR,
  setName() {},
};

const opened: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** The Slack stand-in on a real socket, its clock in the test's hands, and a WebClient that reports 429s at once. */
async function harness(options: SlackWorkspaceOptions) {
  const clock = { now: START };
  const workspace: SlackWorkspace = createSlackWorkspace({ now: () => clock.now, ...options });
  const app = Fastify();
  await app.register(sandboxPlugin, { prefix: '/sandbox', slack: workspace });
  opened.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const client = new WebClient(SLACK_SEED.botToken, {
    slackApiUrl: `${origin}/sandbox/slack/api/`,
    logger: quiet,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  /** 'ok', or the Retry-After (seconds) of a 429. */
  const post = (channel: string) =>
    client.chat.postMessage({ channel, text: 'hi' }).then(
      () => 'ok' as const,
      (error: unknown) => {
        if (error instanceof webApi.WebAPIRateLimitedError) return error.retryAfter;
        throw error;
      },
    );
  return { workspace, clock, origin, client, post };
}

describe('Slack rate limits in the stand-in', () => {
  it('are off unless asked for', async () => {
    const { workspace, post } = await harness({});
    for (let i = 0; i < 10; i++) expect(await post(C.approvals.id)).toBe('ok');
    expect(workspace.rateLimits).toBeUndefined();
  });

  it('lets a short burst into a channel, refuses the next post within the second as Slack does, and recovers', async () => {
    const { workspace, clock, origin, post } = await harness({ rateLimits: { scale: 1 } });
    expect(POST_BURST).toBe(3);
    for (let i = 0; i < POST_BURST; i++) expect(await post(C.approvals.id)).toBe('ok');
    expect(await post(C.approvals.id)).toBe(1);

    // Slack's exact answer: 429, Retry-After in seconds, `ratelimited`.
    const raw = await fetch(`${origin}/sandbox/slack/api/chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SLACK_SEED.botToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ channel: C.approvals.id, text: 'hi' }),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });

    // The limit is per channel: another channel, and a DM (named by the user's id), still take posts.
    expect(await post(C.engineeringAccess.id)).toBe('ok');
    expect(await post(U.alice.id)).toBe('ok');
    // The DM counts as one conversation whether named by user id or DM id.
    expect(await post(U.bob.id)).toBe('ok');
    expect(await post(U.bob.id)).toBe('ok');
    expect(await post('D0BOB')).toBe('ok');
    expect(await post('D0BOB')).toBe(1);

    // Half a second later nothing has been earned yet; a second after the burst, one post.
    clock.now += 500;
    expect(await post(C.approvals.id)).toBe(1);
    clock.now += 500;
    expect(await post(C.approvals.id)).toBe('ok');
    expect(await post(C.approvals.id)).toBe(1);
    // Quiet for long enough, the whole burst again, never more.
    clock.now += 60_000;
    for (let i = 0; i < POST_BURST; i++) expect(await post(C.approvals.id)).toBe('ok');
    expect(await post(C.approvals.id)).toBe(1);

    expect(workspace.rateLimits?.refusals()).toEqual({ 'chat.postMessage': 6 });
    expect(workspace.rateLimits?.refused).toBe(6);
    expect(workspace.callsTo('chat.postMessage').filter((call) => call.error === 'ratelimited')).toHaveLength(6);
    expect(workspace.messagesIn(C.approvals.id)).toHaveLength(POST_BURST * 2 + 1);
  });

  it('multiplies every allowance by the scale, and keeps Tier 3 and Tier 4 per workspace', async () => {
    const { workspace, clock, client, post } = await harness({ rateLimits: { scale: 2 } });
    for (let i = 0; i < POST_BURST * 2; i++) expect(await post(C.approvals.id)).toBe('ok');
    expect(await post(C.approvals.id)).toBe(1);
    clock.now += 500;
    expect(await post(C.approvals.id)).toBe('ok');

    // chat.update, Tier 3: 50 a minute, here 100; the 101st within the minute waits.
    const { ts } = await client.chat.postMessage({ channel: C.engineeringAccess.id, text: 'card' });
    const update = () =>
      client.chat.update({ channel: C.engineeringAccess.id, ts: ts as string, text: 'edited' }).then(
        () => 'ok',
        (error: unknown) => (error instanceof webApi.WebAPIRateLimitedError ? error.retryAfter : error),
      );
    for (let i = 0; i < 100; i++) expect(await update()).toBe('ok');
    expect(await update()).toBe(1);
    // users.info is Tier 4 and has its own budget.
    expect((await client.users.info({ user: U.alice.id })).ok).toBe(true);
    clock.now += 600;
    expect(await update()).toBe('ok');

    expect(workspace.rateLimits?.tally()['chat.update']).toEqual({ allowed: 101, refused: 1 });
    expect(workspace.rateLimits?.ratePerSecond('chat.postMessage')).toBe(2);
    expect(workspace.rateLimits?.burstOf('chat.postMessage')).toBe(6);
  });
});
