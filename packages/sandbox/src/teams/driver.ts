import {
  type ActivityUser,
  type ConversationRef,
  conversationUpdate,
  type Envelope,
  type InvokeTrigger,
  installationUpdate,
  invokeAction,
  type Mention,
  message,
} from './activities.js';
import { type ActionChoice, actionData, findExecute } from './card-actions.js';
import { type DeliveryTarget, type DriverResponse, deliver, type InjectFn, nothingSent } from './delivery.js';
import { applyInvokeAnswer } from './invoke-answer.js';
import { isPeopleDataset, pickProblems, searchPeople } from './people-picker.js';
import type { ConversationRecord, Json, TeamsUserRecord } from './records.js';
import {
  datasetOf,
  findInput,
  MAX_SEARCH_RESULTS,
  readSearchAnswer,
  SEARCH_INVOKE,
  type SearchResult,
  searchInvoke,
} from './search.js';
import { TEAMS_SEED } from './seed.js';
import type { TeamsTenant } from './tenant.js';

export interface TeamsDriverOptions {
  tenant: TeamsTenant;
  /** Deliver through fastify's `inject` (no socket); without it, over HTTP to `baseUrl`. */
  inject?: InjectFn;
  /** Absolute URL of the bot's server: activities carry `serviceUrl = baseUrl + servicePath`. */
  baseUrl: string;
  /** The bot's messaging endpoint (default '/api/messages'). */
  path?: string;
  /** Where the connector stand-in is mounted below baseUrl (default '/sandbox/teams'). */
  servicePath?: string;
  /**
   * The `Authorization` header Teams would send with an activity (`Bearer <Bot Framework token>`),
   * for a bot configured with an app id; none by default, as the sandbox bot checks no token.
   */
  authorization?: (activity: Json) => string | undefined;
}

/**
 * What a person types to the bot: plain text, or text with people picked from the compose box's
 * `@` suggestions (`['delegate ', { mention: TEAMS_SEED.users.bob.id }, ' until 2026-12-24']`),
 * sent as `<at>Bob Martinez</at>` with a mention entity.
 */
export type TypedMessage = string | readonly (string | { mention: string })[];

/** A message holding a card: the conversation (the channel, for a channel post) and the activity id. */
export interface CardTarget {
  conversationId: string;
  activityId: string;
}

/**
 * Acts as Teams towards the bot: builds the activity Teams would post for what a person does,
 * records it in the tenant's transcript, delivers it to the bot's messaging endpoint, then applies
 * the bot's answer the way Teams would (an invoke's card becomes that person's view of the card).
 * Buttons are pressed on the card the person actually sees, so a test cannot press what the bot
 * never rendered.
 */
export class TeamsDriver {
  private readonly tenant: TeamsTenant;
  private readonly target: DeliveryTarget;
  private readonly path: string;
  private readonly authorization: ((activity: Json) => string | undefined) | undefined;
  /** With the trailing slash Teams' own service URLs have (`https://smba.trafficmanager.net/amer/`). */
  readonly serviceUrl: string;

  constructor(options: TeamsDriverOptions) {
    this.tenant = options.tenant;
    this.target = options.inject ? { inject: options.inject } : { baseUrl: options.baseUrl.replace(/\/+$/, '') };
    this.path = options.path ?? '/api/messages';
    this.authorization = options.authorization;
    this.serviceUrl = `${options.baseUrl.replace(/\/+$/, '')}${options.servicePath ?? '/sandbox/teams'}/`;
  }

  /**
   * A message typed by a person in their 1:1 chat with the bot, with people @mentioned where the
   * parts say so. Teams offers only the chat's members to mention (see
   * TeamsTenantOptions.mentionsOutsideConversation), so anyone else is refused here.
   */
  async say(userId: string, text: TypedMessage): Promise<DriverResponse> {
    const user = this.installedUser(userId);
    const conversation = this.personal(user);
    const mentions: Mention[] = [];
    let typed = '';
    for (const part of typeof text === 'string' ? [text] : text) {
      if (typeof part === 'string') typed += part;
      else {
        const mentioned = this.mentionable(part.mention, conversation.id);
        mentions.push(mentioned);
        typed += `<at>${mentioned.name}</at>`;
      }
    }
    const envelope = this.envelope(this.tenant.ids.message(), conversation);
    return this.send(message(envelope, { user: this.account(user), text: typed, mentions }));
  }

