import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Flows, PersonView, RequestSnapshot, RequestView } from '../flows/index.js';
import type { Metrics } from '../metrics.js';
import { type Lock, MESSAGE_REF_RETENTION_MS, type MessageRef, type Store } from '../store/index.js';
import { DeliveryFailed, type Messenger, type Notice, type RequestCard } from './messenger.js';

export interface RequestMessagesOptions {
  flows: Flows;
  store: Store;
  messengers: Messenger[];
  /** Per platform, where every new approval is also posted (APPROVALS_CHANNELS). */
  approvalsChannels: Readonly<Record<string, string>>;
  logger: Logger;
  /** First delay before a failed post is tried again; doubles each time. */
  retryBaseMs?: number;
  metrics?: Metrics;
}

const LOCK_TTL_MS = 30_000;
const MAX_PASSES = 3;
const MAX_RETRIES = 6;
/** A post whose outcome is unknown is not retried before this, so a slow success is not doubled at once. */
const UNKNOWN_OUTCOME_HOLD_MS = 15 * 60_000;

class LockLost extends Error {}

/**
 * Makes what chat shows about one request match what the governance system says now: the requester's
 * card, a card for each approver of the current step, the approvals channel's card, every one of
 * them edited in place as the request moves, and a notice to the requester for each step decided
 * and for the outcome. `sync` reads the request afresh and is idempotent, so it can be called after
 * a click, by the notifier when it sees a change, twice, or from two replicas: each message is
 * claimed in the store before it is posted, so every recipient gets it once, and a card is never
 * redrawn from an older reading of the request than the one it shows.
 */
