import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type Answer, createConversation, deleteActivity, sendActivity, updateActivity } from './conversations.js';
import { ConnectorError, defaultCode } from './errors.js';
import { getMember, getMembers, getPagedMembers, teamChannels, teamDetails } from './members.js';
import type { TeamsTenant } from './tenant.js';

export interface TeamsConnectorOptions {
  tenant: TeamsTenant;
}

type Params = { conversationId: string; activityId: string; memberId: string; teamId: string };
type Handler = (request: FastifyRequest<{ Params: Params }>, base: string) => Answer;

/**
 * The Bot Framework connector as Teams serves it, at `<prefix>/v3/...`: point a serviceUrl at the
 * prefix and botframework-connector's ConnectorClient (so botbuilder's CloudAdapter and TeamsInfo)
 * talk to it exactly as to https://smba.trafficmanager.net/<region>/. Plus two readers of our own:
 * `GET /v3/conversations/{id}/activities` (the transcript) and `GET /users` (the seeded people).
 * Calls are accepted without a token, as the sandbox runs the bot without app credentials; a Bearer
 * token, if sent, is not checked. Its parsers, hooks and error handler stay inside this plugin.
 */
export const teamsConnector: FastifyPluginAsync<TeamsConnectorOptions> = async (app, { tenant }) => {
  const codes = new WeakMap<FastifyRequest, string>();
  const pathOf = (request: FastifyRequest) =>
    decodeURIComponent(request.url.split('?')[0] ?? '').slice(app.prefix.length);
  const operationOf = (request: FastifyRequest) =>
    (request.routeOptions?.config as { operation?: string } | undefined)?.operation;

  const refuse = (request: FastifyRequest, reply: FastifyReply, error: ConnectorError) => {
    codes.set(request, error.code);
    return reply.code(error.status).send(error.body);
  };

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error instanceof ConnectorError) return refuse(request, reply, error);
    if (error.code?.startsWith('FST_ERR_CTP') || (error.statusCode && error.statusCode < 500)) {
      return refuse(
        request,
        reply,
        new ConnectorError(400, 'BadSyntax', `The request body could not be read: ${error.message}`),
      );
    }
    request.log.error({ err: error }, 'the Teams connector emulator failed');
    return refuse(request, reply, new ConnectorError(500, 'ServiceError', 'Unknown'));
  });

  app.setNotFoundHandler((request, reply) =>
    refuse(
      request,
      reply,
      new ConnectorError(404, 'NotFound', `No such connector route: ${request.method} ${pathOf(request)}`),
    ),
  );

  // Anonymous (the sandbox bot has no app id) or any Bearer token; other schemes are refused as Azure's front door does.
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    if (header === undefined || /^Bearer\b/i.test(header)) return;
    codes.set(request, 'Unauthorized');
    await reply.code(401).send({ message: 'Authorization has been denied for this request.' });
  });

  app.addHook('preHandler', async (request, reply) => {
    const fault = tenant.faults.take({
      method: request.method,
      path: pathOf(request),
      operation: operationOf(request),
    });
    if (!fault) return;
    if (fault.kind === 'delay') {
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return;
    }
    if (fault.kind === 'throttled') {
      codes.set(request, 'Throttled');
      await reply
        .code(429)
        .header('retry-after', String(fault.retryAfterSeconds ?? 1))
        .send({ error: { code: 'Throttled', message: 'Too many requests.' } });
      return;
    }
    const code = fault.code ?? defaultCode(fault.status);
    await refuse(request, reply, new ConnectorError(fault.status, code, fault.message ?? `Fault injected: ${code}`));
  });

  app.addHook('onResponse', async (request, reply) => {
    const operation = operationOf(request);
    const code = codes.get(request);
    tenant.calls.push({
      method: request.method,
      path: pathOf(request),
      ...(operation ? { operation } : {}),
      status: reply.statusCode,
      ...(code ? { code } : {}),
      at: tenant.now(),
    });
  });

  const route = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, operation: string, handler: Handler) =>
    app.route<{ Params: Params }>({
      method,
      url,
      config: { operation },
      handler: async (request, reply) => {
        const answer = handler(request, `${request.protocol}://${request.host}${app.prefix}`);
        return answer.body === undefined
          ? reply.code(answer.status).send()
          : reply.code(answer.status).send(answer.body);
      },
    });

  const conversation = '/v3/conversations/:conversationId';
  route('POST', '/v3/conversations', 'createConversation', (request, base) =>
    createConversation(tenant, request.body, base),
  );
  route('POST', `${conversation}/activities`, 'sendToConversation', (request) =>
    sendActivity(tenant, request.params.conversationId, request.body),
  );
  route('POST', `${conversation}/activities/:activityId`, 'replyToActivity', ({ params, body }) =>
    sendActivity(tenant, params.conversationId, body, params.activityId),
  );
  route('PUT', `${conversation}/activities/:activityId`, 'updateActivity', ({ params, body }) =>
    updateActivity(tenant, params.conversationId, params.activityId, body),
  );
  route('DELETE', `${conversation}/activities/:activityId`, 'deleteActivity', ({ params }) =>
    deleteActivity(tenant, params.conversationId, params.activityId),
  );
  route('GET', `${conversation}/members`, 'getConversationMembers', ({ params }) =>
    getMembers(tenant, params.conversationId),
  );
  route('GET', `${conversation}/members/:memberId`, 'getConversationMember', ({ params }) =>
    getMember(tenant, params.conversationId, params.memberId),
  );
  route('GET', `${conversation}/pagedmembers`, 'getConversationPagedMembers', ({ params, query }) =>
    getPagedMembers(tenant, params.conversationId, query as Record<string, unknown>),
  );
  route('GET', '/v3/teams/:teamId', 'fetchTeamDetails', ({ params }) => teamDetails(tenant, params.teamId));
  route('GET', '/v3/teams/:teamId/conversations', 'fetchChannelList', ({ params }) =>
    teamChannels(tenant, params.teamId),
  );

  // Our own readers, for tests and the playground: not part of the connector API.
  route('GET', `${conversation}/activities`, 'transcript', ({ params }) => {
    tenant.requireConversation(params.conversationId);
    return { status: 200, body: { activities: tenant.transcript(params.conversationId) } };
  });
  route('GET', '/users', 'users', () => ({
    status: 200,
    body: {
      users: tenant.users.map(({ id, aadObjectId, name, email, userPrincipalName, userRole }) => ({
        id,
        aadObjectId,
        name,
        ...(email ? { email } : {}),
        userPrincipalName,
        userRole,
        conversationId: tenant.personalConversationOf(id),
      })),
    },
  }));
};
