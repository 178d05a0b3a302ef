import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Flows, PersonView, RequestSnapshot, RequestView } from '../flows/index.js';
import { MESSAGE_REF_RETENTION_MS, type MessageRef, type Store } from '../store/index.js';
import type { Messenger, Notice, RequestCard } from './messenger.js';

export interface RequestMessagesOptions {
  flows: Flows;
  store: Store;
  messengers: Messenger[];
  /** Per platform, where every new approval is also posted (APPROVALS_CHANNELS). */
  approvalsChannels: Readonly<Record<string, string>>;
  logger: Logger;
}

const LOCK_TTL_MS = 30_000;
const MAX_PASSES = 3;

/**
 * Makes what chat shows about one request match what the governance system says now: the requester's
 * card, a card for each approver of the current step, the approvals channel's card, every one of
 * them edited in place as the request moves, and a notice to the requester for each step decided
 * and for the outcome. `sync` reads the request afresh and is idempotent, so it can be called after
 * a click, by the notifier when it sees a change, twice, or from two replicas: each message is
 * claimed in the store before it is posted, so every recipient gets it once.
 */
export class RequestMessages {
  constructor(private readonly options: RequestMessagesOptions) {}

  async sync(requestId: string): Promise<void> {
    const { store } = this.options;
    const dirty = `sync:again:${requestId}`;
    for (let attempt = 0; attempt < MAX_PASSES; attempt++) {
      const lock = await store.acquireLock(`sync:${requestId}`, LOCK_TTL_MS);
      if (!lock) {
        // Someone is syncing this request; ask them for one more pass so this change is not missed.
        await store.set(dirty, '1', { ttlMs: LOCK_TTL_MS });
        return;
      }
      try {
        for (let pass = 0; pass < MAX_PASSES; pass++) {
          await store.delete(dirty);
          await this.syncOnce(requestId);
          if ((await store.get(dirty)) === null) break;
        }
      } finally {
        await lock.release();
      }
      // A request for another pass may have landed between the last check and the release.
      if ((await store.get(dirty)) === null) return;
    }
  }

  /** Posts a comment under every card about the request, on every platform. */
  async announceComment(requestId: string, author: PersonView, text: string): Promise<void> {
    const snapshot = await this.options.flows.snapshot(requestId);
    if (!snapshot) return;
    const refs = await this.options.store.listMessageRefs(requestId);
    const notice: Notice = { kind: 'comment', request: snapshot.view, author, text };
    await Promise.all(
      refs
        .filter((ref) => ref.kind !== 'comment')
        .map((ref) =>
          this.messenger(ref)
            ?.reply(ref, notice)
            .catch((err) => this.options.logger.warn({ err, requestId, ref }, 'comment not posted under a card')),
        ),
    );
  }

  private async syncOnce(requestId: string): Promise<void> {
    const snapshot = await this.options.flows.snapshot(requestId);
    if (!snapshot) {
      this.options.logger.warn({ requestId }, 'request to sync not found');
      return;
    }
    for (const messenger of this.options.messengers) {
      await this.syncOn(messenger, snapshot).catch((err) =>
        this.options.logger.error({ err, requestId, platform: messenger.platform }, 'request messages not synced'),
      );
    }
  }

  private async syncOn(messenger: Messenger, snapshot: RequestSnapshot): Promise<void> {
    const { store } = this.options;
    const request = snapshot.view;
    const platform = messenger.platform;
    const sent = new Set<string>();
    const remember = async (ref: MessageRef | null) => {
      if (!ref) return;
      await store.addMessageRef(request.id, ref);
      await this.rememberRendering(ref, this.cardFor(ref, snapshot));
      sent.add(identity(ref));
    };

    await this.once(`msg:${request.id}:requester:${platform}`, async () => {
      const ref = await messenger.sendToPerson(request.requester, {
        role: 'requester',
        request: snapshot.as(request.requester),
      });
      await remember(ref && { ...ref, kind: 'requester', recipientId: request.requester.id });
    });

    const step = request.currentStep && request.steps.find((s) => s.index === request.currentStep?.index);
    for (const approver of step?.approvers ?? []) {
      await this.once(`msg:${request.id}:approval:${step?.index}:${approver.id}:${platform}`, async () => {
        const ref = await messenger.sendToPerson(approver, { role: 'approval', request: snapshot.as(approver) });
        await remember(ref && { ...ref, kind: 'approval', recipientId: approver.id });
      });
    }

    const channel = this.options.approvalsChannels[platform];
    if (channel && request.steps.length > 0) {
      await this.once(`msg:${request.id}:channel:${platform}`, async () => {
        const ref = await messenger.sendToChannel(channel, { role: 'channel', request });
        await remember({ ...ref, kind: 'channel' });
      });
    }

    for (const ref of await store.listMessageRefs(request.id)) {
      if (ref.platform !== platform || ref.kind === 'comment' || sent.has(identity(ref))) continue;
      const card = this.cardFor(ref, snapshot);
      if (await this.unchanged(ref, card)) continue;
      await messenger
        .update(ref, card)
        .then(() => this.rememberRendering(ref, card))
        .catch((err) => this.options.logger.warn({ err, requestId: request.id, ref }, 'card not updated'));
    }

    await this.tellRequester(messenger, snapshot);
  }

