import type { Logger } from 'pino';
import { storeOutageIn } from '../domain/errors.js';

export interface Loss {
  logger: Logger;
  /** What is lost when the store is away, for the log: "request created; its idempotency result not kept". */
  lost: string;
  context?: Record<string, unknown>;
  /** `error` when an operator should act (something a person will miss), `warn` otherwise. */
  level?: 'warn' | 'error';
}

/**
 * The outage rule, written once. Store work comes in two kinds:
 *
 * - **Must succeed**: a claim before a write, who the person is, the lock of a sync. These are plain
 *   store calls: an outage throws StoreUnavailable, and the action is refused before anything else
 *   changed (the adapters tell the person so).
 * - **Best effort**: notes taken after the governance system has recorded a change (who decided,
 *   an idempotency result, a comment kept for thread replies), releases, markers. Their loss costs
 *   a retry or a detail, never the change itself, so it must not turn into a reported failure.
 *   They go through here: an outage is logged with what it cost and the work goes on.
 *
 * Anything other than an outage is a bug and is thrown either way.
 */
export async function bestEffort<T>(work: Promise<T>, loss: Loss): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    const outage = storeOutageIn(error);
    if (!outage) throw error;
    loss.logger[loss.level ?? 'warn']({ err: outage, ...loss.context }, loss.lost);
    return undefined;
  }
}
