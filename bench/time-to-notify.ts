import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { SANDBOX_SECRETS } from '../src/config.js';
import { percentile, until } from './measure.js';
import { type OutsideWorld, startOutsideWorld } from './outside.js';
import { type Row, row } from './report.js';

const REQUESTS = 30;
const SPACING_MS = 400;
const POLL_INTERVAL_MS = 2_000;
const REQUESTERS = [SEED.users.alice, SEED.users.carol, SEED.users.erin, SEED.users.frank];

/**
 * Time to notify (issue 8, item 3): a request is made in the governance portal (the emulator);
 * how long until its approver's card is in Slack. Once with Okta's event hooks (delivered the
 * moment the org publishes the event, as Okta would with no delay of its own), once with polling
 * only, every POLL_INTERVAL_MS. Requests arrive one every SPACING_MS (a busy org: 2.5 a second),
 * each timed from its creation to its card.
 */
export async function timeToNotify(): Promise<Row[]> {
  const hooks = await measure('hooks');
  const polling = await measure('polling');
  return [
    row({
      bench: 'time to notify',
      subject: 'event hooks',
      metric: 'portal request → approver card, p95',
      value: percentile(hooks, 95),
      unit: 'ms',
      target: '≤ 500 ms',
      met: percentile(hooks, 95) <= 500,
      note: `${hooks.length} requests, p50 ${percentile(hooks, 50)} ms, max ${percentile(hooks, 100)} ms`,
    }),
    row({
      bench: 'time to notify',
      subject: `polling every ${POLL_INTERVAL_MS} ms`,
      metric: 'portal request → approver card, p95',
      value: percentile(polling, 95),
      unit: 'ms',
      baseline: { subject: 'poll interval', value: POLL_INTERVAL_MS },
      target: `≤ ${POLL_INTERVAL_MS + 200} ms`,
      met: percentile(polling, 95) <= POLL_INTERVAL_MS + 200,
      note: `${polling.length} requests, p50 ${percentile(polling, 50)} ms, max ${percentile(polling, 100)} ms`,
    }),
  ];
}

async function measure(source: 'hooks' | 'polling'): Promise<number[]> {
  const world = await startOutsideWorld({
    POLL_INTERVAL_MS: source === 'polling' ? String(POLL_INTERVAL_MS) : '3600000',
    CHAT_RATE_SCALE: '100',
  });
  const stopHooks = source === 'hooks' ? deliverHooks(world) : () => undefined;
  const posted = new Map<string, number>();
  const dana = SLACK_SEED.users.dana.id;
  const pending = new Set<string>();
  world.onAnswer = () => {
    for (const id of pending) {
      if (world.slack.dmWith(dana).some((m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(id))) {
        posted.set(id, performance.now());
        pending.delete(id);
      }
    }
  };
  const created = new Map<string, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const requester = REQUESTERS[i % REQUESTERS.length] ?? SEED.users.alice;
    const at = performance.now();
    const request = world.org.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
        requestedFor: { type: 'OKTA_USER', externalId: requester.id },
        requesterFieldValues: [],
      },
      world.org.actorFor(requester.id),
    );
    created.set(request.id, at);
    pending.add(request.id);
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
  }
  await until(() => pending.size === 0, 60_000);
  stopHooks();
  await world.close();
  return [...created].map(([id, at]) => (posted.get(id) ?? Number.NaN) - at);
}

/** Plays Okta's part: each event the org publishes is POSTed to /hooks/okta as Okta delivers it. */
function deliverHooks(world: OutsideWorld): () => void {
  const url = `${world.gatehouseUrl}/hooks/okta`;
  return world.org.onEvent((event) => {
    void fetch(url, {
      method: 'POST',
      headers: { authorization: SANDBOX_SECRETS.oktaEventHookSecret, 'content-type': 'application/json' },
      body: JSON.stringify({ eventType: 'com.okta.event_hook', data: { events: [event] } }),
    }).then((response) => response.arrayBuffer());
  });
}
