import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createGovernance, type Governance } from './api/index.js';
import type { Config } from './config.js';
import { Flows } from './flows/index.js';
import { loggerOptions, secretsOf } from './logging.js';
import { createMetrics, type Metrics } from './metrics.js';
import { buildServer } from './server.js';
import { createStore, type Store } from './store/index.js';

export interface Gatehouse {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  governance: Governance;
  flows: Flows;
  server: FastifyInstance;
  close(): Promise<void>;
}

/** The composition root: every long-lived part built once, from config, in one place. */
export async function createGatehouse(
  config: Readonly<Config>,
  overrides: { logger?: Logger; store?: Store; governance?: Governance } = {},
): Promise<Gatehouse> {
  const logger = overrides.logger ?? pino(loggerOptions(config.server.logLevel, secretsOf(config)));
  const metrics = createMetrics();
  const store = overrides.store ?? createStore({ redisUrl: config.redisUrl });
  const governance = overrides.governance ?? createGovernance(config.governance, { metrics, logger });
  const flows = new Flows(governance, store, logger.child({ component: 'flows' }));
  const server = await buildServer({ config, logger, metrics, store, governance, flows });
  return {
    config,
    logger,
    metrics,
    store,
    governance,
    flows,
    server,
    async close() {
      await server.close();
      if (!overrides.store) await store.close();
    },
  };
}
