import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import type { MessageRecord } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  eventually,
  messageAbout,
  S,
  type SlackWorld,
  shown,
  startSlackWorld,
} from '../support/slack-world.js';

/**
 * Issue 21 point 4, the notifier's side on Slack: a current delegate of the open step's approver
 * gets the approval card too, "for" whom they decide, kept up to date like every other card.
 */

const DAY_MS = 24 * 60 * 60_000;
/** A day within the 90 a delegate may be appointed for, as a person types it. */
const inTenDays = () => new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
const APPROVALS = 'C0APPROVALS';
const ON_BEHALF = 'You decide this for Bob Martinez, as their delegate';

describe('approval cards for delegates on okta (Slack)', () => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider: 'okta' });
  });
  afterEach(async () => {
    await world.close();
  });

  /** `/access <text>` as Slack sends it, and the answer only its author sees. */
  async function ask(userId: string, text: string): Promise<string> {
    const before = world.slack.ephemeralsFor(userId).length;
    await world.driver.command(userId, text, { asSent: true });
    return shown(await eventually(() => world.slack.ephemeralsFor(userId)[before]));
  }

  const appointDana = async () =>
    expect(await ask(S.bob.id, `delegate <@${S.dana.id}|dana> until ${inTenDays()}`)).toContain(
      '*Dana Kowalski* decides your approvals',
    );

  /** Alice asks for Salesforce (her manager, Bob, approves): the request once Okta has it. */
  async function aliceAsks() {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
    await world.gatehouse.idle();
    return request;
  }

  const cardsAbout = (userId: string, requestId: string): MessageRecord[] =>
    world.slack.dmWith(userId).filter((m) => !m.thread_ts && shown(m).includes(requestId));
  const latest = (card: MessageRecord) => world.slack.message(card.channel, card.ts);
  const delegateCalls = () =>
    world.okta.calls.filter((c) => c.path.includes('/delegates') || c.path.includes('principal-settings')).length;

  it('appointed before the step opens: Okta hands the step to the delegate, who gets the one card', async () => {
    await appointDana();
    const request = await aliceAsks();

    const danaCard = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    expect(buttonsOf(danaCard)).toContain('approve');
    expect(cardsAbout(S.dana.id, request.id)).toHaveLength(1);
    // The step is Dana's in Okta now: Bob is not its approver, and has no card to decide from.
    expect(cardsAbout(S.bob.id, request.id)).toEqual([]);
  });

  it('appointed after the step opened: the delegate gets a card "for" the approver, decides from it, and every card shows it', async () => {
    const request = await aliceAsks();
    const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
    expect(cardsAbout(S.dana.id, request.id)).toEqual([]);

    await appointDana();
    // Okta leaves an open task with Bob; the appointment itself announces Bob's waiting approvals,
    // so the notifier draws the request again and finds Bob's delegate, with no other change.
    const danaCard = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
    expect(shown(danaCard)).toContain(ON_BEHALF);
    expect(buttonsOf(danaCard)).toEqual(expect.arrayContaining(['approve', 'reject']));
    // Bob keeps his own card, without the delegate's line.
    expect(shown(latest(bobCard))).not.toContain(ON_BEHALF);
    expect(buttonsOf(latest(bobCard))).toContain('approve');

    // Drawn again from an unchanged request: no second card, and the appointment read from the cache.
    const calls = delegateCalls();
    await world.gatehouse.messages.sync(request.id);
    expect(cardsAbout(S.dana.id, request.id)).toHaveLength(1);
    expect(delegateCalls()).toBe(calls);

    await world.driver.click(S.dana.id, { channel: danaCard.channel, ts: danaCard.ts }, 'approve');
    await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id)?.status.match(/approved/i));
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(1);
    for (const card of [bobCard, danaCard, channelCard]) {
      await eventually(() => {
        const now = latest(card);
        return /Approved/.test(shown(now)) && !buttonsOf(now).includes('approve') ? now : undefined;
      });
    }
    expect(cardsAbout(S.dana.id, request.id)).toHaveLength(1);
  });

  it('a delegation ended: its buttons leave the card, and new requests bring the delegate no card', async () => {
    const first = await aliceAsks();
    await appointDana();
    const danaCard = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), first.id));
    expect(buttonsOf(danaCard)).toContain('approve');

    // Ending it redraws what waits for Bob at once: Dana's card loses its buttons.
    expect(await ask(S.bob.id, 'delegate off')).toContain('no longer decides your approvals');
    await eventually(() => (buttonsOf(latest(danaCard)).includes('approve') ? undefined : true));
    expect(shown(latest(danaCard))).not.toContain(ON_BEHALF);

    await world.driver.command(S.alice.id, 'request Figma Editor for 3 days because design review');
    const second = await eventually(() => world.portal.find(SEED.entries.figmaEditor.id));
    await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), second.id));
    await world.gatehouse.idle();
    expect(cardsAbout(S.dana.id, second.id)).toEqual([]);
  });

  it('never sends the requester an approval card for their own request, though they stand in for its approver', async () => {
    expect(await ask(S.bob.id, `delegate <@${S.alice.id}|alice> until ${inTenDays()}`)).toContain(
      'decides your approvals',
    );
    const request = await aliceAsks();
    await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    await world.gatehouse.messages.sync(request.id);
    // Alice has her requester's card only: nothing to approve on it.
    const mine = cardsAbout(S.alice.id, request.id);
    expect(mine).toHaveLength(1);
    expect(buttonsOf(mine[0])).not.toContain('approve');
  });
});

