import type { WebClient } from '@slack/web-api';
import type { PersonView } from '../../flows/index.js';
import type { Messenger, Notice, RequestCard } from '../../notifier/index.js';
import type { MessageRef } from '../../store/index.js';
import type { SlackPeople } from './people.js';
import { renderNotice } from './render/notices.js';
import { renderRequestCard } from './render/request-card.js';

/** The Slack side of the notifier: cards as Block Kit messages, edited with chat.update. */
export class SlackMessenger implements Messenger {
  readonly platform = 'slack' as const;

  constructor(
    private readonly client: WebClient,
    private readonly people: SlackPeople,
    private readonly home?: (person: PersonView, slackUserId: string) => Promise<void>,
  ) {}

  async sendToPerson(person: PersonView, card: RequestCard): Promise<MessageRef | null> {
    const userId = await this.people.userIdFor(person);
    if (!userId) return null;
    const posted = await this.client.chat.postMessage({
      channel: userId,
      ...renderRequestCard(card.role, card.request),
    });
    return this.ref(posted, card.role === 'approval' ? 'approval' : 'requester', person.id);
  }

  async sendToChannel(channel: string, card: RequestCard): Promise<MessageRef> {
    const posted = await this.client.chat.postMessage({ channel, ...renderRequestCard(card.role, card.request) });
    return this.ref(posted, 'channel');
  }

  async update(ref: MessageRef, card: RequestCard): Promise<void> {
    await this.client.chat.update({
      channel: ref.conversationId,
      ts: ref.messageId,
      ...renderRequestCard(card.role, card.request),
    });
  }

  async reply(ref: MessageRef, notice: Notice): Promise<void> {
    await this.client.chat.postMessage({
      channel: ref.conversationId,
      thread_ts: ref.threadId ?? ref.messageId,
      ...renderNotice(notice),
    });
  }

  async notify(person: PersonView, notice: Notice): Promise<boolean> {
    const userId = await this.people.userIdFor(person);
    if (!userId) return false;
    await this.client.chat.postMessage({ channel: userId, ...renderNotice(notice) });
    return true;
  }

  async refreshHome(person: PersonView): Promise<void> {
    const userId = await this.people.userIdFor(person);
    if (userId && this.home) await this.home(person, userId);
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
