import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SyncQueue } from './queue.js';

/**
 * Okta event hooks at `/hooks/okta`: the one-time verification (GET with
 * X-Okta-Verification-Challenge, answered with `{ verification }`), then deliveries of System Log
 * events. Every call must carry the authorization value configured on the hook. Events are hints,
 * never the truth: each access request they name is read afresh and its messages synced, so late,
 * duplicated or missed deliveries change nothing (the poller catches what a hook missed).
 */

const delivery = z.object({
  data: z.object({
    events: z
      .array(
        z
          .object({
            uuid: z.string().optional(),
            eventType: z.string(),
            target: z.array(z.object({ id: z.string(), type: z.string() }).passthrough()).default([]),
          })
          .passthrough(),
      )
      .max(1000),
  }),
});

/** Okta's access-request events; the request is the target of type AccessRequest. */
const ACCESS_REQUEST_EVENT = /^access\.request\./;

export function oktaHook(options: { secret: string; queue: SyncQueue; logger: Logger }): FastifyPluginAsync {
  const authorized = (request: FastifyRequest) => {
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    const wanted = Buffer.from(options.secret);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };
  return async (app) => {
    // Before the body is read: an unauthorized caller gets nothing parsed, whatever it sends.
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/hooks/okta')) return;
      if (!authorized(request))
        return reply.status(401).send({ error: 'unauthorized', message: 'Wrong hook authorization.' });
    });

    app.get('/hooks/okta', async (request, reply) => {
      const challenge = request.headers['x-okta-verification-challenge'];
      if (typeof challenge !== 'string' || !challenge) {
        return reply.status(400).send({ error: 'no_challenge', message: 'X-Okta-Verification-Challenge is missing.' });
      }
      return { verification: challenge };
    });

    app.post('/hooks/okta', async (request, reply) => {
      const parsed = delivery.safeParse(request.body);
      if (!parsed.success) {
        return reply
          .status(400)
          .send({ error: 'malformed_delivery', message: 'Expected data.events[] of System Log events.' });
      }
      // One job per request and event: Okta redelivering an event adds nothing.
      const jobs = new Map<string, { requestId: string; key?: string }>();
      for (const event of parsed.data.data.events) {
        if (!ACCESS_REQUEST_EVENT.test(event.eventType)) continue;
        for (const target of event.target) {
          if (target.type !== 'AccessRequest') continue;
          const key = event.uuid ? `hook-${event.uuid}` : undefined;
          jobs.set(`${target.id} ${key}`, { requestId: target.id, key });
        }
      }
      // Queued before the answer, so an accepted delivery is never lost; the syncing happens after it.
      try {
        await Promise.all(
          [...jobs.values()].map(({ requestId, key }) => options.queue.enqueue(requestId, key ? { key } : {})),
        );
      } catch (err) {
        options.logger.error({ err }, 'hook delivery not queued');
        // Okta retries a delivery that failed; the poller would catch the change anyway.
        return reply.status(503).send({ error: 'unavailable', message: 'Could not queue the events; retry.' });
      }
      return reply.status(200).send();
    });
  };
}
