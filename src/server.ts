import { timingSafeEqual } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { Governance } from './api/governance.js';
import { withPriority } from './api/priority.js';
import { type Config, SANDBOX_SECRETS } from './config.js';
import { GatehouseError, GovernanceRateLimited } from './domain/errors.js';
import type { Flows } from './flows/index.js';
import type { Metrics } from './metrics.js';
import type { Store } from './store/index.js';

/** Whether this is the compiled build (dist/server.js, run by `npm run start:prod`), not the sources tsx runs. */
const COMPILED = import.meta.url.endsWith('.js');

/** Routes that answer machines on their own schedule, not people. */
const QUIET_ROUTES = /^\/(healthz|readyz|metrics)$|^\/sandbox\//;

export interface ServerDeps {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  governance: Governance;
  flows: Flows;
  /** Chat platforms' inbound routes (Slack's /slack/events), each an encapsulated plugin. */
  surfaces?: FastifyPluginAsync[];
  /**
   * The emulated worlds tests pass in (`{ okta, pingone, slack, teams }`, made with
   * @gatehouse/sandbox) to be served in sandbox mode and looked inside; the sandbox package checks
   * them. Opaque here: the product never imports the sandbox package's types.
   */
  sandbox?: object;
  /** How long a client may take to send a whole request (default 10 s); tests shorten it. */
  requestTimeoutMs?: number;
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
/** A governance check that met the rate limit: the backend is there, only busy. */
const RATE_LIMITED = new GovernanceRateLimited('ping', 0).code;
/**
 * How long the governance backend's answer to a readiness probe stands: a minute when it answered,
 * so every replica's probes together cost Okta's 30-a-minute requests family a call or two a
 * minute; ten seconds when it did not, so a replica is back in service soon after the backend is.
 */
const GOVERNANCE_CHECK_TTL_MS = { answered: 60_000, failed: 10_000 };
/** Slack and Bot Framework payloads are small; a justification is capped far below this. */
const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Slack, Teams and Okta send small bodies at once, so a request still arriving after 10 s is a
 * client holding a socket open (a slow-body attack), not a platform. Headers must come within 5 s,
 * an idle socket closes after 30 s, and Node checks the deadlines every second (its default is 30).
 */
const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;
const CONNECTION_TIMEOUT_MS = 30_000;

/**
 * Sent with every answer. Gatehouse answers JSON and plain text to platforms, never pages (the
 * sandbox playground aside), so nothing it sends should be sniffed, framed, cached or referred.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
/** Production only: the playground (sandbox) needs its scripts, and HSTS means nothing on loopback. */
const PRODUCTION_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
};

