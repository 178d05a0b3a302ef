import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import pino from 'pino';
import { createGatehouse } from '../src/app.js';
import { loadConfig, SANDBOX_SECRETS } from '../src/config.js';
import { freePort } from '../test/support/free-port.js';
import { type Row, row } from './report.js';

const TOTAL = 10_000;

/**
 * Governance economy (issue 8, item 6): Okta calls per poll cycle with 10,000 requests of which k
 * changed, against a poller that reads every request each cycle (what a cursor-less integration
 * does) measured in the same run; and the calls one user action costs.
 */
export async function governanceEconomy(): Promise<Row[]> {
  const org = createOktaOrg({ rateLimitPerMinute: 10_000_000 });
  const port = await freePort();
  const gatehouse = await createGatehouse(
    loadConfig({ PORT: String(port), LOG_LEVEL: 'silent', POLL_INTERVAL_MS: '3600000' }),
    { logger: pino({ level: 'silent' }), sandbox: { okta: org } },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  // The queue's worker runs the syncs a poll queues (the poller's own timer is an hour away).
  await gatehouse.start();
  const portal = (userId: string) =>
    org.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
        requestedFor: { type: 'OKTA_USER', externalId: userId },
        requesterFieldValues: [],
      },
      org.actorFor(userId),
    );
  for (let i = 0; i < TOTAL; i++) portal(SEED.users.carol.id);
  org.settle();
  const calls = () => org.calls.length;
  const rows: Row[] = [];

  // Pages of the request list read: what finding changes costs, apart from reading each change.
  const listPages = () =>
    org.calls.filter((call) => call.method === 'GET' && /\/governance\/api\/v2\/requests(\?|$)/.test(call.path)).length;
  // The baseline: read every request, page by page (200 a page, Okta's maximum), as a poller
  // without a cursor must.
  let before = listPages();
  let cursor: string | undefined;
  let pages = 0;
  do {
    const url = new URL(`http://127.0.0.1:${port}/sandbox/okta/governance/api/v2/requests`);
    url.searchParams.set('limit', '200');
    if (cursor) url.searchParams.set('after', cursor);
    const response = await fetch(url, { headers: { authorization: `SSWS ${SANDBOX_SECRETS.oktaApiToken}` } });
    const next = /<[^>]*[?&]after=([^&>]+)[^>]*>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    await response.arrayBuffer();
    cursor = next ? decodeURIComponent(next) : undefined;
    pages += 1;
  } while (cursor && pages < 1000);
  const naive = listPages() - before;

  for (const changed of [0, 10, 100]) {
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await gatehouse.store.set('notifier:cursor', new Date().toISOString());
    for (let i = 0; i < changed; i++) portal(SEED.users.alice.id);
    before = listPages();
    const allBefore = calls();
    const polled = await gatehouse.poller.pollOnce();
    const pollPages = listPages() - before;
    // Then the syncs it queued read each changed request once (and its approval tasks).
    const busy = async () => Object.values(await gatehouse.queue.depth()).some((n) => (n ?? 0) > 0);
    for (let i = 0; i < 1200 && (await busy()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const cycleCalls = calls() - allBefore;
    rows.push(
      row({
        bench: 'governance economy',
        subject: `poll, ${changed} of ${TOTAL} changed`,
        metric: 'request-list pages read',
        value: pollPages,
        unit: 'pages',
        baseline: { subject: 'read everything', value: naive },
        target: 'grows with k, not with 10,000',
        met: pollPages <= Math.ceil(changed / 100) + 1,
      }),
      row({
        bench: 'governance economy',
        subject: `poll cycle, ${changed} of ${TOTAL} changed`,
        metric: 'all Okta calls (poll + syncs)',
        value: cycleCalls,
        unit: 'calls',
        note: `${polled.synced} syncs queued`,
      }),
    );
  }

  // One user action each, through the flows as chat drives them.
  // Someone with no open requests yet (the rounds above gave Alice a hundred).
  const erin = { platform: 'slack' as const, userId: 'U0ERIN', email: SEED.users.erin.email };
  const frank = { platform: 'slack' as const, userId: 'U0FRANK', email: SEED.users.frank.email };
  await gatehouse.flows.whoAmI(erin);
  await gatehouse.flows.whoAmI(frank);
  before = calls();
  const created = await gatehouse.flows.requestAccess(erin, { entryId: SEED.entries.jiraSoftwareUser.id });
  const requestCalls = calls() - before;
  if (!created.ok || created.value.kind !== 'created') throw new Error('request not created');
  before = calls();
  await gatehouse.flows.decide(frank, { requestId: created.value.request.id, decision: 'approve' });
  const decideCalls = calls() - before;
  rows.push(
    row({
      bench: 'governance economy',
      subject: 'request access (flow)',
      metric: 'Okta calls',
      value: requestCalls,
      unit: 'calls',
    }),
    row({
      bench: 'governance economy',
      subject: 'approve (flow)',
      metric: 'Okta calls',
      value: decideCalls,
      unit: 'calls',
    }),
  );
  await gatehouse.close();
  return rows;
}
