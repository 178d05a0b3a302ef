import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { type CatalogRecord, IgaProblem, type PingOneTenant, type RequestRecord } from './tenant.js';

export interface PingOneEmulatorOptions {
  tenant: PingOneTenant;
}

const GOV = '/iga/governance';
const TOKEN_PATH = /^\/am\/oauth2\/realms\/root\/realms\/[^/]+\/access_token$/;

/** A targetFilter node: `{ operator, operand }`, with leaves `{ targetName, targetValue }`. */
type FilterNode = { operator: string; operand: unknown };

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
 * The emulated PingOne AIC tenant over HTTP: the IGA request, catalog, approvals, grants and
 * configuration endpoints Gatehouse calls, and managed users under /openidm, with a bearer token
 * and CREST error bodies (`{ code, reason, message }`). Every call is logged; armed faults answer
 * before the route runs.
 */
export const pingOneEmulator: FastifyPluginAsync<PingOneEmulatorOptions> = async (app, { tenant }) => {
  const afterWrite = new WeakMap<object, number>();
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
    if (!bearer || !tenant.acceptsToken(bearer)) {
      return crest(reply, 401, 'Access token is missing or invalid');
    }
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

  // ── OAuth 2.0 client credentials (AM) ────────────────────────────────────────────────────────
  app.post<{ Params: { realm: string }; Body: Record<string, string> }>(
    '/am/oauth2/realms/root/realms/:realm/access_token',
    async (request, reply) => {
      const basic = /^Basic (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
      const [id, secret] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
      if (request.body?.grant_type !== 'client_credentials') {
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
    const filter = (request.body as { targetFilter?: FilterNode } | undefined)?.targetFilter;
    const found = items.filter((item) => !filter || matches(catalogJson(item), filter)).map(catalogJson);
    return page(found, request.query);
  });

  // ── Requests ─────────────────────────────────────────────────────────────────────────────────
  app.post<{ Querystring: Record<string, string> }>(`${GOV}/requests`, async (request) => {
    const action = request.query._action;
    if (action === 'search') return search(tenant.all(), request.body, request.query);
    const body = createBody.parse(request.body);
    if (action === 'validate') return { result: [], errors: tenant.validate(body) };
    if (action === 'create') {
      const { result, errors } = tenant.create(body, tenant.serviceAccountId);
      return { result: result.map(requestJson), errors };
    }
    throw new IgaProblem(400, `Unsupported action ${action ?? ''}`);
  });

  app.get<{ Params: { id: string } }>(`${GOV}/requests/:id`, async (request) => {
    const found = tenant.request(request.params.id);
    if (!found) throw new IgaProblem(404, `Request ${request.params.id} not found`);
    return requestJson(found);
  });

  app.post<{ Params: { id: string }; Querystring: Record<string, string> }>(`${GOV}/requests/:id`, async (request) => {
    const { id } = request.params;
    const action = request.query._action;
    const body = (request.body ?? {}) as { justification?: unknown; comment?: unknown };
    const said = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const actor = tenant.serviceAccountId;
    if (action === 'approve' || action === 'reject') {
      tenant.decide(id, action, request.query.phaseName, actor, said(body.justification));
    } else if (action === 'comment') {
      tenant.comment(id, actor, said(body.comment) ?? '');
    } else if (action === 'cancel') {
      tenant.cancel(id, actor, said(body.comment));
    } else {
      throw new IgaProblem(400, `Unsupported action ${action ?? ''}`);
    }
    return requestJson(tenant.request(id) as RequestRecord);
  });

  app.post<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/requests`,
    async (request) => search(tenant.requestsOf(request.params.userId), request.body, request.query),
  );

  app.post<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/approvals`,
    async (request) => {
      const status = request.query.actorStatus === 'inactive' ? 'inactive' : 'active';
      return search(tenant.approvalsOf(request.params.userId, status), request.body, request.query);
    },
  );

  app.get<{ Params: { userId: string }; Querystring: Record<string, string> }>(
    `${GOV}/user/:userId/grants`,
    async (request) => {
      const wanted = { account: 'applicationGrant', entitlement: 'entitlementGrant', role: 'roleGrant' }[
        request.query.grantType ?? ''
      ];
      const now = Date.now();
      const held = tenant
        .requestsOf(request.params.userId)
        .filter(
          (r) =>
            r.user.id === request.params.userId &&
            r.decision.outcome === 'provisioned' &&
            (!wanted || r.requestType === wanted) &&
            !(r.request.common.endDate && Date.parse(r.request.common.endDate) <= now),
        )
        .map((r) => ({
          id: `grant-${r.id}`,
          item: {
            type:
              r.requestType === 'applicationGrant'
                ? 'accountGrant'
                : r.requestType === 'roleGrant'
                  ? 'roleMembership'
                  : 'entitlementGrant',
          },
          application: r.application,
          entitlement: r.entitlement,
          assignment: r.assignment,
          role: r.role,
          grantStartDate: r.decision.completionDate,
          grantEndDate: r.request.common.endDate ?? null,
        }));
      return page(held, request.query);
    },
  );
};

function search(records: RequestRecord[], body: unknown, query: Record<string, string>) {
  const filter = (body as { targetFilter?: FilterNode } | undefined)?.targetFilter;
  const json = records.map(requestJson).filter((r) => !filter || matches(r, filter));
  const keys = (query._sortKeys ?? '').split(',').filter(Boolean);
  if (keys.length > 0) {
    json.sort((a, b) => {
      for (const key of keys) {
        const descending = key.startsWith('-');
        const path = key.replace(/^[-+]/, '');
        const x = String(valueAt(a, path) ?? '');
        const y = String(valueAt(b, path) ?? '');
        const order = descending ? y.localeCompare(x) : x.localeCompare(y);
        if (order !== 0) return order;
      }
      return 0;
    });
  }
  return page(json, query);
}

function page<T>(items: T[], query: Record<string, string>) {
  const size = Math.min(Math.max(Number(query._pageSize ?? 50) || 50, 1), 1000);
  const offset = Math.max(Number(query._pagedResultsOffset ?? 0) || 0, 0);
  const result = items.slice(offset, offset + size);
  return { result, resultCount: result.length, totalCount: items.length, searchAfterKey: [] };
}

/** IGA's filter semantics over a JSON record: dotted target names, EQUALS exact, CONTAINS case-insensitive. */
function matches(record: unknown, node: FilterNode): boolean {
  const operator = String(node.operator ?? '').toUpperCase();
  if (operator === 'AND' || operator === 'OR' || operator === 'NOT') {
    const children = (Array.isArray(node.operand) ? node.operand : []) as FilterNode[];
    if (operator === 'AND') return children.every((child) => matches(record, child));
    if (operator === 'OR') return children.some((child) => matches(record, child));
    return !children.every((child) => matches(record, child));
  }
  const { targetName, targetValue } = (node.operand ?? {}) as { targetName?: string; targetValue?: unknown };
  if (!targetName) throw new IgaProblem(400, 'A filter leaf needs targetName');
  const value = valueAt(record, targetName);
  if (operator === 'EQUALS') return value !== undefined && value !== null && String(value) === String(targetValue);
  if (operator === 'CONTAINS') {
    return typeof value === 'string' && value.toLowerCase().includes(String(targetValue).toLowerCase());
  }
  if (operator === 'EXISTS') return value !== undefined && value !== null;
  throw new IgaProblem(400, `Unsupported filter operator ${operator}`);
}

function valueAt(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function requestJson(record: RequestRecord) {
  const { plan: _plan, ...shown } = record;
  return structuredClone(shown);
}

function catalogJson(item: CatalogRecord) {
  // glossary stays: it is part of the item as IGA returns it.
  const { phases: _phases, outcome: _outcome, requesterGroupIds: _groups, ...shown } = item;
  return structuredClone(shown);
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
