import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { endUserPages } from './enduser-page.js';
import { JWT_BEARER, jwtBearerGrant, OAuthProblem } from './jwt-bearer.js';
import { type CatalogRecord, type EntitlementNames, IgaProblem, type RequestRecord } from './records.js';
import { filterOf, matches, page, sortRecords } from './search.js';
import type { PingOneTenant, Task } from './tenant.js';

export interface PingOneEmulatorOptions {
  tenant: PingOneTenant;
}

const GOV = '/iga/governance';
const TOKEN_PATH = /^\/am\/oauth2\/realms\/root\/realms\/[^/]+\/access_token$/;

const createBody = z.object({
  users: z.array(z.string()).min(1),
  catalogs: z.array(z.object({ type: z.string(), id: z.string() })).min(1),
  justification: z.string().max(10_000).optional(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  priority: z.enum(['low', 'medium', 'high']).optional(),
  accessModifier: z.enum(['add', 'remove']).optional(),
});

/**
 * The emulated PingOne AIC tenant over HTTP: its API, and the realm's end-user UI people's browsers
 * open. The two are siblings, so the page gets none of the API's hooks (no token, record or fault).
 */
export const pingOneEmulator: FastifyPluginAsync<PingOneEmulatorOptions> = async (app, { tenant }) => {
  // Only the tenant: the options also carry the prefix this plugin was given, which the children inherit.
  await app.register(pingOneApi, { tenant });
  await app.register(endUserPages, { tenant });
};

/**
 * The API: the IGA request, catalog, tasks (and the older
 * approvals), grants and configuration endpoints Gatehouse calls, and managed users under
 * /openidm, with a bearer token and CREST error bodies (`{ code, reason, message }`). Every call is
 * logged; armed faults answer before the route runs. A call acts as whom its token was issued for:
 * the service account (Gatehouse's own token, client credentials), or a person (the JWT bearer
 * grant), and IGA's rules apply to that actor. Where the tenant requires it, `/iga/…` refuses a
 * client-credentials token without the token-modification script's claims (requireIgaTokenClaims).
 */
const pingOneApi: FastifyPluginAsync<PingOneEmulatorOptions> = async (app, { tenant }) => {
  const afterWrite = new WeakMap<object, number>();
  const actors = new WeakMap<FastifyRequest, string>();
  const actorOf = (request: FastifyRequest) => actors.get(request) ?? tenant.serviceAccountId;
  app.addHook('onSend', async (request, reply, payload) => {
    const status = afterWrite.get(request);
    if (status === undefined || reply.statusCode >= 400) return payload;
    reply.code(status);
    return JSON.stringify({
      code: status,
      reason: REASONS[status] ?? 'Error',
      message: 'Injected fault after the write',
    });
  });
  app.addHook('onRequest', async (request, reply) => {
    const [path = '', search = ''] = request.url.slice(app.prefix.length).split('?');
    const query = new URLSearchParams(search);
    const action = query.get('_action') ?? undefined;
    const phaseName = query.get('phaseName') ?? undefined;
    const call = {
      method: request.method,
      path,
      ...(action ? { action } : {}),
      ...(phaseName ? { phaseName } : {}),
      query: Object.fromEntries(query),
      status: 0,
    };
    tenant.calls.push(call);
    reply.raw.on('finish', () => {
      call.status = reply.statusCode;
    });
    const fault = tenant.faults.find(
      (f) =>
        (!f.method || f.method === request.method) &&
        (!f.path || f.path.test(path)) &&
        (!f.action || f.action === action),
    );
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) tenant.faults.splice(tenant.faults.indexOf(fault), 1);
      if (fault.afterWrite) afterWrite.set(request, fault.status);
      else return crest(reply, fault.status, 'Injected fault');
    }
    if (TOKEN_PATH.test(path)) return;
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const actor = bearer ? tenant.actorOf(bearer) : undefined;
    if (!bearer || !actor) return crest(reply, 401, 'Access token is missing or invalid');
    if (path.startsWith('/iga/') && !tenant.igaAccepts(bearer)) {
      return crest(reply, tenant.igaTokenRefusal, 'The access token lacks the claims Identity Governance requires');
    }
    actors.set(request, actor);
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof IgaProblem) return crest(reply, error.status, error.message);
    if (error instanceof z.ZodError) return crest(reply, 400, `Invalid body: ${error.issues[0]?.message ?? ''}`);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status < 500) return crest(reply, status, (error as Error).message);
    return crest(reply, 500, 'Internal error');
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  // ── OAuth 2.0 token endpoint (AM): client credentials, and the JWT bearer grant (RFC 7523) ──
  app.post<{ Params: { realm: string }; Body: Record<string, string> }>(
    '/am/oauth2/realms/root/realms/:realm/access_token',
    async (request, reply) => {
      const basic = /^Basic (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
      const grantType = request.body?.grant_type;
      if (grantType === JWT_BEARER) {
        try {
          return await jwtBearerGrant(tenant, {
            form: request.body,
            ...(id !== undefined ? { basic: { id, secret: secret ?? '' } } : {}),
            // The audience is the token endpoint as the caller reached it, prefix included.
            tokenEndpoint: `${request.protocol}://${request.host}${request.url.split('?')[0]}`,
          });
        } catch (error) {
          if (!(error instanceof OAuthProblem)) throw error;
          return reply.code(error.status).send({ error: error.error, error_description: error.description });
        }
      }
      if (grantType !== 'client_credentials') {
        return reply
          .code(400)
          .send({ error: 'unsupported_grant_type', error_description: 'Grant type is not supported' });
      }
      const token = id && secret ? tenant.issueToken(id, secret) : null;
      if (!token)
        return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication failed' });
      return { access_token: token, scope: request.body.scope ?? '', token_type: 'Bearer', expires_in: 3600 };
    },
  );

  // ── Managed users ────────────────────────────────────────────────────────────────────────────
  app.get<{ Params: { realm: string }; Querystring: { _queryFilter?: string } }>(
    '/openidm/managed/:realm',
    async (request) => {
      const mail = /^mail eq "((?:[^"\\]|\\.)*)"$/.exec(request.query._queryFilter ?? '')?.[1];
      if (mail === undefined) throw new IgaProblem(400, 'Only mail eq "…" queries are supported here.');
      const wanted = mail.replace(/\\(.)/g, '$1').toLowerCase();
      const result = tenant.users.filter((user) => user.mail.toLowerCase() === wanted).map(userJson);
      return { result, resultCount: result.length, pagedResultsCookie: null, totalPagedResults: -1 };
    },
  );
  app.get<{ Params: { realm: string; id: string } }>('/openidm/managed/:realm/:id', async (request) => {
    const user = tenant.user(request.params.id);
    if (!user) throw new IgaProblem(404, 'Managed object not found');
    return userJson(user);
  });

  // ── Configuration ────────────────────────────────────────────────────────────────────────────
  app.get('/iga/commons/config/iga_access_request', async () => ({ ...tenant.config }));

  // ── Catalog ──────────────────────────────────────────────────────────────────────────────────
  app.post<{ Querystring: Record<string, string> }>(`${GOV}/catalog`, async (request) => {
    if (request.query._action !== 'search') throw new IgaProblem(400, 'Unsupported action');
    const items = request.query.userId ? tenant.catalogFor(request.query.userId) : tenant.catalog;
    const filter = filterOf(request.body);
    const found = items
      .map((item) => catalogJson(item, tenant.entitlementNames))
      .filter((item) => !filter || matches(item, filter));
    return page(found, request.query, tenant.searchAfterKey);
  });

  // ── Requests ─────────────────────────────────────────────────────────────────────────────────
  // Each answer writes entitlement names where this tenant keeps them.
  const shown = (record: RequestRecord) => requestJson(record, tenant.entitlementNames);
  const everyone = () => tenant.all().map(shown);

  // Everyone's requests, where Ping's UI has searched them since 2026-03-27 (c751e81da).
  app.post<{ Querystring: Record<string, string> }>(`${GOV}/requests/search`, async (request) => {
    if (!tenant.servesRequestsSearch) throw new IgaProblem(404, 'Request search not found');
    if (request.query._action !== 'search') throw new IgaProblem(400, 'Unsupported action');
    return search(tenant, everyone(), request.body, request.query);
  });

  app.post<{ Querystring: Record<string, string> }>(`${GOV}/requests`, async (request) => {
    const action = request.query._action;
    if (action === 'search') {
      if (!tenant.servesRequestsSearchAction) throw new IgaProblem(404, 'Resource not found');
      return search(tenant, everyone(), request.body, request.query);
    }
    const body = createBody.parse(request.body);
    if (action === 'validate') return { result: [], errors: tenant.validate(body) };
    if (action === 'create') {
      const { result, errors } = tenant.create(body, actorOf(request));
      return { result: createdJson(result, tenant), errors };
    }
    throw new IgaProblem(400, `Unsupported action ${action ?? ''}`);
  });

  app.get<{ Params: { id: string } }>(`${GOV}/requests/:id`, async (request) => {
    const found = tenant.request(request.params.id);
    if (!found) throw new IgaProblem(404, `Request ${request.params.id} not found`);
    return shown(found);
  });

  app.post<{ Params: { id: string }; Querystring: Record<string, string> }>(`${GOV}/requests/:id`, async (request) => {
    const { id } = request.params;
    const action = request.query._action;
    const body = (request.body ?? {}) as { justification?: unknown; comment?: unknown; updatedActors?: unknown };
    const said = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const actor = actorOf(request);
    if (action === 'approve' || action === 'reject') {
      tenant.decide(id, action, request.query.phaseName, actor, said(body.justification));
    } else if (action === 'comment') {
      tenant.comment(id, actor, said(body.comment) ?? '');
    } else if (action === 'cancel') {
      tenant.cancel(id, actor, said(body.comment));
    } else if (action === 'reassign') {
      tenant.reassign(id, request.query.phaseName, actor, body.updatedActors, said(body.comment));
    } else {
      throw new IgaProblem(400, `Unsupported action ${action ?? ''}`);
    }
    return shown(tenant.request(id) as RequestRecord);
  });

  app.post<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/requests`,
    async (request) => search(tenant, tenant.requestsOf(request.params.userId).map(shown), request.body, request.query),
  );

  // Ping's UI has asked here since 2024-10 (AccessRequestApi.getUserApprovals): each request
  // carries, in `phases`, the phases of that type assigned to the user, with their permissions.
  app.post<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/tasks`,
    async (request) => {
      if (!tenant.servesTasks) throw new IgaProblem(404, 'Resource not found');
      if (request.query._action !== 'search') throw new IgaProblem(400, 'Unsupported action');
      const type = request.query.type ?? 'request';
      if (type !== 'request' && type !== 'fulfillment' && type !== 'violation') {
        throw new IgaProblem(400, `Unsupported task type ${type}`);
      }
      const tasks =
        type === 'violation' ? [] : tenant.tasksOf(request.params.userId, actorStatusOf(request.query), type);
      return search(
        tenant,
        tasks.map((task) => taskJson(shown(task.request), task)),
        request.body,
        request.query,
      );
    },
  );

  app.post<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/approvals`,
    async (request) => {
      if (!tenant.servesApprovals) throw new IgaProblem(404, 'Resource not found');
      const approvals = tenant.approvalsOf(request.params.userId, actorStatusOf(request.query));
      return search(tenant, approvals.map(shown), request.body, request.query);
    },
  );

  app.get<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/grants`,
    async (request) => {
      const wanted = { account: 'applicationGrant', entitlement: 'entitlementGrant', role: 'roleGrant' }[
        request.query.grantType ?? ''
      ];
      const now = tenant.now();
      const held = tenant
        .requestsOf(request.params.userId)
        .filter(
          (r) =>
            r.user.id === request.params.userId &&
            ['provisioned', 'fulfilled'].includes(r.decision.outcome ?? '') &&
            (!wanted || r.requestType === wanted) &&
            !(r.request.common.endDate && Date.parse(r.request.common.endDate) <= now),
        )
        .map((r) => grantJson(r, tenant.entitlementNames));
      return page(held, request.query, tenant.searchAfterKey);
    },
  );
};

