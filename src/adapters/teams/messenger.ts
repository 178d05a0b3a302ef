import {
  type Activity,
  type CloudAdapter,
  type ConversationReference,
  MessageFactory,
  TeamsInfo,
  type TurnContext,
} from 'botbuilder';
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Logger } from 'pino';
import type { PersonView } from '../../flows/index.js';
import { DeliveryFailed, type Messenger, type Notice, type RequestCard } from '../../notifier/index.js';
import type { Pacer } from '../../notifier/pacing.js';
import type { MessageRef } from '../../store/index.js';
import { chatSpan } from '../../tracing.js';
import { withBotbuilderLogs } from './console.js';
import type { TeamsPeople } from './people.js';
import { noticeCard, noticeText } from './render/messages.js';
import { renderCardWithReason } from './render/reminder.js';
import { type Card, renderRequestCard } from './render/request-card.js';
import type { ServiceUrlPolicy } from './service-url.js';

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export function cardActivity(card: Card): Partial<Activity> {
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD, content: card }] };
}

/** Teams throttles per bot and conversation (429): wait and try again, a few times. */
const throttled = retry(
  handleWhen((err) => statusOf(err) === 429),
  { maxAttempts: 3, backoff: new ExponentialBackoff({ initialDelay: 500, maxDelay: 4000 }) },
);

export interface TeamsMessengerOptions {
  adapter: CloudAdapter;
  appId: string;
  /** The tenant served: where new 1:1 chats are opened. */
  tenantId?: string;
  people: TeamsPeople;
  /**
   * The configured service URL (sandbox: the connector stand-in), for conversations never met;
   * without it, the one Teams last gave for the tenant. A conversation met before always uses its own.
   */
  serviceUrl?: string;
  /** Where the bot's token may be sent (service-url.ts); anything else is refused before a call. */
  serviceUrlAllowed?: ServiceUrlPolicy;
  /** The approvals channel, whose team's members are how the bot finds approvers it never met. */
  approvalsChannel?: string;
  logger: Logger;
  pacer?: Pacer;
}

/**
 * The Teams side of the notifier: cards in 1:1 chats (created when none exists), in the approvals
 * channel, edited with updateActivity; approvers of the current step get their own view through
 * the card's refresh.
 */
export class TeamsMessenger implements Messenger {
  readonly platform = 'teams' as const;

  /** Approvals-channel member listings in flight in this process, by channel. */
  private readonly listing = new Map<string, Promise<void>>();

  constructor(private readonly options: TeamsMessengerOptions) {}

  sendToPerson(person: PersonView, card: RequestCard): Promise<MessageRef | null> {
    return chatSpan('teams', 'post', card.role, async () => {
      const ref = await this.personalReference(person);
      if (!ref) return null;
      const activity = cardActivity(renderCardWithReason(card, await this.refreshFor(card)));
      const id = await this.send(ref, activity);
      return this.messageRef(ref, id, card.role === 'approval' ? 'approval' : 'requester', person.id);
    });
  }

  sendToChannel(channel: string, card: RequestCard): Promise<MessageRef> {
    return chatSpan('teams', 'post', 'channel', async () => {
      const ref = await this.channelReference(channel);
      const id = await this.send(
        ref,
        cardActivity(renderCardWithReason({ ...card, role: 'channel' }, await this.refreshFor(card))),
      );
      return this.messageRef(ref, id, 'channel');
    });
  }

  /**
   * The card again as a reply to `under`: in a channel, in its thread (the only way Teams threads a
   * reply, see inThread); in a 1:1 chat, which has no threads, as a new message quoting the original.
   */
  replyWithCard(under: MessageRef, card: RequestCard): Promise<MessageRef> {
    return chatSpan('teams', 'post', 'reminder', async () => {
      const conversation = await this.conversationOf(under);
      if (!conversation) throw new DeliveryFailed(`no reference for ${under.conversationId}`, 'no');
      const root = under.threadId ?? under.messageId;
      const where = under.kind === 'channel' ? inThread(conversation, root) : conversation;
      const id = await this.send(where, cardActivity(renderCardWithReason(card, await this.refreshFor(card))), root);
      return { ...this.messageRef(conversation, id, under.kind, under.recipientId), threadId: root };
    });
  }

  /** The time zone Teams gave with the person's own activities (`localTimezone`), when they wrote or clicked. */
  async timeZoneOf(person: PersonView): Promise<string | undefined> {
    return this.options.people.timeZoneFor(person);
  }

  update(ref: MessageRef, card: RequestCard): Promise<void> {
    return chatSpan('teams', 'update', card.role, async () => {
      const conversation = await this.conversationOf(ref);
      if (!conversation) throw new DeliveryFailed(`no reference for ${ref.conversationId}`, 'no');
      const activity = {
        ...cardActivity(renderRequestCard(card.role, card.request, await this.refreshFor(card))),
        id: ref.messageId,
      };
      await this.pace(ref.conversationId);
      await this.turn(conversation, (context) => context.updateActivity(activity));
    });
  }