export class RequestMessages {
  private readonly retries = new Map<string, { attempt: number; timer?: NodeJS.Timeout }>();
  private closed = false;

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
          await this.syncOnce(requestId, lock);
          if ((await store.get(dirty)) === null) break;
        }
      } catch (error) {
        if (!(error instanceof LockLost)) throw error;
        this.options.logger.warn({ requestId }, 'sync lease lapsed mid-way; another pass will finish');
        this.retryLater(requestId);
        return;
      } finally {
        await lock.release().catch(() => false);
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

  /** Stops pending retries (on shutdown). */
  close(): void {
    this.closed = true;
    for (const retry of this.retries.values()) clearTimeout(retry.timer);
    this.retries.clear();
  }

  private async syncOnce(requestId: string, lock: Lock): Promise<void> {
    const snapshot = await this.options.flows.snapshot(requestId);
    if (!snapshot) {
      this.options.logger.warn({ requestId }, 'request to sync not found');
      return;
    }
    // Reading the request can take long (rate limits): writing on a lapsed lease could overwrite a
    // newer picture another replica drew meanwhile.
    const holding = async () => {
      if (!(await lock.renew(LOCK_TTL_MS))) throw new LockLost(requestId);
    };
    let failed = false;
    for (const messenger of this.options.messengers) {
      const result = await this.syncOn(messenger, snapshot, holding).catch((err) => {
        if (err instanceof LockLost) throw err;
        this.options.logger.error({ err, requestId, platform: messenger.platform }, 'request messages not synced');
        return { failed: true };
      });
      failed ||= result.failed;
    }
    if (failed) this.retryLater(requestId);
    else this.retries.delete(requestId);
  }

  private async syncOn(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    holding: () => Promise<void>,
  ): Promise<{ failed: boolean }> {
    const { store } = this.options;
    const request = snapshot.view;
    const platform = messenger.platform;
    const sent = new Set<string>();
    let failed = false;
    let changed = false;
    const track = (outcome: Delivery, kind = 'notice') => {
      if (outcome === 'failed') failed = true;
      if (outcome === 'sent') changed = true;
      this.count(platform, kind, outcome, request);
    };
    const remember = async (ref: MessageRef) => {
      sent.add(identity(ref));
      await store.addMessageRef(request.id, ref);
      await this.rememberRendering(ref, this.cardFor(ref, snapshot));
    };

    track(
      await this.once(`msg:${request.id}:requester:${platform}`, holding, async () => {
        const ref = await messenger.sendToPerson(request.requester, {
          role: 'requester',
          request: snapshot.as(request.requester),
        });
        return ref && (() => remember({ ...ref, kind: 'requester', recipientId: request.requester.id }));
      }),
      'requester',
    );

    const step = request.currentStep && request.steps.find((s) => s.index === request.currentStep?.index);
    for (const approver of step?.approvers ?? []) {
      track(
        await this.once(`msg:${request.id}:approval:${step?.index}:${approver.id}:${platform}`, holding, async () => {
          const ref = await messenger.sendToPerson(approver, { role: 'approval', request: snapshot.as(approver) });
          return ref && (() => remember({ ...ref, kind: 'approval', recipientId: approver.id }));
        }),
        'approval',
      );
    }

    const channel = this.options.approvalsChannels[platform];
    if (channel && request.steps.length > 0) {
      track(
        await this.once(`msg:${request.id}:channel:${platform}`, holding, async () => {
          const ref = await messenger.sendToChannel(channel, { role: 'channel', request });
          return () => remember({ ...ref, kind: 'channel' });
        }),
        'channel',
      );
    }

    for (const ref of await store.listMessageRefs(request.id)) {
      if (ref.platform !== platform || ref.kind === 'comment' || sent.has(identity(ref))) continue;
      const card = this.cardFor(ref, snapshot);
      const shown = await this.shownOn(ref);
      if (shown && (shown.fingerprint === fingerprint(card) || isOlder(request.updated, shown.updated))) continue;
      await holding();
      try {
        await messenger.update(ref, card);
        await this.rememberRendering(ref, card);
        changed = true;
        this.count(platform, 'update', 'sent', request);
      } catch (err) {
        failed = true;
        this.count(platform, 'update', 'failed', request);
        this.options.logger.warn({ err, requestId: request.id, ref }, 'card not updated');
      }
    }

    track(await this.tellRequester(messenger, snapshot, holding));
    if (changed) await this.refreshHomes(messenger, request);
    return { failed };
  }

  /** One notice per step decided and per outcome, as its own message so the requester hears of it. */
  private async tellRequester(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    holding: () => Promise<void>,
  ): Promise<Delivery> {
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
    let result: Delivery = 'skipped';
    for (const [event, notice] of notices) {
      const outcome = await this.once(`told:${request.id}:${messenger.platform}:${event}`, holding, async () => {
        await messenger.notify(request.requester, notice);
        return null;
      });
      if (outcome === 'failed' || (outcome === 'sent' && result === 'skipped')) result = outcome;
    }
    return result;
  }

  /** Counts a delivery; a sent one also records how long after the change it reached chat. */
  private count(platform: string, kind: string, outcome: Delivery, request: RequestView): void {
    const metrics = this.options.metrics;
    if (!metrics || outcome === 'skipped') return;
    metrics.chatDeliveries.inc({ platform, kind, outcome });
    const since = Date.parse(request.updated);
    if (outcome === 'sent' && !Number.isNaN(since)) {
      metrics.changeToChat.observe({ platform }, Math.max(0, (Date.now() - since) / 1000));
    }
  }

  /** What the requester and the approvers see of their requests elsewhere (Slack's App Home) moved too. */
  private async refreshHomes(messenger: Messenger, request: RequestView): Promise<void> {
    if (!messenger.refreshHome) return;
    const people = new Map<string, PersonView>([[request.requester.id, request.requester]]);
    for (const step of request.steps) for (const approver of step.approvers) people.set(approver.id, approver);
    await Promise.all(
      [...people.values()].map((person) =>
        messenger.refreshHome?.(person).catch((err) => this.options.logger.info({ err }, 'home not refreshed')),
      ),
    );
  }

  private cardFor(ref: MessageRef, snapshot: RequestSnapshot): RequestCard {
    const role = ref.kind === 'approval' ? 'approval' : ref.kind === 'channel' ? 'channel' : 'requester';
    if (role === 'channel') return { role, request: snapshot.view };
    const viewer = ref.recipientId ? { id: ref.recipientId } : snapshot.view.requester;
    return { role, request: snapshot.as(viewer) };
  }

  /**
   * Delivers for the first caller only. `deliver` posts and returns what to record afterwards; a
   * post that certainly failed gives the claim back so a retry posts it, one that may have happened
   * keeps it for a while, and nothing after a confirmed post ever gives it back.
   */
  private async once(
    key: string,
    holding: () => Promise<void>,
    deliver: () => Promise<(() => Promise<void>) | null>,
  ): Promise<Delivery> {
    const { store, logger } = this.options;
    if (!(await store.claim(key, MESSAGE_REF_RETENTION_MS))) return 'skipped';
    let record: (() => Promise<void>) | null;
    try {
      await holding();
      record = await deliver();
    } catch (err) {
      if (err instanceof DeliveryFailed && err.posted === 'unknown') {
        await store.set(key, 'unknown', { ttlMs: UNKNOWN_OUTCOME_HOLD_MS });
        logger.warn({ err, key }, 'chat did not confirm a post; not retrying it for a while');
      } else {
        await store.delete(key);
        if (err instanceof LockLost) throw err;
        logger.warn({ err, key }, 'chat message not sent; will retry');
      }
      return 'failed';
    }
    await record?.().catch((err) => logger.error({ err, key }, 'a sent message was not recorded'));
    return 'sent';
  }

  private async shownOn(ref: MessageRef): Promise<{ updated: string; fingerprint: string } | null> {
    const raw = await this.options.store.get(renderingKey(ref));
    const [updated, print] = raw?.split('\n') ?? [];
    return updated && print ? { updated, fingerprint: print } : null;
  }

  private async rememberRendering(ref: MessageRef, card: RequestCard): Promise<void> {
    await this.options.store.set(renderingKey(ref), `${card.request.updated}\n${fingerprint(card)}`, {
      ttlMs: MESSAGE_REF_RETENTION_MS,
    });
  }

  /** Tries again later when chat refused something, until the notifier's own polling takes over. */
  private retryLater(requestId: string, delayMs?: number): void {
    if (this.closed) return;
    const retry = this.retries.get(requestId) ?? { attempt: 0 };
    if (retry.timer || retry.attempt >= MAX_RETRIES) return;
    const wait = delayMs ?? (this.options.retryBaseMs ?? 1000) * 2 ** retry.attempt;
    retry.attempt += 1;
    retry.timer = setTimeout(() => {
      retry.timer = undefined;
      this.sync(requestId).catch((err) => this.options.logger.error({ err, requestId }, 'retried sync failed'));
    }, wait);
    retry.timer.unref();
    this.retries.set(requestId, retry);
  }

  private messenger(ref: MessageRef): Messenger | undefined {
    return this.options.messengers.find((m) => m.platform === ref.platform);
  }
}

type Delivery = 'sent' | 'skipped' | 'failed';

function isLastDecided(request: RequestView, index: number): boolean {
  const decided = request.steps.filter((s) => s.decision);
  return decided[decided.length - 1]?.index === index;
}

/** True when `candidate` is an older reading of the request than `shown`. */
function isOlder(candidate: string, shown: string): boolean {
  const a = Date.parse(candidate);
  const b = Date.parse(shown);
  return !Number.isNaN(a) && !Number.isNaN(b) && a < b;
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