function actorStatusOf(query: Record<string, string>): 'active' | 'inactive' {
  return query.actorStatus === 'inactive' ? 'inactive' : 'active';
}

/** A grant as Ping's UI reads it: the dates under `item.decision.accessRequest`, none at the top. */
function grantJson(r: RequestRecord, names: EntitlementNames) {
  return named(names, {
    id: `grant-${r.id}`,
    item: {
      type:
        r.requestType === 'applicationGrant'
          ? 'accountGrant'
          : r.requestType === 'roleGrant'
            ? 'roleMembership'
            : 'entitlementGrant',
      decision: {
        accessRequest: {
          grantStartDate: r.decision.completionDate,
          grantEndDate: r.request.common.endDate ?? null,
        },
      },
    },
    application: r.application,
    entitlement: r.entitlement,
    assignment: r.assignment,
    role: r.role,
  });
}

/** A task: the request as the tenant shows it, with the phases assigned to the person. */
function taskJson(request: object, task: Task) {
  return {
    ...request,
    phases: task.phases.map(({ phase, permissions }) => ({
      name: phase.name,
      displayName: phase.displayName,
      type: phase.type,
      status: phase.status,
      startDate: phase.startDate,
      permissions: { ...permissions },
    })),
  };
}

function search<T>(tenant: PingOneTenant, records: T[], body: unknown, query: Record<string, string>) {
  const filter = filterOf(body);
  const found = records.filter((r) => !filter || matches(r, filter));
  return page(sortRecords(found, query, tenant.honoursSortType), query, tenant.searchAfterKey);
}

