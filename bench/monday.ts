import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { ChatIdentity } from '../src/flows/index.js';
import { freePort } from '../test/support/free-port.js';
import { percentile, seededRandom } from './measure.js';
import { type Row, row } from './report.js';

/**
 * "Monday morning" (issue 19): 200 people ask for access and 200 decisions are made within ten
 * minutes, against an org at a real org's budget (30 calls a minute on requests, 50 on the catalog).
 *
 * Time is compressed tenfold so the run takes a minute: every budget is ten times a real org's per
 * (real) minute and everything arrives ten times faster, so each minute of the run is ten minutes of
 * a real morning at the real budget, call for call. Figures are reported in real-morning time.
 */
const COMPRESSION = 10;
const PEOPLE = 200;
/** The morning's length (real-morning minutes): requests arrive over the first two thirds. */
const MORNING_MS = (10 * 60_000) / COMPRESSION;
const ARRIVALS_MS = (MORNING_MS * 2) / 3;
const REAL_BUDGET = { requests: 30, catalogs: 50, tasks: 30, grants: 30 };

interface Answer {
  kind: 'request' | 'decision';
  /** From the first try until the person had an answer that was not "busy, try again". */
  ms: number;
  ok: boolean;
  code?: string;
  /** "Busy, try again" answers (429s passed on) the person met on the way. */
  busy: number;
}

/** A person told "busy, try again" tries again half a real minute later, up to ten times. */
const RETRY_MS = 30_000 / COMPRESSION;
const TRIES = 10;

