import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { StoreUnavailable } from '../domain/errors.js';
import type { Flows, PersonView, RequestSnapshot, RequestView } from '../flows/index.js';
import type { Metrics } from '../metrics.js';
import type { Lock, MessageRef, Store } from '../store/index.js';
import { DeliveryLedger, deliveryKeys, messageIdentity, type StoredComment } from './ledger.js';
import { DeliveryFailed, type Messenger, type Notice, PacingWait, type RequestCard } from './messenger.js';
import type { SyncJob, SyncOutcome, SyncQueue } from './queue.js';
import type { ApprovalRouting } from './routing.js';

export interface RequestMessagesOptions {
  flows: Flows;
  store: Store;
  messengers: Messenger[];
  /** Where each request's card is also posted, per platform (APPROVALS_ROUTES, then APPROVALS_CHANNELS). */
  routing: ApprovalRouting;
  logger: Logger;
  /** Retries and timed syncs (expiry warnings) go through it; without one they run in-process. */
  queue?: SyncQueue;
  /** How long before time-bound access ends its holder is warned (ACCESS_EXPIRY_WARNINGS). */
  expiryWarningsMs?: readonly number[];
  metrics?: Metrics;
  now?: () => number;
  /** How long a claim waits for its post to be confirmed before another pass may post it (5 min). */
  postingHoldMs?: number;
}

/** Longer than the longest pacing wait plus a post, so a pass keeps its lease between renewals. */
const LOCK_TTL_MS = 20_000;
const MAX_PASSES = 3;
/**
 * A claim taken before a post lives this long until the post is confirmed: if this replica dies in
 * between, the message is tried again afterwards rather than never sent.
 */
const POSTING_HOLD_MS = 5 * 60_000;
/** How long after a revocation is due the request is read again to tell its holder. */
const REVOCATION_CHECK_DELAY_MS = 60_000;

class LockLost extends Error {}

/** What one platform's pass over a request ran into. */
interface Tally {
  failed: boolean;
  /** A message another pass claimed but never confirmed: look again once its hold lapses. */
  inDoubt?: boolean;
  /** Our own pacing had no turn soon enough: come back then (no failure, no attempt used). */
  pacedMs?: number;
  /** The longest Retry-After a platform asked for, when it rate-limited us. */
  retryAfterMs?: number;
}

/**
 * Makes what chat shows about one request match what the governance system says now: the requester's
 * card, a card for each approver of the current step, the approvals channel's card, every one of
 * them edited in place as the request moves, a thread reply for each new comment, and a notice to
 * the requester for each step decided, the outcome and the grant, and to the holder of time-bound
 * access before it ends and when it was revoked. A pass reads the request afresh and is idempotent,
 * so it can run after a click, when the notifier sees a change, twice, or on two replicas: each
 * message is claimed in the store before it is posted, so every recipient gets it once, and a card
 * is never redrawn from an older reading of the request than the one it shows.
 */
export class RequestMessages {
  private readonly running = new Set<Promise<unknown>>();
  private readonly ledger: DeliveryLedger;

  constructor(private readonly options: RequestMessagesOptions) {
    this.ledger = new DeliveryLedger(options.store);
  }

  /** Waits (at most `ms`) for the passes running now, so a shutdown does not cut one between a post and its record. */
  async idle(ms = 10_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }

  /**
   * Brings every platform up to date now (after a click, a command); what chat refused is handed to
   * the queue to try again.
   */
  async sync(requestId: string): Promise<void> {
    const outcomes = await Promise.all(
      this.options.messengers.map((m) =>
        this.run({ requestId, platform: m.platform }).catch((error: unknown): SyncOutcome => {
          // The person's action is done (the governance system has it); only its messages wait, and
          // the poller finds the change again once the store is back.
          if (!(error instanceof StoreUnavailable)) throw error;
          this.options.logger.warn({ err: error, requestId }, 'store unreachable; messages left for later');
          return { status: 'retry', reason: 'failed' };
        }),
      ),
    );
    const retry = outcomes.find((o) => o.status === 'retry');
    if (retry?.status === 'retry') {
      await this.options.queue?.enqueue(requestId, { delayMs: retry.afterMs ?? 1000 }).catch((error: unknown) => {
        if (!(error instanceof StoreUnavailable)) throw error;
        this.options.logger.warn({ err: error, requestId }, 'sync not queued; the poller will find the change');
      });
    }
  }

