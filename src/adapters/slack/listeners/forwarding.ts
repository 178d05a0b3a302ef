import type { App, BlockAction, ButtonAction, ViewStateValue } from '@slack/bolt';
import { z } from 'zod';
import { within } from '../../../deadline.js';
import { isFailure, type Outcome, type RequestView } from '../../../flows/index.js';
import { FORWARD, type ForwardMetadata, forwardedText, forwardForm } from '../render/forward-modal.js';
import { renderFailure, renderText } from '../render/lists.js';
import { messageView } from '../render/modals.js';
import { ACTION } from '../render/request-card.js';
import { chosenPerson } from './chosen-person.js';
import { clickedCard, clickerOf, requestButtonValue } from './click-origin.js';
import { actorOf, parseJson, type SlackDeps, tell } from './context.js';
import { afterDecision } from './forms.js';

/** How long the Forward button waits for the request's details before opening its form with less. */
const FORM_DETAILS_MS = 1_200;

const forwardMetadata = z.object({
  r: z.string().min(1).max(200),
  t: z.string().max(200).optional(),
  c: z.string().max(40).optional(),
  m: z.string().max(40).optional(),
});

type StateValues = Record<string, Record<string, ViewStateValue>>;

/**
 * Forward on an approver's card (issue 21, point 4): a form to choose whom to, then `flows.forward`,
 * which re-checks that the clicker may hand this step on, that the person chosen can take it, and
 * that the backend can forward at all (a card drawn before it said so still gets a plain answer).
 */
export function registerForwarding(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.forward, async (args) => {
    await args.ack();
    const value = requestButtonValue(args.action.value);
    if (!value) {
      await tell(
        deps,
        clickerOf(args),
        renderText(':warning: This button does not name a request. Use `/access pending`.'),
      );
      return;
    }
    const card = clickedCard(args.body);
    const metadata: ForwardMetadata = {
      r: value.r,
      ...(value.t ? { t: value.t } : {}),
      ...(card ? { c: card.channel, m: card.ts } : {}),
    };
    // The trigger_id dies 3 s after the click: details only if they come quickly, and only for
    // someone allowed to see the request (the button's id is no proof of that).
    const details = async () => {
      const actor = await actorOf(deps, args.body.user.id);
      if (isFailure(actor)) return undefined;
      const seen = await deps.flows.status(actor, value.r);
      return seen.ok && !('items' in seen.value) ? seen.value : undefined;
    };
    const request = await within(details(), FORM_DETAILS_MS);
    const about = request && request !== 'late' ? request : { id: value.r };
    await deps.client.views
      .open({ trigger_id: args.body.trigger_id, view: forwardForm(about, metadata) })
      .catch(async (err) => {
        deps.logger.warn({ err }, 'forward form not opened');
        await tell(deps, clickerOf(args), renderText('The form could not open in time; press Forward again.'));
      });
  });

  app.view(FORWARD.form, async ({ ack, body, view }) => {
    const metadata = forwardMetadata.safeParse(parseJson(view.private_metadata));
    if (!metadata.success) {
      await ack({
        response_action: 'update',
        view: messageView('Not forwarded', 'This form is damaged; start again.'),
      });
      return;
    }
    const values = view.state.values as StateValues;
    const toUser = values[FORWARD.to]?.[FORWARD.to]?.selected_user;
    if (!toUser) {
      await ack({ response_action: 'errors', errors: { [FORWARD.to]: 'Choose whom to forward it to.' } });
      return;
    }
    const reason = values[FORWARD.reason]?.[FORWARD.reason]?.value?.trim() || undefined;
    await ack({ response_action: 'update', view: messageView('Forwarding', ':hourglass: Forwarding…') });
    const { r: requestId, t: taskId, c: channel, m: ts } = metadata.data;
    const show = async (title: string, text: string): Promise<void> => {
      await deps.client.views
        .update({ view_id: view.id, view: messageView(title, text) })
        .catch((err) => deps.logger.warn({ err }, 'forward result not shown'));
    };
    const actor = await actorOf(deps, body.user.id);
    if (isFailure(actor)) return show('Not forwarded', renderFailure(actor).text);
    const to = await chosenPerson(deps, toUser);
    if (isFailure(to)) return show('Not forwarded', renderFailure(to).text);
    const outcome: Outcome<RequestView> = await deps.clicked.first(
      requestId,
      () => deps.flows.forward(actor, { requestId, taskId, to, reason }),
      channel && ts ? (request) => deps.clicked.drawCard({ channel, ts }, request) : undefined,
    );
    await show(
      outcome.ok ? 'Forwarded' : 'Not forwarded',
      outcome.ok ? forwardedText(outcome.value, toUser) : renderFailure(outcome.error).text,
    );
    await afterDecision(deps, body.user.id, outcome);
  });
}
