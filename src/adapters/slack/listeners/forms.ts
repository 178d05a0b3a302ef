import type { App, BlockAction, RespondFn, StaticSelectAction, ViewStateValue } from '@slack/bolt';
import { z } from 'zod';
import { within } from '../../../deadline.js';
import { characterCount } from '../../../domain/text.js';
import { isFailure, MAX_TEXT_LENGTH, type Outcome, type RequestView, showsStaleMessage } from '../../../flows/index.js';
import { AlreadyHasAccess } from '../../../flows/requesting.js';
import { commentMark, decisionMark } from '../../shown-lists.js';
import { confirmation } from '../render/confirmation.js';
import { renderFailure, renderText } from '../render/lists.js';
import {
  chosenDuration,
  entryOption,
  FIELD,
  MODAL,
  messageView,
  type RequestFormState,
  requestForm,
} from '../render/modals.js';
import { renderAlreadyHeld } from '../render/notices.js';
import { escapeText } from '../render/text.js';
import { actorOf, parseJson, type SlackDeps, tell } from './context.js';
import { confirmInList, respondAt } from './list-rows.js';

/** block_suggestion must be answered in its own HTTP response, inside Slack's 3 s. */
const OPTIONS_DEADLINE_MS = 2_200;

const formMetadata = z.object({ duration: z.string().optional(), extend: z.literal(true).optional() });

type StateValues = Record<string, Record<string, ViewStateValue>>;

function field(values: StateValues, id: string): ViewStateValue | undefined {
  return values[id]?.[id];
}

/**
 * Opens the request form at once (the trigger_id lives 3 s), then checks who is asking: a person
 * Gatehouse cannot map sees why in the form instead of a catalog.
 */
export async function openRequestForm(
  deps: SlackDeps,
  who: { triggerId: string; userId: string; respond?: RespondFn },
  state: RequestFormState,
): Promise<void> {
  const opened = await deps.client.views.open({ trigger_id: who.triggerId, view: requestForm(state) }).catch((err) => {
    deps.logger.warn({ err }, 'request form not opened');
    return undefined;
  });
  const viewId = opened?.view?.id;
  if (!viewId) {
    await tell(deps, who, renderText('The request form could not open in time. Please try again.'));
    return;
  }
  const actor = await actorOf(deps, who.userId);
  const failure = isFailure(actor) ? actor : await deps.flows.whoAmI(actor).then((o) => (o.ok ? null : o.error));
  if (failure) {
    await deps.client.views
      .update({ view_id: viewId, view: messageView('Request access', renderFailure(failure).text) })
      .catch((err) => deps.logger.warn({ err }, 'request form not updated'));
  }
}

/** Slack's option group label: at most 75 characters. */
export const FIRST_ENTRIES_LABEL = 'A first few of what you can request: type to search it all';