/**
 * The one HTTP server. Each surface is a plugin with its own scope, so this file reads as the table
 * of contents of what Gatehouse answers.
 */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const requestTimeout = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    requestTimeout,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
      connectionsCheckingInterval: Math.min(1_000, requestTimeout),
    },
  });

  // What runs by itself has its requests logged only at debug: probes, scrapes, and the sandbox's
  // emulated services answering Gatehouse's own polls. An idle Gatehouse then prints nothing at
  // info, and what people do (chat, hooks, the playground) stands out. Fastify logs requests at
  // info, so below debug these routes' threshold is raised to warn (their failures still show).
  const quietLevel = deps.logger.isLevelEnabled('debug') ? undefined : 'warn';
  app.addHook('onRoute', (route) => {
    if (quietLevel && !route.logLevel && QUIET_ROUTES.test(route.url)) route.logLevel = quietLevel;
  });

  const headers = {
    ...SECURITY_HEADERS,
    ...(deps.config.mode === 'production' ? PRODUCTION_HEADERS : {}),
  };
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(headers)) if (!reply.hasHeader(name)) reply.header(name, value);
    return payload;
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
    reply.status(404).send({
      error: 'not_found',
      message: `No route for ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`,
    }),
  );

  // Liveness says nothing but that the process answers: it is open to anyone who can reach it.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // The Teams app manifest links here; say plainly what Gatehouse keeps.
  app.get('/privacy', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(PRIVACY));
  app.get('/terms', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(TERMS));

  // Okta's request endpoints allow a few dozen calls a minute; probes must not spend them: the ping
  // is background work (it gives way to people and syncs), remembered, and a backend that answers
  // "rate limited" (or a budget that made the ping give way) is reachable, so the replica stays in
  // service: taking every replica out when the budget is spent would leave chat with nobody at all.
  const governanceCheck = remembered(
    () => withPriority('background', () => check(() => deps.governance.ping())),
    (result) =>
      result === 'ok' || result === RATE_LIMITED ? GOVERNANCE_CHECK_TTL_MS.answered : GOVERNANCE_CHECK_TTL_MS.failed,
  );
  // What operators read (queue depths, whether Okta is rate-limited, which route refuses how often)
  // would help an attacker time an attack: with METRICS_TOKEN set it needs that bearer token, and
  // production without one serves no detail. Sandbox mode listens on loopback only.
  const operator = operatorAccess(deps.config);
  app.get('/readyz', async (request, reply) => {
    // An open circuit is known without a probe, and a remembered "ok" must not hide it.
    const circuitOpen = deps.governance.circuit?.() === 'open';
    const [store, governance] = await Promise.all([
      check(() => deps.store.ping()),
      circuitOpen ? 'circuit_open' : governanceCheck(),
    ]);
    const ready = store === 'ok' && (governance === 'ok' || governance === RATE_LIMITED);
    // A readiness probe needs only the status code; which dependency failed is for operators.
    const status = ready ? 'ready' : 'not_ready';
    return reply
      .status(ready ? 200 : 503)
      .send(operator.allows(request) ? { status, checks: { store, governance } } : { status });
  });

  app.get('/metrics', { onRequest: operator.require }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  for (const surface of deps.surfaces ?? []) await app.register(surface);

  if (deps.config.mode === 'sandbox') {
    // Loaded only here, from its own package: production never loads the emulators (nor what they
    // depend on), and a production install may leave the package out altogether. The package is
    // TypeScript, which plain node cannot load: the compiled build fails here whether it is there or not.
    const { mountSandbox } = await import('@gatehouse/sandbox').catch((error: unknown) => {
      if (COMPILED) throw new SandboxUnavailable('compiled');
      throw isMissingPackage(error, '@gatehouse/sandbox') ? new SandboxUnavailable('left-out') : error;
    });
    await mountSandbox(app, {
      provider: deps.config.governance.provider,
      publicUrl: deps.config.server.publicUrl,
      slackSigningSecret: deps.config.slack?.signingSecret ?? SANDBOX_SECRETS.slackSigningSecret,
      logger: deps.logger as FastifyBaseLogger,
      worlds: deps.sandbox,
    });
  }

  return app;
}

/**
 * Sandbox mode where it cannot run, said in one sentence at start-up: an install that left the
 * workspace out, or the compiled build (production's), which cannot load the package's TypeScript.
 */
export class SandboxUnavailable extends Error {
  constructor(why: 'left-out' | 'compiled') {
    super(
      why === 'compiled'
        ? 'Gatehouse cannot start: sandbox mode (no Okta, PingOne, Slack or Teams settings found) runs only ' +
            'from the sources, with `npm start` after a full `npm install`, and this is the compiled build ' +
            '(`npm run start:prod`), which is for production: configure a real deployment as README.md ' +
            'describes, or use `npm start`.'
        : 'Gatehouse cannot start: sandbox mode (no Okta, PingOne, Slack or Teams settings found) needs the ' +
            '@gatehouse/sandbox package, which this install left out (`npm ci --omit=dev --workspaces=false` does), ' +
            'so run a full `npm install`, or configure a real deployment as README.md describes.',
    );
    this.name = 'SandboxUnavailable';
  }
}

/** Whether `error` says the package `name` itself is not installed (not a module missing inside it). */
function isMissingPackage(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${name}'`);
}

/**
 * Who may read operator detail: the holder of METRICS_TOKEN as a bearer token; anyone in sandbox
 * mode without one (loopback only); nobody in production without one.
 */
function operatorAccess(config: Readonly<Config>): {
  allows(request: FastifyRequest): boolean;
  require(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
} {
  const token = config.server.metricsToken;
  const wanted = token ? Buffer.from(`Bearer ${token}`) : undefined;
  const allows = (request: FastifyRequest) => {
    if (!wanted) return config.mode === 'sandbox';
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };
  return {
    allows,
    async require(request, reply) {
      if (allows(request)) return undefined;
      const message = wanted
        ? 'Metrics need the bearer token configured in METRICS_TOKEN.'
        : 'Metrics are off: set METRICS_TOKEN and send it as a bearer token.';
      return reply.status(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message });
    },
  };
}

/** The last answer of `probe` for as long as `ttlMs` says for it; concurrent callers share one probe in flight. */
function remembered(probe: () => Promise<string>, ttlMs: (result: string) => number): () => Promise<string> {
  let last: { at: number; result: Promise<string>; ttl: number } | undefined;
  return () => {
    if (!last || Date.now() - last.at > last.ttl) {
      const current = { at: Date.now(), result: probe(), ttl: Number.POSITIVE_INFINITY };
      // Until it answers, callers share the probe in flight.
      void current.result.then((result) => {
        current.ttl = ttlMs(result);
      });
      last = current;
    }
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
