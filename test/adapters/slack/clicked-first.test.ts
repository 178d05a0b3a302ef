import { SEED } from '@gatehouse/sandbox/okta';
import { type CallRecord, type MessageRecord, SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  eventually,
  messageAbout,
  S,
  type SlackWorld,
  shown,
  startSlackWorld,
} from '../../support/slack-world.js';
import { PROVIDERS } from '../../support/world.js';

/**
 * Issue 19, point 3: once the backend confirms a decision, the message the person clicked shows the
 * outcome first (one chat update after the decision), before the notifier touches any other card,
 * and the notifier does not draw it a second time. Read from the Slack stand-in's own record of
 * the chat calls it answered, in order.
 */
const APPROVALS = SLACK_SEED.channels.approvals.id;
let world: SlackWorld;

/** The chat writes Gatehouse made since `from` (posts and edits; lookups left out), in the order Slack answered them. */
function chatWritesSince(from: number): CallRecord[] {
  return world.slack.calls.slice(from).filter((call) => call.method.startsWith('chat.'));
}

const isUpdateOf = (card: MessageRecord) => (call: CallRecord) =>
  call.method === 'chat.update' && call.args.channel === card.channel && call.args.ts === card.ts;

const says = (call: CallRecord | undefined, text: string) => JSON.stringify(call?.args ?? {}).includes(text);

describe.each(PROVIDERS)('on %s', (provider) => {
  beforeEach(async () => {
    world = await startSlackWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  /** Alice asks for Salesforce; every card is posted and the notifier is done before the test acts. */
  async function cards() {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
    const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
    const aliceCard = await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id));
    await world.gatehouse.idle();
    return { request, bobCard, channelCard, aliceCard };
  }

  it('shows Approved on the DM card clicked before any other card is touched, and updates it once', async () => {
    const { bobCard, channelCard, aliceCard } = await cards();
    const from = world.slack.calls.length;

    await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
    await world.gatehouse.idle();

    const writes = chatWritesSince(from);
    expect(writes[0] && isUpdateOf(bobCard)(writes[0])).toBe(true);
    expect(writes[0]?.ok).toBe(true);
    expect(says(writes[0], '*Approved* by Bob Martinez')).toBe(true);
    // The other cards follow, drawn by the notifier, and the clicked one is not drawn again.
    expect(writes.filter(isUpdateOf(bobCard))).toHaveLength(1);
    expect(writes.filter(isUpdateOf(channelCard))).toHaveLength(1);
    expect(writes.filter(isUpdateOf(aliceCard))).toHaveLength(1);
    for (const card of [bobCard, channelCard, aliceCard]) {
      const now = world.slack.message(card.channel, card.ts);
      expect(shown(now)).toContain('*Approved* by Bob Martinez');
      expect(buttonsOf(now)).not.toContain('approve');
    }
    expect(world.portal.writes('decide')).toBe(1);
  });

  it('shows the decision first on the approvals channel card when that is where the approver clicked', async () => {
    const { bobCard, channelCard } = await cards();
    const from = world.slack.calls.length;

    await world.driver.click(S.bob.id, { channel: channelCard.channel, ts: channelCard.ts }, 'approve');
    await world.gatehouse.idle();

    const writes = chatWritesSince(from);
    expect(writes[0] && isUpdateOf(channelCard)(writes[0])).toBe(true);
    expect(says(writes[0], '*Approved* by Bob Martinez')).toBe(true);
    expect(writes.filter(isUpdateOf(channelCard))).toHaveLength(1);
    expect(writes.filter(isUpdateOf(bobCard))).toHaveLength(1);
    // Everyone in the channel sees the same card: no one's own buttons on it.
    expect(buttonsOf(world.slack.message(channelCard.channel, channelCard.ts))).not.toContain('approve');
  });

  it('shows Rejected first on the card a reject form was opened from, once the reason is submitted', async () => {
    const { bobCard, aliceCard } = await cards();
    await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'reject');
    const modal = await eventually(() => world.slack.openModalOf(S.bob.id));
    await world.gatehouse.idle();
    const from = world.slack.calls.length;

    await world.driver.submit(S.bob.id, modal.id, { text: 'Territory not assigned yet' });
    await world.gatehouse.idle();

    const writes = chatWritesSince(from);
    expect(writes[0] && isUpdateOf(bobCard)(writes[0])).toBe(true);
    expect(says(writes[0], '*Rejected* by Bob Martinez')).toBe(true);
    expect(writes.filter(isUpdateOf(bobCard))).toHaveLength(1);
    expect(shown(world.slack.message(aliceCard.channel, aliceCard.ts))).toContain('*Rejected* by Bob Martinez');
    expect(shown(world.slack.view(modal.id))).toContain('Rejected request');
  });

  it('changes no card when the decision is refused', async () => {
    const { request, channelCard } = await cards();
    const from = world.slack.calls.length;

    // Carol is neither requester nor approver: the channel card offers her the button, the flow refuses.
    await world.driver.click(S.carol.id, { channel: channelCard.channel, ts: channelCard.ts }, 'approve');
    await world.gatehouse.idle();

    expect(world.slack.calls.slice(from).filter((call) => call.method === 'chat.update')).toEqual([]);
    expect(world.slack.message(channelCard.channel, channelCard.ts)).toEqual(channelCard);
    await eventually(() => world.slack.ephemeralsFor(S.carol.id).find((m) => shown(m).includes(':warning:')));
    expect(world.portal.find(SEED.entries.salesforceSalesUser.id)?.status).toBe(request.status);
    expect(world.portal.writes('decide')).toBe(0);
  });

  it('still ends with the clicked card drawn, by the notifier, when Slack refused the quick update', async () => {
    const { bobCard, channelCard, aliceCard } = await cards();
    world.slack.faults.add({ method: 'chat.update', kind: 'error', error: 'fatal_error', times: 1 });
    const from = world.slack.calls.length;

    await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
    await world.gatehouse.idle();

    const onBob = chatWritesSince(from).filter(isUpdateOf(bobCard));
    expect(onBob.map((call) => call.ok)).toEqual([false, true]);
    for (const card of [bobCard, channelCard, aliceCard]) {
      expect(shown(world.slack.message(card.channel, card.ts))).toContain('*Approved* by Bob Martinez');
    }
  });

  it('replaces an ephemeral status card clicked with the decided card', async () => {
    const { request } = await cards();
    await world.driver.command(S.bob.id, `status ${request.id}`);
    const status = await eventually(() =>
      world.slack
        .ephemeralsFor(S.bob.id)
        .find((m) => shown(m).includes(request.id) && buttonsOf(m).includes('approve')),
    );

    await world.driver.click(S.bob.id, { channel: status.channel, ts: status.ts }, 'approve');
    await world.gatehouse.idle();

    const now = world.slack.ephemeralsFor(S.bob.id).find((m) => m.ts === status.ts);
    expect(shown(now)).toContain('*Approved* by Bob Martinez');
    expect(buttonsOf(now)).not.toContain('approve');
  });
});
