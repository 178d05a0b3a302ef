import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { type MessageRecord, SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reminders } from '../../src/notifier/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { buttonsOf, eventually, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';
import { PROVIDERS } from '../support/world.js';

/**
 * Issue 21, point 3, in Slack: a reminder is the approver's card again, buttons and all, in the
 * thread of the card they got; repeated up to a cap; then the step goes to the approver's manager,
 * or to the approvals channel when there is none; never at night in the approver's time zone.
 * The clock is moved (Gatehouse's and the emulator's together), never waited on.
 */

const APPROVALS = SLACK_SEED.channels.approvals.id;
const HOUR = 3_600_000;
const REMINDER = 'Reminder:';

const worlds: SlackWorld[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

async function ask(world: SlackWorld, person: { id: string; email: string | null }, entryId: string) {
  const identity = { platform: 'slack' as const, userId: person.id, email: person.email ?? '' };
  const created = await world.gatehouse.flows.requestAccess(identity, { entryId, justification: 'webinars' });
  if (!created.ok || created.value.kind !== 'created') throw new Error(`not created: ${JSON.stringify(created)}`);
  await world.gatehouse.idle();
  return created.value.request;
}

/** The card `userId` got about the request (the top-level message), and what was posted in its thread since. */
function cardAndThread(world: SlackWorld, userId: string, requestId: string) {
  const dm = world.slack.dmWith(userId);
  const card = dm.find((m) => !m.thread_ts && shown(m).includes(requestId) && !shown(m).includes(REMINDER));
  const thread = card ? dm.filter((m) => m.thread_ts === card.ts && m.ts !== card.ts) : [];
  return { card, thread };
}

/** The replica's reminders, as its poller's rounds run them. */
function remindersOf(world: SlackWorld): Reminders {
  return (world.gatehouse.poller as unknown as { options: { reminders: Reminders } }).options.reminders;
}

/** One round of the poller, as its timer would run it, and everything it set off. */
async function poll(world: SlackWorld) {
  await world.gatehouse.poller.pollOnce();
  await world.gatehouse.idle();
}

describe.each(PROVIDERS)('reminders in Slack on %s', (provider) => {
  it('repeats the card with its buttons in the thread of the original, up to the cap, and pressing Approve there decides it', async () => {
    let ahead = 0;
    const now = () => Date.now() + ahead;
    // At any hour of any day the test runs: quiet hours are tested on a clock of their own below.
    // Short intervals: PingOne's emulator keeps real time, and a request does not wait there for days.
    const env = { REMINDER_AFTER: '1h', REMINDER_EVERY: '2h', REMINDER_COUNT: '2', REMINDER_QUIET_HOURS: 'off' };
    const world = await startSlackWorld({
      provider,
      now,
      env,
      ...(provider === 'okta' ? { org: createOktaOrg({ now }) } : {}),
    });
    worlds.push(world);
    const request = await ask(world, S.alice, SEED.entries.zoomPro.id);
    await eventually(() => cardAndThread(world, S.dana.id, request.id).card);
    await poll(world);
    expect(cardAndThread(world, S.dana.id, request.id).thread).toHaveLength(0);

    ahead += HOUR + 60_000;
    await poll(world);
    await poll(world);
    const first = cardAndThread(world, S.dana.id, request.id);
    expect(first.thread).toHaveLength(1);
    const reminder = first.thread[0] as MessageRecord;
    // The card again: who asks for what, the request's id, the buttons Dana may press, and why it came.
    expect(shown(reminder)).toContain('Reminder:* waiting since');
    expect(shown(reminder)).toContain('reminder 1 of 2');
    expect(shown(reminder)).toContain(request.id);
    expect(reminder.text).toContain('Alice Nguyen asks for');
    expect(buttonsOf(reminder)).toEqual(expect.arrayContaining(['approve', 'reject']));

    ahead += 2 * HOUR;
    await poll(world);
    expect(cardAndThread(world, S.dana.id, request.id).thread.map((m) => shown(m).includes('reminder 2 of 2'))).toEqual(
      [false, true],
    );
    // The cap: no third, however long it waits (escalation is after 1h + 2 × 2h, not yet).
    ahead += 1.9 * HOUR;
    await poll(world);
    expect(cardAndThread(world, S.dana.id, request.id).thread).toHaveLength(2);

    // Approve pressed on the first reminder decides the request, and every card shows it.
    const latest = cardAndThread(world, S.dana.id, request.id);
    const pressed = latest.thread[0] as MessageRecord;
    // Back to the emulators' time for the click: PingOne's keeps real time, and refuses acting as
    // Dana with an assertion signed hours in its future.
    ahead = 0;
    await world.driver.click(S.dana.id, { channel: pressed.channel, ts: pressed.ts }, 'approve');
    await world.gatehouse.idle();
    await eventually(() => world.portal.status(request.id)?.match(/approved/i));
    expect(world.portal.writes('decide')).toBe(1);
    // Every card about it, the original and both reminders, says so and offers Approve no more.
    await eventually(() => {
      const dm = world.slack.dmWith(S.dana.id).filter((m) => shown(m).includes(request.id));
      return dm.length === 3 && dm.every((m) => /Approved/.test(shown(m)) && !buttonsOf(m).includes('approve'))
        ? dm
        : undefined;
    });
    await eventually(() => world.slack.dmWith(S.alice.id).some((m) => /approved/i.test(shown(m))) || undefined);
  }, 30_000);
});

describe('escalation in Slack (Okta: the directory names managers)', () => {
  it("goes to the approver's manager once the reminders are spent, with a line saying why, once", async () => {
    let now = Date.parse('2026-12-07T09:00:00Z'); // a Monday
    const world = await startSlackWorld({ org: createOktaOrg({ now: () => now }), now: () => now });
    worlds.push(world);
    const request = await ask(world, S.alice, SEED.entries.zoomPro.id);
    await poll(world);
    const henry = () => world.slack.dmWith(S.henry.id).filter((m) => shown(m).includes(request.id));
    // The defaults: reminders after 4 h, then every 24 h, three in all, escalated 24 h after the last.
    for (const hours of [4, 24, 24]) {
      now += hours * HOUR;
      await poll(world);
    }
    expect(cardAndThread(world, S.dana.id, request.id).thread).toHaveLength(3);
    expect(henry()).toHaveLength(0);
    now += 23 * HOUR;
    await poll(world);
    expect(henry()).toHaveLength(0);
    now += HOUR;
    await poll(world);
    await poll(world);
    now += 24 * HOUR;
    await poll(world);
    expect(henry()).toHaveLength(1);
    const escalation = henry()[0] as MessageRecord;
    expect(shown(escalation)).toContain('Dana Kowalski* has not decided on this request since');
    expect(shown(escalation)).toContain('you are their manager');
    // Henry is not an approver: the card offers him nothing to press that the server would refuse.
    expect(buttonsOf(escalation)).not.toContain('approve');
    // Nothing for the channel: the manager was told.
    expect(world.slack.messagesIn(APPROVALS).filter((m) => /no decision/i.test(shown(m)))).toHaveLength(0);
    expect(cardAndThread(world, S.dana.id, request.id).thread).toHaveLength(3);
  }, 30_000);

  it('goes to the approvals channel, in the thread of its card, when the approver has no manager', async () => {
    let now = Date.parse('2026-12-07T09:00:00Z');
    const env = { REMINDER_COUNT: '0', ESCALATE_AFTER: '8h' };
    const world = await startSlackWorld({ org: createOktaOrg({ now: () => now }), now: () => now, env });
    worlds.push(world);
    // Jira Software User: Bob's manager decides, and that is Henry, who has none.
    const request = await ask(world, S.bob, SEED.entries.jiraSoftwareUser.id);
    await poll(world);
    now += 8 * HOUR;
    await poll(world);
    await poll(world);
    const channel = world.slack.messagesIn(APPROVALS);
    const root = channel.find((m) => !m.thread_ts && shown(m).includes(request.id));
    const escalations = channel.filter((m) => /no decision/i.test(shown(m)) && shown(m).includes(request.id));
    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.thread_ts).toBe(root?.ts);
    expect(shown(escalations[0])).toContain('it waits for *Henry Adams*');
    // No reminders were asked for (REMINDER_COUNT=0), and Henry got none.
    expect(cardAndThread(world, S.henry.id, request.id).thread).toHaveLength(0);
  }, 30_000);

  it('goes to the channel ESCALATE_TO names instead of the manager', async () => {
    let now = Date.parse('2026-12-07T09:00:00Z');
    const org = createOktaOrg({ now: () => now });
    const engineering = SLACK_SEED.channels.engineeringAccess.id;
    const named = await startSlackWorld({
      org,
      now: () => now,
      env: { REMINDER_COUNT: '0', ESCALATE_AFTER: '1h', ESCALATE_TO: `slack:${engineering}` },
    });
    worlds.push(named);
    const request = await ask(named, S.alice, SEED.entries.zoomPro.id);
    await poll(named);
    now += HOUR;
    await poll(named);
    expect(named.slack.messagesIn(engineering).filter((m) => /no decision/i.test(shown(m)))).toHaveLength(1);
    expect(named.slack.dmWith(S.henry.id).filter((m) => shown(m).includes(request.id))).toHaveLength(0);
  }, 30_000);
});

