import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { SlackAdapter } from './adapters/slack/index.js';
import { SLACK_RATES } from './adapters/slack/rate-limits.js';
import { TeamsAdapter } from './adapters/teams/index.js';
import { TEAMS_RATES } from './adapters/teams/rate-limits.js';
import { RedisBudgetLedger } from './api/budget-ledger.js';
import { createGovernance, type Governance } from './api/index.js';
import { BackgroundWork } from './background.js';
import { reminderSettingsOf } from './config/notifier.js';
import type { Config } from './config.js';
import { Flows } from './flows/index.js';
import type { PersonalRule } from './flows/limits.js';
import { loggerOptions, secretsOf } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { ClicksDrawing } from './notifier/clicks-drawing.js';
import {
  ApprovalRouting,
  BullSyncQueue,
  MemorySyncQueue,
  type Messenger,
  oktaHook,
  Pacer,
  Reminders,
  RequestMessages,
  RequestPoller,
  type SyncQueue,
} from './notifier/index.js';
import { buildServer } from './server.js';
import { createStore, type Store } from './store/index.js';
import { traceDeliveries, traceFlow } from './tracing.js';

export interface Gatehouse {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  governance: Governance;
  flows: Flows;
  /** Posts and edits every chat message about a request. */
  messages: RequestMessages;
  /** Finds changes made anywhere (portal, API, chat) and queues their syncs. */
  poller: RequestPoller;
  /** The notifier's work list: BullMQ on Redis when REDIS_URL is set, in-process otherwise. */
  queue: SyncQueue;
  slack?: SlackAdapter;
  teams?: TeamsAdapter;
  server: FastifyInstance;
  /** Starts what runs beside the HTTP server (Slack Socket Mode). */
  start(): Promise<void>;
  /**
   * Resolves once Gatehouse has finished what it does in the background: listeners after their
   * ack, Teams turns of its own, the syncs they started and the notifier's queue. Paced App Home
   * redraws are not waited for. For tests that must show that nothing more happens.
   */
  idle(): Promise<void>;
  close(): Promise<void>;
  /**
   * Stops like a crashed process would, handing nothing over: the poller's lease and the queue's
   * running jobs are left to lapse so another replica takes them. For failover tests and drills.
   */
  abandon(): Promise<void>;
}

export interface GatehouseOverrides {
  logger?: Logger;
  store?: Store;
  governance?: Governance;
  sandbox?: object;
  /** How long a queue job's lock lasts before another replica may retake it (default 30 s). */
  queueLockMs?: number;
  /**
   * Gatehouse's clock (default Date.now): the notifier's (time-bound access warnings, reminders,
   * where a first poll starts) and the flows', so tests can move it with the emulator's.
   */
  now?: () => number;
  /** How long an unconfirmed post's claim holds before another pass may post it (default 5 min). */
  postingHoldMs?: number;
  /** How often at most a person's App Home is redrawn on changes (default 5 s). */
  homeSpacingMs?: number;
  /** How long a client may take to send a whole request (default 10 s). */
  requestTimeoutMs?: number;
  /** Per-person flow limits (default PERSONAL_LIMITS); benchmarks that type faster than people pass []. */
  personalLimits?: readonly PersonalRule[];
}

