import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthRefusal } from './auth.js';
import { EmulatorContext } from './context.js';
import { endUserPages } from './enduser-page.js';
import { internalError, malformedBody, notFound, OktaProblem, problemForStatus, rateLimited } from './errors.js';
import type { Fault } from './faults.js';
import type { OktaOrg } from './org.js';
import { endpointFamily, rateLimitHeaders } from './rate-limits.js';
import type { CallRecord } from './records.js';
import { catalogRoutes } from './routes-catalog.js';
import { delegateRoutes } from './routes-delegates.js';
import { grantRoutes } from './routes-grants.js';
import { oauthRoutes, TOKEN_PATH } from './routes-oauth.js';
import { requestRoutes } from './routes-requests.js';
import { riskRoutes } from './routes-risk.js';
import { taskRoutes } from './routes-tasks.js';
import { userRoutes } from './routes-users.js';
import { specGuard } from './spec-guard.js';

export interface OktaEmulatorOptions {
  org: OktaOrg;
}

const TASKS = '/governance/api/v2/tasks';

/** What a malformed-answer fault sends: JSON cut off mid-value. */
const TRUNCATED_JSON = '{"data":[{"id":"req0000000000000000","status":"PEND';

/**
 * The emulated Okta org over HTTP: its API, and the end-user page people's browsers open. Register
 * it with any prefix; links are built from the request's host and that prefix. The two are
 * siblings, so the page gets none of the API's hooks (no token, rate limit or fault).
 */
export const oktaEmulator: FastifyPluginAsync<OktaEmulatorOptions> = async (app, { org }) => {
  // Only the org: the options also carry the prefix this plugin was given, which the children inherit.
  await app.register(oktaApi, { org });
  await app.register(endUserPages, { org });
};

/**
 * Every API call is logged, counted against its endpoint family's rate limit, subjected to armed
 * faults and authenticated, in that order, before the route runs.
 */
const oktaApi: FastifyPluginAsync<OktaEmulatorOptions> = async (app, { org }) => {
  const context = new EmulatorContext(org, app.prefix);
  const calls = new WeakMap<FastifyRequest, CallRecord>();
  const failAfterWrite = new WeakSet<FastifyRequest>();
  const reset = new WeakSet<FastifyRequest>();
  // Holds every answer on a governance path to Okta's OpenAPI document (issue 17).
  const spec = specGuard(app, app.prefix);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.addHook('onRequest', async (request, reply) => {
    const path = pathBelow(request.url, app.prefix);
    const call: CallRecord = { method: request.method, path, status: 0 };
    org.calls.push(call);
    calls.set(request, call);

    const window = org.rateLimits.take(endpointFamily(path));
    reply.headers(rateLimitHeaders(window));
    if (!window.allowed) throw rateLimited({});

    const fault = org.faults.take(request.method, path);
    if (fault) {
      spec.excuse(request, fault);
      const handled = await applyFault(fault, request, reply, org, path);
      if (handled === 'answered') return reply;
      if (handled === 'reset') {
        reset.add(request);
        return reply;
      }
      if (handled === 'after-write') failAfterWrite.add(request);
    }

    if (path !== TOKEN_PATH) context.authenticate(request);

    // An org that does not serve the Tasks API (Beta) to Gatehouse refuses every task path alike.
    if (path === TASKS || path.startsWith(`${TASKS}/`)) {
      const refusal = org.tasksRefusal();
      if (refusal?.status === 404) spec.unserved(request);
      if (refusal) throw refusal;
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!failAfterWrite.has(request) || reply.statusCode >= 400) return payload;
    reply.code(500).type('application/json; charset=utf-8');
    return JSON.stringify(internalError().body);
  });

  app.addHook('onResponse', async (request, reply) => {
    const call = calls.get(request);
    if (call && !reset.has(request)) call.status = reply.statusCode;
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof OktaProblem) return reply.code(error.status).headers(error.headers).send(error.body);
    if (error instanceof OAuthRefusal) {
      return reply.code(error.status).send({ error: error.error, error_description: error.description });
    }
    // Body parsing failures (bad JSON, empty JSON, wrong media type, too large) are the client's.
    if (error.code?.startsWith('FST_ERR_CTP') || (error.statusCode && error.statusCode < 500)) {
      const problem = malformedBody(error.statusCode && error.statusCode < 500 ? error.statusCode : 400);
      return reply.code(problem.status).send(problem.body);
    }
    request.log.error({ err: error }, 'the Okta emulator failed');
    return reply.code(500).send(internalError().body);
  });

  app.setNotFoundHandler((_request, reply) => reply.code(404).send(notFound().body));

  userRoutes(app, context);
  catalogRoutes(app, context);
  requestRoutes(app, context);
  taskRoutes(app, context);
  grantRoutes(app, context);
  riskRoutes(app, context);
  delegateRoutes(app, context);
  oauthRoutes(app, context);
};

/** The path below the emulator's prefix, without the query string. */
function pathBelow(url: string, prefix: string): string {
  const pathname = url.split('?')[0] ?? '/';
  return prefix && pathname.startsWith(prefix) ? pathname.slice(prefix.length) || '/' : pathname;
}

async function applyFault(
  fault: Fault,
  request: FastifyRequest,
  reply: FastifyReply,
  org: OktaOrg,
  path: string,
): Promise<'answered' | 'reset' | 'after-write' | 'continue'> {
  switch (fault.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return 'continue';
    case 'status': {
      const headers: Record<string, string> = {};
      if (fault.status === 429) {
        const seconds = fault.retryAfterSeconds ?? 1;
        const resetAt = Math.ceil(org.now() / 1000) + seconds;
        const limit = org.rateLimits.perMinute(endpointFamily(path));
        Object.assign(headers, rateLimitHeaders({ limit, remaining: 0, resetAt }));
        headers['retry-after'] = String(seconds);
      } else if (fault.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(fault.retryAfterSeconds);
      }
      const problem = problemForStatus(fault.status, headers);
      await reply.code(problem.status).headers(problem.headers).send(problem.body);
      return 'answered';
    }
    case 'malformed':
      await reply.code(200).type('application/json; charset=utf-8').send(TRUNCATED_JSON);
      return 'answered';
    case 'reset':
      reply.hijack();
      reply.raw.destroy(new Error(`connection reset by the Okta emulator (${request.method} ${request.url})`));
      return 'reset';
    case 'fail-after-write':
      return 'after-write';
  }
}
