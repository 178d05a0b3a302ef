import type { Logger } from 'pino';
import type { PersonView, RequestSnapshot, RequestView } from '../flows/index.js';
import type { Metrics } from '../metrics.js';
import type { MessageRef, Store } from '../store/index.js';
import type { ClicksDrawing } from './clicks-drawing.js';
import { deliverOnce, type OnceContext } from './deliver-once.js';
import { type DeliveryLedger, deliveryKeys, messageIdentity, roleOf, type StoredComment } from './ledger.js';
import type { Messenger, Notice, RequestCard } from './messenger.js';
import { holderPlan, type NamedNotice, requesterNotices } from './notices.js';
import type { SyncQueue } from './queue.js';
import type { ApprovalRouting } from './routing.js';
import { type Delivery, note, type Tally, worse } from './tally.js';

/** What every pass works with, the same for the life of the notifier. */
export interface PassDeps {
  store: Store;
  ledger: DeliveryLedger;
  /** Clicks drawing their own message first: a pass waits for them before touching a card. */
  clicks?: ClicksDrawing;
  routing: ApprovalRouting;
  logger: Logger;
  queue?: SyncQueue;
  expiryWarningsMs: readonly number[];
  metrics?: Metrics;
  now: () => number;
  holdMs: number;
}

/**
 * One platform's picture of one request, drawn from one reading of it: the requester's card, each
 * current approver's and each of their current delegates', the approvals channel's, every older
 * card edited to match, a thread reply per new comment, and the notices the requester and the
 * holder are owed. Each message is posted through deliverOnce, so drawing the same reading twice,
 * or on two replicas, sends nothing twice.
 */
export class PlatformPass {
  private readonly once: OnceContext;
  private readonly request: RequestView;
  private readonly platform: Messenger['platform'];
  private readonly sent = new Set<string>();
  private changed = false;

  constructor(
    private readonly deps: PassDeps,
    private readonly messenger: Messenger,
    private readonly snapshot: RequestSnapshot,
    holding: () => Promise<void>,
    private readonly tally: Tally,
  ) {
    this.once = { ledger: deps.ledger, logger: deps.logger, holdMs: deps.holdMs, holding, tally };
    this.request = snapshot.view;
    this.platform = messenger.platform;
  }

  async draw(): Promise<void> {
    const { request, messenger } = this;
    const comments = await this.commentsOf(request);
    // A click draws the message it came from first; the other cards follow once it shows (or could
    // not be drawn, and is drawn here like the rest).
    await this.deps.clicks?.drawn(request.id);
    await this.postCards();
    const refs = (await this.deps.store.listMessageRefs(request.id)).filter(
      (ref) => ref.platform === this.platform && ref.kind !== 'comment',
    );
    await this.updateCards(refs);
    // Comments (from chat, the portal or the API) as thread replies under every card about the request.
    for (const comment of comments) {
      const notice: Notice = { kind: 'comment', request, author: comment.author, text: comment.text };
      for (const ref of refs) {
        // A card posted in another's thread (a reminder) leaves comments to the thread's own card.
        if (this.sent.has(messageIdentity(ref)) || ref.threadId) continue;
        const key = deliveryKeys.commentReply(request.id, comment.id, ref);
        this.track(
          await deliverOnce(this.once, key, async () => {
            await messenger.reply(ref, notice);
            return null;
          }),
          'comment',
        );
      }
    }
    this.track(await this.tellAll(request.requester, requesterNotices(request)));
    this.track(await this.tellHolder());
    // Not awaited: a Home is a view drawn when it can be, and the job's worker has other requests.
    if (this.changed) void this.refreshHomes();
  }

  /** The requester's card, each current approver's, then the approvals channel's: each posted once. */
  private async postCards(): Promise<void> {
    const { request, messenger, snapshot, platform } = this;
    // The requester's card and each approver's are different messages: posted at once (each still
    // claimed on its own and paced per conversation).
    const posts: Promise<void>[] = [
      deliverOnce(this.once, deliveryKeys.requesterCard(request.id, platform), async () => {
        const ref = await messenger.sendToPerson(request.requester, {
          role: 'requester',
          request: snapshot.as(request.requester),
        });
        return ref && (() => this.remember({ ...ref, kind: 'requester', recipientId: request.requester.id }));
      }).then((outcome) => this.track(outcome, 'requester')),
    ];
    const step = request.currentStep && request.steps.find((s) => s.index === request.currentStep?.index);
    for (const approver of this.approvalRecipients(step?.approvers ?? [])) {
      const key = deliveryKeys.approvalCard(request.id, step?.index, approver.id, platform);
      posts.push(
        deliverOnce(this.once, key, async () => {
          const ref = await messenger.sendToPerson(approver, { role: 'approval', request: snapshot.as(approver) });
          return ref && (() => this.remember({ ...ref, kind: 'approval', recipientId: approver.id }));
        }).then((outcome) => this.track(outcome, 'approval')),
      );
    }
    await Promise.all(posts);
    // After the people's cards: finding an approver in Teams is what lets the channel card offer
    // them its buttons.
    const channel = this.deps.routing.channelFor(request, platform);
    if (channel && request.steps.length > 0) {
      this.track(
        await deliverOnce(this.once, deliveryKeys.channelCard(request.id, platform), async () => {
          const ref = await messenger.sendToChannel(channel, { role: 'channel', request });
          return () => this.remember({ ...ref, kind: 'channel' });
        }),
        'channel',
      );
    }
  }

