import { performance } from 'node:perf_hooks';

/** Getting a signed request to the bot and its answer back: through fastify's inject, or over HTTP. */

/** fastify's `app.inject`, or anything shaped like it. */
export type InjectFn = (options: {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  payload: string;
}) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;

export interface DriverRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface DriverResponse {
  statusCode: number;
  /** The bot's answer: parsed JSON, text, or undefined when empty. */
  body: unknown;
  headers: Record<string, unknown>;
  /** Exactly what was sent, for `resend` (a retried delivery). Absent when nothing was sent. */
  request?: DriverRequest;
  elapsedMs: number;
  /** What Slack would refuse in the bot's answer (late, invalid blocks, bad response_action…); empty when fine. */
  answerProblems: string[];
  /** Why the Slack client would not have sent this at all (a required input left empty…); nothing was sent. */
  notSent?: string[];
}

/** Where the bot listens: fastify's `inject` (no socket) or the base URL of a listening server. */
export type DeliveryTarget = { inject: InjectFn } | { baseUrl: string };

/** Slack gives the app 3 seconds to answer before it shows the person an error. */
const ACK_DEADLINE_MS = 3_000;

export async function deliver(target: DeliveryTarget, request: DriverRequest): Promise<DriverResponse> {
  const started = performance.now();
  const { statusCode, text, headers } = await transport(target, request);
  const elapsedMs = Math.round(performance.now() - started);
  const type = String(headers['content-type'] ?? '');
  let body: unknown = text === '' ? undefined : text;
  if (text !== '' && type.includes('json')) body = JSON.parse(text);
  const answerProblems =
    elapsedMs > ACK_DEADLINE_MS ? [`answered after ${elapsedMs} ms; Slack gives up after ${ACK_DEADLINE_MS} ms`] : [];
  return { statusCode, body, headers, request, elapsedMs, answerProblems };
}

async function transport(target: DeliveryTarget, request: DriverRequest) {
  if ('inject' in target) {
    const { statusCode, body, headers } = await target.inject({
      method: 'POST',
      url: request.url,
      headers: request.headers,
      payload: request.body,
    });
    return { statusCode, text: body, headers };
  }
  const response = await fetch(`${target.baseUrl}${request.url}`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  return { statusCode: response.status, text: await response.text(), headers: Object.fromEntries(response.headers) };
}

/** The answer to something the Slack client never sent. */
export const nothingSent = (): DriverResponse => ({
  statusCode: 0,
  body: undefined,
  headers: {},
  elapsedMs: 0,
  answerProblems: [],
});
