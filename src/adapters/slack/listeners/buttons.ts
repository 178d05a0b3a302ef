import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { z } from 'zod';
import type { Decision } from '../../../domain/types.js';
import { HOME_ACTION } from '../render/home.js';
import { renderFailure } from '../render/lists.js';
import { type DecisionMetadata, decisionForm } from '../render/modals.js';
import { ACTION } from '../render/request-card.js';
import { escapeText } from '../render/text.js';
import { actorOf, isFailure, type SlackDeps, tell, within } from './context.js';
import { afterDecision, openRequestForm, staleCard } from './forms.js';

const buttonValue = z.object({ r: z.string().min(1).max(200), t: z.string().max(200).optional() });

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

  app.action<BlockAction<ButtonAction>>(ACTION.reject, async (args) => {
    await args.ack();
    await openDecisionForm(deps, args, 'reject');
  });

  app.action<BlockAction<ButtonAction>>(ACTION.comment, async (args) => {
    await args.ack();
    await openDecisionForm(deps, args, 'comment');
  });

  // Link buttons open the portal in the browser; Slack still tells us, and wants an ack.
  app.action(ACTION.portal, async ({ ack }) => {
    await ack();
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTION.openForm, async ({ ack, body }) => {
    await ack();
    await openRequestForm(deps, body.trigger_id, body.user.id, {});
  });
}

function where(args: ButtonArgs) {
  // App Home clicks carry no response_url.
  return { userId: args.body.user.id, respond: args.body.response_url ? args.respond : undefined };
}

function parseValue(args: ButtonArgs) {
  const parsed = buttonValue.safeParse(safeJson(args.action.value));
  return parsed.success ? parsed.data : null;
}

async function decideNow(deps: SlackDeps, args: ButtonArgs, decision: Decision): Promise<void> {
  const value = parseValue(args);
  if (!value) return damaged(deps, args);
  const actor = await actorOf(deps, args.body.user.id);
  if (isFailure(actor)) return tell(deps, where(args), renderFailure(actor));
  const outcome = await deps.flows.decide(actor, { requestId: value.r, taskId: value.t, decision });
  if (!outcome.ok) await tell(deps, where(args), renderFailure(outcome.error));
  await afterDecision(deps, value.r, args.body.user.id, outcome.ok || staleCard(outcome));
}

async function openDecisionForm(deps: SlackDeps, args: ButtonArgs, kind: DecisionMetadata['k']): Promise<void> {
  const value = parseValue(args);
  if (!value) return damaged(deps, args);
  const origin = args.body.container;
  const metadata: DecisionMetadata = {
    r: value.r,
    ...(value.t ? { t: value.t } : {}),
    k: kind,
    ...(origin?.channel_id ? { c: String(origin.channel_id) } : {}),
    ...(origin?.message_ts ? { m: String(origin.message_ts) } : {}),
  };
  // The trigger_id dies 3 s after the click: show the request's details only if they come quickly.
  const [snapshot, required] = await Promise.all([
    within(
      deps.flows.snapshot(value.r).catch(() => null),
      FORM_DETAILS_MS,
    ),
    kind === 'comment' ? Promise.resolve(true) : deps.flows.reasonRequired(kind),
  ]);
  const request = snapshot && snapshot !== 'late' ? snapshot.view : undefined;
  await deps.client.views
    .open({ trigger_id: args.body.trigger_id, view: decisionForm(request ?? { id: value.r }, metadata, required) })
    .catch(async (err) => {
      deps.logger.warn({ err }, 'decision form not opened');
      await tell(deps, where(args), {
        text: 'The form could not open in time; press the button again.',
        blocks: [
          {
            type: 'section',
            text: { type: 'mrkdwn', text: 'The form could not open in time; press the button again.' },
          },
        ],
      });
    });
}

async function damaged(deps: SlackDeps, args: ButtonArgs): Promise<void> {
  deps.logger.warn({ value: args.action.value?.slice(0, 100) }, 'a Slack button carried an unreadable value');
  await tell(deps, where(args), {
    text: 'This button is not one Gatehouse drew',
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `:warning: This button does not carry a request Gatehouse can read (${escapeText(args.action.action_id)}). Use \`/access pending\`.`,
        },
      },
    ],
  });
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