/** The composition root: every long-lived part built once, from config, in one place. */
export async function createGatehouse(
  config: Readonly<Config>,
  overrides: GatehouseOverrides = {},
): Promise<Gatehouse> {
  const logger = overrides.logger ?? pino(loggerOptions(config.server.logLevel, secretsOf(config)));
  const metrics = createMetrics();
  const store = overrides.store ?? createStore(config);
  // Rate budgets are per workspace and tenant, so replicas count them together in Redis. A count
  // Redis cannot take now is no use later: no offline queue (the Pacer counts in memory meanwhile),
  // a bound on a Redis that holds the connection without answering, one retry on a dropped one.
  const paceRedis = config.redisUrl
    ? new Redis(config.redisUrl, { enableOfflineQueue: false, commandTimeout: 1_000, maxRetriesPerRequest: 1 })
    : undefined;
  paceRedis?.on('error', (err) => logger.warn({ err }, 'rate-limit connection error'));
  const pacer = (platform: string, table: typeof SLACK_RATES) =>
    new Pacer({
      platform,
      table,
      scale: config.notifier.rateScale,
      redis: paceRedis,
      keyPrefix: config.redisKeyPrefix,
    });
  // The governance API's budget is the org's, so replicas spend it together, counted in Redis.
  const governanceDeps = {
    metrics,
    logger,
    catalogCacheMs: config.catalogCacheMs,
    rateLimits: config.governanceRateLimits,
    now: overrides.now,
    budgetLedger: paceRedis ? new RedisBudgetLedger(paceRedis, config.redisKeyPrefix, logger) : undefined,
  };
  const governance = overrides.governance ?? createGovernance(config.governance, governanceDeps);
  // Each person's rate limit is counted in Redis when there is one, so replicas share the budget.
  const background = new BackgroundWork();
  const flows = new Flows(governance, store, logger.child({ component: 'flows' }), {
    personalLimit: { redis: paceRedis, keyPrefix: config.redisKeyPrefix, rules: overrides.personalLimits },
    now: overrides.now,
    around: traceFlow,
  });
  // A click drawing its own message and the notifier's passes about the same request, in this process.
  const clicks = new ClicksDrawing();
  const slack = config.slack
    ? new SlackAdapter({
        clicks,
        config: config.slack,
        flows,
        store,
        logger: logger.child({ component: 'slack' }),
        pacer: pacer('slack', SLACK_RATES),
        background,
        homeSpacingMs: overrides.homeSpacingMs,
      })
    : undefined;
  const teams = config.teams
    ? new TeamsAdapter({
        config: config.teams,
        flows,
        store,
        logger: logger.child({ component: 'teams' }),
        approvalsChannel: config.notifier.approvalsChannels.teams,
        pacer: pacer('teams', TEAMS_RATES),
        background,
      })
    : undefined;
  const messengers: Messenger[] = [...(slack ? [slack.messenger] : []), ...(teams ? [teams.messenger] : [])];
  const platforms = messengers.map((m) => m.platform);
  const queueLogger = logger.child({ component: 'queue' });
  const queue: SyncQueue = config.redisUrl
    ? new BullSyncQueue({
        redisUrl: config.redisUrl,
        prefix: `${config.redisKeyPrefix}:queue`,
        platforms,
        logger: queueLogger,
        lockDurationMs: overrides.queueLockMs,
      })
    : new MemorySyncQueue({ platforms, logger: queueLogger });
  metrics.watchQueue(() => queue.depth());
  const routing = new ApprovalRouting(config.notifier.routes, config.notifier.approvalsChannels);
  const messages = new RequestMessages({
    clicks,
    flows,
    store,
    messengers,
    routing,
    queue,
    expiryWarningsMs: config.notifier.expiryWarningsMs,
    now: overrides.now,
    postingHoldMs: overrides.postingHoldMs,
    logger: logger.child({ component: 'messages' }),
    metrics,
  });
  // The one wire from the core to the notifier: what a flow changes, every message about it shows.
  flows.changes.subscribe(messages);
  const reminderSettings = reminderSettingsOf(config.notifier);
  const poller = new RequestPoller({
    governance,
    store,
    queue,
    logger: logger.child({ component: 'poller' }),
    intervalMs: config.notifier.pollIntervalMs,
    now: overrides.now,
    reminders: reminderSettings
      ? new Reminders({
          governance,
          store,
          messengers,
          routing,
          logger: logger.child({ component: 'reminders' }),
          settings: reminderSettings,
          // The listing's reading, shown as every card is (attributions of decisions made in chat).
          snapshot: (request) => flows.snapshot(request.id, request),
          now: overrides.now,
        })
      : undefined,
  });
  const hookSecret = config.governance.provider === 'okta' ? config.notifier.oktaEventHookSecret : undefined;
  const surfaces = [
    ...(slack?.plugin ? [slack.plugin] : []),
    ...(teams ? [teams.plugin] : []),
    ...(hookSecret
      ? [
          oktaHook({
            secret: hookSecret,
            queue,
            logger: logger.child({ component: 'okta-hook' }),
            // An access-request event that names no request Gatehouse recognises still means news.
            pollSoon: () => poller.pollSoon(),
          }),
        ]
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
    requestTimeoutMs: overrides.requestTimeoutMs,
  });
  // One trace per chat delivery when tracing is on (startTracing, before this); nothing otherwise.
  traceDeliveries(server);
  return {
    config,
    logger,
    metrics,
    store,
    governance,
    flows,
    messages,
    poller,
    queue,
    slack,
    teams,
    server,
    async idle() {
      // Each kind of work may start another (a listener queues a sync, a sync retried from the
      // queue): round again until a pass finds nothing running anywhere.
      for (;;) {
        await poller.idle();
        await background.idle();
        await messages.idle();
        const depth = Object.values(await queue.depth()).reduce((sum, n) => sum + (n ?? 0), 0);
        if (depth === 0 && !background.busy) return;
        if (depth > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async start() {
      await slack?.start();
      queue.start((job) => messages.run(job));
      poller.start();
    },
    async close() {
      await poller.stop();
      await queue.close();
      await slack?.stop();
      // Work that answered chat first (a click's sync) finishes before its store goes away, and
      // while the server still answers: in sandbox mode the chat it posts to is on this server,
      // and a closed one would leave the Teams connector retrying for seconds. Chat keeps its
      // answers meanwhile, as an orchestrator routes to a pod for a while after SIGTERM anyway.
      await messages.idle();
      await server.close();
      paceRedis?.disconnect();
      if (!overrides.store) await store.close();
    },
    async abandon() {
      poller.abandon();
      await (queue instanceof BullSyncQueue ? queue.abandon() : queue.close());
      await slack?.stop();
      await server.close();
      await messages.idle();
      paceRedis?.disconnect();
      if (!overrides.store) await store.close();
    },
  };
}
