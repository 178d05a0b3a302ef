import { SLACK_SEED, signSlackRequest, slashCommand } from '@gatehouse/sandbox/slack';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { createGatehouse } from '../src/app.js';
import { loadConfig, SANDBOX_SECRETS } from '../src/config.js';
import { chatSpan, startTracing } from '../src/tracing.js';
import { freePort } from '../test/support/free-port.js';
import { type Row, row } from './report.js';

const CONNECTIONS = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CALLS = 1_000_000;

let sequence = 0;
/** A signed `/access help`, each with its own trigger_id, as in the ack-path bench. */
function signedHelp(): { headers: Record<string, string>; body: string } {
  sequence += 1;
  const body = slashCommand({
    user: { id: SLACK_SEED.users.alice.id, name: 'alice' },
    text: 'help',
    triggerId: `trace-bench.${sequence}.${Date.now()}`,
    responseUrl: 'http://127.0.0.1:9/response',
  });
  const headers = signSlackRequest({
    signingSecret: SANDBOX_SECRETS.slackSigningSecret,
    body,
    contentType: 'application/x-www-form-urlencoded',
  });
  return { headers: { ...headers }, body };
}

/** Signed commands at Gatehouse as `npm start` runs it, built after tracing was (or was not) started. */
async function ackLoad(): Promise<autocannon.Result> {
  const port = await freePort();
  const gatehouse = await createGatehouse(
    loadConfig({ PORT: String(port), LOG_LEVEL: 'silent', POLL_INTERVAL_MS: '3600000' }),
    { logger: pino({ level: 'silent' }) },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  try {
    return await autocannon({
      url: `http://127.0.0.1:${port}/slack/events`,
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
  } finally {
    await gatehouse.close();
  }
}

/** Nanoseconds per call of `call`, over CALLS awaited calls. */
async function perCall(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10_000; i++) await call();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await call();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

/**
 * What tracing costs (issue 20): the ack path (signed `/access help` at 200 connections) with
 * tracing never started, then on (every delivery a server span, exported over OTLP/protobuf to a
 * collector stand-in on loopback), then off again, which shows how far two identical runs differ
 * on this machine. Off, Gatehouse hooks nothing into the server and the helpers around flows,
 * governance calls, queue jobs and chat posts call their work after one check: its cost per call,
 * against calling the work directly, is the second figure.
 */
export async function tracingCost(): Promise<Row[]> {
  const direct = () => Promise.resolve(1);
  const wrappedOff = () => chatSpan('slack', 'post', 'approval', direct);
  const bareNs = await perCall(direct);
  const offNs = await perCall(wrappedOff);

  const offFirst = await ackLoad();

  let exports = 0;
  const collector = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  collector.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_request, body, done) =>
    done(null, body),
  );
  collector.post('/v1/traces', async () => {
    exports += 1;
    return {};
  });
  const collectorPort = await freePort();
  await collector.listen({ port: collectorPort, host: '127.0.0.1' });
  // The OTLP exporter reads its endpoint from the environment, as in production.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${collectorPort}`;
  const tracing = await startTracing(process.env, pino({ level: 'silent' }));
  const on = await ackLoad();
  await tracing.shutdown();
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  await collector.close();

  const offAgain = await ackLoad();

  const runs: [string, autocannon.Result][] = [
    ['tracing off', offFirst],
    ['tracing on (OTLP to loopback)', on],
    ['tracing off, run again', offAgain],
  ];
  const rows: Row[] = [];
  for (const [subject, result] of runs) {
    const failures = result.non2xx + result.errors + result.timeouts;
    rows.push(
      row({
        bench: 'tracing cost',
        subject: `ack path, ${subject}`,
        metric: `requests/s at ${CONNECTIONS} connections`,
        value: Math.round(result.requests.average),
        unit: 'req/s',
        baseline: { subject: 'tracing off', value: Math.round(offFirst.requests.average) },
        note:
          [
            failures > 0 ? `${failures} non-2xx, errors or timeouts` : '',
            result === on ? `${exports} OTLP exports received` : '',
          ]
            .filter(Boolean)
            .join('; ') || undefined,
      }),
      row({
        bench: 'tracing cost',
        subject: `ack path, ${subject}`,
        metric: 'p99 latency',
        value: result.latency.p99,
        unit: 'ms',
        baseline: { subject: 'tracing off', value: offFirst.latency.p99 },
      }),
    );
  }
  rows.push(
    row({
      bench: 'tracing cost',
      subject: 'a traced helper, tracing off',
      metric: 'time per wrapped call',
      value: Math.round(offNs * 10) / 10,
      unit: 'ns',
      baseline: { subject: 'the work called directly', value: Math.round(bareNs * 10) / 10 },
      target: '≤ 100 ns more than direct',
      met: offNs - bareNs <= 100,
      note: 'the /access ack path itself makes no traced call while tracing is off: it hooks nothing',
    }),
  );
  return rows;
}
