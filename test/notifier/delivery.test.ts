import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestView } from '../../src/flows/index.js';
import { buttonsOf, eventually, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';

const APPROVALS = SLACK_SEED.channels.approvals.id;
const ENG = SLACK_SEED.channels.engineeringAccess.id;
const HOUR = 3_600_000;
let world: SlackWorld;
afterEach(async () => {
  await world?.close();
});

/** A request made through the governance API (no chat involved): the notifier has to find it. */
async function apiRequest(entryId: string, slackUser: { id: string; email: string | null }, duration?: string) {
  const identity = { platform: 'slack' as const, userId: slackUser.id, email: slackUser.email ?? '' };
  const created = await world.gatehouse.flows.requestAccess(identity, {
    entryId,
    justification: 'needed for the project',
    duration,
  });
  if (!created.ok || created.value.kind !== 'created')
    throw new Error(`request not created: ${JSON.stringify(created)}`);
  return created.value.request;
}

/** The open approval task of a request, once the org routed it. */
function pendingTask(requestId: string) {
  world.okta.settle();
  return world.okta.tasks.find((task) => task.requestId === requestId && task.status === 'OPEN');
}

function slackIdOf(email: string | undefined): string {
  const user = Object.values(S).find((candidate) => candidate.email === email);
  if (!user) throw new Error(`no Slack user with email ${email}`);
  return user.id;
}

const topLevel = (channel: string, requestId: string) =>
  world.slack.messagesIn(channel).filter((m) => !m.thread_ts && shown(m).includes(requestId));
const dmsAbout = (slackUserId: string, requestId: string) =>
  world.slack.dmWith(slackUserId).filter((m) => !m.thread_ts && shown(m).includes(requestId));

describe('approval routing', () => {
  it('posts each request to the channel its rule names, and the rest to the default channel', async () => {
    world = await startSlackWorld({
      env: { APPROVALS_ROUTES: `resource:GitHub*=slack:${ENG}; entry:does-not-exist=slack:C0NOWHERE` },
    });
    const github = await apiRequest(SEED.entries.githubOrgOwner.id, S.carol);
    const zoom = await apiRequest(SEED.entries.zoomPro.id, S.alice);
    await world.gatehouse.poller.pollOnce();
    await eventually(() => topLevel(ENG, github.id).length === 1 && topLevel(APPROVALS, zoom.id).length === 1);
    expect(topLevel(APPROVALS, github.id)).toHaveLength(0);
    expect(topLevel(ENG, zoom.id)).toHaveLength(0);
    // The requester hears of their request in a DM whether or not they can see the channel.
    await eventually(() => dmsAbout(S.carol.id, github.id).length === 1);
  });

  it('refuses rules it cannot read, naming them', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ APPROVALS_ROUTES: 'GitHub=C0ENG; resource:x=discord:123' })).toThrow(
      /APPROVALS_ROUTES rule "GitHub=C0ENG".*\n.*APPROVALS_ROUTES target "discord:123"/,
    );
  });
});

