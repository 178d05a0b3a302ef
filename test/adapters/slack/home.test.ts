import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, expect, it } from 'vitest';
import { eventually, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

it('draws an approver’s Home a few times for a burst of approvals, not once each, and ends showing them all', async () => {
  // Time scaled down tenfold on both sides: Slack's channel pace (one card a second) and the Home's
  // spacing (5 s) alike, so the burst lasts as many spacings as it would for real.
  world = await startSlackWorld({ env: { CHAT_RATE_SCALE: '10' }, homeSpacingMs: 500 });
  const w = world;
  await w.driver.openHome(S.dana.id);
  await eventually(() => w.slack.homeOf(S.dana.id));
  const drawsBefore = w.slack.callsTo('views.publish').length;

  const requesters = [SEED.users.alice, SEED.users.carol, SEED.users.erin, SEED.users.frank];
  const ids = Array.from({ length: 12 }, (_, i) => {
    const requester = requesters[i % requesters.length] ?? SEED.users.alice;
    return w.okta.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
        requestedFor: { type: 'OKTA_USER', externalId: requester.id },
        requesterFieldValues: [],
      },
      w.okta.actorFor(requester.id),
    ).id;
  });
  w.okta.settle();
  await w.gatehouse.poller.pollOnce();

  // Every card reaches Dana; then her Home settles, listing every request waiting for her…
  await eventually(() => ids.every((id) => w.slack.dmWith(S.dana.id).some((m) => shown(m).includes(id))), 20_000);
  // The burst's last changes fold into one draw at the end of the spacing: wait for it, not a clock.
  await w.gatehouse.idle();
  await w.gatehouse.slack?.homesSettled();
  const home = shown({ blocks: w.slack.homeOf(S.dana.id)?.blocks });
  expect(ids.filter((id) => !home.includes(id))).toEqual([]);
  // …drawn every few seconds while the burst lasts (Slack paces the channel cards to about one a
  // second), not once per request: each draw reads every open item from the governance system.
  const danaDraws = w.slack
    .callsTo('views.publish')
    .slice(drawsBefore)
    .filter((call) => (call.args as { user_id?: string }).user_id === S.dana.id).length;
  expect(danaDraws).toBeGreaterThan(0);
  expect(danaDraws).toBeLessThan(ids.length / 2);
  // The requesters never opened their Home: nothing is drawn for them (it is drawn when they do).
  const requesterDraws = w.slack
    .callsTo('views.publish')
    .slice(drawsBefore)
    .filter((call) =>
      ([S.alice.id, S.carol.id, S.erin.id, S.frank.id] as string[]).includes(
        String((call.args as { user_id?: string }).user_id),
      ),
    );
  expect(requesterDraws).toHaveLength(0);
  await w.driver.openHome(S.alice.id);
  await eventually(() => ids.some((id) => shown({ blocks: w.slack.homeOf(S.alice.id)?.blocks }).includes(id)));
}, 30_000);
