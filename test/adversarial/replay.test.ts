import { SEED } from '@gatehouse/sandbox/okta';
import { type DriverResponse, SlackDriver } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { eventually, messageAbout, S, type SlackWorld, startSlackWorld } from '../support/slack-world.js';

/**
 * Replay (issue 9). Whoever captures one signed Slack request (a proxy log, a leaked HAR file) can
 * send its exact bytes again. Within Slack's five-minute signature window the copy is valid, so it
 * must be handled as the same delivery, once; after the window it is refused with 401 and nothing
 * happens. Slack's own retries carry X-Slack-Retry-Num; an attacker's copy need not, so none is sent.
 */
const FIVE_MINUTES_AND_A_SECOND_MS = 5 * 60_000 + 1000;

let world: SlackWorld;
beforeEach(async () => {
  world = await startSlackWorld();
});
afterEach(async () => {
  await world.close();
});

/** The same people and workspace, but every request it signs was captured five minutes ago. */
function capturedLongAgo(): SlackDriver {
  return new SlackDriver({
    workspace: world.slack,
    inject: (request) => world.gatehouse.server.inject(request),
    signingSecret: SANDBOX_SECRETS.slackSigningSecret,
    responseBaseUrl: world.baseUrl,
    signingNow: () => Date.now() - FIVE_MINUTES_AND_A_SECOND_MS,
  });
}

const zoomRequests = () => world.okta.requests.filter((r) => r.requested.entryId === SEED.entries.zoomPro.id);
const publishes = () => world.slack.callsTo('views.publish').length;

/** Waits until the work a delivery started is done: listeners, syncs, the queue, App Home draws. */
async function settled(): Promise<void> {
  await world.gatehouse.idle();
  await world.gatehouse.slack?.homesSettled();
}

function expectRefused(answer: DriverResponse) {
  expect(answer.statusCode).toBe(401);
}

describe('a signed Slack request sent again with the same bytes', () => {
  it('creates one request when a slash command is replayed within five minutes', async () => {
    const asked = await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    await eventually(() => zoomRequests()[0]);
    await settled();
    const oktaCalls = world.okta.calls.length;

    const again = await world.driver.resend(asked.request);
    expect(again.statusCode).toBe(200);
    await settled();
    expect(world.okta.calls.length).toBe(oktaCalls);
    expect(zoomRequests()).toHaveLength(1);
  });

  it('decides once when an Approve click is replayed within five minutes', async () => {
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() => zoomRequests()[0]);
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    const click = await world.driver.click(S.dana.id, { channel: card.channel, ts: card.ts }, 'approve');
    await eventually(() => world.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    await settled();
    const oktaCalls = world.okta.calls.length;

    const again = await world.driver.resend(click.request);
    expect(again.statusCode).toBe(200);
    await settled();
    expect(world.okta.calls.length).toBe(oktaCalls);
    expect(world.writes('/resolve')).toBe(1);
  });

  it('draws the App Home once when an app_home_opened event is replayed within five minutes', async () => {
    const opened = await world.driver.openHome(S.bob.id);
    await eventually(() => publishes() > 0);
    await settled();
    const drawn = publishes();

    const again = await world.driver.resend(opened.request);
    expect(again.statusCode).toBe(200);
    // A second open handled as new would ask for a draw (at once, or at the end of that person's
    // pacing); settled() waits for every draw asked for, so it would be counted here.
    await settled();
    expect(publishes()).toBe(drawn);
  });
});

describe('a signed Slack request captured more than five minutes ago', () => {
  it('refuses a slash command with 401 and asks nobody anything', async () => {
    const oktaCalls = world.okta.calls.length;
    expectRefused(await capturedLongAgo().command(S.alice.id, 'request Zoom Pro License because webinars'));
    await settled();
    expect(zoomRequests()).toHaveLength(0);
    expect(world.okta.calls.length).toBe(oktaCalls);
  });

  it('refuses an Approve click with 401, and the step stays open', async () => {
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() => zoomRequests()[0]);
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    await settled();

    expectRefused(await capturedLongAgo().click(S.dana.id, { channel: card.channel, ts: card.ts }, 'approve'));
    await settled();
    expect(world.writes('/resolve')).toBe(0);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('PENDING');
  });

  it('refuses an app_home_opened event with 401 and draws nothing', async () => {
    expectRefused(await capturedLongAgo().openHome(S.bob.id));
    await settled();
    expect(publishes()).toBe(0);
  });
});
