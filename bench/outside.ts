import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg } from '@gatehouse/sandbox/okta';
import { createSlackWorkspace, SlackDriver, type SlackWorkspace } from '@gatehouse/sandbox/slack';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../src/app.js';
import { loadConfig, SANDBOX_SECRETS } from '../src/config.js';
import { freePort } from '../test/support/free-port.js';

/** One call Gatehouse made to the outside world: when it arrived and when it was answered. */
export interface OutsideCall {
  url: string;
  start: number;
  end: number;
}

/**
 * Gatehouse and the outside world it talks to (the Okta emulator and the Slack stand-in) on two
 * separate servers, so every call Gatehouse makes out is seen arriving and leaving, and time spent
 * outside can be told apart from Gatehouse's own.
 */
export interface OutsideWorld {
  gatehouse: Gatehouse;
  gatehouseUrl: string;
  org: OktaOrg;
  slack: SlackWorkspace;
  driver: SlackDriver;
  calls: OutsideCall[];
  /** Called after each answer the outside world sends. */
  onAnswer?: () => void;
  close(): Promise<void>;
}

export async function startOutsideWorld(env: Record<string, string> = {}): Promise<OutsideWorld> {
  const org = createOktaOrg({ rateLimitPerMinute: 10_000_000 });
  const slack = createSlackWorkspace();
  const outside: FastifyInstance = Fastify();
  const port = await freePort();
  const outsidePort = await freePort();
  const outsideUrl = `http://127.0.0.1:${outsidePort}`;
  const calls: OutsideCall[] = [];
  const started = new WeakMap<object, number>();
  const world = { calls } as OutsideWorld;
  outside.addHook('onRequest', async (request) => {
    started.set(request, performance.now());
  });
  outside.addHook('onResponse', async (request) => {
    calls.push({ url: request.url, start: started.get(request) ?? performance.now(), end: performance.now() });
    world.onAnswer?.();
  });
  await outside.register(sandboxPlugin, { prefix: '/sandbox', okta: org, slack });
  await outside.listen({ port: outsidePort, host: '127.0.0.1' });

  // PUBLIC_URL names where Gatehouse finds its sandbox emulations: the outside server.
  const gatehouse = await createGatehouse(
    loadConfig({
      PORT: String(port),
      PUBLIC_URL: outsideUrl,
      LOG_LEVEL: 'silent',
      POLL_INTERVAL_MS: '3600000',
      ...env,
    }),
    // A bench person clicks and asks far faster than a person can: the per-person limit is off here.
    { logger: pino({ level: 'silent' }), personalLimits: [] },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  Object.assign(world, {
    gatehouse,
    gatehouseUrl: `http://127.0.0.1:${port}`,
    org,
    slack,
    driver: new SlackDriver({
      workspace: slack,
      baseUrl: `http://127.0.0.1:${port}`,
      responseBaseUrl: outsideUrl,
      signingSecret: SANDBOX_SECRETS.slackSigningSecret,
    }),
    close: async () => {
      await gatehouse.close();
      await outside.close();
    },
  });
  return world;
}

/** How long, within [from, to], at least one outside call was in progress. */
export function outsideTime(calls: readonly OutsideCall[], from: number, to: number): number {
  const spans = calls
    .map((call) => [Math.max(call.start, from), Math.min(call.end, to)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [openStart, openEnd] = [Number.NaN, Number.NaN];
  for (const [start, end] of spans) {
    if (Number.isNaN(openStart) || start > openEnd) {
      if (!Number.isNaN(openStart)) total += openEnd - openStart;
      [openStart, openEnd] = [start, end];
    } else {
      openEnd = Math.max(openEnd, end);
    }
  }
  if (!Number.isNaN(openStart)) total += openEnd - openStart;
  return total;
}
