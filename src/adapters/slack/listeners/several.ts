import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { Decision } from '../../../domain/types.js';
import { isFailure, MOST_AT_ONCE, type Outcome, type SeveralDecided } from '../../../flows/index.js';
import { decisionMark } from '../../shown-lists.js';
import { renderFailure, renderListAfterSeveral, renderText } from '../render/lists.js';
import { messageView } from '../render/modals.js';
import type { SlackMessage } from '../render/request-card.js';
import {
  outcomeBlock,
  outcomeText,
  PICK_BLOCK,
  type PickedItem,
  SEVERAL,
  type SeveralFormMetadata,
  severalReasonForm,
} from '../render/several.js';
import { clickerOf } from './click-origin.js';
import { actorOf, parseJson, type SlackDeps, tell } from './context.js';
import { type Respond, respondAt } from './list-rows.js';

const picked = z.object({ r: z.string().min(1).max(200), t: z.string().max(200).optional() });
const checkboxesState = z.object({
  selected_options: z
    .array(z.object({ value: z.string().max(200) }))
    .nullable()
    .optional(),
});
const buttonValue = z.object({ l: z.string().min(1).max(40) });
const formMetadata = z.object({
  l: z.string().min(1).max(40),
  k: z.enum(['approve', 'reject']),
  i: z.array(picked).min(1).max(MOST_AT_ONCE),
});

/** A private_metadata is at most 3000 characters. */
const METADATA_MAX = 3000;

/**
 * "Approve selected" and "Reject selected" under `/access pending` (issue 21, point 5). What is
 * ticked is read from the click's `state.values` (Slack keeps a message's checkboxes there), a
 * reason is asked in a form when the policy or a risky grant needs one, and `flows.decideSeveral`
 * decides each item on its own, re-authorized; the answer says what happened to each, in the list
 * itself, redrawn without the decided ones.
 */
export function registerSeveral(app: App, deps: SlackDeps): void {
  // Ticking a box is an interaction Slack reports too; the state is read when a button is pressed.
  app.action(SEVERAL.pick, async ({ ack }) => {
    await ack();
  });
  app.action<BlockAction<ButtonAction>>(SEVERAL.approve, async (args) => {
    await args.ack();
    await decideSelected(deps, args, 'approve');
  });
  app.action<BlockAction<ButtonAction>>(SEVERAL.reject, async (args) => {
    await args.ack();
    await decideSelected(deps, args, 'reject');
  });

  app.view(SEVERAL.form, async ({ ack, body, view }) => {
    const metadata = formMetadata.safeParse(parseJson(view.private_metadata));
    if (!metadata.success) {
      await ack({ response_action: 'update', view: messageView('Not recorded', 'This form is damaged; start again.') });
      return;
    }
    const { l: listId, k: decision, i: items } = metadata.data;
    const reason = view.state.values[SEVERAL.reason]?.[SEVERAL.reason]?.value?.trim() || undefined;
    if (!reason && (await needsReason(deps, body.user.id, listId, items, decision))) {
      await ack({ response_action: 'errors', errors: { [SEVERAL.reason]: `A reason is required to ${decision}.` } });
      return;
    }
    await ack({ response_action: 'update', view: messageView('Recording', ':hourglass: Recording your decisions…') });
    const url = (await deps.lists.read(listId, body.user.id))?.respondTo;
    const outcome = await decide(deps, body.user.id, items, decision, reason);
    const message = await answer(
      deps,
      { userId: body.user.id, respond: url ? respondAt(url) : undefined },
      listId,
      decision,
      items,
      outcome,
    );
    await deps.client.views
      .update({
        view_id: view.id,
        view: messageView(outcome.ok ? (decision === 'approve' ? 'Approved' : 'Rejected') : 'Not recorded', message),
      })
      .catch((err) => deps.logger.warn({ err }, 'several decided: result not shown'));
  });
}