  /**
   * Who gets an approval card for the open step: each approver, then each current delegate deciding
   * for one (their card says for whom), once per person. The requester has their own card: an
   * "approval" card without buttons beside it says nothing more. A delegate gets a card only to
   * decide from it: not the request's own people, nor where the step is stranded or theirs anyway.
   */
  private approvalRecipients(approvers: PersonView[]): PersonView[] {
    const { request, snapshot } = this;
    const recipients = new Map<string, PersonView>();
    for (const approver of approvers) {
      if (approver.id === request.requester.id && !snapshot.as(approver).actions.includes('approve')) continue;
      recipients.set(approver.id, approver);
    }
    const parties = new Set([request.requester.id, request.requestedFor.id, ...approvers.map((a) => a.id)]);
    for (const { delegate } of snapshot.delegates ?? []) {
      if (parties.has(delegate.id) || recipients.has(delegate.id)) continue;
      if (snapshot.as(delegate).actions.includes('approve')) recipients.set(delegate.id, delegate);
    }
    return [...recipients.values()];
  }

  /** Every card posted earlier that shows an older picture than this reading, edited at once. */
  private async updateCards(refs: MessageRef[]): Promise<void> {
    const { request, messenger } = this;
    const stale: { ref: MessageRef; card: RequestCard }[] = [];
    for (const ref of refs) {
      if (this.sent.has(messageIdentity(ref))) continue;
      const card = this.cardFor(ref);
      if (await this.deps.ledger.showsAlready(ref, card)) continue;
      stale.push({ ref, card });
    }
    // Every card about the request moves at once (they are different messages; pacing still holds).
    if (stale.length > 0) await this.once.holding();
    await Promise.all(
      stale.map(async ({ ref, card }) => {
        try {
          // Checked again under the message's drawing lease: a click on another replica may be
          // drawing it from its own reading meanwhile.
          const drawn = await this.deps.ledger.drawIfNewer(ref, card, () => messenger.update(ref, card));
          if (drawn === 'shown') return;
          if (drawn === 'busy') throw new Error('another drawer kept the card past the wait');
          this.changed = true;
          this.count('update', 'sent');
        } catch (err) {
          note(this.tally, err);
          this.count('update', 'failed');
          this.deps.logger.warn({ err, requestId: request.id, ref }, 'card not updated');
        }
      }),
    );
  }

  /** A card just posted: where it is, how it was drawn, and that it needs no reply for older comments. */
  private async remember(ref: MessageRef): Promise<void> {
    const { request } = this;
    this.sent.add(messageIdentity(ref));
    await this.deps.store.addMessageRef(request.id, ref);
    await this.deps.ledger.rememberCard(ref, this.cardFor(ref));
    // The card shows the request as it is now; only comments after it get a thread reply.
    for (const comment of request.comments)
      await this.deps.ledger.markDelivered(deliveryKeys.commentReply(request.id, comment.id, ref));
  }

  private async tellHolder(): Promise<Delivery> {
    const plan = holderPlan(this.request, this.deps.now(), this.deps.expiryWarningsMs);
    if (!plan) return 'skipped';
    for (const event of plan.superseded)
      await this.deps.ledger.markDelivered(deliveryKeys.notice(this.request.id, this.platform, event));
    const result = await this.tellAll(this.request.requestedFor, plan.tell);
    // Nobody waits on a wake-up: it spends the governance budget as background work.
    for (const { key, delayMs } of plan.wakeUps)
      await this.deps.queue?.enqueue(this.request.id, { key, delayMs, priority: 'background' });
    return result;
  }

  private async tellAll(person: PersonView, notices: NamedNotice[]): Promise<Delivery> {
    let result: Delivery = 'skipped';
    for (const [event, notice] of notices) {
      const key = deliveryKeys.notice(notice.request.id, this.platform, event);
      const outcome = await deliverOnce(this.once, key, async () => {
        await this.messenger.notify(person, notice);
        return null;
      });
      result = worse(result, outcome);
    }
    return result;
  }

  /** Comments to reply with: the backend's own when it lists them, else those made in chat. */
  private async commentsOf(request: RequestView): Promise<StoredComment[]> {
    if (request.comments.length > 0) return request.comments;
    return this.deps.ledger.chatComments(request.id);
  }

  /** What the requester and the approvers see of their requests elsewhere (Slack's App Home) moved too. */
  private async refreshHomes(): Promise<void> {
    const { request, messenger } = this;
    if (!messenger.refreshHome) return;
    const people = new Map<string, PersonView>([[request.requester.id, request.requester]]);
    for (const step of request.steps) for (const approver of step.approvers) people.set(approver.id, approver);
    for (const { delegate } of this.snapshot.delegates ?? []) people.set(delegate.id, delegate);
    await Promise.all(
      [...people.values()].map((person) =>
        messenger.refreshHome?.(person).catch((err) => this.deps.logger.info({ err }, 'home not refreshed')),
      ),
    );
  }

  private cardFor(ref: MessageRef): RequestCard {
    const { snapshot } = this;
    const role = roleOf(ref);
    if (role === 'channel') return { role, request: snapshot.view };
    const viewer = ref.recipientId ? { id: ref.recipientId } : snapshot.view.requester;
    return { role, request: snapshot.as(viewer) };
  }

  private track(outcome: Delivery, kind = 'notice'): void {
    if (outcome === 'sent') this.changed = true;
    this.count(kind, outcome);
  }

  /** Counts a delivery; a sent one also records how long after the change it reached chat. */
  private count(kind: string, outcome: Delivery): void {
    const { metrics } = this.deps;
    if (!metrics || outcome === 'skipped') return;
    metrics.chatDeliveries.inc({ platform: this.platform, kind, outcome });
    const since = Date.parse(this.request.updated);
    if (outcome === 'sent' && !Number.isNaN(since)) {
      metrics.changeToChat.observe({ platform: this.platform }, Math.max(0, (Date.now() - since) / 1000));
    }
  }
}
