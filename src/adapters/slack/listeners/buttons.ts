import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import { within } from '../../../deadline.js';
import type { Decision } from '../../../domain/types.js';
import { isFailure, type RequestView } from '../../../flows/index.js';
import { decisionMark } from '../../shown-lists.js';
import { riskLines } from '../render/approver-context.js';
import { HOME_ACTION } from '../render/home.js';
import { renderFailure, renderStatus, renderText } from '../render/lists.js';
import { type DecisionMetadata, decisionForm } from '../render/modals.js';
import { REQUEST_AGAIN_ACTION } from '../render/notices.js';
import { ACTION, type SlackMessage } from '../render/request-card.js';
import { escapeText, mrkdwn } from '../render/text.js';
import { clickedCard, clickerOf, fromEphemeral, requestButtonValue } from './click-origin.js';
import { actorOf, parseJson, type SlackDeps, tell } from './context.js';
import { afterDecision, openRequestForm } from './forms.js';
import { confirmInList } from './list-rows.js';

const requestAgainValue = z.object({
  e: z.string().min(1).max(200),
  d: z.string().max(40).optional(),
  x: z.literal(1).optional(),
});

/** How long a button waits for the request's details before opening its form with less. */
const FORM_DETAILS_MS = 1_200;

type ButtonArgs = {
  ack: () => Promise<void>;
  body: BlockAction<ButtonAction>;
  action: ButtonAction;
  respond: RespondFn;
};

/**
 * Approve, Reject and Comment on a card, a list or App Home. A button's value only says which request
 * and step it was drawn for; whether this person may act is decided by the flow, against the
 * governance system, on every click.
 */
