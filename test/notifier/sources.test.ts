import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { StoreUnavailable } from '../../src/domain/errors.js';
import { MemorySyncQueue, RequestPoller, type SyncQueue } from '../../src/notifier/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { buttonsOf, eventually, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';
import { testLogger } from '../support/test-logger.js';

const APPROVALS = SLACK_SEED.channels.approvals.id;
const HOOK = { authorization: SANDBOX_SECRETS.oktaEventHookSecret };
let world: SlackWorld;
beforeEach(async () => {
  world = await startSlackWorld();
});
afterEach(async () => {
  await world.close();
});

/** A request made in the Okta portal (straight on the org, no Gatehouse involved). */
function portalRequest(entryId: string, userId: string) {
  return world.okta.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId },
      requestedFor: { type: 'OKTA_USER', externalId: userId },
      requesterFieldValues: [],
    },
    world.okta.actorFor(userId),
  );
}

const cardsFor = (userId: string, requestId: string) =>
  world.slack.dmWith(userId).filter((m) => !m.thread_ts && shown(m).includes(requestId));

/** The System Log events the org published for a request, wrapped as Okta delivers them. */
function delivery(requestId: string) {
  return { data: { events: world.okta.events.filter((event) => event.target.some((t) => t.id === requestId)) } };
}

describe('Okta event hooks at /hooks/okta', () => {
  it('answers the one-time verification and refuses calls without the configured authorization', async () => {
    const verified = await world.gatehouse.server.inject({
      method: 'GET',
      url: '/hooks/okta',
      headers: { ...HOOK, 'x-okta-verification-challenge': 'abc123' },
    });
    expect(verified.json()).toEqual({ verification: 'abc123' });
    const wrong = await world.gatehouse.server.inject({
      method: 'GET',
      url: '/hooks/okta',
      headers: { authorization: 'guess', 'x-okta-verification-challenge': 'abc123' },
    });
    expect(wrong.statusCode).toBe(401);
    const unsigned = await world.gatehouse.server.inject({
      method: 'POST',
      url: '/hooks/okta',
      payload: { data: { events: [] } },
    });
    expect(unsigned.statusCode).toBe(401);
    const garbage = await world.gatehouse.server.inject({
      method: 'POST',
      url: '/hooks/okta',
      headers: HOOK,
      payload: { events: 'x' },
    });
    expect(garbage.statusCode).toBe(400);
  });

  it('turns a portal request and a portal decision into chat, once, however often Okta delivers', async () => {
    const request = portalRequest(SEED.entries.zoomPro.id, SEED.users.alice.id);
    for (let i = 0; i < 2; i++) {
      const delivered = await world.gatehouse.server.inject({
        method: 'POST',
        url: '/hooks/okta',
        headers: HOOK,
        payload: delivery(request.id),
      });
      expect(delivered.statusCode).toBe(200);
    }
    const card = await eventually(() => cardsFor(S.dana.id, request.id)[0]);
    expect(buttonsOf(card)).toContain('approve');
    await eventually(() => world.slack.messagesIn(APPROVALS).some((m) => shown(m).includes(request.id)));

    const task = world.okta.tasks.find((t) => t.requestId === request.id);
    if (!task) throw new Error('no task');
    world.okta.resolveTaskAs(task.id, SEED.users.dana.id, 'APPROVED');
    await world.gatehouse.server.inject({
      method: 'POST',
      url: '/hooks/okta',
      headers: HOOK,
      payload: delivery(request.id),
    });
    await eventually(() => shown(world.slack.message(card.channel, card.ts)).includes('*Approved* by Dana Kowalski'));
    await eventually(() => world.slack.dmWith(S.alice.id).some((m) => shown(m).includes('approved by Dana Kowalski')));
    expect(cardsFor(S.dana.id, request.id)).toHaveLength(1);
  });
});

