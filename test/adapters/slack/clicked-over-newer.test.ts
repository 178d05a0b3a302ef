import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { CLICK_FIRST_WAIT_MS } from '../../../src/notifier/clicks-drawing.js';
import { MemoryStore } from '../../../src/store/index.js';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

/**
 * A click draws the message it came from at once from its decision's reading (issue 19). That
 * update can be slow to land (Slack slow, or its pace) while the request moves on and a pass on
 * another replica draws the newer reading on the same message: the click's older picture must not
 * land over it, or the card shows a state already past until the next change.
 */
const worlds: SlackWorld[] = [];
const store = new MemoryStore();
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

/** Two replicas sharing one store, one Okta org and one Slack workspace. */
async function twoReplicas() {
  const first = await startSlackWorld({ store });
  const second = await startSlackWorld({ store, replicaOf: first });
  worlds.push(second, first);
  return [first, second] as const;
}

describe('the clicked message across replicas', () => {
  it('ends showing the newer reading another replica drew while the click was still drawing its own', async () => {
    const [first, second] = await twoReplicas();
    // Two steps: Alice's manager Bob, then Grace.
    const alice = { platform: 'slack' as const, userId: S.alice.id, email: S.alice.email ?? '' };
    const created = await first.gatehouse.flows.requestAccess(alice, {
      entryId: SEED.entries.salesforceAdmin.id,
      justification: 'quarter-end cleanup',
    });
    if (!created.ok || created.value.kind !== 'created') throw new Error('request not created');
    const request = created.value.request;
    const bobCard = await eventually(() => messageAbout(first.slack.dmWith(S.bob.id), request.id));
    const aliceCard = await eventually(() => messageAbout(first.slack.dmWith(S.alice.id), request.id));
    await first.gatehouse.idle();

    // The click's own update reaches Slack only after its replica's passes stopped waiting for it.
    first.slack.faults.add({ method: 'chat.update', kind: 'delay', ms: CLICK_FIRST_WAIT_MS + 1_500 });
    await first.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
    await eventually(() => first.slack.faults.size === 0);
    // Its replica's own pass has drawn the other cards from the decision meanwhile.
    await eventually(() => shown(first.slack.message(aliceCard.channel, aliceCard.ts)).includes('Bob Martinez'));
    await first.gatehouse.messages.idle();

    // Grace decides the second step in Okta, and the other replica draws that while the click's
    // update is still on its way.
    first.okta.decideInOkta(request.id, SEED.users.grace.id, 'APPROVED');
    await second.gatehouse.messages.sync(request.id);
    await Promise.all([first.gatehouse.idle(), second.gatehouse.idle()]);

    for (const card of [bobCard, aliceCard]) {
      const now = shown(first.slack.message(card.channel, card.ts));
      expect(now).toContain('*Approved* by Grace Lee');
      expect(now).not.toContain('Pending approval');
    }
    expect(first.writes('/resolve')).toBe(1);
  });
});