  private mentionable(userId: string, conversationId: string): Mention {
    const person = this.requireUser(userId);
    const conversation = this.tenant.conversationOf(conversationId);
    const inside = !!conversation && this.tenant.membersOf(conversation).some((member) => member.id === person.id);
    if (!inside && !this.tenant.mentionsOutsideConversation) {
      throw new Error(
        `${person.name} is not in ${conversationId}: Teams suggests only the conversation's members to @mention (tenant option mentionsOutsideConversation)`,
      );
    }
    return { id: person.id, name: person.name };
  }

  /**
   * A person presses an Action.Execute button on a card, found by verb or title, a predicate, or the
   * action's own identity (`{ id }` or `{ verb, data }`: which Approve of a list), in the card as that
   * person sees it. `inputs` are what they typed or picked, by input id.
   */
  async execute(
    userId: string,
    target: CardTarget,
    verbOrTitle: ActionChoice,
    inputs: Record<string, string> = {},
  ): Promise<DriverResponse> {
    const user = this.requireUser(userId);
    const card = this.cardSeenBy(user, target);
    if (typeof card === 'string') return nothingSent([card]);
    const found = findExecute(card, verbOrTitle);
    this.checkPeoplePicks(card, target, inputs);
    const prepared = actionData(found, inputs);
    if ('refusals' in prepared) return nothingSent(prepared.refusals);
    const { action } = found;
    return this.invoke(
      user,
      target,
      { verb: String(action.verb ?? ''), actionId: action.id, data: prepared.data },
      'manual',
    );
  }

  /** A People Picker's value can only be what Teams offers: Entra object ids of the directory's people. */
  private checkPeoplePicks(card: Json, target: CardTarget, inputs: Record<string, string>): void {
    const conversation = this.conversation(target);
    for (const [id, given] of Object.entries(inputs)) {
      const input = findInput(card, id);
      const query = input?.['choices.data'] as Json | undefined;
      if (!input || typeof query?.dataset !== 'string') continue;
      const problems = pickProblems(this.tenant, input, conversation, given);
      if (problems.length > 0) throw new Error(problems.join('; '));
    }
  }

  private conversation(target: CardTarget): ConversationRecord {
    const conversation = this.tenant.conversationOf(target.conversationId);
    if (!conversation) throw new Error(`no conversation ${target.conversationId}`);
    return conversation;
  }

  /**
   * A person types into a dynamic type-ahead (an Input.ChoiceSet with `choices.data`) on a card they
   * see: Teams asks the bot with an `application/search` invoke and offers the results it answers.
   * A People Picker (`graph.microsoft.com/users` datasets) is answered by Teams from the directory
   * instead: nothing reaches the bot (`activity` absent, `notSent` empty), and `results` are people,
   * valued by their Entra object id.
   */
  async search(
    userId: string,
    target: CardTarget,
    inputId: string,
    queryText: string,
    page: { skip?: number; top?: number } = {},
  ): Promise<DriverResponse & { results: SearchResult[] }> {
    const user = this.requireUser(userId);
    const card = this.cardSeenBy(user, target);
    if (typeof card === 'string') return { ...nothingSent([card]), results: [] };
    const dataset = datasetOf(card, inputId);
    if (typeof dataset !== 'string') throw new Error(dataset.problem);
    if (isPeopleDataset(dataset)) {
      const skip = page.skip ?? 0;
      const top = Math.min(page.top ?? MAX_SEARCH_RESULTS, MAX_SEARCH_RESULTS);
      const results = searchPeople(this.tenant, dataset, this.conversation(target), queryText, { skip, top });
      return { ...nothingSent([]), results };
    }
    const envelope = this.envelope(this.tenant.ids.event(), this.threadOf(target));
    const activity = searchInvoke(envelope, {
      user: this.account(user),
      queryText,
      dataset,
      skip: page.skip ?? 0,
      top: page.top ?? MAX_SEARCH_RESULTS,
    });
    const response = await this.send(activity);
    return { ...response, results: readSearchAnswer(response).results };
  }

