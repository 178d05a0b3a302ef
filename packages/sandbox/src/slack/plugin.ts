import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Args } from './args.js';
import { isObject } from './block-kit-objects.js';
import type { SlackFault } from './faults.js';
import { answerCall, logCall } from './methods.js';
import { postToResponseUrl } from './response-url.js';
import type { SlackWorkspace } from './workspace.js';

export interface SlackEmulatorOptions {
  workspace: SlackWorkspace;
}

/** The scopes Gatehouse's manifest asks for, echoed in `x-oauth-scopes` as Slack does. */
const SCOPES = 'commands,chat:write,chat:write.public,users:read,users:read.email';

/**
 * The emulated Slack Web API over HTTP: `POST /api/<method>` exactly as https://slack.com/api/<method>
 * (point @slack/web-api's `slackApiUrl` at `<prefix>/api/`), and `POST /response/<id>` for the
 * response_urls the workspace mints. Its form parser and error handler stay inside this plugin.
 */
export const slackEmulator: FastifyPluginAsync<SlackEmulatorOptions> = async (app, { workspace }) => {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const isResponseUrl = request.url.includes('/response/');
    // A body Slack cannot read: `invalid_json` on the Web API (always HTTP 200), 400 on a response_url.
    if (error.code?.startsWith('FST_ERR_CTP') || (error.statusCode && error.statusCode < 500)) {
      const code = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'invalid_post_type' : 'invalid_json';
      return reply.code(isResponseUrl ? 400 : 200).send({ ok: false, error: isResponseUrl ? 'invalid_payload' : code });
    }
    request.log.error({ err: error }, 'the Slack emulator failed');
    return reply.code(500).send({ ok: false, error: 'internal_error' });
  });

  const api = async (request: FastifyRequest<{ Params: { method: string } }>, reply: FastifyReply) => {
    const { method } = request.params;
    const body = isObject(request.body) ? request.body : {};
    const args: Args = { ...(request.query as Args), ...body };
    if (await faulted(workspace, method, args, reply)) return reply;
    const token = tokenOf(request, args);
    if (await rateLimited(workspace, method, args, token, reply)) return reply;
    return answerCall(workspace, method, args, token);
  };
  app.post('/api/:method', api);
  app.get('/api/:method', api);

  app.post('/response/:id', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    if (await faulted(workspace, 'response_url', {}, reply)) return reply;
    const answer = postToResponseUrl(workspace, request.params.id, request.body);
    return reply.code(answer.status).send(answer.body);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url.includes('/api/')) reply.header('x-oauth-scopes', SCOPES);
    return payload;
  });
};

/**
 * The bot token: `Authorization: Bearer xoxb-…`, or a `token` field in a form or query string.
 * Slack ignores a token inside a JSON body (JSON requests must use the header), and so does this.
 */
function tokenOf(request: FastifyRequest, args: Args): string | undefined {
  const header = request.headers.authorization;
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return bearer;
  const isJson = request.headers['content-type']?.includes('application/json') ?? false;
  const field = isJson ? (request.query as Args).token : args.token;
  return typeof field === 'string' && field !== '' ? field : undefined;
}

/**
 * Slack's rate limits, when the workspace enforces them: a call over its method's limit is answered
 * as Slack answers it (429, Retry-After in seconds, `ratelimited`) and logged. Only the bot's calls
 * count: the limits are the app's, and a call without its token is refused before any budget.
 */
async function rateLimited(
  workspace: SlackWorkspace,
  method: string,
  args: Args,
  token: string | undefined,
  reply: FastifyReply,
): Promise<boolean> {
  if (!workspace.rateLimits || token !== workspace.botToken) return false;
  const retryAfterSeconds = workspace.rateLimits.take(method, args);
  if (retryAfterSeconds === undefined) return false;
  logCall(workspace, method, args, 'ratelimited');
  await reply.code(429).header('retry-after', String(retryAfterSeconds)).send({ ok: false, error: 'ratelimited' });
  return true;
}

/** Applies an armed fault; true when the fault answered the call itself. */
async function faulted(workspace: SlackWorkspace, method: string, args: Args, reply: FastifyReply): Promise<boolean> {
  const fault: SlackFault | undefined = workspace.faults.take(method);
  if (!fault) return false;
  switch (fault.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return false;
    case 'ratelimited':
      logCall(workspace, method, args, 'ratelimited');
      await reply
        .code(429)
        .header('retry-after', String(fault.retryAfterSeconds ?? 1))
        .send({ ok: false, error: 'ratelimited' });
      return true;
    case 'error':
      logCall(workspace, method, args, fault.error);
      await reply.code(method === 'response_url' ? 400 : 200).send({ ok: false, error: fault.error });
      return true;
    case 'http500':
      logCall(workspace, method, args, 'http500');
      await reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error');
      return true;
  }
}
