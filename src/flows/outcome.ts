import type { Logger } from 'pino';
import { GatehouseError } from '../domain/errors.js';

/**
 * What every flow returns: the view to render, or a failure already worded for the person. Adapters
 * never see exceptions from flows, so no platform handler can crash on a governance hiccup.
 */
export type Outcome<V> = { ok: true; value: V } | { ok: false; error: Failure };

export interface Failure {
  code: string;
  message: string;
  /** The error itself, for adapters that render some failures specially (e.g. a duplicate request). */
  cause?: GatehouseError;
}

export async function outcomeOf<V>(logger: Logger, flow: string, run: () => Promise<V>): Promise<Outcome<V>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof GatehouseError) {
      logger.info({ flow, code: error.code, detail: error.message }, 'flow refused');
      return { ok: false, error: { code: error.code, message: error.userMessage, cause: error } };
    }
    logger.error({ flow, err: error }, 'flow failed unexpectedly');
    return {
      ok: false,
      error: {
        code: 'internal_error',
        message: 'Gatehouse hit an unexpected problem and has logged it. Please try again.',
      },
    };
  }
}

/** A failure rather than a value, for adapters holding either (a chat identity or why there is none). */
export function isFailure<V extends object>(value: V | Failure): value is Failure {
  return 'code' in value && 'message' in value && !('platform' in value);
}

/**
 * Refusals that mean the message clicked is out of date (decided elsewhere, closed, moved to
 * another step): the messages about the request should be brought up to date.
 */
export function showsStaleMessage(failure: { code: string }): boolean {
  return ['already_decided', 'request_closed', 'not_an_approver'].includes(failure.code);
}
