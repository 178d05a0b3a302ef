import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { SEED } from '../../../src/sandbox/okta/index.js';
import { RedisStore } from '../../../src/store/index.js';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

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
    await first.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() =>
      first.okta.requests.find((r) => r.requested.entryId === SEED.entries.salesforceSalesUser.id),
    );
    const card = await eventually(() => messageAbout(first.slack.dmWith(S.bob.id), request.id));

    // Both replicas bring the request's messages up to date at once: still one card per person.
    await Promise.all([first.gatehouse.messages.sync(request.id), second.gatehouse.messages.sync(request.id)]);
    expect(first.slack.dmWith(S.bob.id).filter((m) => !m.thread_ts && shown(m).includes(request.id))).toHaveLength(1);

    const click = await first.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    const retried = await second.driver.resend(click.request, { 'X-Slack-Retry-Num': '1' });
    expect(retried.statusCode).toBe(200);
    await eventually(() => first.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    await eventually(() => shown(first.slack.message(card.channel, card.ts)).includes('*Approved* by Bob Martinez'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.writes('/resolve')).toBe(1);
    const told = first.slack
      .dmWith(S.alice.id)
      .filter((m) => shown(m).includes('was :white_check_mark: approved by Bob Martinez'));
    expect(told).toHaveLength(1);
  });
});