export function registerButtons(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.approve, async (args) => {
    await args.ack();
    if (await deps.flows.reasonRequired('approve')) return openDecisionForm(deps, args, 'approve');
    await decideNow(deps, args, 'approve');
  });

  // A grant Okta finds risky: the same decision form, its reason required and the conflicts above it.
  app.action<BlockAction<ButtonAction>>(ACTION.approveWithReason, async (args) => {
    await args.ack();
    await openDecisionForm(deps, args, 'approve', { required: true });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.reject, async (args) => {
    await args.ack();
    await openDecisionForm(deps, args, 'reject');
  });

  app.action<BlockAction<ButtonAction>>(ACTION.comment, async (args) => {
    await args.ack();
    await openDecisionForm(deps, args, 'comment');
  });

  // The requester's own card: Slack's confirm dialog came first; the flow re-checks who may cancel.
  app.action<BlockAction<ButtonAction>>(ACTION.cancel, async (args) => {
    await args.ack();
    await cancelNow(deps, args);
  });

  // Link buttons open the portal in the browser; Slack still tells us, and wants an ack.
  app.action(ACTION.portal, async ({ ack }) => {
    await ack();
  });

  // Time-bound access ending or ended: the same entry and duration, in the form, ready to send.
  // Extend (`x`, access still held): the form says what happens and sends an extension, which the
  // flow does not refuse as a request for access already held.
  app.action<BlockAction<ButtonAction>>(REQUEST_AGAIN_ACTION, async (args) => {
    await args.ack();
    const again = requestAgainValue.safeParse(parseJson(args.action.value));
    const entry = async () => {
      if (!again.success) return undefined;
      const actor = await actorOf(deps, args.body.user.id);
      if (isFailure(actor)) return undefined;
      const described = await deps.flows.describeEntry(actor, again.data.e);
      return described.ok ? described.value : undefined;
    };
    const found = await within(entry(), FORM_DETAILS_MS);
    await openRequestForm(
      deps,
      { triggerId: args.body.trigger_id, userId: args.body.user.id },
      found && found !== 'late'
        ? { entry: found, duration: again.data?.d, ...(again.data?.x ? { extend: true } : {}) }
        : {},
    );
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTION.openForm, async ({ ack, body }) => {
    await ack();
    await openRequestForm(deps, { triggerId: body.trigger_id, userId: body.user.id }, {});
  });
}

async function decideNow(deps: SlackDeps, args: ButtonArgs, decision: Decision): Promise<void> {
  const value = requestButtonValue(args.action.value);
  if (!value) return damaged(deps, args);
  const actor = await actorOf(deps, args.body.user.id);
  if (isFailure(actor)) return tell(deps, clickerOf(args), renderFailure(actor));
  const outcome = await deps.clicked.first(
    value.r,
    () => deps.flows.decide(actor, { requestId: value.r, taskId: value.t, decision }),
    drawClicked(deps, args, value, decision),
  );
  // A grant found risky after its card was drawn: the reason form, while Slack's trigger still holds.
  if (!outcome.ok && outcome.error.code === 'risk_reason_required') {
    return openDecisionForm(deps, args, 'approve', { required: true, notOpened: renderFailure(outcome.error) });
  }
  if (!outcome.ok) await tell(deps, clickerOf(args), renderFailure(outcome.error));
  await afterDecision(deps, args.body.user.id, outcome);
}

/**
 * Cancels the request the button names for whoever clicked, never for whom the card was drawn: the
 * flow refuses anyone but its requester or subject, and a request already closed. The clicked
 * message shows Cancelled first, as after a decision; a refusal changes no message and is told to
 * the clicker alone.
 */
async function cancelNow(deps: SlackDeps, args: ButtonArgs): Promise<void> {
  const value = requestButtonValue(args.action.value);
  if (!value) return damaged(deps, args);
  const actor = await actorOf(deps, args.body.user.id);
  if (isFailure(actor)) return tell(deps, clickerOf(args), renderFailure(actor));
  const outcome = await deps.clicked.first(value.r, () => deps.flows.cancel(actor, value.r), drawCancelled(deps, args));
  if (!outcome.ok) await tell(deps, clickerOf(args), renderFailure(outcome.error));
  await afterDecision(deps, args.body.user.id, outcome);
}

function drawCancelled(deps: SlackDeps, args: ButtonArgs): ((request: RequestView) => Promise<void>) | undefined {
  if (fromEphemeral(args.body) && args.body.response_url)
    return (request) => replaceEphemeral(deps, args.respond, request);
  const card = clickedCard(args.body);
  return card && ((request) => deps.clicked.drawCard(card, request));
}

/**
 * How the message clicked shows the decision once it landed: a kept list marks its row, an
 * ephemeral card is replaced through the click's response_url (chat.update cannot reach one), a
 * card in a conversation is updated in place. App Home is redrawn by its own path.
 */
function drawClicked(
  deps: SlackDeps,
  args: ButtonArgs,
  value: NonNullable<ReturnType<typeof requestButtonValue>>,
  decision: Decision,
): ((decided: { request: RequestView }) => Promise<void>) | undefined {
  const responseUrl = args.body.response_url;
  if (value.l && responseUrl) {
    const listId = value.l;
    return ({ request }) =>
      confirmInList(
        deps,
        { userId: args.body.user.id, respond: args.respond, listId },
        request,
        decisionMark(request, decision, value.t),
      );
  }
  if (fromEphemeral(args.body) && responseUrl) return ({ request }) => replaceEphemeral(deps, args.respond, request);
  const card = clickedCard(args.body);
  return card && (({ request }) => deps.clicked.drawCard(card, request));
}

async function replaceEphemeral(deps: SlackDeps, respond: RespondFn, request: RequestView): Promise<void> {
  await respond({ response_type: 'ephemeral', replace_original: true, ...renderStatus(request) }).catch((err) =>
    deps.logger.warn({ err, requestId: request.id }, 'clicked answer not redrawn'),
  );
}

/**
 * `required` says the reason is needed whatever the policy (a risky grant); `notOpened` is what the
 * clicker is told if Slack's trigger expired before the form could open.
 */
async function openDecisionForm(
  deps: SlackDeps,
  args: ButtonArgs,
  kind: DecisionMetadata['k'],
  options: { required?: boolean; notOpened?: SlackMessage } = {},
): Promise<void> {
  const value = requestButtonValue(args.action.value);
  if (!value) return damaged(deps, args);
  // From a kept list, the click's response_url is kept with the list (never in the modal), so the
  // list can show the outcome once the modal is submitted.
  const fromList = value.l && args.body.response_url ? value.l : undefined;
  if (fromList && args.body.response_url)
    await deps.lists.respondThrough(fromList, args.body.user.id, args.body.response_url);
  const card = fromList ? undefined : clickedCard(args.body);
  const metadata: DecisionMetadata = {
    r: value.r,
    ...(value.t ? { t: value.t } : {}),
    k: kind,
    ...(fromList ? { l: fromList } : {}),
    ...(card && kind !== 'comment' ? { c: card.channel, m: card.ts } : {}),
  };
  // The trigger_id dies 3 s after the click: show the request's details only if they come quickly,
  // and only to someone allowed to see the request (the button's request id is not proof of that).
  const details = async () => {
    const actor = await actorOf(deps, args.body.user.id);
    if (isFailure(actor)) return undefined;
    const seen = await deps.flows.status(actor, value.r);
    return seen.ok && !('items' in seen.value) ? seen.value : undefined;
  };
  const [request, required] = await Promise.all([
    within(details(), FORM_DETAILS_MS),
    kind === 'comment' || options.required ? Promise.resolve(true) : deps.flows.reasonRequired(kind),
  ]);
  const known = request && request !== 'late' ? request : undefined;
  const form = decisionForm(known ?? { id: value.r }, metadata, required);
  // Approving a risky grant: the conflicts it would bring stand above the reason they call for.
  const risk = kind === 'approve' && known ? riskLines(known) : [];
  const [heading, ...rest] = form.blocks;
  const view =
    risk.length > 0
      ? {
          ...form,
          blocks: [...(heading ? [heading] : []), { type: 'section', text: mrkdwn(risk.join('\n')) }, ...rest],
        }
      : form;
  await deps.client.views.open({ trigger_id: args.body.trigger_id, view }).catch(async (err) => {
    deps.logger.warn({ err }, 'decision form not opened');
    await tell(
      deps,
      clickerOf(args),
      options.notOpened ?? renderText('The form could not open in time; press the button again.'),
    );
  });
}

async function damaged(deps: SlackDeps, args: ButtonArgs): Promise<void> {
  deps.logger.warn({ value: args.action.value?.slice(0, 100) }, 'a Slack button carried an unreadable value');
  await tell(
    deps,
    clickerOf(args),
    renderText(
      `:warning: This button does not carry a request Gatehouse can read (${escapeText(args.action.action_id)}). Use \`/access pending\`.`,
    ),
  );
}
