import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.js';
import { invalidQuery, notFound, parseBody } from './errors.js';
import { compileFilter, type FilterAttributes, FilterRejected, parseFilter } from './filter.js';
import { listLinks, orderByTime, pageAfter, queryParam, readLimit, readOrderBy } from './paging.js';
import type { RequestRecord } from './records.js';
import { renderRequest, renderRequestSparse } from './render.js';
import { createRequestBody, messageBody, updateRequestBody } from './wire.js';

const READ = 'okta.accessRequests.request.read';
const MANAGE = 'okta.accessRequests.request.manage';
const REQUESTS = '/governance/api/v2/requests';

const equals = (read: (request: RequestRecord) => string | undefined, values?: readonly string[]) =>
  ({ operators: ['eq'], read, ...(values ? { values } : {}) }) as const;

/** Exactly the attributes the v2 list documents (x-scim-filter); anything else is refused. */
const REQUEST_ATTRIBUTES: FilterAttributes<RequestRecord> = {
  status: equals(
    (request) => request.status,
    ['SUBMITTED', 'PENDING', 'APPROVED', 'REJECTED', 'DENIED', 'CANCELED', 'EXPIRED'],
  ),
  grantStatus: equals((request) => request.grantStatus, ['PENDING', 'GRANTED', 'FAILED', 'MANUAL_REQUIRED']),
  lastUpdated: { operators: ['gt'], read: (request) => request.lastUpdated, kind: 'date' },
  requestedFor: equals((request) => request.requestedFor.externalId),
  resourceId: equals((request) => request.requested.resourceId),
  resourceType: equals((request) => request.requested.resourceType),
  accessScopeId: equals((request) => request.requested.accessScopeId),
  accessScopeType: equals((request) => request.requested.accessScopeType),
};

function requestQuery(request: FastifyRequest): (item: RequestRecord) => boolean {
  const filter = queryParam(request, 'filter');
  if (filter === undefined) return () => true;
  try {
    return compileFilter(parseFilter(filter), REQUEST_ATTRIBUTES);
  } catch (error) {
    if (error instanceof FilterRejected) throw invalidQuery('filter', error.message);
    throw error;
  }
}

/** Access Requests v2: create (202 SUBMITTED), read, list (sparse items), cancel (PATCH, Beta) and comment. */
export function requestRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;

  app.post(REQUESTS, async (request, reply) => {
    const { actor } = context.requireScope(request, MANAGE);
    const body = parseBody(createRequestBody, request.body);
    const created = org.createRequest(body, actor);
    return reply.code(202).send(renderRequest(created, undefined, context.base(request)));
  });

  app.get(REQUESTS, async (request, reply) => {
    context.requireScope(request, READ);
    const wanted = requestQuery(request);
    const limit = readLimit(request, { fallback: 20 });
    const order = readOrderBy(request, ['created', 'lastUpdated'], 'created');
    const requests = orderByTime(
      org.findRequests(wanted),
      (item) => (order.field === 'created' ? item.created : item.lastUpdated),
      order.direction,
    );
    const { page, nextAfter } = pageAfter(requests, request, limit);
    const base = context.base(request);
    return {
      data: page.map((item) => renderRequestSparse(item, org.routingOf(item.id), base)),
      _links: listLinks(request, reply, nextAfter),
    };
  });

  app.get<{ Params: { id: string } }>(`${REQUESTS}/:id`, async (request) => {
    context.requireScope(request, READ);
    const found = org.request(request.params.id);
    if (!found) throw notFound();
    return renderRequest(found, org.routingOf(found.id), context.base(request));
  });

  app.patch<{ Params: { id: string } }>(`${REQUESTS}/:id`, async (request) => {
    const { actor } = context.requireScope(request, MANAGE);
    parseBody(updateRequestBody, request.body);
    return renderRequest(
      org.cancelRequestAs(request.params.id, actor),
      org.routingOf(request.params.id),
      context.base(request),
    );
  });

  app.post<{ Params: { id: string } }>(`${REQUESTS}/:id/messages`, async (request, reply) => {
    const { actor } = context.requireScope(request, MANAGE);
    if (!org.request(request.params.id)) throw notFound();
    const { message } = parseBody(messageBody, request.body);
    org.postMessage(request.params.id, message, actor);
    return reply.code(201).send();
  });
}
