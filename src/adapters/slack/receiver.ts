import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { BackgroundWork } from '../../background.js';
import { checkSlackSignature, type SignatureProblem } from './verify.js';

/** Slack waits 3 s; answer a little before, whatever the listeners are doing. */
const ACK_DEADLINE_MS = 2_700;
const BODY_LIMIT_BYTES = 256 * 1024;

const REFUSALS: Record<SignatureProblem, string> = {
  missing_signature: 'This request is not signed by Slack (X-Slack-Signature and X-Slack-Request-Timestamp).',
  stale_timestamp: 'This request is more than five minutes old or from the future; it may be a replay.',
  bad_signature: 'The Slack signature does not match this request.',
};

/**
 * Bolt's receiver for our own fastify server (Bolt ships none for fastify 5): it keeps the body's raw
 * bytes for the signature (decoded as UTF-8 only once they are known to be Slack's), refuses
 * unsigned, wrongly signed or stale requests with 401 before anything is parsed or dispatched (but
 * for Slack's unsigned ssl_check, answered 200 and otherwise ignored), and
 * answers Slack as soon as a listener acks, so the slow work of a listener runs after Slack has its
 * answer.
 */
export class FastifyReceiver implements Receiver {
  private bolt: App | undefined;

  constructor(
    private readonly options: { signingSecret: string; logger: Logger; path?: string; background?: BackgroundWork },
  ) {}

  init(app: App): void {
    this.bolt = app;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  readonly plugin: FastifyPluginAsync = async (app) => {
    // Parsers are scoped to this plugin, so other routes keep fastify's JSON parsing.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES }, (_request, body, done) =>
      done(null, body),
    );
    app.post(this.options.path ?? '/slack/events', async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = (name: string) => {
        const value = request.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      if (isSslCheck(rawBody, header('content-type'))) {
        // Answered whatever else the body holds, and nothing of it is read: it does nothing but 200.
        request.log.info('answered Slack’s ssl_check');
        return reply.status(200).send();
      }
      const problem = checkSlackSignature({
        signingSecret: this.options.signingSecret,
        rawBody,
        signature: header('x-slack-signature'),
        timestamp: header('x-slack-request-timestamp'),
      });
      if (problem) {
        request.log.warn({ problem }, 'refused a Slack request');
        return reply.status(401).send({ error: problem, message: REFUSALS[problem] });
      }
      const body = parseBody(rawBody.toString('utf8'), header('content-type'));
      if (!body) {
        return reply
          .status(400)
          .send({ error: 'malformed_body', message: 'The body is neither a Slack form nor JSON.' });
      }
      if (body.ssl_check === '1') return reply.status(200).send();
      if (body.type === 'url_verification' && typeof body.challenge === 'string') {
        return reply.send({ challenge: body.challenge });
      }
      const retryNum = Number(header('x-slack-retry-num') ?? '') || undefined;
      return this.dispatch(body, reply, { retryNum, retryReason: header('x-slack-retry-reason') });
    });
  };

  private async dispatch(
    body: Record<string, unknown>,
    reply: FastifyReply,
    retry: { retryNum?: number; retryReason?: string },
  ): Promise<FastifyReply> {
    const bolt = this.bolt;
    if (!bolt) return reply.status(503).send({ error: 'not_ready', message: 'The Slack adapter is starting.' });
    let answer: (response: unknown) => void = () => {};
    const acked = new Promise<{ response: unknown }>((resolve) => {
      answer = (response) => resolve({ response });
    });
    let ackCount = 0;
    const event: ReceiverEvent = {
      body,
      ...retry,
      customProperties: {},
      ack: async (response?: unknown) => {
        ackCount += 1;
        if (ackCount > 1) return; // A late second ack has nothing left to answer.
        answer(response instanceof Error ? undefined : response);
      },
    };
    const listening = bolt.processEvent(event);
    // The listener goes on after Slack has its answer: tracked, so shutdowns and tests can wait for it.
    this.options.background?.track(listening);
    const processed = listening.then(
      () => 'processed' as const,
      (err) => {
        this.options.logger.error({ err }, 'Slack listener failed');
        return 'processed' as const;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ACK_DEADLINE_MS);
    });
    const first = await Promise.race([acked, processed, deadline]);
    clearTimeout(timer);
    if (first === 'late') {
      this.options.logger.warn('a Slack listener did not ack in time; answered empty');
      return reply.status(200).send();
    }
    if (first === 'processed') return reply.status(200).send();
    const response = first.response;
    if (response === undefined || response === '') return reply.status(200).send();
    if (typeof response === 'string') return reply.status(200).type('text/plain; charset=utf-8').send(response);
    return reply.status(200).send(response);
  }
}

/**
 * Slack's certificate check of a slash command's Request URL: a form POST `ssl_check=1&token=…`,
 * which Slack does not sign. Bolt's HTTPReceiver answers it 200 before checking signatures (and
 * drops the rest of the body); so does Gatehouse, and it is the only thing answered unsigned.
 */
function isSslCheck(rawBody: Buffer, contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return false;
  return new URLSearchParams(rawBody.toString('utf8')).get('ssl_check') === '1';
}

/** Commands arrive as a form, interactions as a form with a JSON `payload`, events as JSON. */
function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> | null {
  try {
    if (contentType?.includes('application/json')) {
      const parsed: unknown = JSON.parse(raw);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    }
    const form = Object.fromEntries(new URLSearchParams(raw));
    if (typeof form.payload === 'string') {
      const payload: unknown = JSON.parse(form.payload);
      return payload && typeof payload === 'object' && !Array.isArray(payload)
        ? (payload as Record<string, unknown>)
        : null;
    }
    return Object.keys(form).length > 0 ? form : null;
  } catch {
    return null;
  }
}