  /** One notice per step decided and per outcome, as its own message so the requester hears of it. */
  private async tellRequester(messenger: Messenger, snapshot: RequestSnapshot): Promise<void> {
    const request = snapshot.view;
    const notices: [string, Notice][] = [];
    for (const step of request.steps) {
      // The last decision of a closed request is told by the outcome notice.
      if (step.decision && !(request.outcome && isLastDecided(request, step.index))) {
        notices.push([`step${step.index}`, { kind: 'step-decided', request, step: step.index }]);
      }
    }
    if (!['pending', 'submitted'].includes(request.status)) {
      notices.push([`closed:${request.status}`, { kind: 'closed', request }]);
    }
    if (request.grantStatus && request.grantStatus !== 'pending') {
      notices.push([`grant:${request.grantStatus}`, { kind: 'grant', request }]);
    }
    for (const [event, notice] of notices) {
      await this.once(`told:${request.id}:${messenger.platform}:${event}`, async () => {
        await messenger.notify(request.requester, notice);
      });
    }
  }

  private cardFor(ref: MessageRef, snapshot: RequestSnapshot): RequestCard {
    const role = ref.kind === 'approval' ? 'approval' : ref.kind === 'channel' ? 'channel' : 'requester';
    if (role === 'channel') return { role, request: snapshot.view };
    const viewer = ref.recipientId ? { id: ref.recipientId } : snapshot.view.requester;
    return { role, request: snapshot.as(viewer) };
  }

  /**
   * Runs `send` for the first caller only. A failed send gives the claim back so the next sync
   * retries it; a person without an account on the platform is not retried.
   */
  private async once(key: string, send: () => Promise<void>): Promise<void> {
    const { store, logger } = this.options;
    if (!(await store.claim(key, MESSAGE_REF_RETENTION_MS))) return;
    try {
      await send();
    } catch (err) {
      await store.delete(key);
      logger.warn({ err, key }, 'chat message not sent; will retry on the next sync');
    }
  }

  private async unchanged(ref: MessageRef, card: RequestCard): Promise<boolean> {
    return (await this.options.store.get(renderingKey(ref))) === fingerprint(card);
  }

  private async rememberRendering(ref: MessageRef, card: RequestCard): Promise<void> {
    await this.options.store.set(renderingKey(ref), fingerprint(card), { ttlMs: MESSAGE_REF_RETENTION_MS });
  }

  private messenger(ref: MessageRef): Messenger | undefined {
    return this.options.messengers.find((m) => m.platform === ref.platform);
  }
}

function isLastDecided(request: RequestView, index: number): boolean {
  const decided = request.steps.filter((s) => s.decision);
  return decided[decided.length - 1]?.index === index;
}

function identity(ref: MessageRef): string {
  return `${ref.platform}:${ref.conversationId}:${ref.messageId}`;
}

function renderingKey(ref: MessageRef): string {
  return `rendered:${identity(ref)}`;
}

/** What a card shows, minus what changes without news (the read time), so unchanged cards are not re-sent. */
function fingerprint(card: RequestCard): string {
  const { updated: _updated, ...shown }: RequestView = card.request;
  return createHash('sha256')
    .update(JSON.stringify([card.role, shown]))
    .digest('base64url');
}