  reply(ref: MessageRef, notice: Notice): Promise<void> {
    return chatSpan('teams', 'post', 'reply', async () => {
      const conversation = await this.conversationOf(ref);
      if (!conversation) return;
      await this.send(ref.kind === 'channel' ? inThread(conversation, ref.messageId) : conversation, {
        ...MessageFactory.text(noticeText(notice)),
        replyToId: ref.messageId,
      });
    });
  }

  async blockedFor(): Promise<number> {
    return (await this.options.pacer?.blockedFor()) ?? 0;
  }

  notify(person: PersonView, notice: Notice): Promise<boolean> {
    return chatSpan('teams', 'post', 'notice', async () => {
      const ref = await this.personalReference(person);
      if (!ref) return false;
      const card = noticeCard(notice);
      await this.send(ref, card ? cardActivity(card) : MessageFactory.text(noticeText(notice)));
      return true;
    });
  }

  /** The 1:1 chat with a person: the stored one, or a new one when Teams knows their id. */
  private async personalReference(person: PersonView): Promise<Partial<ConversationReference> | null> {
    const { people } = this.options;
    const teamsId = (await people.teamsIdFor(person)) ?? (await this.discover(person));
    if (!teamsId) return null;
    const stored = await people.personalReference(teamsId);
    if (stored) return stored;
    // Never met 1:1: opened at the configured or the tenant's service URL (Teams accepts a team's
    // or the tenant's for any of its members), never at one an activity named for another chat.
    const { serviceUrl, botId, tenantId } = await this.fallback();
    if (!serviceUrl || !botId) return null;
    this.checkServiceUrl(serviceUrl);
    let created: Partial<ConversationReference> | undefined;
    await this.pace(teamsId, 'create');
    await this.mapped(() =>
      this.options.adapter.createConversationAsync(
        this.options.appId,
        'msteams',
        serviceUrl,
        '',
        {
          isGroup: false,
          bot: { id: botId, name: 'Gatehouse' },
          members: [{ id: teamsId, name: person.name }],
          tenantId,
          channelData: { tenant: { id: tenantId } },
          activity: undefined as unknown as Activity,
          topicName: '',
        },
        async (context) => {
          created = referenceOf(context);
        },
      ),
    );
    if (!created) return null;
    await people.savePersonal(teamsId, created);
    return created;
  }

  /**
   * A person the bot never met: Teams has no lookup by email for bots, but the approvals channel's
   * team lists its members with their emails. Listed at most every few minutes.
   */
  private async discover(person: PersonView): Promise<string | null> {
    const channel = this.options.approvalsChannel;
    if (!channel || !person.email) return null;
    // A step's approvers are posted to together: those who arrive while the list is being read
    // wait for it rather than be told there is no one to post to.
    // Set before anything is awaited, so callers arriving together all find it.
    let listed = this.listing.get(channel);
    if (!listed) {
      listed = (async () => {
        if (await this.options.people.mayList(channel)) await this.listMembers(channel);
      })().finally(() => this.listing.delete(channel));
      this.listing.set(channel, listed);
    }
    await listed;
    return this.options.people.teamsIdFor(person);
  }

  private async listMembers(channel: string): Promise<void> {
    try {
      await this.turn(await this.channelReference(channel), async (context) => {
        let token: string | undefined;
        do {
          const page = await TeamsInfo.getPagedMembers(context, 500, token);
          for (const member of page.members ?? []) {
            if (member.email) await this.options.people.learn(member.email, member.id);
          }
          token = page.continuationToken;
        } while (token);
      });
    } catch (err) {
      this.options.logger.warn({ err, channel }, 'approvals channel members not listed');
    }
  }

  private async channelReference(channel: string): Promise<Partial<ConversationReference>> {
    const stored = await this.options.people.conversation(channel);
    if (stored) return stored;
    const { serviceUrl, botId, tenantId } = await this.fallback();
    if (!serviceUrl) throw new DeliveryFailed(`no service URL known for channel ${channel}`, 'no');
    return {
      channelId: 'msteams',
      serviceUrl,
      conversation: { id: channel, isGroup: true, conversationType: 'channel', tenantId, name: '' },
      bot: { id: botId ?? `28:${this.options.appId}`, name: 'Gatehouse' },
    };
  }

  /** For a conversation never met: the configured service URL, else the tenant's; the bot's id and the tenant served. */
  private async fallback(): Promise<{ serviceUrl?: string; botId?: string; tenantId?: string }> {
    const { appId, serviceUrl, tenantId } = this.options;
    const tenant = serviceUrl && appId && tenantId ? null : await this.options.people.tenant();
    return {
      serviceUrl: serviceUrl ?? tenant?.serviceUrl,
      botId: appId ? `28:${appId}` : tenant?.botId || undefined,
      tenantId: tenantId ?? tenant?.tenantId,
    };
  }

