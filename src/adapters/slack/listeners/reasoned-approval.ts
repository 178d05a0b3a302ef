import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { within } from '../../../deadline.js';
import { isFailure } from '../../../flows/index.js';
import { riskLines } from '../render/approver-context.js';
import { renderText } from '../render/lists.js';
import { type DecisionMetadata, decisionForm } from '../render/modals.js';
import { ACTION } from '../render/request-card.js';
import { mrkdwn } from '../render/text.js';
import { clickedCard, clickerOf, requestButtonValue } from './click-origin.js';
import { actorOf, type SlackDeps, tell } from './context.js';

/** How long the button waits for the request's details before opening its form with less. */
const FORM_DETAILS_MS = 1_200;

/**
 * Approve on a grant the backend finds risky (issue 21, point 2): the decision form opens with the
 * reason required and the conflicts above it. Its submission is the decision form's own (forms.ts),
 * and the flow refuses a risky approval without a reason whatever the form said.
 */
export function registerReasonedApproval(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.approveWithReason, async (args) => {
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
    const { body } = args;
    // From a kept list, the click's response_url stays with the list, never in the form.
    const fromList = value.l && body.response_url ? value.l : undefined;
    if (fromList && body.response_url) await deps.lists.respondThrough(fromList, body.user.id, body.response_url);
    const card = fromList ? undefined : clickedCard(body);
    const metadata: DecisionMetadata = {
      r: value.r,
      ...(value.t ? { t: value.t } : {}),
      k: 'approve',
      ...(fromList ? { l: fromList } : {}),
      ...(card ? { c: card.channel, m: card.ts } : {}),
    };
    const details = async () => {
      const actor = await actorOf(deps, body.user.id);
      if (isFailure(actor)) return undefined;
      const seen = await deps.flows.status(actor, value.r);
      return seen.ok && !('items' in seen.value) ? seen.value : undefined;
    };
    const request = await within(details(), FORM_DETAILS_MS);
    const known = request && request !== 'late' ? request : undefined;
    const form = decisionForm(known ?? { id: value.r }, metadata, true);
    const risk = known ? riskLines(known) : [];
    const warning: KnownBlock[] = risk.length > 0 ? [{ type: 'section', text: mrkdwn(risk.join('\n')) }] : [];
    const [about, ...rest] = form.blocks;
    await deps.client.views
      .open({
        trigger_id: body.trigger_id,
        view: { ...form, blocks: [...(about ? [about] : []), ...warning, ...rest] },
      })
      .catch(async (err) => {
        deps.logger.warn({ err }, 'decision form not opened');
        await tell(deps, clickerOf(args), renderText('The form could not open in time; press the button again.'));
      });
  });
}
