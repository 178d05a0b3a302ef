import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { SlackAdapter } from './adapters/slack/index.js';
import { TeamsAdapter } from './adapters/teams/index.js';
import { createGovernance, type Governance } from './api/index.js';
import type { Config } from './config.js';
import { Flows } from './flows/index.js';
import { loggerOptions, secretsOf } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { type Messenger, oktaHook, Reminders, RequestMessages, RequestPoller } from './notifier/index.js';
import type { SandboxOptions } from './sandbox/index.js';
import { buildServer } from './server.js';
import { createStore, type Store } from './store/index.js';

export interface Gatehouse {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  governance: Governance;
  flows: Flows;
  /** Posts and edits every chat message about a request. */
  messages: RequestMessages;
  /** Finds changes made anywhere (portal, API, chat) and syncs their messages. */
  poller: RequestPoller;
  slack?: SlackAdapter;
  teams?: TeamsAdapter;
  server: FastifyInstance;
  /** Starts what runs beside the HTTP server (Slack Socket Mode). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The composition root: every long-lived part built once, from config, in one place. */
export async function createGatehouse(
  config: Readonly<Config>,
  overrides: { logger?: Logger; store?: Store; governance?: Governance; sandbox?: SandboxOptions } = {},
): Promise<Gatehouse> {
  const logger = overrides.logger ?? pino(loggerOptions(config.server.logLevel, secretsOf(config)));
  const metrics = createMetrics();
  const store = overrides.store ?? createStore({ redisUrl: config.redisUrl });
  const governance = overrides.governance ?? createGovernance(config.governance, { metrics, logger });
  const flows = new Flows(governance, store, logger.child({ component: 'flows' }));
  const slack = config.slack
    ? new SlackAdapter({ config: config.slack, flows, store, logger: logger.child({ component: 'slack' }) })
    : undefined;
  const teams = config.teams
    ? new TeamsAdapter({
        config: config.teams,
        flows,
        store,
        logger: logger.child({ component: 'teams' }),
        approvalsChannel: config.notifier.approvalsChannels.teams,
      })
    : undefined;
  const messengers: Messenger[] = [...(slack ? [slack.messenger] : []), ...(teams ? [teams.messenger] : [])];
  const messages = new RequestMessages({
    flows,
    store,
    messengers,
    approvalsChannels: config.notifier.approvalsChannels,
    logger: logger.child({ component: 'messages' }),
    metrics,
  });
  slack?.connect(messages);
  teams?.connect(messages);
  const poller = new RequestPoller({
    governance,
    store,
    messages,
    logger: logger.child({ component: 'poller' }),
    intervalMs: config.notifier.pollIntervalMs,
    reminders: config.notifier.reminderAfterMs
      ? new Reminders({
          governance,
          store,
          messengers,
          approvalsChannels: config.notifier.approvalsChannels,
          logger: logger.child({ component: 'reminders' }),
          remindAfterMs: config.notifier.reminderAfterMs,
        })
      : undefined,
  });
  const hookSecret = config.governance.provider === 'okta' ? config.notifier.oktaEventHookSecret : undefined;
  const surfaces = [
    ...(slack?.plugin ? [slack.plugin] : []),
    ...(teams ? [teams.plugin] : []),
    ...(hookSecret
      ? [oktaHook({ secret: hookSecret, messages, logger: logger.child({ component: 'okta-hook' }) })]
      : []),
  ];
  const server = await buildServer({
    config,
    logger,
    metrics,
    store,
    governance,
    flows,
    surfaces,
    sandbox: overrides.sandbox,
  });
  return {
    config,
    logger,
    metrics,
    store,
    governance,
    flows,
    messages,
    poller,
    slack,
    teams,
    server,
    async start() {
      await slack?.start();
      poller.start();
    },
    async close() {
      await poller.stop();
      messages.close();
      await slack?.stop();
      await server.close();
      if (!overrides.store) await store.close();
    },
  };
}
