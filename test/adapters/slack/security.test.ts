import { SEED } from '@gatehouse/sandbox/okta';
import { FORM_CONTENT_TYPE, SLACK_SEED, SlackDriver, signSlackRequest, slashCommand } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../../src/config.js';
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

    // Once Gatehouse has finished whatever those requests could have started, nothing was asked of anyone.
    await world.gatehouse.idle();
    expect(world.okta.calls).toHaveLength(0);
    expect(world.slack.calls).toHaveLength(slackCallsBefore);
    expect(world.slack.ephemeralsFor(S.alice.id)).toHaveLength(0);
  });

  it('checks the signature over the raw bytes: a byte that is not UTF-8 signed as sent is Slack’s', async () => {
    const form = slashCommand({
      user: { id: S.alice.id, name: 'alice' },
      text: 'help',
      triggerId: world.slack.mintTriggerId(S.alice.id),
      responseUrl: `${world.baseUrl}/nowhere`,
    });
    const raw = Buffer.concat([Buffer.from(`${form}&note=`), Buffer.from([0xff])]);
    const deliver = (signedOver: Buffer | string) =>
      world.gatehouse.server.inject({
        method: 'POST',
        url: '/slack/events',
        headers: {
          ...signSlackRequest({
            signingSecret: SANDBOX_SECRETS.slackSigningSecret,
            body: signedOver,
            contentType: FORM_CONTENT_TYPE,
          }),
        },
        payload: raw,
      });
    const asSlackSigns = await deliver(raw);
    expect(asSlackSigns.statusCode).toBe(200);
    expect(asSlackSigns.json().text).toContain('How to use /access');
    // The same bytes, signed over their decoding (the 0xff read as U+FFFD): not what Slack signed.
    const overDecoded = await deliver(raw.toString('utf8'));
    expect(overDecoded.statusCode).toBe(401);
    expect(overDecoded.json().error).toBe('bad_signature');
  });

  describe('Slack’s ssl_check, the one request Slack does not sign', () => {
    const unsigned = (payload: string, contentType = FORM_CONTENT_TYPE) =>
      world.gatehouse.server.inject({
        method: 'POST',
        url: '/slack/events',
        headers: { 'content-type': contentType },
        payload,
      });
    const command = (text: string) =>
      slashCommand({
        user: { id: S.alice.id, name: 'alice' },
        text,
        triggerId: world.slack.mintTriggerId(S.alice.id),
        responseUrl: `${world.baseUrl}/nowhere`,
      });
    const nothingDone = async (slackCallsBefore: number) => {
      await world.gatehouse.idle();
      expect(world.okta.calls).toHaveLength(0);
      expect(world.okta.requests).toHaveLength(0);
      expect(world.slack.calls).toHaveLength(slackCallsBefore);
      expect(world.slack.ephemeralsFor(S.alice.id)).toHaveLength(0);
    };

    it('answers an unsigned ssl_check 200 and does nothing else', async () => {
      const slackCallsBefore = world.slack.calls.length;
      const check = await unsigned(`ssl_check=1&token=${SLACK_SEED.verificationToken}`);
      expect(check.statusCode).toBe(200);
      expect(check.body).toBe('');
      await nothingDone(slackCallsBefore);
    });

    it('still refuses an unsigned command with 401', async () => {
      const slackCallsBefore = world.slack.calls.length;
      const refused = await unsigned(command('request Zoom Pro License because webinars'));
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error).toBe('missing_signature');
      // ssl_check=0, or ssl_check in a JSON body, is no ssl_check.
      expect((await unsigned(`ssl_check=0&${command('help')}`)).statusCode).toBe(401);
      expect((await unsigned('{"ssl_check":"1","type":"event_callback"}', 'application/json')).statusCode).toBe(401);
      await nothingDone(slackCallsBefore);
    });

    it('runs no command smuggled into an ssl_check body, signed or not', async () => {
      const slackCallsBefore = world.slack.calls.length;
      const smuggled = `ssl_check=1&${command('request Zoom Pro License because webinars')}`;
      expect(smuggled).toContain('command=%2Faccess&text=request');
      expect((await unsigned(smuggled)).statusCode).toBe(200);
      expect((await unsigned(`${command('help')}&ssl_check=1`)).statusCode).toBe(200);
      // Signed too: whoever sent it, an ssl_check only ever gets its 200.
      expect((await world.driver.send(smuggled, FORM_CONTENT_TYPE)).statusCode).toBe(200);
      await nothingDone(slackCallsBefore);
    });
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
  it('ignores a retried delivery of a click without asking Okta anything', async () => {
    const { card } = await requestAndCard();
    const click = await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    await eventually(() => oktaRequests(SEED.entries.salesforceSalesUser.id)[0]?.status === 'APPROVED');
    await settled();
    const oktaCalls = world.okta.calls.length;
    const told = world.slack.ephemeralsFor(S.bob.id).length;
    const retried = await world.driver.resend(click.request, {
      'X-Slack-Retry-Num': '1',
      'X-Slack-Retry-Reason': 'http_timeout',
    });
    expect(retried.statusCode).toBe(200);
    await settled();
    expect(world.okta.calls.length).toBe(oktaCalls);
    expect(world.slack.ephemeralsFor(S.bob.id)).toHaveLength(told);
    expect(world.writes('/resolve')).toBe(1);
  });

  it('handles a retried Events API delivery once (App Home published once)', async () => {
    const opened = await world.driver.openHome(S.bob.id);
    await eventually(() => world.slack.callsTo('views.publish').length === 1);
    const retried = await world.driver.resend(opened.request, {
      'X-Slack-Retry-Num': '2',
      'X-Slack-Retry-Reason': 'http_error',
    });
    expect(retried.statusCode).toBe(200);
    await settled();
    expect(world.slack.callsTo('views.publish')).toHaveLength(1);
  });

  it('creates one request, and asks Okta nothing more, when a slash command is delivered twice', async () => {
    const asked = await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    await eventually(() => oktaRequests(SEED.entries.zoomPro.id)[0]);
    await settled();
    const oktaCalls = world.okta.calls.length;
    await world.driver.resend(asked.request, { 'X-Slack-Retry-Num': '1' });
    await settled();
    expect(world.okta.calls.length).toBe(oktaCalls);
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

  it('refuses a requester who is also an approver of their own request, with no buttons offered', async () => {
    // Anyone in IT Security approves Slack admin rights, and Dana is in IT Security.
    const dana = { platform: 'slack' as const, userId: S.dana.id, email: S.dana.email ?? '' };
    await world.gatehouse.flows.requestAccess(dana, {
      entryId: SEED.entries.slackWorkspaceAdmin.id,
      justification: 'audit',
    });
    const request = await eventually(() => oktaRequests(SEED.entries.slackWorkspaceAdmin.id)[0]);
    await world.gatehouse.messages.sync(request.id);
    const henryCard = await eventually(() => messageAbout(world.slack.dmWith(S.henry.id), request.id));
    expect(buttonsOf(henryCard)).toContain('approve');
    const danaCard = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    expect(buttonsOf(danaCard)).not.toContain('approve');
    // Dana presses Henry's button value as herself.
    await world.driver.click(S.dana.id, { channel: henryCard.channel, ts: henryCard.ts }, 'approve');
    await eventually(() =>
      world.slack
        .ephemeralsFor(S.dana.id)
        .find((message) => shown(message).includes('You cannot decide a request for your own access')),
    );
    expect(world.writes('/resolve')).toBe(0);
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
  const EVIL = '<!channel> urgent <@U0HENRY> see <https://evil.example/login|SSO> & <!here>';
  const RAW = ['<!channel>', '<!here>', '<@U0HENRY>', '<https://evil.example'];
  const inert = (text: string) => {
    for (const raw of RAW) expect(text).not.toContain(raw);
  };

  it('escapes mentions and links in a justification, a comment and a reason, on every message', async () => {
    await world.driver.command(S.alice.id, `request Salesforce Sales User because ${EVIL}`);
    const request = await eventually(() => oktaRequests(SEED.entries.salesforceSalesUser.id)[0]);
    const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    const cards = [
      bobCard,
      await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id)),
      await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id)),
    ];
    for (const card of cards) {
      expect(shown(card)).toContain('&lt;!channel&gt; urgent &lt;@U0HENRY&gt;');
      inert(shown(card));
    }

    await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'comment');
    const commentForm = await eventually(() => world.slack.openModalOf(S.bob.id));
    inert(shown({ blocks: commentForm.blocks }));
    await world.driver.submit(S.bob.id, commentForm.id, { text: EVIL });
    const reply = await eventually(() =>
      world.slack.threadOf(bobCard.channel, bobCard.ts).find((m) => shown(m).includes('commented')),
    );
    inert(shown(reply));

    await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'reject');
    const rejectForm = await eventually(() => {
      const modal = world.slack.openModalOf(S.bob.id);
      return modal && modal.id !== commentForm.id ? modal : undefined;
    });
    await world.driver.submit(S.bob.id, rejectForm.id, { text: EVIL });
    const told = await eventually(() =>
      world.slack.dmWith(S.alice.id).find((m) => shown(m).includes(':x: rejected by Bob')),
    );
    expect(shown(told)).toContain('&lt;!channel&gt;');
    inert(shown(told));

    await world.driver.openHome(S.alice.id);
    inert(shown({ blocks: (await eventually(() => world.slack.homeOf(S.alice.id))).blocks }));
    await world.driver.command(S.alice.id, 'mine');
    inert(
      shown(
        await eventually(() => world.slack.ephemeralsFor(S.alice.id).find((m) => shown(m).includes('Your requests'))),
      ),
    );
  });
});

