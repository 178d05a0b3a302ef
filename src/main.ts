import { createServer } from 'node:net';
import { constants } from 'node:os';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, type LogFormat, readLogFormat, secretsOf } from './logging.js';
import { SandboxUnavailable } from './server.js';
import { startTracing, type Tracing } from './tracing.js';

/**
 * `npm start`: load config, start the server, print where to look. Exits non-zero, with one
 * message and no stack, on bad config, on sandbox mode without its package or on a busy port.
 */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  let format: LogFormat;
  try {
    ({ config, format } = configure(process.env));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const logger = createLogger({
    level: config.server.logLevel,
    format,
    secrets: secretsOf(config),
    colorize: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  });
  // Before Gatehouse is built: its hooks and spans are added as it is, and only when tracing is on.
  let tracing: Tracing;
  try {
    tracing = await startTracing(process.env, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // The first signal stops Gatehouse gracefully; a second one (an impatient Ctrl-C) stops it at once.
  // Listened for from here, before anything is built: in a container node is PID 1, which ignores a
  // SIGTERM nobody listens for, so a pod stopped while starting would wait out its whole grace
  // period; and before anything says "Stop with Ctrl-C", since a signal that finds no listener
  // kills the process outright, unflushed.
  let gatehouse: Gatehouse | undefined;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: stopping at once.\n`);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    let failed = false;
    (gatehouse?.close() ?? Promise.resolve())
      .catch((error: unknown) => {
        failed = true;
        logger.error({ err: error }, 'shutdown failed');
      })
      // The spans of the last deliveries are flushed to the collector whether or not the rest
      // closed cleanly: those are the ones that say why it did not.
      .finally(() => tracing.shutdown().catch(() => undefined))
      .then(() => process.exit(failed ? 1 : 0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  try {
    gatehouse = await createGatehouse(config, { logger });
  } catch (error) {
    if (error instanceof SandboxUnavailable) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Stopped while it was being built: what was built is closed by stop(), nothing more is started.
  if (stopping) return;
  const { server } = gatehouse;
  try {
    await server.listen({ port: config.server.port, host: config.server.host });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EADDRINUSE') {
      const other = await freePortAfter(config.server.port, config.server.host);
      process.stderr.write(
        // A newcomer's sandbox started with `npm start`; a deployment starts its own way.
        `Port ${config.server.port} is in use: stop what uses it, or start with PORT=${other}${config.mode === 'sandbox' ? ' npm start' : ''}\n`,
      );
      process.exit(1);
    }
    throw error;
  }
  if (stopping) return;
  await gatehouse.start();
  if (stopping) return;

  if (config.mode === 'sandbox') {
    // Through the log's own stream, which writes in order (JSON asynchronously, pretty lines at
    // once): the banner comes after everything start-up logged, where a direct write to stdout
    // could overtake it.
    const log = (logger as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
      | { write(text: string): unknown }
      | undefined;
    if (log) log.write(banner(config));
    else process.stdout.write(banner(config));
  } else {
    logger.info({ port: config.server.port, provider: config.governance.provider }, 'Gatehouse started');
  }
}

/** The configuration and the log format, every problem with either named in one message. */
function configure(env: NodeJS.ProcessEnv): { config: Config; format: LogFormat } {
  let format: LogFormat | undefined;
  let formatProblem: ConfigError | undefined;
  try {
    format = readLogFormat(env.LOG_FORMAT, Boolean(process.stdout.isTTY));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    formatProblem = error;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError && formatProblem)
      throw new ConfigError([...error.problems, ...formatProblem.problems], error.realSettings);
    throw error;
  }
  if (formatProblem) throw formatProblem;
  return { config, format: format ?? 'json' };
}

/** What sandbox mode prints once it listens: the playground first, then what a developer may call. */
function banner(config: Readonly<Config>): string {
  const base = config.server.publicUrl;
  const auth = config.governance.auth;
  const governance =
    config.governance.provider === 'okta'
      ? [
          row('Emulated Okta', `${base}/sandbox/okta  (token: SSWS ${auth.kind === 'ssws' ? auth.token : '-'})`),
          row(
            '',
            `e.g. curl -H 'Authorization: SSWS gatehouse-sandbox-okta-token' '${base}/sandbox/okta/api/v1/users?search=profile.email%20eq%20%22alice@acme.example%22'`,
          ),
        ]
      : [
          row(
            'Emulated PingOne',
            `${base}/sandbox/pingone  (token: Bearer ${auth.kind === 'bearer' ? auth.token : '-'})`,
          ),
          row(
            '',
            `e.g. curl -H 'Authorization: Bearer gatehouse-sandbox-pingone-token' '${base}/sandbox/pingone/openidm/managed/alpha_user?_queryFilter=mail%20eq%20%22alice@acme.example%22'`,
          ),
        ];
  const botToken = config.slack?.botToken;
  return [
    '',
    ...box([
      'Gatehouse is running in SANDBOX MODE',
      '',
      `Open ${base}/ — the playground`,
      '',
      'No Slack, Teams or governance settings were found, so every external',
      'service is an embedded emulation and the store is in memory.',
      'Its secrets are published: it listens on 127.0.0.1 only.',
    ]),
    row('Health', `${base}/healthz   (readiness: ${base}/readyz)`),
    row('Metrics', `${base}/metrics`),
    ...governance,
    row('Slack events', `${base}/slack/events  (signing secret: ${config.slack?.signingSecret ?? '-'})`),
    row('Emulated Slack', `${base}/sandbox/slack/api/<method>  (bot token: ${botToken ?? '-'})`),
    row(
      '',
      `e.g. curl -H 'Authorization: Bearer ${botToken ?? ''}' -d channel=C0APPROVALS ${base}/sandbox/slack/api/conversations.history`,
    ),
    row('Teams messages', `${base}/api/messages  (anonymous in sandbox mode)`),
    row('Emulated Teams', `${base}/sandbox/teams  (users: ${base}/sandbox/teams/users)`),
    '  Configure a real deployment with the variables in README.md. Stop with Ctrl-C.',
    '',
  ].join('\n');
}

/** One labelled line of the banner, labels aligned to the longest ("Emulated PingOne"). */
function row(label: string, value: string): string {
  return `  ${(label ? `${label}:` : '').padEnd(18)}${value}`;
}

/** The first port after `port` that nothing listens on at `host` (a suggestion, so a few tries). */
async function freePortAfter(port: number, host: string): Promise<number> {
  for (let candidate = port + 1; candidate < port + 20 && candidate <= 65_535; candidate++) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(candidate, host, () => probe.close(() => resolve(true)));
    });
    if (free) return candidate;
  }
  return port + 1;
}

function box(lines: string[]): string[] {
  const width = Math.max(...lines.map((line) => line.length)) + 2;
  return [
    `  ┌${'─'.repeat(width)}┐`,
    ...lines.map((line) => `  │ ${line.padEnd(width - 1)}│`),
    `  └${'─'.repeat(width)}┘`,
  ];
}

await main();