/** `_action=create`'s `result`, as this tenant writes it: whole requests, their ids, or nothing. */
function createdJson(created: RequestRecord[], tenant: PingOneTenant) {
  if (tenant.createAnswer === 'none') return [];
  if (tenant.createAnswer === 'ids') return created.map((r) => ({ id: r.id }));
  return created.map((r) => requestJson(r, tenant.entitlementNames));
}

function requestJson(record: RequestRecord, names: EntitlementNames) {
  const { plan: _plan, ...shown } = record;
  return named(names, structuredClone(shown));
}

function catalogJson(item: CatalogRecord, names: EntitlementNames) {
  // glossary stays: it is part of the item as IGA returns it.
  const { phases: _phases, outcome: _outcome, requesterGroupIds: _groups, ...shown } = item;
  return named(names, structuredClone(shown));
}

/**
 * The entitlement's name where this tenant writes it: under `descriptor.idx./entitlement`, where
 * Ping's UI reads and searches it first, or on the entitlement itself.
 */
function named<T extends { entitlement?: { displayName?: string } }>(names: EntitlementNames, json: T) {
  if (names !== 'descriptor' || !json.entitlement) return json;
  const { displayName, ...entitlement } = json.entitlement;
  return { ...json, entitlement, descriptor: { idx: { '/entitlement': { displayName } } } };
}

function userJson(user: PingOneTenant['users'][number]) {
  return {
    _id: user._id,
    userName: user.userName,
    givenName: user.givenName,
    sn: user.sn,
    mail: user.mail,
    accountStatus: user.accountStatus,
  };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function crest(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ code: status, reason: REASONS[status] ?? 'Error', message });
}