async function asPerson<T extends { ok: boolean }>(
  act: () => Promise<T>,
): Promise<{ outcome: T; ms: number; busy: number }> {
  const began = Date.now();
  let busy = 0;
  for (;;) {
    const outcome = await act();
    const limited = !outcome.ok && (outcome as { error?: { code?: string } }).error?.code === 'governance_rate_limited';
    if (!limited || busy + 1 >= TRIES) return { outcome, ms: Date.now() - began, busy: busy + (limited ? 1 : 0) };
    busy += 1;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

export async function mondayMorning(): Promise<Row[]> {
  const org = createOktaOrg({
    rateLimits: Object.fromEntries(Object.entries(REAL_BUDGET).map(([family, n]) => [family, n * COMPRESSION])),
  });
  const port = await freePort();
  const gatehouse = await createGatehouse(
    loadConfig({
      PORT: String(port),
      LOG_LEVEL: 'silent',
      POLL_INTERVAL_MS: String(30_000 / COMPRESSION),
    }),
    { logger: pino({ level: 'silent' }), sandbox: { okta: org } },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  try {
    return await morning(gatehouse, org);
  } finally {
    await gatehouse.close();
  }
}

async function morning(gatehouse: Gatehouse, org: OktaOrg): Promise<Row[]> {
  const requesters = [SEED.users.alice, SEED.users.carol, SEED.users.erin, SEED.users.frank, SEED.users.grace];
  // Access levels ("App — Level"), not the apps above them, which nobody requests.
  const entries = Object.values(SEED.entries).filter((entry) => entry.name.includes(' — '));
  const random = seededRandom(19);
  const as = (email: string, id: string): ChatIdentity => ({ platform: 'slack', userId: `U${id}`, email });
  const answers: Answer[] = [];
  const decisions: Promise<void>[] = [];
  const asking: Promise<void>[] = [];
  const started = Date.now();
  const callsBefore = org.calls.length;

  const decideLater = (requestId: string) =>
    new Promise<void>((resolve) => {
      // An approver looks at their card a little after it arrives (compressed: one to five minutes).
      const after = (60_000 + random() * 240_000) / COMPRESSION;
      setTimeout(async () => {
        const assignee = org.openStepAssignees(requestId)[0];
        const approver = org.users.find((user) => user.id === assignee);
        if (approver) {
          const decision = random() < 0.85 ? 'approve' : 'reject';
          const { outcome, ms, busy } = await asPerson(() =>
            gatehouse.flows.decide(as(approver.profile.email, approver.id), { requestId, decision, reason: 'Monday' }),
          );
          answers.push({
            kind: 'decision',
            ms,
            busy,
            ok: outcome.ok,
            code: outcome.ok ? undefined : outcome.error.code,
          });
        }
        resolve();
      }, after);
    });

  let asked = 0;
  for (let i = 0; asked < PEOPLE && i < PEOPLE * 20; i++) {
    const who = requesters[i % requesters.length];
    const entry = entries[Math.floor(i / requesters.length) % entries.length];
    if (!who || !entry) continue;
    const due = started + (asked / PEOPLE) * ARRIVALS_MS;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    asked += 1;
    // Each person on their own: nobody waits for the one before to be answered.
    asking.push(
      asPerson(() =>
        gatehouse.flows.requestAccess(as(who.email, who.id), { entryId: entry.id, justification: 'new hire, Monday' }),
      ).then(({ outcome, ms, busy }) => {
        answers.push({ kind: 'request', ms, busy, ok: outcome.ok, code: outcome.ok ? undefined : outcome.error.code });
        if (outcome.ok && outcome.value.kind === 'created') decisions.push(decideLater(outcome.value.request.id));
      }),
    );
  }
  await Promise.all(asking);
  await Promise.all(decisions);
  const peopleDone = Date.now() - started;
  // The notifier's backlog: every card the morning caused, drawn.
  const busy = async () => Object.values(await gatehouse.queue.depth()).some((n) => (n ?? 0) > 0);
  while (await busy()) await new Promise((resolve) => setTimeout(resolve, 100));
  await gatehouse.idle();
  const drained = Date.now() - started;

  const real = (ms: number) => (ms * COMPRESSION) / 1000;
  const times = answers.map((a) => a.ms).sort((a, b) => a - b);
  const limited = answers.reduce((n, a) => n + a.busy, 0);
  const created = answers.filter((a) => a.kind === 'request' && a.ok).length;
  const decided = answers.filter((a) => a.kind === 'decision' && a.ok).length;
  const budget = await budgetShare(gatehouse);
  return [
    row({
      bench: 'monday morning',
      subject: `${created} requests, ${decided} decisions in ${MORNING_MS / 60_000} min ×${COMPRESSION}`,
      metric: 'time until a person has an answer (real seconds)',
      value: Number(real(percentile(times, 50)).toFixed(2)),
      unit: 's p50',
      note: `p95 ${real(percentile(times, 95)).toFixed(2)} s; refused in the end: ${refusals(answers)}`,
    }),
    row({
      bench: 'monday morning',
      subject: 'people',
      metric: '429s met by people',
      value: limited,
      unit: 'answers',
      target: '0',
      met: limited === 0,
    }),
    row({
      bench: 'monday morning',
      subject: 'notifier',
      metric: 'backlog drained after the last decision (real minutes)',
      value: Number((real(drained - peopleDone) / 60).toFixed(2)),
      unit: 'min',
      note: `${org.calls.length - callsBefore} Okta calls in all; ${budget}`,
    }),
  ];
}

/** The budget's calls by priority, as /metrics shows them (empty before the budget exists). */
async function budgetShare(gatehouse: Gatehouse): Promise<string> {
  const text = await gatehouse.metrics.registry.metrics();
  const spent = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^gatehouse_governance_budget_spent_total\{[^}]*priority="(\w+)"[^}]*\} (\d+(?:\.\d+)?)/.exec(line);
    if (match?.[1]) spent.set(match[1], (spent.get(match[1]) ?? 0) + Number(match[2]));
  }
  const total = [...spent.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return 'budget by priority: not measured';
  return `budget by priority: ${[...spent].map(([p, n]) => `${p} ${Math.round((100 * n) / total)}%`).join(', ')}`;
}

/** "3 governance_rejected, 1 already_open", or "none". */
function refusals(answers: readonly Answer[]): string {
  const counts = new Map<string, number>();
  for (const answer of answers)
    if (!answer.ok) counts.set(answer.code ?? '?', (counts.get(answer.code ?? '?') ?? 0) + 1);
  return counts.size === 0 ? 'none' : [...counts].map(([code, n]) => `${n} ${code}`).join(', ');
}