describe('polling', () => {
  it('finds changes made anywhere, notifies once, and agrees with a hook that saw the same change', async () => {
    const request = portalRequest(SEED.entries.zoomPro.id, SEED.users.alice.id);
    expect((await world.gatehouse.poller.pollOnce()).synced).toBeGreaterThan(0);
    await eventually(() => cardsFor(S.dana.id, request.id)[0]);
    // The hook arrives late for a change the poll already handled, and the poll runs again.
    await world.gatehouse.server.inject({
      method: 'POST',
      url: '/hooks/okta',
      headers: HOOK,
      payload: delivery(request.id),
    });
    await world.gatehouse.poller.pollOnce();
    // Everything the late hook and the second poll queued has run (the hook's sync waits for its fold window).
    await world.gatehouse.idle();
    expect(cardsFor(S.dana.id, request.id)).toHaveLength(1);
    expect(cardsFor(S.alice.id, request.id)).toHaveLength(1);
    expect(world.slack.messagesIn(APPROVALS).filter((m) => shown(m).includes(request.id))).toHaveLength(1);

    const task = world.okta.tasks.find((t) => t.requestId === request.id);
    if (!task) throw new Error('no task');
    world.okta.resolveTaskAs(task.id, SEED.users.dana.id, 'DENIED');
    await world.gatehouse.poller.pollOnce();
    const card = cardsFor(S.dana.id, request.id)[0];
    await eventually(
      () => card && shown(world.slack.message(card.channel, card.ts)).includes('*Rejected* by Dana Kowalski'),
    );
  });

  it('reads only what changed: with 10,000 requests and 10 changed, one page', async () => {
    await world.close();
    // An org whose own API limits do not slow the syncs down: this test counts pages, not waits.
    // Its clock runs ahead when the test says so, instead of the test waiting for time to pass.
    let ahead = 0;
    const org = createOktaOrg({ rateLimitPerMinute: 1_000_000, now: () => Date.now() + ahead });
    // The approvals channel takes one post a second; ten cards need not wait for it here.
    world = await startSlackWorld({ org, env: { CHAT_RATE_SCALE: '50' } });
    for (let i = 0; i < 10_000; i++) portalRequest(SEED.entries.zoomPro.id, SEED.users.carol.id);
    world.okta.settle();
    // A poller that has already seen those: its cursor is past them and past the overlap it
    // re-reads (2 s), so the org's clock moves on 2.2 s before the cursor is set and the rest made.
    ahead += 2200;
    await world.gatehouse.store.set('notifier:cursor', new Date(org.now()).toISOString());
    const changed = Array.from({ length: 10 }, () => portalRequest(SEED.entries.zoomPro.id, SEED.users.alice.id));
    const listed = () => world.okta.calls.filter((call) => call.method === 'GET' && /\/requests(\?|$)/.test(call.path));
    const before = listed().length;
    expect(await world.gatehouse.poller.pollOnce()).toEqual({ pages: 1, synced: 10 });
    expect(listed().length - before).toBe(1);
    await eventually(() => cardsFor(S.dana.id, (changed[0] as { id: string }).id)[0], 20_000);
    expect(world.slack.dmWith(S.carol.id)).toHaveLength(0);
  }, 60_000);

  it('goes on where it stopped when more changed at once than one poll reads, until all are queued', async () => {
    // 120 requests stamped in the same instant; pages of 2, so one poll (50 pages) reads 100.
    for (let i = 0; i < 120; i++) portalRequest(SEED.entries.zoomPro.id, SEED.users.carol.id);
    world.okta.settle();
    const synced = new Set<string>();
    const queue = new MemorySyncQueue({ platforms: ['slack'], logger: testLogger(world.gatehouse.config) });
    queue.start(async (job) => {
      synced.add(job.requestId);
      return { status: 'done' };
    });
    const poller = new RequestPoller({
      governance: world.gatehouse.governance,
      store: new MemoryStore(),
      queue,
      logger: testLogger(world.gatehouse.config),
      intervalMs: 60_000,
      pageSize: 2,
    });
    try {
      const first = await poller.pollOnce();
      expect(first.pages).toBe(50);
      const second = await poller.pollOnce();
      expect(second.pages).toBeLessThan(50);
      await eventually(() => synced.size === 120);
    } finally {
      await queue.close();
    }
  });

  it('reads what changed while its store was away from the start, once the store answers', async () => {
    // The poller's clock runs on while the store is away; what changed meanwhile is still read.
    let ahead = 0;
    class AwayStore extends MemoryStore {
      away = true;
      override async acquireLock(name: string, ttlMs: number) {
        if (this.away) throw new StoreUnavailable('acquireLock');
        return super.acquireLock(name, ttlMs);
      }
    }
    const store = new AwayStore();
    const queued: string[] = [];
    const poller = new RequestPoller({
      governance: world.gatehouse.governance,
      store,
      queue: { enqueue: async (requestId: string) => void queued.push(requestId) } as unknown as SyncQueue,
      logger: testLogger(world.gatehouse.config),
      intervalMs: 60_000,
      now: () => Date.now() + ahead,
    });
    poller.start();
    try {
      await expect(poller.pollOnce()).rejects.toBeInstanceOf(StoreUnavailable);
      const request = portalRequest(SEED.entries.zoomPro.id, SEED.users.alice.id);
      world.okta.settle();
      ahead += 10 * 60_000;
      await expect(poller.pollOnce()).rejects.toBeInstanceOf(StoreUnavailable);

      store.away = false;
      await poller.pollOnce();
      expect(queued).toContain(request.id);
    } finally {
      await poller.stop();
    }
  });

  it('lets one replica poll at a time', async () => {
    const other = await startSlackWorld({ store: world.gatehouse.store, replicaOf: world });
    try {
      portalRequest(SEED.entries.zoomPro.id, SEED.users.alice.id);
      expect((await world.gatehouse.poller.pollOnce()).synced).toBeGreaterThan(0);
      expect(await other.gatehouse.poller.pollOnce()).toEqual({ pages: 0, synced: 0 });
    } finally {
      await other.close();
    }
  });
});

