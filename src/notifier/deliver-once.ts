import type { Logger } from 'pino';
import type { DeliveryLedger } from './ledger.js';
import { DeliveryFailed } from './messenger.js';
import { type Delivery, LockLost, note, type Tally } from './tally.js';

export interface OnceContext {
  ledger: DeliveryLedger;
  logger: Logger;
  /** How long a claim waits for its post to be confirmed before another pass may post it. */
  holdMs: number;
  /** Renews the pass's lease; throws LockLost when it lapsed. */
  holding: () => Promise<void>;
  tally: Tally;
}

/**
 * Delivers for the first caller only, on any replica. `deliver` posts and returns what to record
 * afterwards. The claim first holds for a few minutes (if this replica dies before the post,
 * another posts it then), becomes permanent once the post is confirmed, is given back when the
 * post certainly failed, and is held for a while when the platform may have posted without saying so.
 */
export async function deliverOnce(
  context: OnceContext,
  key: string,
  deliver: () => Promise<(() => Promise<void>) | null>,
): Promise<Delivery> {
  const { ledger, logger, tally } = context;
  if (!(await ledger.claim(key, context.holdMs))) {
    // Claimed before: done, or in doubt (a replica died mid-post, or the platform never answered).
    // In doubt means coming back once the hold lapses, or nobody would ever post it.
    if (await ledger.inDoubt(key)) tally.inDoubt = true;
    return 'skipped';
  }
  let record: (() => Promise<void>) | null;
  try {
    await context.holding();
    record = await deliver();
  } catch (err) {
    if (err instanceof DeliveryFailed && err.posted === 'unknown') {
      await ledger.unconfirmed(key);
      logger.warn({ err, key }, 'chat did not confirm a post; not retrying it for a while');
    } else {
      await ledger.release(key);
      if (err instanceof LockLost) throw err;
      logger.warn({ err, key }, 'chat message not sent; will retry');
    }
    note(tally, err);
    return 'failed';
  }
  await ledger.delivered(key);
  await record?.().catch((err) => logger.error({ err, key }, 'a sent message was not recorded'));
  return 'sent';
}
