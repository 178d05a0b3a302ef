import { SEED } from '@gatehouse/sandbox/okta';
import { type MessageRecord, SLACK_SEED } from '@gatehouse/sandbox/slack';
import { percentile, until } from './measure.js';
import { outsideTime, startOutsideWorld } from './outside.js';
import { type Row, row } from './report.js';

const ROUND_TRIPS = 40;
const INJECTED_MS = 50;
const S = SLACK_SEED.users;
const APPROVALS = SLACK_SEED.channels.approvals.id;
const REQUESTERS = [SEED.users.alice, SEED.users.carol, SEED.users.erin, SEED.users.frank];

const shows = (message: MessageRecord | undefined, text: string) =>
  Boolean(message && `${message.text ?? ''}${JSON.stringify(message.blocks ?? [])}`.includes(text));

/**
 * Round trip (issue 8, item 2): Dana clicks Approve on her card; Okta records the decision; every
 * card about the request (Dana's, the approvals channel's, the requester's) shows it. Every call
 * to Okta and Slack answers 50 ms late. Gatehouse's own time is the round trip minus the time at
 * least one outside call was in progress (calls that overlap count once), one round trip at a time.
 */
export async function roundTrip(): Promise<Row[]> {
  // Chat rate budgets are not what this measures: raised so no round trip waits its turn.
  const world = await startOutsideWorld({ CHAT_RATE_SCALE: '100' });
  const { org, slack, driver, gatehouse } = world;
  const ids: string[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const requester = REQUESTERS[i % REQUESTERS.length] ?? SEED.users.alice;
    const created = org.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
        requestedFor: { type: 'OKTA_USER', externalId: requester.id },
        requesterFieldValues: [],
      },
      org.actorFor(requester.id),
    );
    ids.push(created.id);
  }
  org.settle();
  await gatehouse.poller.pollOnce();
  const cards = (id: string) => {
    const danaCard = slack.dmWith(S.dana.id).find((m) => !m.thread_ts && shows(m, id));
    const channelCard = slack.messagesIn(APPROVALS).find((m) => !m.thread_ts && shows(m, id));
    return { danaCard, channelCard };
  };
  const requesterCards = (id: string) =>
    [S.alice, S.carol, S.erin, S.frank].flatMap((person) =>
      slack.dmWith(person.id).filter((m) => !m.thread_ts && shows(m, id)),
    );
  await until(
    () => ids.every((id) => cards(id).danaCard && cards(id).channelCard && requesterCards(id).length === 1),
    120_000,
  );

  org.faults.add({ kind: 'delay', ms: INJECTED_MS, times: Number.POSITIVE_INFINITY });
  slack.faults.add({ kind: 'delay', ms: INJECTED_MS, times: Number.POSITIVE_INFINITY });

  const totals: number[] = [];
  const own: number[] = [];
  const outsideCalls: number[] = [];
  for (const id of ids) {
    const { danaCard, channelCard } = cards(id);
    const [requesterCard] = requesterCards(id);
    if (!danaCard || !channelCard || !requesterCard) throw new Error(`cards missing for ${id}`);
    const everyCardApproved = () =>
      [danaCard, channelCard, requesterCard].every((card) =>
        shows(slack.message(card.channel, card.ts), '*Approved* by Dana'),
      );
    let end = 0;
    world.onAnswer = () => {
      if (!end && everyCardApproved()) end = performance.now();
    };
    const firstCall = world.calls.length;
    const start = performance.now();
    const click = await driver.click(S.dana.id, { channel: danaCard.channel, ts: danaCard.ts }, 'approve');
    if (click.statusCode !== 200) throw new Error(`click answered ${click.statusCode}`);
    await until(() => end > 0, 30_000);
    world.onAnswer = undefined;
    const total = end - start;
    totals.push(total);
    own.push(total - outsideTime(world.calls.slice(firstCall), start, end));
    outsideCalls.push(world.calls.slice(firstCall).filter((call) => call.start < end).length);
    // Let what follows a round trip (the App Home redraw, the requester's notice) finish first.
    await new Promise((resolve) => setTimeout(resolve, 600));
  }
  await world.close();

  const approvedInOkta = ids.filter((id) => org.requests.find((r) => r.id === id)?.status === 'APPROVED').length;
  const rows: Row[] = [
    row({
      bench: 'round trip',
      subject: 'click Approve → Okta → 3 cards updated',
      metric: 'total p50',
      value: percentile(totals, 50),
      unit: 'ms',
      note: `${ROUND_TRIPS} round trips, every Okta and Slack call ${INJECTED_MS} ms late; ${approvedInOkta} approved in Okta; outside calls per round trip p50 ${percentile(outsideCalls, 50)}`,
    }),
    row({
      bench: 'round trip',
      subject: 'click Approve → Okta → 3 cards updated',
      metric: 'total p99',
      value: percentile(totals, 99),
      unit: 'ms',
    }),
    row({
      bench: 'round trip',
      subject: 'Gatehouse own time (total − outside calls)',
      metric: 'p50',
      value: percentile(own, 50),
      unit: 'ms',
      baseline: { subject: 'total', value: percentile(totals, 50) },
    }),
    row({
      bench: 'round trip',
      subject: 'Gatehouse own time (total − outside calls)',
      metric: 'p99',
      value: percentile(own, 99),
      unit: 'ms',
      baseline: { subject: 'total', value: percentile(totals, 99) },
      target: '≤ 10 ms',
      met: percentile(own, 99) <= 10,
      note: 'between one outside answer and the next call: the HTTP client, JSON and schema parsing, the queue hand-off',
    }),
    row({
      bench: 'round trip',
      subject: 'Gatehouse own time per outside call',
      metric: 'p50',
      value: Math.round((percentile(own, 50) / Math.max(1, percentile(outsideCalls, 50))) * 100) / 100,
      unit: 'ms',
    }),
  ];
  return rows;
}
