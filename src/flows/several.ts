import type { Logger } from 'pino';
import type { AccessRequest, Decision, Principal } from '../domain/types.js';
import type { Deciding } from './deciding.js';
import { TooManyAtOnce } from './errors.js';
import { outcomeOf } from './outcome.js';
import type { SeveralDecided } from './views.js';

/**
 * The most approvals one action decides: a screenful of `pending`, and what a person can have read
 * before pressing "approve all". Each item costs what one decision costs, so 25 on Okta is about
 * 150 governance calls: more would let one click spend a large share of the org's minute budget.
 */
export const MOST_AT_ONCE = 25;

export interface DecideSeveralInput {
  items: { requestId: string; taskId?: string }[];
  decision: Decision;
  reason?: string;
}

/**
 * Several approvals decided in one action, each exactly as one click would decide it (re-read,
 * re-authorized, claimed, written, announced), one after the other so the governance system sees
 * one person's pace and the results come back in the order asked. An item that cannot be decided
 * (already decided, closed, not theirs) is reported with its reason; the rest go ahead.
 */
export async function decideSeveral(
  deciding: Deciding,
  logger: Logger,
  approver: Principal,
  via: string,
  input: DecideSeveralInput,
): Promise<SeveralDecided> {
  if (input.items.length > MOST_AT_ONCE) throw new TooManyAtOnce(input.items.length, MOST_AT_ONCE);
  const results: SeveralDecided['results'] = [];
  for (const item of input.items) {
    let read: AccessRequest | undefined;
    const outcome = await outcomeOf(logger, 'decideSeveral', () =>
      deciding.decide(
        approver,
        via,
        { requestId: item.requestId, taskId: item.taskId, decision: input.decision, reason: input.reason },
        (request) => {
          read = request;
        },
      ),
    );
    if (outcome.ok) {
      results.push({ requestId: item.requestId, ok: true, request: outcome.value.request });
    } else {
      // The entry's name only for a request the person may see: a forged id learns nothing.
      const entryName = read?.entry.name;
      results.push({
        requestId: item.requestId,
        ok: false,
        failure: outcome.error,
        ...(entryName ? { entryName } : {}),
      });
    }
  }
  return { results };
}