  /** Refuses, before any call, to send the bot's token anywhere but Teams (a reference stored before the allow-list, say). */
  private checkServiceUrl(serviceUrl: string | undefined): void {
    if (this.options.serviceUrlAllowed && !this.options.serviceUrlAllowed(serviceUrl)) {
      this.options.logger.error({ serviceUrl }, 'not sending to a serviceUrl that is not a Teams service URL');
      throw new DeliveryFailed(`refused to send to ${serviceUrl}: not a Teams service URL`, 'no');
    }
  }

  private async conversationOf(ref: MessageRef): Promise<Partial<ConversationReference> | null> {
    const stored = await this.options.people.conversation(ref.conversationId);
    if (stored) return stored;
    return ref.kind === 'channel' ? this.channelReference(ref.conversationId) : null;
  }

  /** Only the approvers of the current step get their own view (with buttons) when they look. */
  private async refreshFor(card: RequestCard): Promise<{ refreshFor: string[] }> {
    const step = card.request.steps.find((s) => s.index === card.request.currentStep?.index);
    const ids = await Promise.all((step?.approvers ?? []).map((a) => this.options.people.teamsIdFor(a)));
    return { refreshFor: ids.filter((id): id is string => Boolean(id)) };
  }

  /** `replyTo`: the activity this one answers (POST …/activities/{replyTo}). */
  private async send(
    ref: Partial<ConversationReference>,
    activity: Partial<Activity>,
    replyTo?: string,
  ): Promise<string> {
    await this.pace(ref.conversation?.id);
    let id: string | undefined;
    await this.turn(ref, async (context) => {
      // botbuilder answers the turn's own activity (a random id in a turn of ours), whatever replyToId says.
      if (replyTo) context.activity.id = replyTo;
      id = (await context.sendActivity(activity))?.id;
    });
    if (!id) throw new DeliveryFailed('Teams answered without an activity id', 'unknown');
    return id;
  }

  private async pace(conversationId: string | undefined, operation: 'send' | 'create' = 'send'): Promise<void> {
    await this.options.pacer?.take(operation, conversationId ?? 'new');
    await this.options.pacer?.take('tenant');
  }

  private async turn(ref: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<unknown>) {
    this.checkServiceUrl(ref.serviceUrl);
    await this.mapped(() =>
      this.options.adapter.continueConversationAsync(this.options.appId, ref, async (context) => {
        await logic(context);
      }),
    );
  }

  /** A connector call, retried while throttled, its failure told apart: refused, or perhaps delivered. */
  private async mapped(call: () => Promise<void>): Promise<void> {
    try {
      await withBotbuilderLogs(this.options.logger, () => throttled.execute(call));
    } catch (err) {
      const status = statusOf(err);
      // A refusal (4xx, throttled to the end) was certainly not delivered; anything else may have been.
      const wait = status === 429 ? retryAfterMs(err) : undefined;
      if (wait !== undefined) await this.options.pacer?.block(wait);
      throw new DeliveryFailed(
        `Teams call failed: ${(err as Error).message}`,
        status !== undefined && status < 500 ? 'no' : 'unknown',
        wait,
        { cause: err },
      );
    }
  }

  private messageRef(
    ref: Partial<ConversationReference>,
    activityId: string,
    kind: MessageRef['kind'],
    recipientId?: string,
  ): MessageRef {
    return {
      platform: 'teams',
      conversationId: ref.conversation?.id ?? '',
      messageId: activityId,
      kind,
      ...(recipientId ? { recipientId } : {}),
    };
  }
}

/**
 * A channel post's thread: Teams threads a reply only through the conversation id
 * `<channel>;messageid=<root>`, never through replyToId (Microsoft Teams SDK, TeamsBotApplication.ReplyAsync
 * builds that id; microsoft/botframework-sdk#6626: a replyToId alone posts a new message).
 */
function inThread(ref: Partial<ConversationReference>, rootId: string): Partial<ConversationReference> {
  const channel = (ref.conversation?.id ?? '').split(';')[0];
  return {
    ...ref,
    conversation: {
      ...ref.conversation,
      id: `${channel};messageid=${rootId}`,
    } as ConversationReference['conversation'],
  };
}

function referenceOf(context: TurnContext): Partial<ConversationReference> {
  const activity = context.activity;
  return {
    channelId: activity.channelId,
    serviceUrl: activity.serviceUrl,
    conversation: activity.conversation,
    bot: activity.recipient,
    user: activity.from,
  };
}

function statusOf(err: unknown): number | undefined {
  const candidate = err as { statusCode?: unknown; response?: { status?: unknown } };
  const status = candidate.statusCode ?? candidate.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Teams' Retry-After when it gave one, else a few seconds: still throttled after our own retries. */
function retryAfterMs(err: unknown): number {
  const headers = (err as { response?: { headers?: { get?: (name: string) => string | undefined } } }).response
    ?.headers;
  const seconds = Number(headers?.get?.('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 5_000;
}
