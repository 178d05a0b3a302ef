import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SyncQueue } from './queue.js';

/**
 * Okta event hooks at `/hooks/okta`: the one-time verification (GET with
 * X-Okta-Verification-Challenge, answered with `{ verification }`), then deliveries of System Log
 * events. Every call must carry the authorization value configured on the hook. Events are hints,
 * never the truth: each access request they name is read afresh and its messages synced, so late,
 * duplicated or missed deliveries change nothing (the poller catches what a hook missed).
 *
 * Each delivery costs Okta reads, and Okta's rate budget is shared by every integration of the org,
 * so what one delivery may ask for is bounded: a few targets per event are read, a hundred requests
 * per delivery queued, only ids shaped like Okta's, and one sync per request per short window
 * however many events (and deliveries, on any replica) name it.
 *
 * Okta publishes the names of its access-request events (access.request.create, .resolve, .cancel,
 * .reject, .expire, and .update since release 2026.05.0) but not the shape of their `target[]`: the
 * request is taken to be any target whose id is shaped like a v2 request id, whatever its `type`
 * string. An access-request event naming none is not dropped: it asks for a poll soon (`pollSoon`),
 * which reads what changed lately.
 */

/** Okta names one request (and perhaps its requester and app) per event; more is not Okta. */
export const MAX_TARGETS_PER_EVENT = 10;
/** Distinct requests queued from one delivery; the poller finds any change beyond them. */
export const MAX_REQUESTS_PER_DELIVERY = 100;
/**
 * Events naming one request within this window become one sync, run when the window closes, so it
 * reads the request after all of them (a sync that ran mid-window could miss the later change).
 */
export const FOLD_WINDOW_MS = 200;
/**
 * The sync runs this long after its window closes: replicas' clocks differ a little, and an event
 * that one replica files under a window must not arrive after another replica's sync for that
 * window ran (it would be folded into a sync that already read the request; the poller would find
 * the change, but later).
 */
export const CLOCK_SKEW_MARGIN_MS = 200;
/**
 * Okta's v2 access-request ids: `req` and 17 letters or digits (the Governance API reference's
 * example is `reqp1pmpjhVdGEcVK1d5`). Anything else is not a request Gatehouse can read.
 */
export const OKTA_REQUEST_ID = /^req[A-Za-z0-9]{17}$/;

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

/** Okta's access-request events; the request is a target whose id is a request id, whatever its `type`. */
const ACCESS_REQUEST_EVENT = /^access\.request\./;

export function oktaHook(options: {
  secret: string;
  queue: SyncQueue;
  logger: Logger;
  now?: () => number;
  /**
   * Asks for a poll of recent changes soon (RequestPoller.pollSoon): for access-request events that
   * name no request Gatehouse can read. Without it such events are left to the next regular poll.
   */
  pollSoon?: () => void;
}): FastifyPluginAsync {
  const wanted = Buffer.from(options.secret);
  const now = options.now ?? Date.now;
  /**
   * Attached to each route itself (never a global hook matching `request.url`, which fastify's
   * router decodes differently: `/hooks/%6Fkta` is the same route). Runs before the body is read,
   * so an unauthorized caller gets nothing parsed, whatever it sends.
   */
  const requireSecret = async (request: FastifyRequest, reply: FastifyReply) => {
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    if (given.length === wanted.length && timingSafeEqual(given, wanted)) return;
    request.log.warn({ route: request.routeOptions.url }, 'refused an Okta hook call without its authorization');
    return reply.status(401).send({ error: 'unauthorized', message: 'Wrong hook authorization.' });
  };

  return async (app) => {
    app.get('/hooks/okta', { onRequest: requireSecret }, async (request, reply) => {
      const challenge = request.headers['x-okta-verification-challenge'];
      if (typeof challenge !== 'string' || !challenge) {
        return reply.status(400).send({ error: 'no_challenge', message: 'X-Okta-Verification-Challenge is missing.' });
      }
      return { verification: challenge };
    });

    app.post('/hooks/okta', { onRequest: requireSecret }, async (request, reply) => {
      const parsed = delivery.safeParse(request.body);
      if (!parsed.success) {
        return reply.status(400).send({
          error: 'malformed_delivery',
          message: 'Expected data.events[] of System Log events (at most 1000).',
        });
      }
      const requestIds = new Set<string>();
      let ignored = 0;
      const unnamed: string[] = [];
      for (const event of parsed.data.data.events) {
        if (!ACCESS_REQUEST_EVENT.test(event.eventType)) continue;
        // Only the first few targets are read: an event naming more is not one Okta wrote. The
        // delivery is still answered 200, so its other events are not lost to a refusal Okta will
        // not retry. The request is whichever target has a request's id (users and apps do not).
        ignored += Math.max(0, event.target.length - MAX_TARGETS_PER_EVENT);
        const requests = event.target
          .slice(0, MAX_TARGETS_PER_EVENT)
          .filter((target) => OKTA_REQUEST_ID.test(target.id));
        if (requests.length === 0) unnamed.push(event.eventType);
        for (const target of requests) requestIds.add(target.id);
      }
      if (unnamed.length > 0) {
        // Something happened to a request Gatehouse cannot tell: what changed lately is read instead.
        options.logger.warn(
          { events: unnamed.length, eventTypes: [...new Set(unnamed)].slice(0, 6), polling: Boolean(options.pollSoon) },
          'Okta access-request events named no request id (req + 17 letters or digits); polling for recent changes instead',
        );
        options.pollSoon?.();
      }
      const queued = [...requestIds].slice(0, MAX_REQUESTS_PER_DELIVERY);
      if (ignored > 0 || queued.length < requestIds.size) {
        options.logger.warn(
          { ignoredTargets: ignored, requests: requestIds.size, queued: queued.length },
          'an Okta hook delivery named more than Gatehouse queues; the poller will find any change left out',
        );
      }
      // Folded by request and window, not by the caller's event uuid: the job id is the window's,
      // so every replica agrees, and the job waits for the window to close.
      const at = now();
      const window = Math.floor(at / FOLD_WINDOW_MS);
      const delayMs = (window + 1) * FOLD_WINDOW_MS - at + CLOCK_SKEW_MARGIN_MS;
      // Queued before the answer, so an accepted delivery is never lost; the syncing happens after it.
      try {
        await Promise.all(
          queued.map((requestId) => options.queue.enqueue(requestId, { key: `hook-${window}`, delayMs })),
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