  /**
   * Puts a comment made in chat under every card about the request, once per card (`key` names
   * the comment: the chat submission it came from). Backends that list comments show it in the
   * request, and the next pass replies with it like with a comment made in their portal. Okta's
   * comments can be written but not read back, so for them the comment is kept in the store and
   * the passes reply with it from there: a reply chat refused is retried like any other message.
   */
  async announceComment(requestId: string, author: PersonView, text: string, key: string): Promise<void> {
    // Kept whatever the backend: the sync that follows reads the request anyway and uses the
    // backend's own comments when it lists them, so no extra read is needed to decide here.
    const entry: StoredComment = { id: key, author, text: text.slice(0, 10_000), created: new Date().toISOString() };
    await this.ledger.keepComment(requestId, entry).catch((error: unknown) => {
      // The comment is on the request already; only the thread replies of a backend that cannot
      // list comments (Okta) are lost, which is no reason to tell its author it failed.
      if (!(error instanceof StoreUnavailable)) throw error;
      this.options.logger.error({ err: error, requestId }, 'store unreachable; a chat comment gets no thread replies');
    });
    await this.sync(requestId);
  }

  /** Comments to reply with: the backend's own when it lists them, else those made in chat. */
  private async commentsOf(request: RequestView): Promise<StoredComment[]> {
    if (request.comments.length > 0) return request.comments;
    return this.ledger.chatComments(request.id);
  }

  /** One platform's pass, as a queue job: says whether and when to try again. */
  run(job: SyncJob): Promise<SyncOutcome> {
    const pass = this.pass(job);
    this.running.add(pass);
    return pass.finally(() => this.running.delete(pass));
  }

