import { type ChatPostMessageArguments, ErrorCode, type WebClient } from '@slack/web-api';
import type { PersonView } from '../../flows/index.js';
import { DeliveryFailed, type Messenger, type Notice, type RequestCard } from '../../notifier/index.js';
import type { Pacer } from '../../notifier/pacing.js';
import type { MessageRef } from '../../store/index.js';
import { chatSpan } from '../../tracing.js';
import type { SlackPeople } from './people.js';
import { renderNotice } from './render/notices.js';
import { renderCardWithReason } from './render/reminder.js';
import { renderRequestCard } from './render/request-card.js';

/** The Slack side of the notifier: cards as Block Kit messages, edited with chat.update. */
export class SlackMessenger implements Messenger {
  readonly platform = 'slack' as const;

  constructor(
    private readonly client: WebClient,
    private readonly people: SlackPeople,
    private readonly home?: (slackUserId: string) => Promise<void>,
    private readonly pacer?: Pacer,
  ) {}

  sendToPerson(person: PersonView, card: RequestCard): Promise<MessageRef | null> {
    return chatSpan('slack', 'post', card.role, async () => {
      const userId = await this.people.userIdFor(person);
      if (!userId) return null;
      const posted = await this.post({ channel: userId, ...renderCardWithReason(card) });
      return this.ref(posted, card.role === 'approval' ? 'approval' : 'requester', person.id);
    });
  }

  sendToChannel(channel: string, card: RequestCard): Promise<MessageRef> {
    return chatSpan('slack', 'post', 'channel', async () => {
      const posted = await this.post({ channel, ...renderCardWithReason(card) });
      return this.ref(posted, 'channel');
    });
  }

  /**
   * The card again in the thread of `under`, also shown in the conversation (reply_broadcast): a
   * reply alone notifies only those following the thread, and an approver may never have opened it.
   */
  replyWithCard(under: MessageRef, card: RequestCard): Promise<MessageRef> {
    return chatSpan('slack', 'post', 'reminder', async () => {
      const thread_ts = under.threadId ?? under.messageId;
      const posted = await this.post({
        channel: under.conversationId,
        thread_ts,
        reply_broadcast: true,
        ...renderCardWithReason(card),
      });
      return { ...this.ref(posted, under.kind, under.recipientId), threadId: thread_ts };
    });
  }

  /** users.lookupByEmail's `tz` for the person, kept with their user id (no call of its own). */
  async timeZoneOf(person: PersonView): Promise<string | undefined> {
    return this.people.timeZoneFor(person);
  }

  update(ref: MessageRef, card: RequestCard): Promise<void> {
    return chatSpan('slack', 'update', card.role, async () => {
      await this.pacer?.take('chat.update');
      try {
        await this.client.chat.update({
          channel: ref.conversationId,
          ts: ref.messageId,
          ...renderRequestCard(card.role, card.request),
        });
      } catch (err) {
        // An edit can be repeated safely, so every failure is one to retry.
        throw await this.failed(`chat.update failed: ${(err as Error).message}`, 'no', err);
      }
    });
  }

  reply(ref: MessageRef, notice: Notice): Promise<void> {
    return chatSpan('slack', 'post', 'reply', async () => {
      const thread_ts = ref.threadId ?? ref.messageId;
      await this.post({ channel: ref.conversationId, thread_ts, ...renderNotice(notice) });
    });
  }

  async blockedFor(): Promise<number> {
    return (await this.pacer?.blockedFor()) ?? 0;
  }

  notify(person: PersonView, notice: Notice): Promise<boolean> {
    return chatSpan('slack', 'post', 'notice', async () => {
      const userId = await this.people.userIdFor(person);
      if (!userId) return false;
      await this.post({ channel: userId, ...renderNotice(notice) });
      return true;
    });
  }

  async refreshHome(person: PersonView): Promise<void> {
    const userId = await this.people.userIdFor(person);
    if (userId && this.home) await this.home(userId);
  }

  /**
   * chat.postMessage, telling a refusal (nothing was posted, safe to retry) from a lost answer (it
   * may have been posted): the client never retries a post itself, so it cannot double one.
   */
  private async post(args: ChatPostMessageArguments): Promise<{ channel?: string; ts?: string }> {
    await this.pacer?.take('chat.postMessage', args.channel);
    try {
      return await this.client.chat.postMessage(args);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const certain =
        code === ErrorCode.PlatformError || code === ErrorCode.RateLimitedError || code === ErrorCode.HTTPError;
      throw await this.failed(`chat.postMessage failed: ${(err as Error).message}`, certain ? 'no' : 'unknown', err);
    }
  }

  /** A refusal; a 429's Retry-After holds every Slack delivery back, not just this one. */
  private async failed(message: string, posted: 'no' | 'unknown', err: unknown): Promise<DeliveryFailed> {
    const retryAfter = retryAfterOf(err);
    if (retryAfter !== undefined) await this.pacer?.block(retryAfter);
    return new DeliveryFailed(message, posted, retryAfter, { cause: err });
  }

  private ref(posted: { channel?: string; ts?: string }, kind: MessageRef['kind'], recipientId?: string): MessageRef {
    if (!posted.channel || !posted.ts) throw new Error('chat.postMessage answered without channel and ts');
    return {
      platform: 'slack',
      conversationId: posted.channel,
      messageId: posted.ts,
      kind,
      ...(recipientId ? { recipientId } : {}),
    };
  }
}

/** Slack's Retry-After (seconds, on a 429) in milliseconds. */
function retryAfterOf(err: unknown): number | undefined {
  const retryAfter = (err as { retryAfter?: number }).retryAfter;
  return typeof retryAfter === 'number' && retryAfter > 0 ? retryAfter * 1000 : undefined;
}
