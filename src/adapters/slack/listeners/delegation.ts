import { type ChatCommand, isFailure } from '../../../flows/index.js';
import { MENTION_NEEDED, renderDelegated, renderDelegation, renderDelegationEnded } from '../render/delegation.js';
import { renderFailure } from '../render/lists.js';
import type { SlackMessage } from '../render/request-card.js';
import { chosenPerson, mentionedUser } from './chosen-person.js';
import { actorOf, type SlackDeps, tell } from './context.js';

export type DelegationCommand = Extract<ChatCommand, { kind: 'delegate' | 'delegate-end' | 'delegate-show' }>;

/**
 * `/access delegate @person until <date>`, `/access delegate off` and `/access delegate` (issue 21,
 * point 4), answered to the person alone. `to` is the person as Slack sent them (`<@U123>` or
 * `<@U123|name>`); the flow reads the date, checks the delegate, and says when the backend has no
 * delegates.
 */
export async function answerDelegation(
  deps: SlackDeps,
  where: { userId: string; respond?: (message: object) => Promise<unknown> },
  command: DelegationCommand,
): Promise<void> {
  await tell(deps, where, await delegationAnswer(deps, where.userId, command));
}

async function delegationAnswer(deps: SlackDeps, userId: string, command: DelegationCommand): Promise<SlackMessage> {
  const actor = await actorOf(deps, userId);
  if (isFailure(actor)) return renderFailure(actor);
  if (command.kind === 'delegate-show') {
    const outcome = await deps.flows.myDelegation(actor);
    return outcome.ok ? renderDelegation(outcome.value) : renderFailure(outcome.error);
  }
  if (command.kind === 'delegate-end') {
    const outcome = await deps.flows.endDelegation(actor);
    return outcome.ok ? renderDelegationEnded(outcome.value.ended) : renderFailure(outcome.error);
  }
  const delegateId = mentionedUser(command.to);
  if (!delegateId) return MENTION_NEEDED;
  const to = await chosenPerson(deps, delegateId);
  if (isFailure(to)) return renderFailure(to);
  const outcome = await deps.flows.delegate(actor, {
    to,
    ...(command.until ? { until: command.until } : {}),
    ...(command.note ? { note: command.note } : {}),
  });
  return outcome.ok ? renderDelegated(outcome.value) : renderFailure(outcome.error);
}