describe('reminders for delegates on okta (Slack)', () => {
  const HOUR = 3_600_000;

  it('reminds the delegate too, with their buttons, in the thread of their own card, on the approver’s rounds', async () => {
    let ahead = 0;
    const now = () => Date.now() + ahead;
    const env = { REMINDER_AFTER: '1h', REMINDER_EVERY: '2h', REMINDER_COUNT: '2', REMINDER_QUIET_HOURS: 'off' };
    const world = await startSlackWorld({ provider: 'okta', now, org: createOktaOrg({ now }), env });
    try {
      const poll = async () => {
        await world.gatehouse.poller.pollOnce();
        await world.gatehouse.idle();
      };
      const topCard = (userId: string, requestId: string) =>
        world.slack.dmWith(userId).find((m) => !m.thread_ts && shown(m).includes(requestId));
      const threadOf = (userId: string, card: MessageRecord) =>
        world.slack.dmWith(userId).filter((m) => m.thread_ts === card.ts && m.ts !== card.ts);

      await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
      const bobCard = await eventually(() => topCard(S.bob.id, request.id));
      // Bob appoints Dana once his step is open: she gets a card "for Bob" at once.
      await world.driver.command(S.bob.id, `delegate <@${S.dana.id}|dana> until ${inTenDays()}`, { asSent: true });
      const danaCard = await eventually(() => topCard(S.dana.id, request.id));
      expect(shown(danaCard)).toContain(ON_BEHALF);
      await poll();
      expect(threadOf(S.dana.id, danaCard)).toHaveLength(0);

      ahead += HOUR + 60_000;
      await poll();
      await poll();
      const reminder = await eventually(() => threadOf(S.dana.id, danaCard)[0]);
      expect(shown(reminder)).toContain('reminder 1 of 2');
      expect(shown(reminder)).toContain(ON_BEHALF);
      expect(buttonsOf(reminder)).toEqual(expect.arrayContaining(['approve', 'reject']));
      // Bob, the approver, is reminded on the same round, in his own card's thread.
      expect(threadOf(S.bob.id, bobCard).some((m) => shown(m).includes('reminder 1 of 2'))).toBe(true);
    } finally {
      await world.close();
    }
  });
});
