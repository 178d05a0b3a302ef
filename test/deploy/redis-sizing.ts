import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { createSlackWorkspace, SLACK_SEED } from '@gatehouse/sandbox/slack';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createGatehouse } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freePort } from '../support/free-port.js';
import { startRedisServer } from '../support/redis-server.js';
import { TEST_SECRETS } from '../support/test-secrets.js';

/**
 * How much Redis memory open requests take, for README "Deploying" (sizing): `npx tsx
 * test/deploy/redis-sizing.ts [requests]` (10,000 by default, about three minutes on two cores).
 * N requests appear at once in the Okta emulator; Gatehouse, in production mode on a Redis of its
 * own, polls, queues a sync per request and posts its three Slack cards (requester, approver,
 * approvals channel), as the fan-out bench does. Then Redis's `used_memory` is read against a
 * baseline taken once Gatehouse had started with no request, and the keys are counted by kind.
 */

const TOTAL = Number(process.argv[2] ?? 10_000);
/** Slack's limits ×SCALE on both sides: the cards go out fast, and how fast changes nothing stored. */
const SCALE = 1_000;
const APPROVALS = SLACK_SEED.channels.approvals.id;
const REQUESTERS = [SEED.users.alice.id, SEED.users.erin.id, SEED.users.carol.id, SEED.users.bob.id];

/**
 * As the fan-out bench (bench/fan-out.ts) does: the emulator re-checks every request on every read,
 * which at 10,000 requests would time the emulator, so once routed its reads come from one state.
 */
function createRequests(org: OktaOrg, total: number): void {
  Object.defineProperty(org, 'settle', { value: () => undefined, configurable: true });
  for (let i = 0; i < total; i++) {
    const who = REQUESTERS[i % REQUESTERS.length] as string;
    org.createRequest(
      {
        requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.slackMember.id },
        requestedFor: { type: 'OKTA_USER', externalId: who },
        requesterFieldValues: [],
      },
      org.actorFor(who),
    );
  }
  delete (org as { settle?: unknown }).settle;
  org.settle();
  const { tasks, requests } = org;
  Object.defineProperty(org, 'settle', { value: () => undefined, configurable: true });
  Object.defineProperty(org, 'tasks', { get: () => tasks, configurable: true });
  Object.defineProperty(org, 'requests', { get: () => requests, configurable: true });
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}

interface Kind {
  keys: number;
  bytes: number;
  /** The longest time to live among its keys, in hours (Infinity: none). */
  hours: number;
}

/** Keys, bytes (MEMORY USAGE) and lifetime by kind: the key with its ids and digits taken out. */
async function keysByKind(redis: Redis): Promise<Map<string, Kind>> {
  const kinds = new Map<string, Kind>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const kind = key
        .replace(/reqOkta\w+|req\w{17,}/g, '<request>')
        .replace(/[A-Z0-9]{8,}|\d+(\.\d+)?/g, '#')
        .replace(/[0-9a-f]{16,}/g, '<hash>');
      const ttl = await redis.pttl(key);
      // Expired since the scan listed it (a shared reading lives 30 s).
      if (ttl === -2) continue;
      const bytes = (await redis.memory('USAGE', key)) ?? 0;
      const entry = kinds.get(kind) ?? { keys: 0, bytes: 0, hours: 0 };
      entry.keys += 1;
      entry.bytes += bytes;
      entry.hours = Math.max(entry.hours, ttl < 0 ? Number.POSITIVE_INFINITY : ttl / 3_600_000);
      kinds.set(kind, entry);
    }
  } while (cursor !== '0');
  return kinds;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

async function main(): Promise<void> {
  const server = await startRedisServer();
  const org = createOktaOrg({ rateLimitPerMinute: 100_000_000, apiToken: TEST_SECRETS.oktaApiToken });
  const slack = createSlackWorkspace({ rateLimits: { scale: SCALE }, botToken: TEST_SECRETS.slackBotToken });
  const outside = Fastify();
  await outside.register(sandboxPlugin, { prefix: '/sandbox', okta: org, slack });
  const outsidePort = await freePort();
  await outside.listen({ port: outsidePort, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${outsidePort}`;
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    PUBLIC_URL: 'https://gatehouse.example.com',
    LOG_LEVEL: 'silent',
    OKTA_ORG_URL: `${origin}/sandbox/okta`,
    OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
    SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
    SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
    SLACK_API_URL: `${origin}/sandbox/slack/api`,
    SLACK_TEAM_ID: SLACK_SEED.teamId,
    APPROVALS_CHANNELS: `slack:${APPROVALS}`,
    CHAT_RATE_SCALE: String(SCALE),
    POLL_INTERVAL_MS: '3600000',
    REDIS_URL: server.url,
  });
  const gatehouse = await createGatehouse(config, { logger: pino({ level: 'silent' }) });
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  const redis = new Redis(server.url);
  try {
    await gatehouse.poller.pollOnce();
    await gatehouse.idle();
    const before = await usedMemory(redis);
    const keysBefore = await redis.dbsize();

    createRequests(org, TOTAL);
    const started = Date.now();
    await gatehouse.poller.pollOnce();
    const posted = () => slack.rateLimits?.tally()['chat.postMessage']?.allowed ?? 0;
    while (posted() < TOTAL * 3) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      process.stderr.write(`\r${posted()} of ${TOTAL * 3} cards posted`);
      // A poll lists a bounded number of pages and resumes with the next poll: call it now.
      const queued = Object.values(await gatehouse.queue.depth()).reduce((sum, n) => sum + (n ?? 0), 0);
      if (queued === 0) await gatehouse.poller.pollOnce();
    }
    await gatehouse.idle();
    process.stderr.write(`\n${TOTAL * 3} cards in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);

    const after = await usedMemory(redis);
    const kinds = [...(await keysByKind(redis))].sort((a, b) => b[1].bytes - a[1].bytes);
    const growth = after - before;
    console.log(`${TOTAL} open requests, three Slack cards each`);
    console.log(
      `used_memory: ${mb(before)} before, ${mb(after)} after: +${mb(growth)}, ` +
        `${Math.round(growth / TOTAL)} bytes a request, ${mb((growth / TOTAL) * 10_000)} per 10,000`,
    );
    console.log(`keys: ${keysBefore} before, ${await redis.dbsize()} after`);
    // What outlives the hour: the cards' references and claims, kept for 30 days (MESSAGE_REF_RETENTION_MS).
    // Completed jobs have no TTL, but BullMQ removes them an hour on (removeOnComplete), as later jobs end.
    const lasting = kinds
      .filter(([name, kind]) => kind.hours > 1.01 && !name.includes(':queue:'))
      .reduce((sum, [, kind]) => sum + kind.bytes, 0);
    const all = kinds.reduce((sum, [, kind]) => sum + kind.bytes, 0);
    console.log(`MEMORY USAGE of every key: ${mb(all)}; of keys kept longer than an hour: ${mb(lasting)}`);
    for (const [name, { keys, bytes, hours }] of kinds.slice(0, 20)) {
      const life = hours === Number.POSITIVE_INFINITY ? 'no TTL' : `${hours.toFixed(hours < 1 ? 2 : 0)} h`;
      console.log(`  ${String(keys).padStart(7)} keys ${mb(bytes).padStart(9)} ${life.padStart(8)}  ${name}`);
    }
  } finally {
    redis.disconnect();
    await gatehouse.close();
    await outside.close();
    await server.cleanup();
  }
}

await main();