  /** Teams shows a card to a person: it runs the card's refresh action for them, if they are in `refresh.userIds`. */
  async refresh(userId: string, target: CardTarget): Promise<DriverResponse> {
    const user = this.requireUser(userId);
    const card = this.cardSeenBy(user, target);
    if (typeof card === 'string') return nothingSent([card]);
    const refresh = card.refresh as { action?: Json; userIds?: unknown } | undefined;
    if (!refresh?.action) return nothingSent(['the card has no refresh action']);
    const userIds = Array.isArray(refresh.userIds) ? refresh.userIds : [];
    if (!userIds.includes(user.id)) {
      return nothingSent([
        `Teams refreshes automatically only for users in refresh.userIds, and ${user.id} is not there`,
      ]);
    }
    const { action } = refresh;
    const data = typeof action.data === 'object' && action.data !== null ? action.data : (action.data ?? {});
    return this.invoke(user, target, { verb: String(action.verb ?? ''), actionId: action.id, data }, 'automatic');
  }

  /** A person adds the app (personal scope): Teams tells the bot with a conversationUpdate and an installationUpdate. */
  async install(userId: string): Promise<{ conversationUpdate: DriverResponse; installationUpdate: DriverResponse }> {
    const user = this.requireUser(userId);
    this.tenant.setInstalled(user.id, true);
    const conversation = this.personal(user);
    const added = [{ id: TEAMS_SEED.bot.id }, { id: user.id, aadObjectId: user.aadObjectId }];
    const update = conversationUpdate(this.envelope(this.tenant.ids.event(), conversation), {
      user: this.account(user),
      membersAdded: added,
    });
    const first = await this.send(update);
    const installed = installationUpdate(this.envelope(this.tenant.ids.event(), conversation), {
      user: this.account(user),
      action: 'add',
    });
    return { conversationUpdate: first, installationUpdate: await this.send(installed) };
  }

  /** A person removes the app: the bot is told, and from then on Teams refuses its messages to them (403). */
  async uninstall(userId: string): Promise<DriverResponse> {
    const user = this.requireUser(userId);
    const envelope = this.envelope(this.tenant.ids.event(), this.personal(user));
    const response = await this.send(installationUpdate(envelope, { user: this.account(user), action: 'remove' }));
    this.tenant.setInstalled(user.id, false);
    return response;
  }

  /** The exact same activity again, same id and timestamp: Teams retrying a delivery, or a double click replayed. */
  async resend(previous: DriverResponse): Promise<DriverResponse> {
    if (!previous.activity) throw new Error('nothing was sent, so nothing can be sent again');
    return this.send(previous.activity);
  }

  /**
   * Records and delivers any activity, for shapes the helpers above do not build; applies an
   * invoke's answer. `authorization` replaces the header the driver's option would give (a forged
   * token, say; an empty string sends none).
   */
  async send(activity: Json, options: { authorization?: string } = {}): Promise<DriverResponse> {
    const conversationId = String((activity.conversation as Json | undefined)?.id ?? '').split(';')[0] ?? '';
    const id = String(activity.id);
    const entry = this.tenant.findActivity(conversationId, id) ?? this.record(conversationId, activity);
    const given = options.authorization ?? this.authorization?.(activity);
    const response = await deliver(this.target, this.path, activity, given === '' ? undefined : given);
    entry.response = { status: response.statusCode, body: response.body };
    if (activity.type === 'invoke' && activity.name === 'adaptiveCard/action') {
      const userId = String((activity.from as Json).id);
      const where = { userId, conversationId, activityId: String(activity.replyToId) };
      response.answerProblems.push(...applyInvokeAnswer(this.tenant, where, response));
    } else if (activity.type === 'invoke' && activity.name === SEARCH_INVOKE) {
      response.answerProblems.push(...readSearchAnswer(response).problems);
    } else if (response.statusCode >= 400) {
      response.answerProblems.push(`the bot answered HTTP ${response.statusCode}`);
    }
    return response;
  }

