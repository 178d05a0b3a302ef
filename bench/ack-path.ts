import { SLACK_SEED, signSlackRequest, slashCommand } from '@gatehouse/sandbox/slack';
import { App, HTTPReceiver } from '@slack/bolt';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { checkSlackSignature } from '../src/adapters/slack/verify.js';
import { createGatehouse } from '../src/app.js';
import { loadConfig, SANDBOX_SECRETS } from '../src/config.js';
import { freePort } from '../test/support/free-port.js';
import { type Row, row } from './report.js';

const CONNECTIONS = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const SECRET = SANDBOX_SECRETS.slackSigningSecret;

/** A signed `/access help` as Slack sends it, with a fresh trigger_id so no delivery is a retry. */
let sequence = 0;
function signedHelp(): { headers: Record<string, string>; body: string } {
  sequence += 1;
  const body = slashCommand({
    user: { id: SLACK_SEED.users.alice.id, name: 'alice' },
    text: 'help',
    triggerId: `bench.${sequence}.${Date.now()}`,
    responseUrl: 'http://127.0.0.1:9/response',
  });
  const headers = signSlackRequest({ signingSecret: SECRET, body, contentType: 'application/x-www-form-urlencoded' });
  return { headers: { ...headers }, body };
}

async function load(url: string): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const signed = signedHelp();
          return { ...request, headers: { ...request.headers, ...signed.headers }, body: signed.body };
        },
      },
    ],
  });
}

/**
 * The inbound ack path (issue 8, item 1): signed slash commands against Gatehouse, against a bare
 * fastify route that only checks the signature (the floor), and against a plain @slack/bolt App
 * with its default HTTPReceiver answering the same command (what a team would write by hand),
 * at 200 connections on loopback.
 */
export async function ackPath(): Promise<Row[]> {
  // The floor: verify the signature, answer 200.
  const floor = Fastify();
  floor.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) =>
    done(null, body),
  );
  floor.post('/slack/events', async (request, reply) => {
    const problem = checkSlackSignature({
      signingSecret: SECRET,
      rawBody: String(request.body),
      signature: request.headers['x-slack-signature'] as string | undefined,
      timestamp: request.headers['x-slack-request-timestamp'] as string | undefined,
    });
    return problem ? reply.code(401).send() : reply.send({ text: 'ok' });
  });
  const floorPort = await freePort();
  await floor.listen({ port: floorPort, host: '127.0.0.1' });

  // What a team would build by hand: Bolt's own HTTP receiver.
  const boltPort = await freePort();
  const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events' });
  const bolt = new App({
    receiver,
    authorize: async () => ({ botToken: 'xoxb-bench', botId: 'B0BENCH', botUserId: 'U0BOT' }),
    logLevel: 'error' as never,
  });
  bolt.command('/access', async ({ ack }) => {
    await ack({ text: 'help' });
  });
  await bolt.start(boltPort);

  // Gatehouse as `npm start` runs it.
  const port = await freePort();
  const gatehouse = await createGatehouse(
    loadConfig({ PORT: String(port), LOG_LEVEL: 'silent', POLL_INTERVAL_MS: '3600000' }),
    { logger: pino({ level: 'silent' }) },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });

  const results: [string, autocannon.Result][] = [];
  for (const [name, url] of [
    ['bare fastify + signature check', `http://127.0.0.1:${floorPort}/slack/events`],
    ['Bolt App, default HTTPReceiver', `http://127.0.0.1:${boltPort}/slack/events`],
    ['Gatehouse', `http://127.0.0.1:${port}/slack/events`],
  ] as const) {
    results.push([name, await load(url)]);
  }
  await gatehouse.close();
  await bolt.stop();
  await floor.close();

  const [floorResult, boltResult] = results.map(([, r]) => r) as [autocannon.Result, autocannon.Result];
  const non2xx = (r: autocannon.Result) => r.non2xx + r.errors + r.timeouts;
  const rows: Row[] = [];
  for (const [name, result] of results) {
    rows.push(
      row({
        bench: 'ack path',
        subject: name,
        metric: `requests/s at ${CONNECTIONS} connections`,
        value: Math.round(result.requests.average),
        unit: 'req/s',
        baseline: { subject: 'Bolt HTTPReceiver', value: Math.round(boltResult.requests.average) },
        ...(name === 'Gatehouse'
          ? { target: '≥ 1.2× Bolt', met: result.requests.average >= 1.2 * boltResult.requests.average }
          : {}),
        note: non2xx(result) > 0 ? `${non2xx(result)} non-2xx, errors or timeouts` : undefined,
      }),
      row({
        bench: 'ack path',
        subject: name,
        metric: 'p99 latency',
        value: result.latency.p99,
        unit: 'ms',
        baseline: { subject: 'bare fastify', value: floorResult.latency.p99 },
        ...(name === 'Gatehouse' ? { target: '≤ 20 ms', met: result.latency.p99 <= 20 } : {}),
      }),
    );
  }
  return rows;
}
