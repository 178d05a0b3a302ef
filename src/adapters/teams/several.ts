import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { within } from '../../deadline.js';
import type { ChatIdentity, Decision, Flows, RequestList, SeveralDecided } from '../../flows/index.js';
import type { Store } from '../../store/index.js';
import type { ShownLists } from '../shown-lists.js';
import { cardAnswer, INVOKE_BUDGET_MS, messageAnswer } from './card-actions.js';
import { listCard } from './render/lists.js';
import { failureText } from './render/messages.js';
import { NOTHING_SELECTED, severalOutcomeLines } from './render/several.js';

const INVOKE_CLAIM_TTL_MS = 24 * 60 * 60_000;
/** What the decisions leave of Teams' wait: the list is read again after them, within the same answer. */
const RE_READING_MS = 1_000;

/** What "Approve selected" / "Reject selected" carry: every selectable row, and the toggle saying if it was picked. */
const selectedData = z
  .object({
    // Bounded here only so a forged invoke cannot make the server parse without end; the flow says how many it decides.
    picks: z
      .array(
        z.object({
          r: z.string().min(1).max(200),
          t: z.string().max(200).optional(),
          p: z.string().min(1).max(40),
        }),
      )
      .max(200),
    input: z.string().max(40).optional(),
  })
  .passthrough();

export interface SelectedDeps {
  flows: Flows;
  lists: ShownLists;
  store: Store;
  /** Keeps work Teams stopped waiting for tracked, so shutdowns and tests can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
}

export const REMAINING_EMPTY = 'Nothing else is waiting for your decision. 🎉';

/**
 * "Approve selected" / "Reject selected" under the pending list: the rows whose switch is on are
 * decided in one action by the flow, which re-authorizes and decides each on its own. The answer is
 * the list as it now stands (the decided ones gone), with a line per item on top saying what
 * became of it. Refused as a whole (too fast, too many, not identified), the card stays as it was.
 */
export async function decideSelected(
  deps: SelectedDeps,
  context: TurnContext,
  actor: ChatIdentity,
  decision: Decision,
  data: Record<string, unknown>,
): Promise<AdaptiveCardInvokeResponse> {
  const parsed = selectedData.safeParse(data);
  if (!parsed.success) return messageAnswer('⚠️ This card does not carry requests Gatehouse can read.');
  const items = parsed.data.picks
    .filter((pick) => data[pick.p] === 'true')
    .map((pick) => ({ requestId: pick.r, ...(pick.t ? { taskId: pick.t } : {}) }));
  if (items.length === 0) return messageAnswer(NOTHING_SELECTED);
  // A replayed invoke (same activity id) decides nothing again: it gets the list as it stands.
  const first = await deps.store.claim(`teams:invoke:${context.activity.id}`, INVOKE_CLAIM_TTL_MS);
  if (!first) return remainingList(deps, actor);
  const typed = parsed.data.input ? data[parsed.data.input] : undefined;
  const reason = typeof typed === 'string' && typed.trim() ? typed.trim() : undefined;
  const work = deps.flows.decideSeveral(actor, { items, decision, reason });
  // Decisions Teams stopped waiting for still land, and each card follows through the notifier.
  void deps.track(work);
  // Read at call time: card-actions.ts, which dispatches here, is the module that defines it.
  const outcome = await within(work, INVOKE_BUDGET_MS - RE_READING_MS);
  if (outcome === 'late') {
    return messageAnswer(
      `⏳ Deciding ${items.length} requests… Each card updates as it is decided; write “pending” to see what is left.`,
    );
  }
  if (!outcome.ok) return messageAnswer(failureText(outcome.error));
  return remainingList(deps, actor, outcome.value, decision);
}

/** The pending list as it now stands, kept anew so its rows' buttons work, without the rows just decided. */
async function remainingList(
  deps: SelectedDeps,
  actor: ChatIdentity,
  decided?: SeveralDecided,
  decision?: Decision,
): Promise<AdaptiveCardInvokeResponse> {
  const outcomes = decided && decision ? severalOutcomeLines(decided, decision) : [];
  const [pending, rejectNeedsReason] = await Promise.all([
    deps.flows.pendingApprovals(actor),
    deps.flows.reasonRequired('reject'),
  ]);
  if (!pending.ok) {
    const lines = [...outcomes, failureText(pending.error)];
    return messageAnswer(lines.join('\n\n'));
  }
  const list = withoutDecided(pending.value, decided);
  const shown = list.items.length > 0 ? await deps.lists.remember(list, actor.userId) : undefined;
  return cardAnswer(listCard(list, REMAINING_EMPTY, shown, undefined, { outcomes, rejectNeedsReason }));
}

/**
 * A request just decided is left out even if the search the list comes from has not caught up
 * yet, unless it waits for this person again (a later step of theirs).
 */
function withoutDecided(list: RequestList, decided?: SeveralDecided): RequestList {
  const done = new Set(
    (decided?.results ?? [])
      .filter((result) => result.ok && !result.request.actions.includes('approve'))
      .map((result) => result.requestId),
  );
  return { ...list, items: list.items.filter((item) => !done.has(item.id)) };
}
