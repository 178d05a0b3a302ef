import { EventEmitter } from 'node:events';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Governance } from './api/governance.js';
import { type Config, SANDBOX_SECRETS } from './config.js';
import { GatehouseError } from './domain/errors.js';
import type { Flows } from './flows/index.js';
import type { Metrics } from './metrics.js';
import { type SandboxOptions, sandboxPlugin } from './sandbox/index.js';
import { createOktaOrg } from './sandbox/okta/index.js';
import { createPingOneTenant } from './sandbox/pingone/index.js';
import { playgroundPlugin } from './sandbox/playground/plugin.js';
import { createSlackWorkspace } from './sandbox/slack/index.js';
import { createTeamsTenant } from './sandbox/teams/index.js';
import type { Store } from './store/index.js';

export interface ServerDeps {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  governance: Governance;
  flows: Flows;
  /** Chat platforms' inbound routes (Slack's /slack/events), each an encapsulated plugin. */
  surfaces?: FastifyPluginAsync[];
  /** The emulated worlds to serve in sandbox mode (tests pass theirs to look inside). */
  sandbox?: SandboxOptions;
}

const PRIVACY = [
  'Gatehouse privacy',
  '',
  'Gatehouse is run by your organisation. It keeps no copy of your access requests: they live in your',
  'identity-governance system (Okta or PingOne). To do its job it stores, for a limited time, where it',
  'posted messages about a request (so it can update them), which chat account maps to which email,',
  'and short-lived markers that stop a click from being recorded twice. Logs hold no secrets.',
  'Ask your IT team, who operate Gatehouse, about anything else.',
].join('\n');
const TERMS = [
  'Gatehouse terms of use',
  '',
  'Gatehouse is operated by your organisation for requesting and approving access. Decisions you make',
  "in chat are recorded in your identity-governance system under your name. Your organisation's",
  'policies on access and acceptable use apply.',
].join('\n');

const READINESS_TIMEOUT_MS = 3000;
const GOVERNANCE_CHECK_TTL_MS = 10_000;
/** Slack and Bot Framework payloads are small; a justification is capped far below this. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * The one HTTP server. Each surface is a plugin with its own scope, so this file reads as the table
 * of contents of what Gatehouse answers.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
  });

  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    // Client mistakes (bad JSON, too large, wrong content type) keep fastify's 4xx; nothing else leaks.
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const message =
      error instanceof GatehouseError
        ? error.userMessage
        : status < 500
          ? error.message
          : 'Internal error; it has been logged.';
    return reply.status(status).send({ error: error.code ?? 'error', message });
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}` }),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  // The Teams app manifest links here; say plainly what Gatehouse keeps.
  app.get('/privacy', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(PRIVACY));
  app.get('/terms', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(TERMS));

  // Okta's request endpoints allow a few dozen calls a minute; probes must not spend them.
  const governanceCheck = remembered(() => check(() => deps.governance.ping()), GOVERNANCE_CHECK_TTL_MS);
  app.get('/readyz', async (_request, reply) => {
    // An open circuit is known without a probe, and a remembered "ok" must not hide it.
    const circuitOpen = deps.governance.circuit?.() === 'open';
    const [store, governance] = await Promise.all([
      check(() => deps.store.ping()),
      circuitOpen ? 'circuit_open' : governanceCheck(),
    ]);
    const ready = store === 'ok' && governance === 'ok';
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not_ready', checks: { store, governance } });
  });

  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  for (const surface of deps.surfaces ?? []) await app.register(surface);

  if (deps.config.mode === 'sandbox') {
    const worlds = {
      okta: deps.sandbox?.okta ?? createOktaOrg(),
      pingone: deps.sandbox?.pingone ?? createPingOneTenant(),
      slack: deps.sandbox?.slack ?? createSlackWorkspace(),
      teams: deps.sandbox?.teams ?? createTeamsTenant(),
    };
    const changes = new EventEmitter();
    changes.setMaxListeners(100);
    await app.register(sandboxPlugin, { prefix: '/sandbox', logger: deps.logger, ...deps.sandbox, ...worlds, changes });
    await app.register(playgroundPlugin, {
      ...worlds,
      provider: deps.config.governance.provider,
      inject: (request) => app.inject(request),
      publicUrl: deps.config.server.publicUrl,
      signingSecret: deps.config.slack?.signingSecret ?? SANDBOX_SECRETS.slackSigningSecret,
      changes,
    });
  }

  return app;
}

/** The last answer of `probe` for `ttlMs`; concurrent callers share one probe in flight. */
function remembered(probe: () => Promise<string>, ttlMs: number): () => Promise<string> {
  let last: { at: number; result: Promise<string> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ttlMs) last = { at: Date.now(), result: probe() };
    return last.result;
  };
}

async function check(probe: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)),
          READINESS_TIMEOUT_MS,
        );
      }),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof GatehouseError ? error.code : error instanceof Error ? error.message : 'failed';
  } finally {
    clearTimeout(timer);
  }
}