describe('reminders', () => {
  it('reminds the approver once after REMINDER_AFTER, then escalates to the approvals channel once', async () => {
    // Okta's clock and Gatehouse's move together, when the test moves them, instead of the test waiting.
    let ahead = 0;
    const now = () => Date.now() + ahead;
    // An hour, moved past in one step: real seconds the test takes under load never add up to it.
    // Any hour of any day (the test runs whenever), one reminder, escalated to the channel an hour after.
    const env = {
      REMINDER_AFTER: '1h',
      REMINDER_COUNT: '1',
      ESCALATE_AFTER: '2h',
      ESCALATE_TO: 'channel',
      REMINDER_QUIET_HOURS: 'off',
    };
    const reminding = await startSlackWorld({ org: createOktaOrg({ now }), now, env });
    try {
      await reminding.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
      const request = await eventually(() =>
        reminding.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
      );
      const reminders = () => reminding.slack.dmWith(S.dana.id).filter((m) => shown(m).includes('Reminder'));
      const escalations = () => reminding.slack.messagesIn(APPROVALS).filter((m) => /no decision/i.test(shown(m)));
      await reminding.gatehouse.poller.pollOnce();
      expect(reminders()).toHaveLength(0);

      ahead += 61 * 60_000;
      await reminding.gatehouse.poller.pollOnce();
      await reminding.gatehouse.poller.pollOnce();
      expect(reminders()).toHaveLength(1);
      expect(shown(reminders()[0])).toContain(request.id);
      expect(escalations()).toHaveLength(0);

      ahead += 60 * 60_000;
      await reminding.gatehouse.poller.pollOnce();
      await reminding.gatehouse.poller.pollOnce();
      expect(escalations()).toHaveLength(1);
      expect(reminders()).toHaveLength(1);
    } finally {
      await reminding.close();
    }
  });
});

describe('notifier metrics', () => {
  it('counts deliveries by platform, kind and outcome, and how long changes take to reach chat', async () => {
    world.slack.faults.add({ method: 'chat.postMessage', kind: 'error', error: 'channel_not_found', times: 1 });
    const request = portalRequest(SEED.entries.zoomPro.id, SEED.users.alice.id);
    await world.gatehouse.poller.pollOnce();
    await eventually(() => cardsFor(S.dana.id, request.id)[0]);
    // The card is in Slack a moment before Gatehouse has read Slack's answer and counted it.
    await vi.waitFor(async () => {
      const metrics = (await world.gatehouse.server.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/gatehouse_chat_deliveries_total\{platform="slack",kind="approval",outcome="sent"\} 1/);
      // The first post refused (the requester's and the approver's cards go out together).
      expect(metrics).toMatch(
        /gatehouse_chat_deliveries_total\{platform="slack",kind="(requester|approval)",outcome="failed"\} 1/,
      );
      expect(metrics).toMatch(/gatehouse_change_to_chat_seconds_count\{platform="slack"\} [1-9]/);
    });
  });
});
