import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { storeOutageIn } from '../../domain/errors.js';
import { type ChatIdentity, type Flows, type RequestView, showsStaleMessage } from '../../flows/index.js';
import { cardAnswer, messageAnswer } from './card-actions.js';
import type { TeamsDirectory } from './directory.js';
import type { TeamsPeople } from './people.js';
import { failureText } from './render/messages.js';
import { INPUT, renderRequestCard } from './render/request-card.js';
import { nameText } from './render/text.js';

export interface ForwardDeps {
  flows: Flows;
  people: TeamsPeople;
  directory: TeamsDirectory;
}

/** The press of "Forward" on an approver's card, as card-actions.ts parsed it. */
export interface ForwardPress {
  context: TurnContext;
  actor: ChatIdentity;
  requestId: string;
  taskId?: string;
  data: Record<string, unknown>;
}

export const PICK_SOMEONE = 'Choose the person to forward this approval to, then press Forward.';
export const NOT_IN_TEAMS =
  'Gatehouse cannot find that person in Teams (it looks in this chat and in the approvals channel’s team). Forward to someone there, or forward it in the governance portal.';
export const TEAMS_AWAY = 'Teams did not say who that is just now. Please try again in a moment.';

/**
 * "Forward" on an approver's card: the picked person (Teams sends their Entra object id) becomes a
 * chat identity through Teams' roster, and the flow forwards the approval, re-checking that the
 * presser is an approver of the open step, that the backend can forward, and that the person may
 * take it. The answer is the card as it now stands for the presser (their buttons gone), or why not.
 */
export async function forwardPressed(deps: ForwardDeps, press: ForwardPress): Promise<AdaptiveCardInvokeResponse> {
  const { context, actor, requestId, taskId, data } = press;
  const picked = typeof data[INPUT.forwardTo] === 'string' ? (data[INPUT.forwardTo] as string).trim() : '';
  // A multi-select picker would send several ids, comma-separated: an approval goes to one person.
  if (!picked || picked.includes(',')) return messageAnswer(`⚠️ ${PICK_SOMEONE}`);
  const person = await deps.directory.find(context, picked);
  if ('missing' in person) return messageAnswer(`⚠️ ${person.missing === 'unavailable' ? TEAMS_AWAY : NOT_IN_TEAMS}`);
  const typed = data[INPUT.forwardReason];
  const reason = typeof typed === 'string' && typed.trim() ? typed.trim() : undefined;
  const outcome = await deps.flows.forward(actor, { requestId, taskId, to: person.found, reason });
  if (!outcome.ok) {
    const text = failureText(outcome.error);
    if (showsStaleMessage(outcome.error)) return currentCard(deps, actor, requestId, text);
    return messageAnswer(text);
  }
  const to = person.found.displayName ? `**${nameText(person.found.displayName)}**` : 'them';
  return cardFor(deps, outcome.value, `↪️ You forwarded this approval to ${to}.`);
}

/** A request that moved on meanwhile: redrawn as it stands for the presser, with why nothing was forwarded. */
async function currentCard(
  deps: ForwardDeps,
  actor: ChatIdentity,
  requestId: string,
  notice: string,
): Promise<AdaptiveCardInvokeResponse> {
  const seen = await deps.flows.status(actor, requestId);
  if (!seen.ok || 'items' in seen.value) return messageAnswer(notice);
  return cardFor(deps, seen.value, notice);
}

async function cardFor(deps: ForwardDeps, view: RequestView, notice: string): Promise<AdaptiveCardInvokeResponse> {
  const step = view.steps.find((s) => s.index === view.currentStep?.index);
  let refreshFor: string[] = [];
  try {
    const ids = await Promise.all((step?.approvers ?? []).map((a) => deps.people.teamsIdFor(a)));
    refreshFor = ids.filter((id): id is string => Boolean(id));
  } catch (err) {
    // Without the store the approvers' Teams ids are unknown; their cards refresh by hand meanwhile.
    if (!storeOutageIn(err)) throw err;
  }
  return cardAnswer(renderRequestCard('approval', view, { notice, refreshFor }));
}
