import { cardProblems } from './card-problems.js';
import type { DriverResponse } from './delivery.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, INVOKE_DEADLINE_MS } from './limits.js';
import type { Json } from './records.js';
import type { TeamsTenant } from './tenant.js';

/**
 * What Teams does with the bot's answer to an `adaptiveCard/action` invoke. The HTTP status must be
 * 200 whenever the bot processed the invoke, with `{ statusCode, type, value }` in the body (Universal
 * Action Model, "Response format"): a card (`application/vnd.microsoft.card.adaptive`) replaces the
 * card for the person who acted only; a message (`application/vnd.microsoft.activity.message`) is
 * shown to them; an error type shows an error. Anything else is a problem Teams would show as
 * "Something went wrong".
 */
export function applyInvokeAnswer(
  tenant: TeamsTenant,
  where: { userId: string; conversationId: string; activityId: string },
  response: DriverResponse,
): string[] {
  const problems: string[] = [];
  if (response.elapsedMs > INVOKE_DEADLINE_MS) {
    problems.push(`answered after ${response.elapsedMs} ms; Teams gives up after about ${INVOKE_DEADLINE_MS} ms`);
  }
  if (response.statusCode !== 200) {
    return [
      ...problems,
      `the bot answered HTTP ${response.statusCode}; Teams expects 200 with { statusCode, type, value }`,
    ];
  }
  const body = response.body;
  if (typeof body !== 'object' || body === null)
    return [...problems, 'the invoke response has no { statusCode, type, value } body'];
  const { statusCode, type, value } = body as Json;
  const status = statusCode === undefined || statusCode === null ? 200 : statusCode;
  if (typeof status !== 'number' || status < 200 || status > 599) {
    problems.push(`statusCode must be a number from 200 to 599, not ${JSON.stringify(statusCode)}`);
  }
  if (type === ADAPTIVE_CARD_CONTENT_TYPE) {
    const cardIssues = cardProblems(value);
    if (cardIssues.length > 0) return [...problems, ...cardIssues.map((problem) => `the returned card: ${problem}`)];
    tenant.setView(where.userId, where.conversationId, where.activityId, value as Json);
  } else if (type === 'application/vnd.microsoft.activity.message') {
    if (typeof value !== 'string') problems.push('a message answer needs a string value');
  } else if (typeof type !== 'string' || !type.startsWith('application/vnd.microsoft.')) {
    problems.push(`unknown invoke response type ${JSON.stringify(type)}`);
  }
  return problems;
}