async function decideSelected(
  deps: SlackDeps,
  args: { body: BlockAction<ButtonAction>; action: ButtonAction; respond: RespondFn },
  decision: Decision,
): Promise<void> {
  const where = clickerOf(args);
  const value = buttonValue.safeParse(parseJson(args.action.value));
  if (!value.success) {
    await tell(deps, where, renderText(':warning: This button does not name a list. Run `/access pending` again.'));
    return;
  }
  const listId = value.data.l;
  const items = selection(args.body.state?.values);
  if (items.length === 0) {
    await tell(deps, where, renderText('Tick the requests to decide first, then press the button again.'));
    return;
  }
  const responseUrl = args.body.response_url;
  // A form may finish the job: the list's address is kept with the list, never in the form.
  if (responseUrl) await deps.lists.respondThrough(listId, args.body.user.id, responseUrl);
  const metadata: SeveralFormMetadata = { l: listId, k: decision, i: items };
  // More than one action may take goes straight to the flow, which says so without a form first.
  const fits = items.length <= MOST_AT_ONCE && JSON.stringify(metadata).length <= METADATA_MAX;
  if (fits && (await needsReason(deps, args.body.user.id, listId, items, decision))) {
    const list = await deps.lists.read(listId, args.body.user.id);
    const shown = (list?.items ?? []).filter((item) => items.some((i) => i.r === item.id));
    await deps.client.views
      .open({ trigger_id: args.body.trigger_id, view: severalReasonForm(metadata, shown) })
      .catch(async (err) => {
        deps.logger.warn({ err }, 'several decided: reason form not opened');
        await tell(deps, where, renderText('The form could not open in time; press the button again.'));
      });
    return;
  }
  const outcome = await decide(deps, args.body.user.id, items, decision, undefined);
  await answer(deps, where, listId, decision, items, outcome);
}

/** What is ticked, across every checkbox group of the list, each request once. */
function selection(values: Record<string, Record<string, unknown>> | undefined): PickedItem[] {
  const items = new Map<string, PickedItem>();
  for (const [blockId, actions] of Object.entries(values ?? {})) {
    if (!blockId.startsWith(PICK_BLOCK)) continue;
    const state = checkboxesState.safeParse(actions?.[SEVERAL.pick]);
    for (const option of (state.success && state.data.selected_options) || []) {
      const item = picked.safeParse(parseJson(option.value));
      if (item.success && !items.has(item.data.r)) items.set(item.data.r, item.data);
    }
  }
  return [...items.values()];
}

/** A reason is needed when the policy asks one, or (to approve) when any ticked grant is risky. */
async function needsReason(
  deps: SlackDeps,
  userId: string,
  listId: string,
  items: PickedItem[],
  decision: Decision,
): Promise<boolean> {
  if (await deps.flows.reasonRequired(decision)) return true;
  if (decision !== 'approve') return false;
  const list = await deps.lists.read(listId, userId);
  return (list?.items ?? []).some((item) => item.risk?.approveNeedsReason && items.some((i) => i.r === item.id));
}

async function decide(
  deps: SlackDeps,
  userId: string,
  items: PickedItem[],
  decision: Decision,
  reason: string | undefined,
): Promise<Outcome<SeveralDecided>> {
  const actor = await actorOf(deps, userId);
  if (isFailure(actor)) return { ok: false, error: actor };
  return deps.flows.decideSeveral(actor, {
    items: items.map((item) => ({ requestId: item.r, ...(item.t ? { taskId: item.t } : {}) })),
    decision,
    ...(reason ? { reason } : {}),
  });
}

/**
 * Shows the outcome: in the list, redrawn through its response_url without the decided rows, or
 * (no list kept, or it cannot be replaced) as an answer of its own. Returns the outcome as text,
 * for a form to show as well (a form with no address to answer in shows it alone).
 */
async function answer(
  deps: SlackDeps,
  where: { userId: string; respond?: Respond },
  listId: string,
  decision: Decision,
  items: PickedItem[],
  outcome: Outcome<SeveralDecided>,
): Promise<string> {
  if (!outcome.ok) {
    const refusal = renderFailure(outcome.error);
    // From the form, with no address to answer in, the form itself says it.
    if (where.respond) await tell(deps, where, refusal);
    return refusal.text;
  }
  const { results } = outcome.value;
  let list = await deps.lists.read(listId, where.userId);
  for (const result of results) {
    if (!result.ok) continue;
    const taskId = items.find((item) => item.r === result.requestId)?.t;
    list =
      (await deps.lists.markDone(
        listId,
        where.userId,
        result.request,
        decisionMark(result.request, decision, taskId),
      )) ?? list;
  }
  const block = outcomeBlock(decision, results);
  const text = outcomeText(decision, results);
  if (list && where.respond) {
    try {
      await where.respond({
        response_type: 'ephemeral',
        replace_original: true,
        ...renderListAfterSeveral(list, block),
      });
      return text;
    } catch (err) {
      deps.logger.warn({ err }, 'pending list not redrawn after several decided; answering apart from it');
    }
  }
  const alone: SlackMessage = {
    text: `Decided ${results.filter((r) => r.ok).length} of ${results.length}`,
    blocks: [block],
  };
  if (where.respond) await tell(deps, where, alone);
  return text;
}
