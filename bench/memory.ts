import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../test/support/free-port.js';
import { TEST_SECRETS } from '../test/support/test-secrets.js';
import { APPROVALS, SCALE, startWorld, TOTAL } from './fan-out-world.js';
import { type Row, row } from './report.js';

const ROOT = resolve(import.meta.dirname, '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Gatehouse's poll interval here: production's default. */
const POLL_INTERVAL_MS = 30_000;
/** How long Gatehouse idles after it is ready before its idle RSS is read: past start-up's own garbage. */
const SETTLE_MS = 15_000;
const SAMPLE_MS = 250;
const MB = 2 ** 20;
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Issue 20, item 5: the compiled production process's memory, idle and under the fan-out of
 * fan-out.ts (10,000 requests appearing at once, three cards each, Slack's limits ×100 on both
 * sides), read from outside the process (/proc/<pid>/status) as an operator's tools read it.
 * The sources are built as `npm run build` builds them and started as production starts them,
 * with production's Redis (a prefix of their own in the local Redis): deployments run with Redis,
 * and without it the in-memory queue and store would hold every job and card in the heap measured.
 * The same fan-out runs twice, with production's flags and with none, so the figures show what
 * the cap saves and what it costs. Why a cap helps: V8 sizes its heap from the machine's memory,
 * and under a large limit lets the old generation grow to about four times its live size between
 * full collections (here about 70 MB live, 300 MB before a collection); under a limit of 512 MB or
 * less it grows by much less (about 1.5 times here), so it collects garbage before RSS balloons.
 */
export async function productionMemory(): Promise<Row[]> {
  const flags = await productionFlags();
  const build = await buildProduction();
  try {
    const bare = await bareNodeRss();
    const capped = await fanOut(build, flags);
    const uncapped = await fanOut(build, []);
    const source = process.env.MEMORY_NODE_FLAGS === undefined ? 'npm run start:prod' : 'MEMORY_NODE_FLAGS';
    return rows(bare, capped, uncapped, source);
  } finally {
    await rm(build, { recursive: true, force: true });
  }
}

/**
 * The node flags production runs with: those of `npm run start:prod` (`node <flags> dist/main.js`),
 * which the Dockerfile's CMD repeats, so the bench measures what is deployed.
 * `MEMORY_NODE_FLAGS` tries others instead.
 */
async function productionFlags(): Promise<string[]> {
  const tried = process.env.MEMORY_NODE_FLAGS;
  if (tried !== undefined) return tried.split(' ').filter(Boolean);
  const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (scripts['start:prod'] ?? '').split(' ').filter(Boolean);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js')
    throw new Error(`start:prod is "${scripts['start:prod']}", not node <flags> dist/main.js: measure it by hand`);
  return words.slice(1, -1);
}

/** The current sources compiled into a directory of their own, beside the repository's modules. */
async function buildProduction(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-memory-'));
  try {
    await run(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
      { cwd: ROOT, maxBuffer: 16 * MB },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`the build failed: ${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`);
  }
  // package.json makes dist/ ES modules; production mode loads no devDependency, so the
  // repository's node_modules serves as production's here.
  await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** What /proc says of a process: resident set now and at its highest (VmHWM), CPU seconds so far. */
interface Reading {
  rss: number;
  hwm: number;
  cpuSeconds: number;
}

let ticksPerSecond: Promise<number> | undefined;

async function read(pid: number): Promise<Reading> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
  ]);
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  // utime and stime are the 14th and 15th fields; the 2nd, the command, may hold spaces, so count after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  ticksPerSecond ??= run('getconf', ['CLK_TCK']).then(
    ({ stdout }) => Number(stdout.trim()) || 100,
    () => 100,
  );
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), cpuSeconds: ticks / (await ticksPerSecond) };
}

/** A bare node process's RSS, read the same way once it has started: what node itself costs. */
async function bareNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    await sleep(2_000);
    return (await read(child.pid as number)).rss;
  } finally {
    child.kill('SIGKILL');
  }
}