  private async pass(job: SyncJob): Promise<SyncOutcome> {
    const { store } = this.options;
    const messenger = this.options.messengers.find((m) => m.platform === job.platform);
    if (!messenger) return { status: 'done' };
    // The platform asked everyone to wait: do not even read the request until then.
    const blocked = (await messenger.blockedFor?.()) ?? 0;
    if (blocked > 0) return { status: 'retry', reason: 'rate-limited', afterMs: blocked };
    const name = `${job.requestId}:${job.platform}`;
    const dirty = `sync:again:${name}`;
    const lock = await store.acquireLock(`sync:${name}`, LOCK_TTL_MS);
    if (!lock) {
      // Someone is syncing this request; ask them for one more pass so this change is not missed,
      // and come back in case they died before seeing the request.
      await store.set(dirty, '1', { ttlMs: LOCK_TTL_MS });
      return { status: 'retry', reason: 'busy' };
    }
    let tally: Tally = { failed: false };
    try {
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        await store.delete(dirty);
        tally = await this.syncOnce(job.requestId, messenger, lock);
        if ((await store.get(dirty)) === null) break;
      }
    } catch (error) {
      if (!(error instanceof LockLost)) throw error;
      this.options.logger.warn({ requestId: job.requestId }, 'sync lease lapsed mid-way; trying again');
      return { status: 'retry', reason: 'busy' };
    } finally {
      await lock.release().catch(() => false);
    }
    if (tally.retryAfterMs !== undefined)
      return { status: 'retry', reason: 'rate-limited', afterMs: tally.retryAfterMs };
    if (tally.failed) return { status: 'retry', reason: 'failed' };
    if (tally.pacedMs !== undefined) return { status: 'retry', reason: 'busy', afterMs: tally.pacedMs };
    if (tally.inDoubt) return { status: 'retry', reason: 'busy', afterMs: this.postingHoldMs() };
    // A pass asked for after the last check comes back by itself: whoever asked found the lock
    // taken and is queued to try again, so nothing is requeued from here (two jobs would keep
    // handing the request to each other).
    return { status: 'done' };
  }

  private async syncOnce(requestId: string, messenger: Messenger, lock: Lock): Promise<Tally> {
    const snapshot = await this.options.flows.snapshot(requestId);
    if (!snapshot) {
      this.options.logger.warn({ requestId }, 'request to sync not found');
      return { failed: false };
    }
    // Reading the request can take long (rate limits): writing on a lapsed lease could overwrite a
    // newer picture another replica drew meanwhile.
    const holding = async () => {
      if (!(await lock.renew(LOCK_TTL_MS))) throw new LockLost(requestId);
    };
    const tally: Tally = { failed: false };
    try {
      await this.syncOn(messenger, snapshot, holding, tally);
    } catch (err) {
      if (err instanceof LockLost) throw err;
      this.options.logger.error({ err, requestId, platform: messenger.platform }, 'request messages not synced');
      tally.failed = true;
    }
    return tally;
  }

  private async syncOn(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    holding: () => Promise<void>,
    tally: Tally,
  ): Promise<void> {
    const { store } = this.options;
    const request = snapshot.view;
    const platform = messenger.platform;
    const sent = new Set<string>();
    const comments = await this.commentsOf(request);
    let changed = false;
    const track = (outcome: Delivery, kind = 'notice') => {
      if (outcome === 'sent') changed = true;
      this.count(platform, kind, outcome, request);
    };
    const remember = async (ref: MessageRef) => {
      sent.add(messageIdentity(ref));
      await store.addMessageRef(request.id, ref);
      await this.rememberRendering(ref, this.cardFor(ref, snapshot));
      // The card shows the request as it is now; only comments after it get a thread reply.
      for (const comment of request.comments)
        await this.ledger.markDelivered(deliveryKeys.commentReply(request.id, comment.id, ref));
    };

    // The requester's card and each approver's are different messages: posted at once (each still
    // claimed on its own and paced per conversation).
    const posts: Promise<void>[] = [
      this.once(deliveryKeys.requesterCard(request.id, platform), holding, tally, async () => {
        const ref = await messenger.sendToPerson(request.requester, {
          role: 'requester',
          request: snapshot.as(request.requester),
        });
        return ref && (() => remember({ ...ref, kind: 'requester', recipientId: request.requester.id }));
      }).then((outcome) => track(outcome, 'requester')),
    ];

    const step = request.currentStep && request.steps.find((s) => s.index === request.currentStep?.index);
    for (const approver of step?.approvers ?? []) {
      posts.push(
        this.once(
          deliveryKeys.approvalCard(request.id, step?.index, approver.id, platform),
          holding,
          tally,
          async () => {
            const ref = await messenger.sendToPerson(approver, { role: 'approval', request: snapshot.as(approver) });
            return ref && (() => remember({ ...ref, kind: 'approval', recipientId: approver.id }));
          },
        ).then((outcome) => track(outcome, 'approval')),
      );
    }

    await Promise.all(posts);

    // After the people's cards: finding an approver in Teams is what lets the channel card offer
    // them its buttons.
    const channel = this.options.routing.channelFor(request, platform);
    if (channel && request.steps.length > 0) {
      track(
        await this.once(deliveryKeys.channelCard(request.id, platform), holding, tally, async () => {
          const ref = await messenger.sendToChannel(channel, { role: 'channel', request });
          return () => remember({ ...ref, kind: 'channel' });
        }),
        'channel',
      );
    }

    const refs = (await store.listMessageRefs(request.id)).filter(
      (ref) => ref.platform === platform && ref.kind !== 'comment',
    );
    const stale: { ref: MessageRef; card: RequestCard }[] = [];
    for (const ref of refs) {
      if (sent.has(messageIdentity(ref))) continue;
      const card = this.cardFor(ref, snapshot);
      const shown = await this.shownOn(ref);
      if (shown && (shown.fingerprint === fingerprint(card) || isOlder(request.updated, shown.updated))) continue;
      stale.push({ ref, card });
    }
    // Every card about the request moves at once (they are different messages; pacing still holds).
    if (stale.length > 0) await holding();
    await Promise.all(
      stale.map(async ({ ref, card }) => {
        try {
          await messenger.update(ref, card);
          await this.rememberRendering(ref, card);
          changed = true;
          this.count(platform, 'update', 'sent', request);
        } catch (err) {
          note(tally, err);
          this.count(platform, 'update', 'failed', request);
          this.options.logger.warn({ err, requestId: request.id, ref }, 'card not updated');
        }
      }),
    );

    // Comments (from chat, the portal or the API) as thread replies under every card about the request.
    for (const comment of comments) {
      const notice: Notice = { kind: 'comment', request, author: comment.author, text: comment.text };
      for (const ref of refs) {
        if (sent.has(messageIdentity(ref))) continue;
        track(
          await this.once(deliveryKeys.commentReply(request.id, comment.id, ref), holding, tally, async () => {
            await messenger.reply(ref, notice);
            return null;
          }),
          'comment',
        );
      }
    }

    track(await this.tellRequester(messenger, snapshot, holding, tally));
    track(await this.tellHolder(messenger, snapshot, holding, tally));
    // Not awaited: a Home is a view drawn when it can be, and the job's worker has other requests.
    if (changed) void this.refreshHomes(messenger, request);
  }

  /** One notice per step decided and per outcome, as its own message so the requester hears of it. */
  private async tellRequester(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    holding: () => Promise<void>,
    tally: Tally,
  ): Promise<Delivery> {
    const request = snapshot.view;
    const notices: [string, Notice][] = [];
    // Open with no step waiting: a step was just decided and the governance system has not yet
    // opened the next one or closed the request. Which it will do decides what to say, so wait.
    const settling = !request.outcome && ['pending', 'submitted'].includes(request.status) && !request.currentStep;
    for (const step of request.steps) {
      // The last decision of a closed request is told by the outcome notice.
      if (step.decision && !settling && !(request.outcome && isLastDecided(request, step.index))) {
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
      const outcome = await this.tell(messenger, request.requester, event, notice, holding, tally);
      result = worse(result, outcome);
    }
    return result;
  }

  /**
   * Time-bound access: its holder is warned as each configured moment before the end passes (only
   * the nearest one when several passed unseen), and told once it was revoked. The next moments are
   * queued as delayed syncs, so the warning comes on time even when nothing else changes.
   */
  private async tellHolder(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    holding: () => Promise<void>,
    tally: Tally,
  ): Promise<Delivery> {
    const request = snapshot.view;
    const endsAt = Date.parse(request.revocationScheduled ?? '');
    if (request.grantStatus !== 'granted' || Number.isNaN(endsAt)) return 'skipped';
    const holder = request.requestedFor;
    if (request.revocationStatus === 'revoked') {
      return this.tell(messenger, holder, 'revoked', { kind: 'revoked', request }, holding, tally);
    }
    if (request.revocationStatus !== 'pending') return 'skipped';
    const now = this.now();
    const queue = this.options.queue;
    // A warning whose moment came before the access was even approved would only repeat the grant notice.
    const began = Date.parse(request.outcome?.at ?? request.created);
    const warnings = (this.options.expiryWarningsMs ?? []).filter((before) => !(endsAt - before < began));
    const passed = warnings.filter((before) => now >= endsAt - before && now < endsAt);
    let result: Delivery = 'skipped';
    const nearest = passed.length > 0 ? Math.min(...passed) : undefined;
    for (const before of passed) {
      const event = `expiring:${endsAt}:${before}`;
      if (before !== nearest) {
        await this.ledger.markDelivered(deliveryKeys.notice(request.id, messenger.platform, event));
        continue;
      }
      const notice: Notice = { kind: 'expiring', request, endsAt: request.revocationScheduled as string };
      result = worse(result, await this.tell(messenger, holder, event, notice, holding, tally));
    }
    for (const before of warnings) {
      const at = endsAt - before;
      if (at > now) await queue?.enqueue(request.id, { key: `expiry-${endsAt}-${before}`, delayMs: at - now });
    }
    // Read again after the end to tell the holder it was removed; while Okta has not revoked yet,
    // once a minute for a day (a new key each time: a finished job's key is not reused for an hour).
    if (now < endsAt + 24 * 3_600_000) {
      const round = now < endsAt ? 0 : Math.floor((now - endsAt) / REVOCATION_CHECK_DELAY_MS) + 1;
      await queue?.enqueue(request.id, {
        key: `revocation-${endsAt}-${round}`,
        delayMs: Math.max(0, endsAt - now) + REVOCATION_CHECK_DELAY_MS,
      });
    }
    return result;
  }

  private tell(
    messenger: Messenger,
    person: PersonView,
    event: string,
    notice: Notice,
    holding: () => Promise<void>,
    tally: Tally,
  ): Promise<Delivery> {
    return this.once(deliveryKeys.notice(notice.request.id, messenger.platform, event), holding, tally, async () => {
      await messenger.notify(person, notice);
      return null;
    });
  }

  private postingHoldMs(): number {
    return this.options.postingHoldMs ?? POSTING_HOLD_MS;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
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
   * Delivers for the first caller only. `deliver` posts and returns what to record afterwards. The
   * claim first holds for a few minutes (if this replica dies before the post, another posts it
   * then), becomes permanent once the post is confirmed, is given back when the post certainly
   * failed, and is held for a while when the platform may have posted without saying so.
   */
  private async once(
    key: string,
    holding: () => Promise<void>,
    tally: Tally,
    deliver: () => Promise<(() => Promise<void>) | null>,
  ): Promise<Delivery> {
    const { ledger } = this;
    const { logger } = this.options;
    if (!(await ledger.claim(key, this.postingHoldMs()))) {
      // Claimed before: done, or in doubt (a replica died mid-post, or the platform never answered).
      // In doubt means coming back once the hold lapses, or nobody would ever post it.
      if (await ledger.inDoubt(key)) tally.inDoubt = true;
      return 'skipped';
    }
    let record: (() => Promise<void>) | null;
    try {
      await holding();
      record = await deliver();
    } catch (err) {
      if (err instanceof DeliveryFailed && err.posted === 'unknown') {
        await ledger.unconfirmed(key);
        logger.warn({ err, key }, 'chat did not confirm a post; not retrying it for a while');
      } else {
        await ledger.release(key);
        if (err instanceof LockLost) throw err;
        logger.warn({ err, key }, 'chat message not sent; will retry');
      }
      note(tally, err);
      return 'failed';
    }
    await ledger.delivered(key);
    await record?.().catch((err) => logger.error({ err, key }, 'a sent message was not recorded'));
    return 'sent';
  }

  private shownOn(ref: MessageRef): Promise<{ updated: string; fingerprint: string } | null> {
    return this.ledger.shownOn(ref);
  }

  private async rememberRendering(ref: MessageRef, card: RequestCard): Promise<void> {
    await this.ledger.rememberRendering(ref, card.request.updated, fingerprint(card));
  }
}

type Delivery = 'sent' | 'skipped' | 'failed';

/** The outcome that matters most of two: a failure, then a post, then nothing. */
function worse(a: Delivery, b: Delivery): Delivery {
  if (a === 'failed' || b === 'failed') return 'failed';
  return a === 'sent' || b === 'sent' ? 'sent' : 'skipped';
}

/** Records a refusal, keeping the longest Retry-After a platform asked for. */
function note(tally: Tally, err: unknown): void {
  if (err instanceof PacingWait) {
    tally.pacedMs = Math.max(tally.pacedMs ?? 0, err.waitMs);
    return;
  }
  tally.failed = true;
  if (err instanceof DeliveryFailed && err.retryAfterMs !== undefined) {
    tally.retryAfterMs = Math.max(tally.retryAfterMs ?? 0, err.retryAfterMs);
  }
}

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

/** What a card shows, minus what changes without news (the read time), so unchanged cards are not re-sent. */
function fingerprint(card: RequestCard): string {
  const { updated: _updated, ...shown }: RequestView = card.request;
  return createHash('sha256')
    .update(JSON.stringify([card.role, shown]))
    .digest('base64url');
}
