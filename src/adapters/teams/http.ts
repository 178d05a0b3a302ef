import type { Activity, TurnContext } from 'botbuilder';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuthenticatedRequest, TeamsCloudAdapter } from './cloud-adapter.js';
import { withBotbuilderLogs } from './console.js';
import type { ServiceUrlPolicy } from './service-url.js';
import { tenantOf } from './tenant.js';

/** Teams' activities are a few kilobytes; an unauthenticated caller gets no further than this (audit F12). */
export const MESSAGES_BODY_LIMIT_BYTES = 256 * 1024;
/** How soon Teams may retry an activity whose token could not be checked. */
const RETRY_AFTER_SECONDS = 5;
/** botbuilder reads exactly `Bearer <token>`; anything else cannot authenticate. */
const BEARER = /^Bearer [^\s]+$/;
/** jsonwebtoken's verdicts on the token itself (bad signature, algorithm, expiry…), which botbuilder rethrows as they are. */
const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'NotBeforeError', 'TokenExpiredError']);

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

export interface MessagesRouteOptions {
  adapter: TeamsCloudAdapter;
  logic: (context: TurnContext) => Promise<void>;
  logger: Logger;
  /** The bot's app id; when set (outside sandbox mode) every request must carry a Bot Framework token for it. */
  appId: string;
  /** The one Microsoft 365 tenant served. */
  tenantId?: string;
  /** Which service URLs the bot may answer at (service-url.ts). */
  serviceUrlAllowed: ServiceUrlPolicy;
}

/**
 * `POST /api/messages` on our fastify server, in the order a request is judged:
 * 1. without an app id configured (sandbox) anything may knock; with one, a request that does not
 *    carry `Authorization: Bearer …` is refused (401) before its body is read, and no body over
 *    256 KB is read at all (413);
 * 2. the body must look like an activity (400);
 * 3. botbuilder checks the token: a token it refuses (or one not issued for this bot) is 401, one
 *    it could not check (Bot Framework or Entra metadata out of reach, or anything else failing
 *    inside validation) is 503 with `Retry-After`, so Teams delivers it again rather than have it
 *    lost — both logged through pino (botbuilder's console output too) and both with nothing
 *    processed;
 * 4. an authenticated activity from another tenant, or naming two (tenant.ts), is 403; so is one
 *    whose service URL is not Teams' (service-url.ts), as Gatehouse would send its token there;
 * 5. the turn runs. A failure inside it is logged and answered 200 (see below), never 5xx.
 */
export function messagesRoute(options: MessagesRouteOptions): FastifyPluginAsync {
  const { adapter, logic, appId } = options;
  const authenticated = Boolean(appId);
  return async (app) => {
    const requireBearer = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!authenticated || BEARER.test(String(request.headers.authorization ?? ''))) return undefined;
      options.logger.debug({ reqId: request.id }, 'Teams request without a Bearer token refused before its body');
      return reply.status(401).send(REFUSALS.unauthorized);
    };

    app.post(
      '/api/messages',
      { bodyLimit: MESSAGES_BODY_LIMIT_BYTES, onRequest: requireBearer },
      async (request, reply) => {
        const body = request.body;
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
          return reply
            .status(400)
            .send({ error: 'malformed_activity', message: 'The body must be a Bot Framework activity (JSON object).' });
        }
        if (!activityEnvelope.safeParse(body).success) return reply.status(400).send(REFUSALS.malformed);
        const logger = options.logger.child({ reqId: request.id });
        const activity = asActivity(body as Record<string, unknown>);
        const authorization = String(request.headers.authorization ?? '');

        let identity: AuthenticatedRequest;
        try {
          identity = await withBotbuilderLogs(logger, () => adapter.authenticate(activity, authorization));
          if (authenticated) notForAnotherAudience(identity, appId);
        } catch (err) {
          if (refusedToken(err)) {
            logger.warn(
              { reason: messageOf(err), activityType: activity.type },
              'Teams activity refused: its Bot Framework token is not valid',
            );
            return reply.status(401).send(REFUSALS.unauthorized);
          }
          logger.error(
            { err, activityType: activity.type },
            'Teams activity not processed: its Bot Framework token could not be checked (answered 503 so Teams retries)',
          );
          return reply.status(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send(REFUSALS.unavailable);
        }

        const tenant = tenantOf(activity, identity.claimsIdentity, options.tenantId);
        if (!tenant.ok) {
          // Another organisation's Teams, or an activity that names two: its people are not ours, whatever emails they claim.
          logger.warn(
            { reason: tenant.reason, named: tenant.named },
            'Teams activity refused: not from the tenant served',
          );
          return reply.status(403).send(REFUSALS.tenant);
        }
        if (!options.serviceUrlAllowed(activity.serviceUrl)) {
          // Authenticated, yet pointing elsewhere than Teams: answering would hand the bot's token to that host.
          logger.error(
            { serviceUrl: activity.serviceUrl },
            'Teams activity refused: its serviceUrl is not a Teams service URL',
          );
          return reply.status(403).send(REFUSALS.serviceUrl);
        }

        // The turn itself: what fails in the bot's handlers is logged by the adapter's onTurnError and
        // leaves an invoke without an answer (botbuilder then says 501); what fails around it (the
        // connector client) throws here. Either way it is answered 200: Teams retries a failed
        // delivery, and a turn that failed part-way may already have written (a request created, a
        // decision recorded, a reply sent), so a retry would do that work again; the person sees no
        // answer and asks again, which the flows' idempotency keys and claims absorb. Failures that
        // happen before anything ran (token, tenant, service URL) are answered above, as such.
        try {
          const answer = await withBotbuilderLogs(logger, () => adapter.runAuthenticated(identity, activity, logic));
          const status = answer?.status ?? 200;
          if (status >= 500) {
            logger.warn({ status, activityType: activity.type }, 'Teams turn ended without an answer; acknowledged');
            return reply.status(200).send();
          }
          return reply.status(status).send(answer?.body ?? '');
        } catch (err) {
          logger.error(
            { err, activityType: activity.type },
            'Teams activity failed after authentication; acknowledged',
          );
          return reply.status(200).send();
        }
      },
    );
  };
}