export function registerForms(app: App, deps: SlackDeps): void {
  app.options(FIELD.entry, async ({ body, ack }) => {
    // One deadline for the whole answer: who is typing (users.info) and the catalog search.
    const search = async () => {
      const actor = await actorOf(deps, body.user.id);
      if (isFailure(actor)) return [];
      const found = await deps.flows.searchCatalog(actor, body.value ?? '', 100);
      return found.ok ? found.value.map(entryOption) : [];
    };
    const options = await within(search(), OPTIONS_DEADLINE_MS);
    const found = options === 'late' ? [] : options;
    // An empty box shows only the first entries of a catalog that may hold hundreds: the group's
    // label says so, so nobody takes the first few for all there is.
    if (!body.value?.trim() && found.length > 0) {
      await ack({ option_groups: [{ label: { type: 'plain_text', text: FIRST_ENTRIES_LABEL }, options: found }] });
      return;
    }
    await ack({ options: found });
  });

  // Picking an entry redraws the form with that entry's rules: justification, duration choices.
  app.action<BlockAction<StaticSelectAction>>(FIELD.entry, async ({ ack, body, action }) => {
    await ack();
    const view = body.view;
    if (!view) return;
    const actor = await actorOf(deps, body.user.id);
    const entryId = action.selected_option?.value;
    if (isFailure(actor) || !entryId) return;
    const described = await deps.flows.describeEntry(actor, entryId);
    const metadata = formMetadata.safeParse(parseJson(view.private_metadata));
    const next = described.ok
      ? requestForm({
          entry: described.value,
          justification: field(view.state.values as StateValues, FIELD.justification)?.value ?? undefined,
          duration: metadata.success ? metadata.data.duration : undefined,
          extend: metadata.success ? metadata.data.extend : undefined,
        })
      : messageView('Request access', renderFailure(described.error).text);
    await deps.client.views
      .update({ view_id: view.id, hash: view.hash, view: next })
      .catch((err) => deps.logger.info({ err }, 'request form changed meanwhile; not redrawn'));
  });

  app.view(MODAL.request, async ({ ack, body, view }) => {
    const values = view.state.values as StateValues;
    const entryId = field(values, FIELD.entry)?.selected_option?.value;
    if (!entryId) {
      await ack({ response_action: 'errors', errors: { [FIELD.entry]: 'Choose what you need access to.' } });
      return;
    }
    const justification = field(values, FIELD.justification)?.value ?? undefined;
    if (justification && characterCount(justification) > MAX_TEXT_LENGTH) {
      await ack({
        response_action: 'errors',
        errors: { [FIELD.justification]: `At most ${MAX_TEXT_LENGTH} characters.` },
      });
      return;
    }
    await ack({
      response_action: 'update',
      view: messageView('Request access', ':hourglass: Submitting your request…'),
    });
    const actor = await actorOf(deps, body.user.id);
    // Extend (from an expiring notice or an already-have-it answer): asking again is the way on.
    const extend = formMetadata.safeParse(parseJson(view.private_metadata)).data?.extend;
    const created = isFailure(actor)
      ? ({ ok: false, error: actor } as const)
      : await deps.flows.requestAccess(actor, {
          entryId,
          justification,
          duration: chosenDuration(field(values, FIELD.duration)?.selected_option?.value),
          idempotencyKey: `slack:view:${view.id}`,
          ...(extend ? { extend } : {}),
        });
    const text =
      created.ok && created.value.kind === 'created'
        ? confirmation(created.value.request)
        : created.ok
          ? 'Choose one entry in the form.'
          : created.error.cause instanceof AlreadyHasAccess
            ? renderAlreadyHeld(created.error.cause).text
            : renderFailure(created.error).text;
    await deps.client.views
      .update({ view_id: view.id, view: messageView(created.ok ? 'Requested' : 'Not requested', text) })
      .catch((err) => deps.logger.warn({ err }, 'request result not shown'));
    // A modal holds no buttons once answered: the Extend button comes as a direct message.
    const held = !created.ok && created.error.cause instanceof AlreadyHasAccess ? created.error.cause : undefined;
    if (held?.extendable) await tell(deps, { userId: body.user.id }, renderAlreadyHeld(held));
  });

  app.view(MODAL.decision, async ({ ack, body, view }) => {
    const metadata = decisionMetadata.safeParse(parseJson(view.private_metadata));
    if (!metadata.success || metadata.data.k === 'comment') {
      await ack({ response_action: 'update', view: messageView('Not recorded', 'This form is damaged; start again.') });
      return;
    }
    const decision = metadata.data.k;
    const reason = field(view.state.values as StateValues, FIELD.text)?.value?.trim() || undefined;
    if (!reason && (await deps.flows.reasonRequired(decision))) {
      await ack({ response_action: 'errors', errors: { [FIELD.text]: `A reason is required to ${decision}.` } });
      return;
    }
    await ack({ response_action: 'update', view: messageView('Recording', ':hourglass: Recording your decision…') });
    const actor = await actorOf(deps, body.user.id);
    const { r: requestId, t: taskId, l: listId, c: channel, m: ts } = metadata.data;
    const done = decision === 'approve' ? 'Approved' : 'Rejected';
    const showResult = async (outcome: Outcome<{ request: RequestView }>) => {
      const text = outcome.ok
        ? `${done} request \`${escapeText(outcome.value.request.id)}\` for *${escapeText(outcome.value.request.entry.name)}*. ${escapeText(outcome.value.request.requestedFor.name)} will be told.`
        : renderFailure(outcome.error).text;
      await deps.client.views
        .update({ view_id: view.id, view: messageView(outcome.ok ? done : 'Not recorded', text) })
        .catch((err) => deps.logger.warn({ err }, 'decision result not shown'));
    };
    // The message the form was opened from shows the decision first (the form's own answer beside it).
    const url = listId ? (await deps.lists.read(listId, body.user.id))?.respondTo : undefined;
    const drawOpenedFrom =
      listId && url
        ? ({ request }: { request: RequestView }) =>
            confirmInList(
              deps,
              { userId: body.user.id, respond: respondAt(url), listId },
              request,
              decisionMark(request, decision, taskId),
            )
        : channel && ts
          ? ({ request }: { request: RequestView }) => deps.clicked.drawCard({ channel, ts }, request)
          : undefined;
    const outcome = isFailure(actor)
      ? ({ ok: false, error: actor } as const)
      : await deps.clicked.first(
          requestId,
          () => deps.flows.decide(actor, { requestId, taskId, decision, reason }),
          drawOpenedFrom &&
            ((decided) =>
              Promise.all([drawOpenedFrom(decided), showResult({ ok: true, value: decided })]).then(() => {})),
        );
    if (!outcome.ok || !drawOpenedFrom) await showResult(outcome);
    await afterDecision(deps, body.user.id, outcome);
  });

  app.view(MODAL.comment, async ({ ack, body, view }) => {
    const metadata = decisionMetadata.safeParse(parseJson(view.private_metadata));
    const text = field(view.state.values as StateValues, FIELD.text)?.value?.trim();
    if (!metadata.success) {
      await ack({ response_action: 'update', view: messageView('Not posted', 'This form is damaged; start again.') });
      return;
    }
    if (!text) {
      await ack({ response_action: 'errors', errors: { [FIELD.text]: 'Write something to post.' } });
      return;
    }
    await ack({ response_action: 'update', view: messageView('Comment', ':hourglass: Posting your comment…') });
    const actor = await actorOf(deps, body.user.id);
    const outcome = isFailure(actor)
      ? ({ ok: false, error: actor } as const)
      : await deps.flows.comment(actor, metadata.data.r, text, `slack-${view.id}`);
    await deps.client.views
      .update({
        view_id: view.id,
        view: messageView(
          outcome.ok ? 'Comment posted' : 'Not posted',
          outcome.ok
            ? 'Your comment is on the request and in the thread of each message about it.'
            : renderFailure(outcome.error).text,
        ),
      })
      .catch((err) => deps.logger.warn({ err }, 'comment result not shown'));
    const { l: listId } = metadata.data;
    const url = listId && (await deps.lists.read(listId, body.user.id))?.respondTo;
    if (outcome.ok && listId && url && !isFailure(actor)) {
      const mark = commentMark(outcome.value, actor);
      await confirmInList(deps, { userId: body.user.id, respond: respondAt(url), listId }, outcome.value, mark);
    }
  });
}

export const decisionMetadata = z.object({
  r: z.string().min(1).max(200),
  t: z.string().max(200).optional(),
  k: z.enum(['approve', 'reject', 'comment']),
  l: z.string().max(40).optional(),
  c: z.string().max(40).optional(),
  m: z.string().max(40).optional(),
});

/**
 * A decision that landed, or a click on a stale card, is announced by the flow, and the notifier
 * then redraws every card and the Homes of the requester and the approvers (the decider among
 * them). Any other refusal changed nothing, so only the decider's own Home is redrawn here.
 */
export async function afterDecision(deps: SlackDeps, userId: string, outcome: Outcome<unknown>): Promise<void> {
  if (outcome.ok || showsStaleMessage(outcome.error)) return;
  await deps.publishHome(userId).catch((err) => deps.logger.warn({ err }, 'App Home not refreshed'));
}
