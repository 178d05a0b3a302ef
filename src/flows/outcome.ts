import type { Logger } from 'pino';
import { GatehouseError } from '../domain/errors.js';
import { Failure } from '../domain/failure.js';

export { Failure, failure, isFailure } from '../domain/failure.js';

/**
 * What every flow returns: the view to render, or a failure already worded for the person. Adapters
 * never see exceptions from flows, so no platform handler can crash on a governance hiccup.
 */
export type Outcome<V> = { ok: true; value: V } | { ok: false; error: Failure };

const UNEXPECTED = 'Gatehouse hit an unexpected problem and has logged it. Please try again.';

export async function outcomeOf<V>(logger: Logger, flow: string, run: () => Promise<V>): Promise<Outcome<V>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof GatehouseError) {
      logger.info({ flow, code: error.code, detail: error.message }, 'flow refused');
      return { ok: false, error: Failure.of(error) };
    }
    logger.error({ flow, err: error }, 'flow failed unexpectedly');
    return { ok: false, error: new Failure('internal_error', UNEXPECTED) };
  }
}

/**
 * Refusals that mean the message clicked is out of date (decided elsewhere, closed, moved to
 * another step, its approvals now handled in the governance system only): the messages about the
 * request should be brought up to date.
 */
export function showsStaleMessage(failure: { code: string }): boolean {
  return ['already_decided', 'request_closed', 'not_an_approver', 'decide_elsewhere'].includes(failure.code);
}
