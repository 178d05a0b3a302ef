import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from 'pino';
import type { Store } from '../../store/index.js';

/** Slack retries within minutes; a day covers every retry and a replay inside the signature window. */
const DELIVERY_TTL_MS = 24 * 60 * 60_000;

/**
 * Slack redelivers events it thinks were lost (X-Slack-Retry-Num), and a replayed request is still
 * validly signed for five minutes. Each delivery carries an id that stays the same across retries
 * (event_id for events, trigger_id for commands and interactions); the first delivery of an id
 * claims it in the store, shared by every replica, and later ones are acknowledged and dropped.
 */
export function oncePerDelivery(store: Store, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as { event_id?: unknown; trigger_id?: unknown; type?: unknown };
    const id =
      typeof body.event_id === 'string' ? body.event_id : typeof body.trigger_id === 'string' ? body.trigger_id : null;
    if (id && !(await store.claim(`slack:delivery:${id}`, DELIVERY_TTL_MS))) {
      logger.info({ delivery: id, type: body.type }, 'dropped a repeated Slack delivery');
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await args.next();
  };
}