interface FanOutRun {
  flags: string[];
  /** RSS once /readyz first answered 200, and after SETTLE_MS more (just before the requests appeared). */
  readyRss: number;
  idleRss: number;
  /** The highest RSS while the cards went out. */
  peak: number;
  /** Cards the stand-in accepted, of the three per request expected. */
  posted: number;
  expected: number;
  /** From the first card to the last (ms), and Gatehouse's CPU seconds meanwhile. */
  deliveryMs: number;
  cpuSeconds: number;
}

/** One compiled Gatehouse with `flags`, idle, then through the fan-out, against a world of its own. */
async function fanOut(build: string, flags: string[]): Promise<FanOutRun> {
  const world = await startWorld();
  const origin = `http://127.0.0.1:${world.port}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const prefix = `gatehouse-memory-bench-${randomUUID()}`;
  const server = startServer(build, flags, {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    OKTA_ORG_URL: `${origin}/sandbox/okta`,
    OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
    SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
    SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
    SLACK_API_URL: `${origin}/sandbox/slack/api`,
    APPROVALS_CHANNELS: `slack:${APPROVALS}`,
    CHAT_RATE_SCALE: String(SCALE),
    POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
    METRICS_TOKEN: TEST_SECRETS.metricsToken,
  });
  const pid = server.child.pid as number;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await server.ready(`${base}/readyz`);
    const readyRss = (await read(pid)).rss;
    await sleep(SETTLE_MS);
    const idle = await read(pid);

    const samples: number[] = [];
    sampler = setInterval(() => {
      read(pid).then(
        (reading) => samples.push(reading.rss),
        () => undefined,
      );
    }, SAMPLE_MS);

    await world.ask('create', 'created', { total: TOTAL });
    const expected = TOTAL * 3;
    const appeared = Date.now();
    // Long enough for every card at 40% of the allowed rate after the next poll.
    const deadline = appeared + POLL_INTERVAL_MS + (TOTAL / SCALE) * 2_500 + 30_000;
    let posted = 0;
    let progressAt = appeared;
    for (;;) {
      await sleep(500);
      server.assertRunning();
      const now = (await world.ask('progress', 'progress')).posted;
      if (now > posted) progressAt = Date.now();
      posted = now;
      if (posted >= expected && (await queueDepth(base)) === 0) break;
      // Nothing posted through two polls: whatever is missing now is not coming.
      if (Date.now() - progressAt > 2 * POLL_INTERVAL_MS + 5_000) break;
      if (Date.now() > deadline) break;
    }
    clearInterval(sampler);
    const after = await read(pid);
    const { report } = await world.ask('report', 'report');
    // VmHWM catches a peak between two samples; it counts only if it rose during the fan-out.
    const peak = Math.max(idle.rss, ...samples, after.hwm > idle.hwm ? after.hwm : 0);
    return {
      flags,
      readyRss,
      idleRss: idle.rss,
      peak,
      posted,
      expected,
      deliveryMs: report.posts.last - report.posts.first,
      cpuSeconds: after.cpuSeconds - idle.cpuSeconds,
    };
  } finally {
    clearInterval(sampler);
    await server.stop();
    world.stop();
    await forget(prefix);
  }
}

/** The notifier's queue depth as /metrics reports it to an operator. */
async function queueDepth(base: string): Promise<number> {
  const response = await fetch(`${base}/metrics`, {
    headers: { authorization: `Bearer ${TEST_SECRETS.metricsToken}` },
  });
  const text = await response.text();
  let depth = 0;
  for (const match of text.matchAll(/^gatehouse_notifier_queue_depth\{[^}]*\} (\d+)/gm)) depth += Number(match[1]);
  return depth;
}

/** What the run left in the shared Redis: its queue and store, all under its own prefix. */
async function forget(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }))
      if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}

interface Server {
  child: ChildProcess;
  ready(url: string): Promise<void>;
  /** Throws, with what it printed last, if the server has exited (out of memory, say). */
  assertRunning(): void;
  stop(): Promise<void>;
}

/** `node <flags> dist/main.js` with `env` and nothing else of this process's environment but PATH. */
function startServer(build: string, flags: string[], env: Record<string, string>): Server {
  const child = spawn(process.execPath, [...flags, join(build, 'dist/main.js')], {
    cwd: build,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its log is read (a full pipe would stall it) and only the end kept, to explain a failure.
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + String(chunk)).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: string | undefined;
  const exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exit = `exited (${code ?? signal})`;
      done();
    }),
  );
  const failure = () => new Error(`node ${flags.join(' ')} dist/main.js ${exit}:\n${tail}`);
  return {
    child,
    async ready(url) {
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        if (exit) throw failure();
        const status = await fetch(url).then(
          (response) => response.status,
          () => 0,
        );
        if (status === 200) return;
        await sleep(100);
      }
      throw new Error(`${url} did not answer 200 within 30 s:\n${tail}`);
    },
    assertRunning() {
      if (exit) throw failure();
    },
    async stop() {
      if (exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function rows(bare: number, capped: FanOutRun, uncapped: FanOutRun, source: string): Row[] {
  const mb = (bytes: number) => Math.round(bytes / MB);
  const command = `node ${capped.flags.join(' ')} dist/main.js`.replace(/ +/g, ' ');
  const growth = (r: FanOutRun) => r.peak - r.idleRss;
  const seconds = (ms: number) => Math.round(ms / 100) / 10;
  const delivered = (r: FanOutRun) =>
    r.posted >= r.expected ? `all ${r.expected} cards posted` : `only ${r.posted} of ${r.expected} cards posted`;
  return [
    row({
      bench: 'memory',
      subject: `${command}, idle`,
      metric: `RSS ${SETTLE_MS / 1000} s after ready`,
      value: mb(capped.idleRss),
      unit: 'MB',
      baseline: { subject: 'node -e (bare node)', value: mb(bare) },
      note:
        `flags from ${source}; read from /proc/<pid>/status (VmRSS), production mode with Redis, Slack and Okta; ${mb(capped.readyRss)} MB when /readyz first answered. ` +
        `Without the flags: ${mb(uncapped.readyRss)} MB at ready, ${mb(uncapped.idleRss)} MB idle.`,
    }),
    row({
      bench: 'memory',
      subject: `${command}, ${TOTAL} requests at once`,
      metric: 'RSS growth (peak while delivering − idle before)',
      value: mb(growth(capped)),
      unit: 'MB',
      baseline: { subject: 'node dist/main.js (no flags)', value: mb(growth(uncapped)) },
      target: '≤ 150 MB',
      met: growth(capped) <= 150 * MB && capped.posted >= capped.expected,
      note:
        `sampled every ${SAMPLE_MS} ms from outside (VmRSS, and VmHWM for a peak between samples); ` +
        `${mb(capped.idleRss)} → ${mb(capped.peak)} MB with the flags, ${mb(uncapped.idleRss)} → ${mb(uncapped.peak)} MB without; ` +
        `${delivered(capped)} with the flags, ${delivered(uncapped)} without (met only when all were). ` +
        'Store and queue in Redis, as deployments run; the Okta org and the Slack stand-in in another process (fan-out-world.ts).',
    }),
    row({
      bench: 'memory',
      subject: `${command}, ${TOTAL} requests at once`,
      metric: 'first card to last',
      value: seconds(capped.deliveryMs),
      unit: 's',
      baseline: { subject: 'node dist/main.js (no flags)', value: seconds(uncapped.deliveryMs) },
      note:
        `what the cap costs: Gatehouse's CPU through the fan-out ${capped.cpuSeconds.toFixed(1)} s with the flags, ` +
        `${uncapped.cpuSeconds.toFixed(1)} s without. Cards go out at Slack's pace (×${SCALE}), so the time shows a cost only if Gatehouse falls behind it.`,
    }),
  ];
}