const REFUSALS = {
  malformed: {
    error: 'malformed_activity',
    message: 'The Bot Framework adapter refused this activity: it needs a type, a conversation and a serviceUrl.',
  },
  unauthorized: { error: 'unauthorized', message: 'This activity does not carry a valid Bot Framework token.' },
  unavailable: {
    error: 'authentication_unavailable',
    message: 'The Bot Framework token could not be checked just now; nothing was processed. Please retry.',
  },
  tenant: { error: 'forbidden', message: 'This activity is not from the Microsoft 365 tenant this bot serves.' },
  serviceUrl: { error: 'forbidden', message: 'This activity names a serviceUrl that is not a Microsoft Teams one.' },
} as const;

/**
 * botbuilder refuses a token with an AuthenticationError of status 401 (no token, wrong issuer,
 * audience or service URL, unknown key, expired), and lets jsonwebtoken's own errors through (bad
 * signature or algorithm). When it cannot load the signing keys it throws an AuthenticationError of
 * status 500 (metadata answered an error) or the fetch's own error (unreachable): not a verdict on
 * the token, so not a 401.
 */
function refusedToken(err: unknown): boolean {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return status < 500;
  return err instanceof Error && TOKEN_ERRORS.has(err.name);
}

/**
 * botbuilder checks the audience of Bot Framework channel tokens, but not of Entra-issued ones (its
 * "emulator" path): there any token obtained by the bot's app is taken, whatever it was for —
 * including the connector token Gatehouse itself sends with every reply. Only tokens issued to this
 * bot are accepted.
 */
function notForAnotherAudience(identity: AuthenticatedRequest, appId: string): void {
  const audience = identity.claimsIdentity.getClaimValue('aud')?.toLowerCase();
  const mine = [appId.toLowerCase(), `api://${appId.toLowerCase()}`];
  if (!audience || !mine.includes(audience)) {
    throw Object.assign(new Error(`Unauthorized. The token is for ${audience ?? 'no audience'}, not this bot.`), {
      statusCode: 401,
    });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
}

/** What botbuilder's CloudAdapter.process does to a parsed body before a turn (validateAndFixActivity). */
function asActivity(body: Record<string, unknown>): Activity {
  for (const [field, raw] of [
    ['timestamp', 'rawTimestamp'],
    ['expiration', 'rawExpiration'],
    ['localTimestamp', 'rawLocalTimestamp'],
  ] as const) {
    const value = body[field];
    if (typeof value === 'string') {
      body[raw] = value;
      body[field] = new Date(value);
    }
  }
  return body as unknown as Activity;
}
