import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';

/**
 * What every activity Teams sends has, checked before botbuilder sees it: an activity without them
 * makes the adapter throw deep inside (a serviceUrl that is not a string, say) instead of refusing.
 */
const activityEnvelope = z
  .object({
    type: z.string().min(1),
    serviceUrl: z.string().url(),
    conversation: z.object({ id: z.string().min(1) }).passthrough(),
    from: z.object({ id: z.string() }).passthrough().optional(),
  })
  .passthrough();

/**
 * `POST /api/messages` on our fastify server. botbuilder's CloudAdapter wants Express-like request
 * and response objects; this shim gives it fastify's parsed body and a reply it can write once.
 * Authentication (the Bot Framework JWT) is the adapter's, configured from MICROSOFT_APP_*.
 */
export function messagesRoute(options: {
  adapter: CloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  logger: Logger;
}): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/messages', async (request, reply) => {
      if (!request.body || typeof request.body !== 'object' || Array.isArray(request.body)) {
        return reply
          .status(400)
          .send({ error: 'malformed_activity', message: 'The body must be a Bot Framework activity (JSON object).' });
      }
      if (!activityEnvelope.safeParse(request.body).success) {
        return reply.status(400).send(REFUSALS[400]);
      }
      const response = shim(reply);
      try {
        await options.adapter.process(
          { body: request.body as Record<string, unknown>, headers: request.headers, method: request.method },
          response,
          options.logic,
        );
      } catch (err) {
        options.logger.error({ err }, 'Teams activity failed');
      }
      const status = response.statusCode ?? 200;
      // Authentication failures keep their 401; an unexpected failure inside a turn is logged, never a 500.
      if (status >= 500) return reply.status(200).send();
      // botbuilder refuses some activities (no type, no conversation) with a bare status: say why.
      if (status >= 400 && (response.body === undefined || response.body === '')) {
        return reply.status(status).send(REFUSALS[status] ?? REFUSALS[400]);
      }
      return reply.status(status).send(response.body ?? '');
    });
  };
}

const REFUSALS: Record<number, { error: string; message: string }> = {
  400: {
    error: 'malformed_activity',
    message: 'The Bot Framework adapter refused this activity: it needs a type, a conversation and a serviceUrl.',
  },
  401: { error: 'unauthorized', message: 'This activity does not carry a valid Bot Framework token.' },
  403: { error: 'forbidden', message: 'This activity is not for this bot.' },
};

interface ShimResponse {
  socket: unknown;
  statusCode?: number;
  body?: unknown;
  status(code: number): ShimResponse;
  header(name: string, value: unknown): ShimResponse;
  send(body?: unknown): ShimResponse;
  end(): ShimResponse;
}

/** Collects what CloudAdapter writes; the route sends it once, after process() returns. */
function shim(reply: FastifyReply): ShimResponse {
  const response: ShimResponse = {
    socket: reply.raw.socket,
    status(code) {
      response.statusCode = code;
      return response;
    },
    header(name, value) {
      reply.header(name, value);
      return response;
    },
    send(body) {
      response.body = body;
      return response;
    },
    end() {
      return response;
    },
  };
  return response;
}
