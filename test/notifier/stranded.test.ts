import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, describe, expect, it } from 'vitest';
import { buttonsOf, eventually, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';
import { PROVIDERS } from '../support/world.js';

const APPROVALS = SLACK_SEED.channels.approvals.id;
const MINUTE = 60_000;
const CHANNEL_SAYS = 'nobody but the requester can approve step';
const REQUESTER_SAYS = 'you cannot approve your own request; it is in the approvals channel for an administrator';

let world: SlackWorld;
afterEach(async () => {
  await world?.close();
});

const channelCards = (requestId: string) =>
  world.slack.messagesIn(APPROVALS).filter((m) => !m.thread_ts && shown(m).includes(requestId));
const dmsAbout = (slackUserId: string, requestId: string) =>
  world.slack.dmWith(slackUserId).filter((m) => !m.thread_ts && shown(m).includes(requestId));
/** Whether anything anyone can read in Slack says the request was approved. */
const saysApproved = (requestId: string) =>
  [...world.slack.messagesIn(APPROVALS), ...world.slack.dmWith(S.dana.id), ...world.slack.dmWith(S.grace.id)].some(
    (m) => shown(m).includes(requestId) && /\*Approved\*|was :white_check_mark: approved|Approved:/.test(shown(m)),
  );

/** Asked through the flows as Slack hands a person over (the slash command's own parsing is not the point here). */
async function ask(person: { id: string; email: string | null }, entryId: string, justification: string) {
  const identity = { platform: 'slack' as const, userId: person.id, email: person.email ?? '' };
  const created = await world.gatehouse.flows.requestAccess(identity, { entryId, justification });
  if (!created.ok || created.value.kind !== 'created') throw new Error(`not created: ${JSON.stringify(created)}`);
  return created.value.request;
}

describe.each(PROVIDERS)('a request only its requester could approve, on %s', (provider) => {
  it("goes to the approvals channel saying why, and every card of Dana's says she cannot approve it", async () => {
    world = await startSlackWorld({ provider });
    // As the audit asked it (first-use-2026-12, finding 4).
    await world.driver.command(S.dana.id, 'request Zoom Pro because I run the security webinars');
    const request = await eventually(() => world.portal.find(SEED.entries.zoomPro.id));
    // Her confirmation says so at once, instead of "It waits for Dana Kowalski".
    const confirmation = await eventually(() =>
      world.slack.ephemeralsFor(S.dana.id).find((m) => shown(m).includes(request.id)),
    );
    expect(shown(confirmation)).toContain('You cannot approve your own request, and nobody else can approve step 1');
    expect(shown(confirmation)).not.toContain('It waits for');
    const channelCard = await eventually(() => channelCards(request.id)[0]);
    expect(shown(channelCard)).toContain(
      `${CHANNEL_SAYS} 1; an administrator has to reassign it or decide it in the portal`,
    );
    await eventually(() => dmsAbout(S.dana.id, request.id).length > 0);
    await world.gatehouse.idle();
    // One card in her DM, her own request's: no second, button-less "approval" card beside it.
    expect(dmsAbout(S.dana.id, request.id)).toHaveLength(1);
    for (const card of dmsAbout(S.dana.id, request.id)) {
      expect(shown(card)).toContain(REQUESTER_SAYS);
      expect(buttonsOf(card)).not.toContain('approve');
    }
    expect(channelCards(request.id)).toHaveLength(1);
    // Dana pressing Approve on the channel card records nothing.
    await world.driver.click(S.dana.id, { channel: channelCard.channel, ts: channelCard.ts }, 'approve');
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(0);
    expect(world.portal.status(request.id)).toBe('pending');
    expect(saysApproved(request.id)).toBe(false);
  });

  it('reminds nobody of it and escalates nothing, while an approvable request is reminded and escalated', async () => {
    let ahead = 0;
    const now = () => Date.now() + ahead;
    const env = { REMINDER_AFTER: '1h', ESCALATE_AFTER: '2h', ESCALATE_TO: 'channel', REMINDER_QUIET_HOURS: 'off' };
    world = await startSlackWorld({ provider, now, env });
    const own = await ask(S.dana, SEED.entries.zoomPro.id, 'I run the security webinars');
    const alices = await ask(S.alice, SEED.entries.zoomPro.id, 'customer webinars');
    await world.gatehouse.idle();
    const reminders = (id: string) =>
      world.slack.dmWith(S.dana.id).filter((m) => /Reminder/.test(shown(m)) && shown(m).includes(id));
    const escalations = (id: string) =>
      world.slack.messagesIn(APPROVALS).filter((m) => /no decision/i.test(shown(m)) && shown(m).includes(id));

    ahead += 61 * MINUTE;
    await world.gatehouse.poller.pollOnce();
    ahead += 60 * MINUTE;
    await world.gatehouse.poller.pollOnce();
    await world.gatehouse.idle();
    // Alice's request shows reminders and escalation run; Dana's own is never put to her as hers to decide.
    expect(reminders(alices.id)).toHaveLength(1);
    expect(escalations(alices.id)).toHaveLength(1);
    expect(reminders(own.id)).toHaveLength(0);
    expect(escalations(own.id)).toHaveLength(0);
    expect(world.portal.status(own.id)).toBe('pending');
  });

  it('posts the second step to the channel anew when only the requester could approve it', async () => {
    world = await startSlackWorld({ provider });
    // Salesforce Admin: Grace's manager (Henry), then Grace herself.
    const request = await ask(S.grace, SEED.entries.salesforceAdmin.id, 'quarter-end audit');
    const henryCard = await eventually(() => dmsAbout(S.henry.id, request.id)[0]);
    const firstChannelCard = await eventually(() => channelCards(request.id)[0]);
    expect(shown(firstChannelCard)).not.toContain(CHANNEL_SAYS);
    const graceCard = await eventually(() => dmsAbout(S.grace.id, request.id)[0]);
    expect(shown(graceCard)).not.toContain(REQUESTER_SAYS);

    await world.driver.click(S.henry.id, { channel: henryCard.channel, ts: henryCard.ts }, 'approve');
    const secondChannelCard = await eventually(() => channelCards(request.id)[1]);
    expect(shown(secondChannelCard)).toContain(`${CHANNEL_SAYS} 2`);
    expect(shown(secondChannelCard)).toContain('Step 1 approved by Henry Adams');
    await eventually(() => shown(world.slack.message(graceCard.channel, graceCard.ts)).includes(REQUESTER_SAYS));
    await world.gatehouse.idle();
    await world.gatehouse.messages.sync(request.id);
    expect(channelCards(request.id)).toHaveLength(2);
    // Every card about it in Slack tells the same story: step 2 waits for an administrator.
    for (const card of channelCards(request.id)) expect(shown(card)).toContain(`${CHANNEL_SAYS} 2`);
    for (const card of dmsAbout(S.grace.id, request.id)) expect(buttonsOf(card)).not.toContain('approve');
    expect(world.portal.status(request.id)).toBe('pending');
    expect(saysApproved(request.id)).toBe(false);
  });
});
