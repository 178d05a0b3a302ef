import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../../src/config.js';
import { SEED } from '../../../src/sandbox/okta/index.js';
import { SLACK_SEED, SlackDriver, slashCommand } from '../../../src/sandbox/slack/index.js';
import {
  buttonsOf,
  eventually,
  messageAbout,
  S,
  type SlackWorld,
  shown,
  startSlackWorld,
} from '../../support/slack-world.js';

const APPROVALS = SLACK_SEED.channels.approvals.id;
let world: SlackWorld;
beforeEach(async () => {
  world = await startSlackWorld();
});
afterEach(async () => {
  await world.close();
});

const oktaRequests = (entryId: string) =>
  world.okta.requests.filter((request) => request.requested.entryId === entryId);

function driverWith(options: { signingSecret?: string; signingNow?: () => number }) {
  return new SlackDriver({
    workspace: world.slack,
    inject: (request) => world.gatehouse.server.inject(request),
    signingSecret: options.signingSecret ?? SANDBOX_SECRETS.slackSigningSecret,
    signingNow: options.signingNow,
    responseBaseUrl: world.baseUrl,
  });
}

async function requestAndCard() {
  await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
  const request = await eventually(() => oktaRequests(SEED.entries.salesforceSalesUser.id)[0]);
  const card = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
  return { request, card };
}

describe('request signatures', () => {
  it('refuses unsigned, wrongly signed, stale and future-dated requests with 401 and does nothing', async () => {
    const slackCallsBefore = world.slack.calls.length;
    const body = slashCommand({
      user: { id: S.alice.id, name: 'alice' },
      text: 'request Zoom Pro License',
      triggerId: world.slack.mintTriggerId(S.alice.id),
      responseUrl: `${world.baseUrl}/nowhere`,
    });
    const unsigned = await world.gatehouse.server.inject({
      method: 'POST',
      url: '/slack/events',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error).toBe('missing_signature');

    const wrong = await driverWith({ signingSecret: 'not-the-secret' }).command(S.alice.id, 'request Zoom Pro License');
    expect(wrong.statusCode).toBe(401);
    const stale = await driverWith({ signingNow: () => Date.now() - 6 * 60_000 }).command(S.alice.id, 'request Zoom');
    expect(stale.statusCode).toBe(401);
    expect((stale.body as { error: string }).error).toBe('stale_timestamp');
    const future = await driverWith({ signingNow: () => Date.now() + 6 * 60_000 }).command(S.alice.id, 'request Zoom');
    expect(future.statusCode).toBe(401);

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.okta.calls).toHaveLength(0);
    expect(world.slack.calls).toHaveLength(slackCallsBefore);
    expect(world.slack.ephemeralsFor(S.alice.id)).toHaveLength(0);
  });

  it('answers the url_verification challenge, and a signed but malformed body with 400', async () => {
    const verified = await world.driver.urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P');
    expect(verified.body).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const malformed = await world.driver.send('{"type": "event_callback", ', 'application/json');
    expect(malformed.statusCode).toBe(400);
    const payload = await world.driver.send('payload=%7Bnot-json', 'application/x-www-form-urlencoded');
    expect(payload.statusCode).toBe(400);
  });
});