describe('Slack failures lose nothing', () => {
  it('posts approval cards Slack refused with 429 on the next attempt by itself, once each', async () => {
    world.slack.faults.add({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSeconds: 1, times: 3 });
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() => oktaRequests(SEED.entries.zoomPro.id)[0]);
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id), 10_000);
    expect(buttonsOf(card)).toContain('approve');
    await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id), 10_000);
    await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id), 10_000);
    await world.gatehouse.messages.sync(request.id);
    expect(world.slack.dmWith(S.dana.id).filter((m) => !m.thread_ts && shown(m).includes(request.id))).toHaveLength(1);
    expect(world.slack.messagesIn(APPROVALS).filter((m) => shown(m).includes(request.id))).toHaveLength(1);
  });

  it('does not post a card twice when Slack posted it but the answer was lost', async () => {
    world.slack.faults.add({ method: 'chat.postMessage', kind: 'delay', ms: 11_000, times: 1 });
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() => oktaRequests(SEED.entries.zoomPro.id)[0]);
    // The requester's card is posted at 11 s, after the client gave up waiting at 10 s.
    await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id), 15_000);
    await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id), 15_000);
    await world.gatehouse.messages.sync(request.id);
    expect(world.slack.dmWith(S.alice.id).filter((m) => !m.thread_ts && shown(m).includes(request.id))).toHaveLength(1);
  }, 40_000);
});

/** Lets work running after the ack finish, so a test can assert that nothing more happens. */
function settled(): Promise<void> {
  return world.gatehouse.idle();
}