  private async invoke(
    user: TeamsUserRecord,
    target: CardTarget,
    action: { verb: string; actionId: unknown; data: unknown },
    trigger: InvokeTrigger,
  ): Promise<DriverResponse> {
    const activity = invokeAction(this.envelope(this.tenant.ids.event(), this.threadOf(target)), {
      user: this.account(user),
      replyToId: target.activityId,
      verb: action.verb,
      ...(typeof action.actionId === 'string' ? { actionId: action.actionId } : {}),
      data: action.data,
      trigger,
    });
    return this.send(activity);
  }

  /** Where a card's invokes come from: in a channel, Teams names the card's thread in the conversation id. */
  private threadOf(target: CardTarget): ConversationRef {
    const conversation = this.tenant.conversationOf(target.conversationId);
    if (!conversation) throw new Error(`no conversation ${target.conversationId}`);
    const card = this.tenant.findActivity(conversation.id, target.activityId);
    return conversation.kind === 'channel'
      ? { id: `${conversation.id};messageid=${card?.replyToId ?? target.activityId}`, kind: 'channel' }
      : { id: conversation.id, kind: 'personal' };
  }

  /** The card this person sees there, or why they see none: only members of a conversation see its messages. */
  private cardSeenBy(user: TeamsUserRecord, target: CardTarget): Json | string {
    const conversation = this.tenant.conversationOf(target.conversationId);
    if (!conversation) throw new Error(`no conversation ${target.conversationId}`);
    if (!this.tenant.membersOf(conversation).some((member) => member.id === user.id)) {
      return `${user.id} is not in ${conversation.id}, so Teams never shows them that card`;
    }
    const card = this.tenant.viewOf(user.id, conversation.id, target.activityId);
    if (!card) throw new Error(`no card in activity ${target.activityId} of ${target.conversationId}`);
    return card;
  }

  private record(conversationId: string, activity: Json) {
    return this.tenant.append({
      id: String(activity.id),
      conversationId,
      type: String(activity.type),
      ...(typeof activity.name === 'string' ? { name: activity.name } : {}),
      from: activity.from as { id: string; name?: string; aadObjectId?: string },
      timestamp: String(activity.timestamp),
      ...(typeof activity.text === 'string' ? { text: activity.text } : {}),
      attachments: [],
      ...(typeof activity.replyToId === 'string' ? { replyToId: activity.replyToId } : {}),
      ...(activity.value !== undefined ? { value: activity.value } : {}),
      activity,
    });
  }

  private envelope(id: string, conversation: ConversationRef): Envelope {
    return { id, timestamp: this.tenant.now(), serviceUrl: this.serviceUrl, conversation };
  }

  private personal(user: TeamsUserRecord): ConversationRef {
    return { id: this.tenant.personalConversationOf(user.id), kind: 'personal' };
  }

  private account(user: TeamsUserRecord): ActivityUser {
    return { id: user.id, name: user.name, aadObjectId: user.aadObjectId };
  }

  private requireUser(userId: string): TeamsUserRecord {
    const user = this.tenant.findUser(userId);
    if (!user) throw new Error(`no user ${userId} in the tenant`);
    return user;
  }

  private installedUser(userId: string): TeamsUserRecord {
    const user = this.requireUser(userId);
    if (!user.installed) throw new Error(`${user.id} has not installed the app: driver.install('${user.id}') first`);
    return user;
  }
}