describe('quiet hours in Slack (the approver’s `tz` from users.lookupByEmail)', () => {
  it('holds a reminder due at night until the first check after 08:00 in the approver’s zone, then sends it once', async () => {
    // Europe/London, Dana's zone in the emulated workspace, is UTC in December.
    let now = Date.parse('2026-12-07T17:00:00Z');
    const world = await startSlackWorld({ org: createOktaOrg({ now: () => now }), now: () => now });
    worlds.push(world);
    const request = await ask(world, S.alice, SEED.entries.zoomPro.id);
    await poll(world);
    const reminders = () => cardAndThread(world, S.dana.id, request.id).thread;
    now = Date.parse('2026-12-07T21:00:00Z'); // due at 21:00: night
    await poll(world);
    now = Date.parse('2026-12-08T03:00:00Z');
    await poll(world);
    now = Date.parse('2026-12-08T07:55:00Z');
    await poll(world);
    expect(reminders()).toHaveLength(0);
    now = Date.parse('2026-12-08T08:10:00Z');
    await poll(world);
    expect(reminders()).toHaveLength(1);
    expect(shown(reminders()[0])).toContain('reminder 1 of 3');
    now = Date.parse('2026-12-08T09:30:00Z');
    await poll(world);
    expect(reminders()).toHaveLength(1);
  }, 30_000);

  it('holds one due on a Saturday until Monday morning', async () => {
    let now = Date.parse('2026-12-11T15:00:00Z'); // a Friday
    const world = await startSlackWorld({ org: createOktaOrg({ now: () => now }), now: () => now });
    worlds.push(world);
    const request = await ask(world, S.alice, SEED.entries.zoomPro.id);
    await poll(world);
    const reminders = () => cardAndThread(world, S.dana.id, request.id).thread;
    for (const at of ['2026-12-11T19:30:00Z', '2026-12-12T12:00:00Z', '2026-12-13T12:00:00Z']) {
      now = Date.parse(at);
      await poll(world);
    }
    // Friday 19:00 was the first reminder's time, so it went then; the second is due on Saturday.
    expect(reminders()).toHaveLength(1);
    now = Date.parse('2026-12-14T08:30:00Z');
    await poll(world);
    expect(reminders().map((m) => shown(m).includes('reminder 2 of 3'))).toEqual([false, true]);
  }, 30_000);
});

describe('two replicas', () => {
  it('remind once between them', async () => {
    let now = Date.parse('2026-12-07T09:00:00Z');
    const store = new MemoryStore();
    const org = createOktaOrg({ now: () => now });
    const first = await startSlackWorld({ org, now: () => now, store });
    worlds.push(first);
    const second = await startSlackWorld({ replicaOf: first, now: () => now, store });
    worlds.push(second);
    const request = await ask(first, S.alice, SEED.entries.zoomPro.id);
    await Promise.all([first.gatehouse.poller.pollOnce(), second.gatehouse.poller.pollOnce()]);
    now += 4 * HOUR + 60_000;
    // Each replica's check runs at once, twice over (as when both pollers' rounds come due together).
    for (let i = 0; i < 2; i++) await Promise.all([remindersOf(first).check(), remindersOf(second).check()]);
    await Promise.all([first.gatehouse.idle(), second.gatehouse.idle()]);
    expect(cardAndThread(first, S.dana.id, request.id).thread).toHaveLength(1);
  }, 30_000);
});