describe('exactly one governance write', () => {
  it('ignores a retried delivery of a click', async () => {
    const { card } = await requestAndCard();
    const click = await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    const retried = await world.driver.resend(click.request, {
      'X-Slack-Retry-Num': '1',
      'X-Slack-Retry-Reason': 'http_timeout',
    });
    expect(retried.statusCode).toBe(200);
    await eventually(() => oktaRequests(SEED.entries.salesforceSalesUser.id)[0]?.status === 'APPROVED');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(world.writes('/resolve')).toBe(1);
  });

  it('creates one request when a slash command is delivered twice', async () => {
    const asked = await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    await world.driver.resend(asked.request, { 'X-Slack-Retry-Num': '1' });
    await eventually(() => oktaRequests(SEED.entries.zoomPro.id)[0]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(oktaRequests(SEED.entries.zoomPro.id)).toHaveLength(1);
  });

  it('writes once on a double click, and tells the second click what happened', async () => {
    const { card } = await requestAndCard();
    const target = { channel: card.channel, ts: card.ts };
    await Promise.all([
      world.driver.click(S.bob.id, target, 'approve'),
      world.driver.click(S.bob.id, target, 'approve'),
    ]);
    await eventually(() => oktaRequests(SEED.entries.salesforceSalesUser.id)[0]?.status === 'APPROVED');
    await eventually(() =>
      world.slack
        .ephemeralsFor(S.bob.id)
        .find((message) => /already being recorded|already approved by Bob Martinez/.test(shown(message))),
    );
    expect(world.writes('/resolve')).toBe(1);
  });
});

describe('authorization is checked on the server for every button', () => {
  it('refuses an approval from someone who is not the approver, even from the channel card', async () => {
    const { request } = await requestAndCard();
    const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
    expect(buttonsOf(channelCard)).toContain('approve');
    await world.driver.click(S.carol.id, { channel: channelCard.channel, ts: channelCard.ts }, 'approve');
    await eventually(() =>
      world.slack.ephemeralsFor(S.carol.id).find((message) => shown(message).includes('You are not an approver')),
    );
    expect(world.writes('/resolve')).toBe(0);
  });

  it('refuses the requester approving their own request with a forged button', async () => {
    const { request, card } = await requestAndCard();
    // Alice replays Bob's button (same value) as herself.
    const aliceDm = await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id));
    const forged = JSON.stringify({ r: request.id });
    await world.driver.click(S.alice.id, { channel: card.channel, ts: card.ts }, 'approve', { value: forged });
    await eventually(() =>
      world.slack.ephemeralsFor(S.alice.id).find((message) => /not an approver|cannot decide/.test(shown(message))),
    );
    expect(world.writes('/resolve')).toBe(0);
    expect(buttonsOf(aliceDm)).not.toContain('approve');
  });

  it('answers a button carrying garbage with a clear message', async () => {
    const { card } = await requestAndCard();
    await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve', { value: '{"r":' });
    await eventually(() =>
      world.slack.ephemeralsFor(S.bob.id).find((message) => shown(message).includes('does not carry a request')),
    );
    expect(world.writes('/resolve')).toBe(0);
  });
});

describe('user text is inert in Slack', () => {
  it('escapes mentions and links in a justification on every card', async () => {
    const evil = '<!channel> urgent <@U0HENRY> see <https://evil.example/login|SSO> & <!here>';
    await world.driver.command(S.alice.id, `request Salesforce Sales User because ${evil}`);
    const request = await eventually(() => oktaRequests(SEED.entries.salesforceSalesUser.id)[0]);
    const cards = [
      await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id)),
      await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id)),
    ];
    for (const card of cards) {
      const text = shown(card);
      expect(text).toContain('&lt;!channel&gt; urgent &lt;@U0HENRY&gt;');
      for (const raw of ['<!channel>', '<!here>', '<@U0HENRY>', '<https://evil.example'])
        expect(text).not.toContain(raw);
    }
  });
});

describe('Slack failures lose nothing', () => {
  it('posts an approval card that Slack refused once on the next sync, and only once', async () => {
    world.slack.faults.add({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSeconds: 1, times: 3 });
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() => oktaRequests(SEED.entries.zoomPro.id)[0]);
    await eventually(() => world.slack.callsTo('chat.postMessage').length >= 3);
    await world.gatehouse.messages.sync(request.id);
    await world.gatehouse.messages.sync(request.id);
    const cards = world.slack.dmWith(S.dana.id).filter((message) => shown(message).includes(request.id));
    expect(cards).toHaveLength(1);
    expect(buttonsOf(cards[0])).toContain('approve');
  });
});
