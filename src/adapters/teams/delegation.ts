import { type Activity, MessageFactory, type TurnContext } from 'botbuilder';
import type { ChatCommand, ChatIdentity, DelegationView, Flows } from '../../flows/index.js';
import type { TeamsDirectory } from './directory.js';
import { failureText } from './render/messages.js';
import { escapeMarkdown, escapeWithin, nameText, teamsTime } from './render/text.js';

export type DelegateCommand = Extract<ChatCommand, { kind: 'delegate' | 'delegate-end' | 'delegate-show' }>;

export interface DelegationDeps {
  flows: Flows;
  directory: TeamsDirectory;
}

const HOW = 'write “delegate @person until 24 Dec” (or their e-mail address instead of the mention)';

/**
 * `delegate @person until <date>`, `delegate off` and `delegate` typed in the 1:1 chat, answered in
 * text. The person is an @mention (Teams writes `<at>Name</at>` in the text and names the person in
 * the activity's `mention` entities) or a sign-in e-mail, looked up in Teams' roster; a bare name
 * names nobody, however it reads. The flow checks the rest: whether the backend delegates at all,
 * whether the person may stand in, what the date means.
 */
export async function answerDelegation(
  deps: DelegationDeps,
  context: TurnContext,
  actor: ChatIdentity,
  command: DelegateCommand,
): Promise<void> {
  await context.sendActivity(MessageFactory.text(await delegationReply(deps, context, actor, command)));
}

export async function delegationReply(
  deps: DelegationDeps,
  context: TurnContext,
  actor: ChatIdentity,
  command: DelegateCommand,
): Promise<string> {
  const { flows } = deps;
  if (command.kind === 'delegate-show') {
    const current = await flows.myDelegation(actor);
    if (!current.ok) return failureText(current.error);
    if (!current.value)
      return `Nobody decides your approvals for you. To have someone stand in while you are away, ${HOW}.`;
    return `${standingIn(current.value, 'decides')} Write “delegate off” to end it.`;
  }
  if (command.kind === 'delegate-end') {
    const ended = await flows.endDelegation(actor);
    if (!ended.ok) return failureText(ended.error);
    return ended.value.ended
      ? '✅ Your delegate no longer stands in for you: your approvals come to you again.'
      : 'Nobody was standing in for you, so nothing changed.';
  }
  const named = namedMember(context.activity, command.to);
  if (!named) return `⚠️ “${escapeWithin(command.to, 100)}” names nobody Gatehouse can look up: ${HOW}.`;
  const person = await deps.directory.find(context, named);
  if ('missing' in person) {
    return person.missing === 'unavailable'
      ? '⚠️ Teams did not say who that is just now. Please try again in a moment.'
      : `⚠️ Gatehouse cannot find “${escapeWithin(command.to.replace(/<\/?at>/g, ''), 100)}” in Teams (it looks in this chat and in the approvals channel’s team).`;
  }
  const appointed = await flows.delegate(actor, {
    to: person.found,
    ...(command.until ? { until: command.until } : {}),
    ...(command.note ? { note: command.note } : {}),
  });
  if (!appointed.ok) return failureText(appointed.error);
  return `✅ ${standingIn(appointed.value, 'now decides')} Write “delegate off” to end it sooner.`;
}

function standingIn(view: DelegationView, verb: string): string {
  const from = view.from ? ` from ${when(view.from)}` : '';
  const until = view.until ? ` until ${when(view.until)}` : ' until you end it';
  const note = view.note ? ` (“${escapeWithin(view.note, 300)}”)` : '';
  return `**${nameText(view.delegate.name)}** ${verb} your approvals${from}${until}${note}.`;
}

/** A date alone is shown as the date; a time as the cards show times. */
function when(iso: string): string {
  return /^\d{4}-\d\d-\d\d$/.test(iso) ? escapeMarkdown(iso) : teamsTime(iso);
}

/**
 * Whom `to` names, as an id Teams' roster answers to: the mentioned person's Teams id (the mention
 * entity whose text is exactly `to`, or whose `<at>` name is), or an e-mail address (a UPN). Teams
 * puts the Entra object id in the entity only sometimes; the Teams id is always there.
 */
export function namedMember(activity: Partial<Activity>, to: string): string | undefined {
  const text = to.trim();
  const mention = /^<at>(.*)<\/at>$/i.exec(text);
  if (mention) {
    const mentions = (activity.entities ?? []).filter((entity) => entity.type === 'mention') as {
      text?: unknown;
      mentioned?: { id?: unknown; name?: unknown };
    }[];
    const found =
      mentions.find((entity) => entity.text === text) ??
      mentions.find((entity) => entity.mentioned?.name === mention[1]);
    const id = found?.mentioned?.id;
    // The bot's own mention is never a delegate.
    return typeof id === 'string' && id && id !== activity.recipient?.id ? id : undefined;
  }
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(text) ? text : undefined;
}