describe('Slack rate limits', () => {
  it('waits out a 429 with Retry-After mid-run: every card posted once, nothing posted during the wait', async () => {
    // The approvals channel's own pace (one post a second) raised, so only the Retry-After holds posts back.
    world = await startSlackWorld({ env: { CHAT_RATE_SCALE: '50' } });
    const requests: RequestView[] = [];
    for (const person of [S.alice, S.carol, S.erin, S.frank]) {
      for (const entry of [SEED.entries.zoomPro, SEED.entries.jiraSoftwareUser, SEED.entries.slackMember]) {
        requests.push(await apiRequest(entry.id, person));
      }
    }
    world.slack.faults.add({ method: 'chat.postMessage', kind: 'ratelimited', retryAfterSeconds: 2, times: 1 });
    await world.gatehouse.poller.pollOnce();
    // While Slack holds us back, /metrics shows the work waiting.
    await eventually(() => world.slack.callsTo('chat.postMessage').some((call) => call.error === 'ratelimited'));
    const waiting = await world.gatehouse.server.inject({ method: 'GET', url: '/metrics' });
    const depth = Number(/gatehouse_notifier_queue_depth\{platform="slack"\} (\d+)/.exec(waiting.body)?.[1]);
    expect(depth).toBeGreaterThan(0);
    await eventually(
      () =>
        requests.every(
          (r) => topLevel(APPROVALS, r.id).length > 0 && dmsAbout(slackIdOf(r.requester.email), r.id).length > 0,
        ),
      30_000,
    );
    const posts = world.slack.callsTo('chat.postMessage');
    const limited = posts.find((call) => call.error === 'ratelimited');
    expect(limited).toBeDefined();
    // Slack deliveries waited for Retry-After (2 s) before posting again. Only posts already on the
    // wire when the 429 came back went through meanwhile: at most one per other running job (the
    // queue runs four per platform), however late a loaded machine lets them arrive. Ignoring the
    // pause sends a dozen or more in that time.
    const since = limited?.at ?? 0;
    const during = posts.filter((call) => call !== limited && call.at >= since && call.at < since + 1_900);
    expect(during.length).toBeLessThanOrEqual(3);
    for (const request of requests) {
      expect(topLevel(APPROVALS, request.id)).toHaveLength(1);
      expect(dmsAbout(slackIdOf(request.requester.email), request.id)).toHaveLength(1);
      for (const approver of request.steps[0]?.approvers ?? []) {
        expect(dmsAbout(slackIdOf(approver.email), request.id)).toHaveLength(1);
      }
    }
  }, 40_000);
});

describe('time-bound access', () => {
  it('warns the holder before it ends with an Extend button, once, then says it was removed', async () => {
    let now = Date.parse('2026-11-20T09:00:00Z');
    const org = createOktaOrg({ now: () => now });
    world = await startSlackWorld({ org, now: () => now, env: { ACCESS_EXPIRY_WARNINGS: '24h,1h' } });
    const request = await apiRequest(SEED.entries.figmaEditor.id, S.alice, 'PT4H');
    const task = await eventually(() => pendingTask(request.id));
    world.okta.resolveTaskAs(task.id, SEED.users.bob.id, 'APPROVED');
    world.okta.settle();
    expect(world.okta.request(request.id)?.revocationScheduled).toBeDefined();
    await world.gatehouse.messages.sync(request.id);
    const aliceDm = () => world.slack.dmWith(S.alice.id).filter((m) => shown(m).includes(request.id));
    await eventually(() => aliceDm().some((m) => shown(m).includes('You now have access')));
    // Four hours of access: the 24 h warning would come before the approval, so it never does.
    expect(aliceDm().some((m) => shown(m).includes('ends'))).toBe(false);

    now += 3 * HOUR + 5 * 60_000;
    await world.gatehouse.messages.sync(request.id);
    await world.gatehouse.messages.sync(request.id);
    const warning = await eventually(() => aliceDm().find((m) => shown(m).includes('Extend')));
    expect(shown(warning)).toContain('Your access to *Figma — Editor*');
    expect(aliceDm().filter((m) => shown(m).includes('Need it longer'))).toHaveLength(1);

    // One click: the request form opens with the same entry and duration, ready to send.
    await world.driver.click(S.alice.id, { channel: warning.channel, ts: warning.ts }, 'request_again');
    const modal = await eventually(() => world.slack.openModalOf(S.alice.id));
    expect(shown({ blocks: modal.blocks })).toContain('Figma — Editor');

    now += HOUR;
    await world.gatehouse.messages.sync(request.id);
    await world.gatehouse.messages.sync(request.id);
    await eventually(() => aliceDm().some((m) => shown(m).includes('has ended and was removed')));
    expect(aliceDm().filter((m) => shown(m).includes('has ended and was removed'))).toHaveLength(1);
    expect(buttonsOf(aliceDm().find((m) => shown(m).includes('has ended')))).toEqual(['request_again']);
  });
});

