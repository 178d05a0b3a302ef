import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { createSlackWorkspace, SLACK_SEED, SlackDriver, type SlackWorkspace } from '@gatehouse/sandbox/slack';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../support/free-port.js';
import {
  type CompiledProcess,
  installForProduction,
  type ProductionInstall,
  startCompiled,
} from '../support/production-install.js';
import { PRODUCTION } from '../support/production-world.js';
import { buttonsOf, eventually, messageAbout, S, shown } from '../support/slack-world.js';
import { TEST_SECRETS } from '../support/test-secrets.js';

/**
 * Issue 20: production runs the compiled build with plain node (`npm run start:prod`), installed
 * with production dependencies only. Here it is built from the sources as they are, installed as
 * production installs it, and started against the outside world it talks to (an Okta org and the
 * Slack Web API, emulated on a server of their own, configured as real endpoints are) and a real
 * Redis; then a person asks for access in Slack and their approver approves it.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROOT = resolve(import.meta.dirname, '../..');

let install: ProductionInstall | undefined;
beforeAll(async () => {
  install = await installForProduction();
}, 240_000);
afterAll(async () => {
  await install?.cleanup();
});

const installed = (): ProductionInstall => {
  if (!install) throw new Error('not installed');
  return install;
};

describe('the production install', () => {
  it('holds the runtime libraries but neither tsx, the compiler, nor the sandbox', () => {
    const modules = join(installed().dir, 'node_modules');
    // The check can fail: what production needs is there.
    expect(existsSync(join(modules, 'fastify'))).toBe(true);
    for (const left of ['tsx', 'typescript', 'vitest', '@gatehouse/sandbox']) {
      expect({ left, installed: existsSync(join(modules, left)) }).toEqual({ left, installed: false });
    }
  });
});

describe('the compiled build with an Okta org, Slack and Redis', () => {
  let okta: OktaOrg;
  let slack: SlackWorkspace;
  let outside: FastifyInstance;
  let gatehouse: CompiledProcess;
  let baseUrl: string;
  let driver: SlackDriver;
  let environment: Record<string, string>;
  // An OpenTelemetry collector as the compiled server sees one: what it exported, as sent.
  let collector: FastifyInstance;
  const exported: Buffer[] = [];
  const prefix = `gatehouse-compiled-${randomUUID()}`;

  beforeAll(async () => {
    okta = createOktaOrg({ apiToken: TEST_SECRETS.oktaApiToken });
    slack = createSlackWorkspace({ botToken: TEST_SECRETS.slackBotToken });
    outside = Fastify();
    await outside.register(sandboxPlugin, { prefix: '/sandbox', okta, slack });
    const outsidePort = await freePort();
    await outside.listen({ port: outsidePort, host: '127.0.0.1' });
    const outsideUrl = `http://127.0.0.1:${outsidePort}`;

    collector = Fastify();
    collector.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    collector.post('/v1/traces', async (request) => {
      exported.push(request.body as Buffer);
      return {};
    });
    const collectorPort = await freePort();
    await collector.listen({ port: collectorPort, host: '127.0.0.1' });

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    environment = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      POLL_INTERVAL_MS: '3600000',
      PUBLIC_URL: 'https://gatehouse.example.com',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      OKTA_ORG_URL: `${outsideUrl}/sandbox/okta`,
      OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
      OKTA_EVENT_HOOK_SECRET: TEST_SECRETS.oktaEventHookSecret,
      SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
      SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
      SLACK_API_URL: `${outsideUrl}/sandbox/slack/api`,
      SLACK_TEAM_ID: SLACK_SEED.teamId,
      MICROSOFT_APP_ID: PRODUCTION.appId,
      MICROSOFT_APP_PASSWORD: TEST_SECRETS.teamsAppPassword,
      MICROSOFT_APP_TENANT_ID: PRODUCTION.tenantId,
      MICROSOFT_APP_TYPE: 'SingleTenant',
      METRICS_TOKEN: TEST_SECRETS.metricsToken,
    };
    gatehouse = startCompiled(installed(), environment);
    const started = await gatehouse.printed('Gatehouse started');
    if (!started.includes('Gatehouse started')) throw new Error(`node dist/main.js did not start:\n${started}`);
    // Slack as it delivers to the app's Request URL: signed with the app's signing secret.
    driver = new SlackDriver({
      workspace: slack,
      baseUrl,
      signingSecret: TEST_SECRETS.slackSigningSecret,
      responseBaseUrl: outsideUrl,
    });
  }, 60_000);

  afterAll(async () => {
    gatehouse?.child.kill('SIGKILL');
    await outside?.close();
    await collector?.close();
    // What this run left in the shared Redis: its queue and store, all under its own prefix.
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }))
        if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
    } finally {
      redis.disconnect();
    }
  });

  it('takes a request typed in Slack and the approver’s click: Okta records both, and every card shows Approved', async () => {
    const asked = await driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    expect(asked.statusCode).toBe(200);
    expect(asked.answerProblems).toEqual([]);

    const request = await eventually(() =>
      okta.requests.find((candidate) => candidate.requested.entryId === SEED.entries.salesforceSalesUser.id),
    );
    expect(request.requestedBy.externalId).toBe(SEED.users.alice.id);
    expect(request.requesterFieldValues.map((field) => field.value)).toContain('new territory');

    const bobCard = await eventually(() => messageAbout(slack.dmWith(S.bob.id), request.id));
    expect(shown(bobCard)).toContain('*Alice Nguyen* asks for access to *Salesforce — Sales User*');
    expect(buttonsOf(bobCard)).toContain('approve');
    const aliceCard = await eventually(() => messageAbout(slack.dmWith(S.alice.id), request.id));

    const click = await driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
    expect(click.statusCode).toBe(200);

    await eventually(() => okta.requests.find((candidate) => candidate.id === request.id)?.status === 'APPROVED');
    const task = okta.tasks.find((candidate) => candidate.requestId === request.id);
    expect(task).toMatchObject({ status: 'COMPLETED', value: 'APPROVED' });
    for (const card of [bobCard, aliceCard]) {
      const now = await eventually(() => {
        const message = slack.message(card.channel, card.ts);
        return message && shown(message).includes('*Approved* by Bob Martinez') ? message : undefined;
      });
      expect(buttonsOf(now)).not.toContain('approve');
    }
  });

  it('answers its probes, and serves metrics only with the token', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    const bearer = { authorization: `Bearer ${TEST_SECRETS.metricsToken}` };
    const ready = await fetch(`${baseUrl}/readyz`, { headers: bearer });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', governance: 'ok' } });
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${baseUrl}/metrics`, { headers: bearer });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('gatehouse_http_request_duration_seconds');
  });

  it('runs the doctor compiled too (npm run doctor:prod), against the org, printing no secret', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(installed().dir, 'dist/doctor/main.js')], {
      cwd: installed().dir,
      env: { PATH: process.env.PATH, ...environment },
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    expect(stdout).toMatch(/✓ .*Okta/);
    for (const secret of Object.values(TEST_SECRETS)) expect(stdout).not.toContain(secret);
  });

  it('stops on SIGTERM with exit code 0 within a few seconds, its traces flushed to the collector', async () => {
    const sent = performance.now();
    gatehouse.child.kill('SIGTERM');
    expect(await gatehouse.exited()).toBe(0);
    expect(performance.now() - sent).toBeLessThan(5_000);
    // OTLP protobuf carries span names and attribute values as plain UTF-8: what the collector got
    // holds the request's flow and Okta calls, and nobody's e-mail, name or reason, nor any secret.
    const sentToCollector = Buffer.concat(exported).toString('latin1');
    for (const name of ['flow request', 'flow decide', 'governance createRequest', 'notifier sync', 'chat update'])
      expect({ name, exported: sentToCollector.includes(name) }).toEqual({ name, exported: true });
    const personal = ['alice@', 'Alice Nguyen', 'Bob Martinez', 'new territory', S.alice.id, S.bob.id];
    for (const text of [...personal, ...Object.values(TEST_SECRETS)])
      expect({ text, exported: sentToCollector.includes(text) }).toEqual({ text, exported: false });
  });
});

describe('the compiled build stopped while it starts', () => {
  it('stops on SIGTERM at once while Slack has not answered it yet (node is PID 1 in the image: an unheard SIGTERM would wait out the grace period)', async () => {
    // Slack as a network that takes the connection and never answers.
    let reached: () => void = () => {};
    const asked = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const silent = createServer(() => reached());
    const held = new Set<Socket>();
    silent.on('connection', (socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const address = silent.address();
    const silentPort = typeof address === 'object' && address ? address.port : 0;
    const starting = startCompiled(installed(), {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://gatehouse.example.com',
      OKTA_ORG_URL: `http://127.0.0.1:${silentPort}/okta`,
      OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
      SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
      SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
      SLACK_API_URL: `http://127.0.0.1:${silentPort}/api`,
    });
    onTestFinished(() => {
      starting.child.kill('SIGKILL');
    });
    await asked;
    const sent = performance.now();
    starting.child.kill('SIGTERM');
    expect(await starting.exited(5_000)).toBe(0);
    expect(performance.now() - sent).toBeLessThan(5_000);
  }, 30_000);
});

describe('the compiled build in sandbox mode', () => {
  const SAID =
    'Gatehouse cannot start: sandbox mode (no Okta, PingOne, Slack or Teams settings found) runs only from the sources, with `npm start`';

  it('stops at once with one sentence saying to use npm start, with the sandbox package installed or not', async () => {
    const without = startCompiled(installed(), { PORT: String(await freePort()) });
    expect(await without.exited()).toBe(1);
    expect(without.output().trim().split('\n')).toEqual([expect.stringContaining(SAID)]);

    // A full install links the package (the workspace): still TypeScript, which plain node cannot load.
    const scope = join(installed().dir, 'node_modules/@gatehouse');
    await mkdir(scope, { recursive: true });
    await symlink(join(ROOT, 'packages/sandbox'), join(scope, 'sandbox'), 'dir');
    onTestFinished(() => rm(scope, { recursive: true, force: true }));
    const linked = startCompiled(installed(), { PORT: String(await freePort()) });
    expect(await linked.exited()).toBe(1);
    expect(linked.output().trim().split('\n')).toEqual([expect.stringContaining(SAID)]);
  }, 30_000);
});
