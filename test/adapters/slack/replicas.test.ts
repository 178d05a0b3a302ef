import { randomUUID } from 'node:crypto';
import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStore } from '../../../src/store/index.js';
import { eventually, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const worlds: SlackWorld[] = [];
const stores: RedisStore[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
  for (const store of stores.splice(0)) await store.close();
});

/** Two Gatehouse replicas sharing one Redis, one Okta org and one Slack workspace. */
async function twoReplicas() {
  const store = () => {
    const created = new RedisStore({ url: REDIS_URL, keyPrefix: `gatehouse-test:${prefix}:` });
    stores.push(created);
    return created;
  };
  const prefix = randomUUID();
  const first = await startSlackWorld({ store: store() });
  const second = await startSlackWorld({ store: store(), replicaOf: first });
  worlds.push(second, first);
  return [first, second] as const;
}

describe('several replicas behind one Slack app', () => {
  it('write once and post once when a delivery and its retry land on different replicas', async () => {
    const [first, second] = await twoReplicas();
    // A request made in the portal: both replicas notice it at once and race to announce it.
    const alice = { platform: 'slack' as const, userId: S.alice.id, email: S.alice.email ?? '' };
    const created = await first.gatehouse.flows.requestAccess(alice, {
      entryId: SEED.entries.salesforceSalesUser.id,
      justification: 'new territory',
    });
    if (!created.ok || created.value.kind !== 'created') throw new Error('request not created');
    const request = created.value.request;
    await Promise.all([first.gatehouse.messages.sync(request.id), second.gatehouse.messages.sync(request.id)]);
    const cards = (userId: string) =>
      first.slack.dmWith(userId).filter((m) => !m.thread_ts && shown(m).includes(request.id));
    await eventually(() => cards(S.bob.id).length > 0 && cards(S.alice.id).length > 0);
    await Promise.all([first.gatehouse.idle(), second.gatehouse.idle()]);
    expect(cards(S.bob.id)).toHaveLength(1);
    expect(cards(S.alice.id)).toHaveLength(1);
    expect(
      first.slack.messagesIn(SLACK_SEED.channels.approvals.id).filter((m) => shown(m).includes(request.id)),
    ).toHaveLength(1);
    const card = cards(S.bob.id)[0];
    if (!card) throw new Error('no card');

    const click = await first.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    const retried = await second.driver.resend(click.request, { 'X-Slack-Retry-Num': '1' });
    expect(retried.statusCode).toBe(200);
    await eventually(() => first.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    await eventually(() => shown(first.slack.message(card.channel, card.ts)).includes('*Approved* by Bob Martinez'));
    await Promise.all([first.gatehouse.idle(), second.gatehouse.idle()]);
    expect(first.writes('/resolve')).toBe(1);
    const told = first.slack
      .dmWith(S.alice.id)
      .filter((m) => shown(m).includes('was :white_check_mark: approved by Bob Martinez'));
    expect(told).toHaveLength(1);
  });
});
