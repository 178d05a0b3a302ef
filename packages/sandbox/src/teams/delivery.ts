import { performance } from 'node:perf_hooks';
import type { Json } from './records.js';

/** Getting an activity to the bot's messaging endpoint and its answer back: through fastify's inject, or over HTTP. */

/** fastify's `app.inject`, or anything shaped like it. */
export type InjectFn = (options: {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  payload: string;
}) => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>;

export interface DriverResponse {
  statusCode: number;
  /** The bot's answer: parsed JSON, text, or undefined when empty. For an invoke, the invoke response. */
  body: unknown;
  headers: Record<string, unknown>;
  /** The activity exactly as delivered, for `resend` (a replayed delivery). Absent when nothing was sent. */
  activity?: Json;
  elapsedMs: number;
  /** What Teams would object to in the bot's answer (late, not 200, an invalid card…); empty when fine. */
  answerProblems: string[];
  /** Why Teams would not have sent anything (a required input left empty, a user not in refresh.userIds…). */
  notSent?: string[];
}

/** Where the bot listens: fastify's `inject` (no socket) or the base URL of a listening server. */
export type DeliveryTarget = { inject: InjectFn } | { baseUrl: string };

export async function deliver(
  target: DeliveryTarget,
  path: string,
  activity: Json,
  authorization?: string,
): Promise<DriverResponse> {
  // Teams signs with a Bot Framework JWT; the sandbox bot runs without app credentials and checks
  // none, so the header is sent only when a test gives one (a bot configured with an app id).
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    ...(authorization === undefined ? {} : { authorization }),
  };
  const payload = JSON.stringify(activity);
  const started = performance.now();
  const answer =
    'inject' in target
      ? await target.inject({ method: 'POST', url: path, headers, payload })
      : await viaFetch(`${target.baseUrl}${path}`, headers, payload);
  const elapsedMs = Math.round(performance.now() - started);
  const type = String(answer.headers['content-type'] ?? '');
  let body: unknown = answer.body === '' ? undefined : answer.body;
  if (answer.body !== '' && type.includes('json')) body = JSON.parse(answer.body);
  return { statusCode: answer.statusCode, body, headers: answer.headers, activity, elapsedMs, answerProblems: [] };
}

async function viaFetch(url: string, headers: Record<string, string>, payload: string) {
  const response = await fetch(url, { method: 'POST', headers, body: payload });
  return { statusCode: response.status, body: await response.text(), headers: Object.fromEntries(response.headers) };
}

/** The answer to something the Teams client never sent. */
export const nothingSent = (reasons: string[]): DriverResponse => ({
  statusCode: 0,
  body: undefined,
  headers: {},
  elapsedMs: 0,
  answerProblems: [],
  notSent: reasons,
});
