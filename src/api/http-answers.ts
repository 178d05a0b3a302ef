import type { z } from 'zod';
import { type GovernanceOperation, GovernanceProtocolError } from '../domain/errors.js';

/** Reading a vendor's answer and a failed call: JSON that may be broken, when to come back, what went wrong. */

export const INVALID = Symbol('invalid json');

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return INVALID;
  }
}

/** Retry-After (seconds or an HTTP date) wins; otherwise X-Rate-Limit-Reset (epoch seconds). */
export function retryAfterMs(headers: Headers, now = Date.now()): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(headers.get('x-rate-limit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return 1000;
}

export function pathOf(url: string): string {
  return new URL(url).pathname;
}

export function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as { code?: string }).code;
}

export function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  return causeCode(error) ?? (error instanceof Error ? error.message : String(error));
}

/** The vendor's JSON checked against the schema the caller expects; anything else is a protocol error. */
export function parseAnswer<S extends z.ZodType>(
  operation: GovernanceOperation,
  method: string,
  url: string,
  schema: S,
  json: unknown,
  nextCursor: string | undefined,
): { body: z.infer<S>; nextCursor?: string } {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new GovernanceProtocolError(
      operation,
      `unexpected answer from ${method} ${pathOf(url)}: ${parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.')} ${issue.message}`)
        .join('; ')}`,
    );
  }
  return { body: parsed.data, nextCursor };
}