describe('a replica that died mid-delivery', () => {
  it('leaves a claimed but unposted card to be posted once its hold lapses, exactly once', async () => {
    world = await startSlackWorld({ postingHoldMs: 1_000 });
    const request = await apiRequest(SEED.entries.zoomPro.id, S.alice);
    // What a replica leaves behind when it dies between claiming Dana's card and posting it.
    const key = `msg:${request.id}:approval:1:${SEED.users.dana.id}:slack`;
    await world.gatehouse.store.set(key, 'posting', { ttlMs: 1_000 });
    await world.gatehouse.poller.pollOnce();
    await eventually(() => topLevel(APPROVALS, request.id).length === 1);
    expect(dmsAbout(S.dana.id, request.id)).toHaveLength(0);
    // Nothing else changes in Okta: the queue itself comes back for it.
    await eventually(() => dmsAbout(S.dana.id, request.id).length === 1, 6_000);
    await world.gatehouse.messages.sync(request.id);
    expect(dmsAbout(S.dana.id, request.id)).toHaveLength(1);
    expect(buttonsOf(dmsAbout(S.dana.id, request.id)[0])).toContain('approve');
  });
});

describe('/metrics', () => {
  it('counts deliveries by outcome and shows an empty queue once everything went out', async () => {
    world = await startSlackWorld();
    const request = await apiRequest(SEED.entries.zoomPro.id, S.alice);
    await world.gatehouse.poller.pollOnce();
    await eventually(() => dmsAbout(S.dana.id, request.id).length === 1);
    // Everything the poll queued has run: the queue is empty now, not merely soon.
    await world.gatehouse.idle();
    const metrics = (await world.gatehouse.server.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/gatehouse_notifier_queue_depth\{platform="slack"\} 0/);
    expect(metrics).toMatch(/gatehouse_chat_deliveries_total\{platform="slack",kind="approval",outcome="sent"\} 1/);
  });
});

describe('comments made in chat', () => {
  it('reach every card thread even when Slack refuses the first reply', async () => {
    world = await startSlackWorld();
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    const request = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
    );
    const card = await eventually(() => dmsAbout(S.dana.id, request.id)[0]);
    const channelCard = await eventually(() => topLevel(APPROVALS, request.id)[0]);
    await world.driver.click(S.dana.id, { channel: card.channel, ts: card.ts }, 'comment');
    const modal = await eventually(() => world.slack.openModalOf(S.dana.id));
    world.slack.faults.add({ method: 'chat.postMessage', kind: 'error', error: 'fatal_error', times: 1 });
    await world.driver.submit(S.dana.id, modal.id, { text: 'Which team is this for?' });
    const replies = (channel: string, ts: string) =>
      world.slack.threadOf(channel, ts).filter((m) => shown(m).includes('Which team is this for?'));
    await eventually(
      () => replies(card.channel, card.ts).length === 1 && replies(channelCard.channel, channelCard.ts).length === 1,
      10_000,
    );
    expect(world.slack.callsTo('chat.postMessage').some((call) => call.error === 'fatal_error')).toBe(true);
    await world.gatehouse.messages.sync(request.id);
    expect(replies(card.channel, card.ts)).toHaveLength(1);
    expect(replies(channelCard.channel, channelCard.ts)).toHaveLength(1);
  });
});

describe("a person's rate limit", () => {
  it("does not count the notifier redrawing someone's App Home against them", async () => {
    await world?.close();
    // Opening the Home costs Dana two flows (what waits for her, what she asked for); so does each
    // redraw. Counted against her, two redraws would leave nothing for her own command.
    // Redraws spaced 100 ms apart rather than 5 s: how often is not what this is about.
    world = await startSlackWorld({ personalLimits: [{ points: 5, seconds: 60 }], homeSpacingMs: 100 });
    const w = world;
    await w.driver.openHome(S.dana.id);
    await eventually(() => w.slack.homeOf(S.dana.id));
    for (const requester of [SEED.users.alice, SEED.users.carol]) {
      const { id } = w.okta.createRequest(
        {
          requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
          requestedFor: { type: 'OKTA_USER', externalId: requester.id },
          requesterFieldValues: [],
        },
        w.okta.actorFor(requester.id),
      );
      w.okta.settle();
      await w.gatehouse.poller.pollOnce();
      // The notifier redraws her Home (at most every 5 s) until it lists the new request.
      await eventually(() => shown({ blocks: w.slack.homeOf(S.dana.id)?.blocks }).includes(id), 15_000);
    }
    await w.driver.command(S.dana.id, 'pending');
    const answer = await eventually(() =>
      w.slack.ephemeralsFor(S.dana.id).find((m) => /Waiting for your decision|too fast/.test(shown(m))),
    );
    expect(shown(answer)).toContain('Waiting for your decision');
  }, 40_000);
});
