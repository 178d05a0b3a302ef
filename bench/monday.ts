import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { type ChatIdentity, PERSONAL_LIMITS } from '../src/flows/index.js';
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
    {
      logger: pino({ level: 'silent' }),
      sandbox: { okta: org },
      // A person's own limit is per minute too: compressed like everything else.
      personalLimits: PERSONAL_LIMITS.map((rule) => ({ points: rule.points * COMPRESSION, seconds: rule.seconds })),
    },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  try {
    return await morning(gatehouse, org);
  } finally {
    await gatehouse.close();
  }
}

/** 200 new hires, each like Alice (her groups, her manager Bob), each asking for one thing Bob approves. */
function newHires(org: OktaOrg) {
  const alice = org.users.find((user) => user.id === SEED.users.alice.id);
  if (!alice) throw new Error('no Alice in the seed');
  const hires = Array.from({ length: PEOPLE }, (_, i) => {
    const email = `hire${i}@acme.example`;
    return {
      ...structuredClone(alice),
      id: `00uhire${String(i).padStart(13, '0')}`,
      profile: { ...alice.profile, login: email, email, firstName: 'New', lastName: `Hire ${i}` },
    };
  });
  org.addUsers(hires);
  for (const group of org.groups) {
    if (group.memberIds.includes(alice.id)) (group.memberIds as string[]).push(...hires.map((hire) => hire.id));
  }
  return hires;
}

async function morning(gatehouse: Gatehouse, org: OktaOrg): Promise<Row[]> {
  const hires = newHires(org);
  // What a new hire needs on day one, each approved by their manager (Bob).
  const entries = [SEED.entries.jiraSoftwareUser, SEED.entries.githubMember, SEED.entries.slackMember];
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

  for (const [index, hire] of hires.entries()) {
    const entry = entries[index % entries.length];
    if (!entry) continue;
    const wait = started + (index / PEOPLE) * ARRIVALS_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    // Each person on their own: nobody waits for the one before to be answered.
    asking.push(
      asPerson(() =>
        gatehouse.flows.requestAccess(as(hire.profile.email, hire.id), {
          entryId: entry.id,
          justification: 'new hire, Monday',
        }),
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
  const busyAnswers = answers.reduce((n, a) => n + a.busy, 0);
  const limited = await metricSum(gatehouse, 'gatehouse_governance_rate_limited_total', 'person');
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
      metric: '429s from Okta met by people',
      value: limited,
      unit: '429s',
      target: '0',
      met: limited === 0,
      note: `${busyAnswers} "busy, try again" answers told first (each person tries again half a minute later)`,
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

/** The sum of a counter's series for one priority, as /metrics shows it. */
async function metricSum(gatehouse: Gatehouse, name: string, priority: string): Promise<number> {
  const text = await gatehouse.metrics.registry.metrics();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) || !line.includes(`priority="${priority}"`)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}
