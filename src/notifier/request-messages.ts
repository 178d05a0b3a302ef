import type { Logger } from 'pino';
import { withPriority } from '../api/priority.js';
import { GovernanceRateLimited, StoreUnavailable } from '../domain/errors.js';
import type { AccessRequest } from '../domain/types.js';
import type { ChatComment, Flows, RequestChange, RequestChangeListener } from '../flows/index.js';
import type { Metrics } from '../metrics.js';
import { bestEffort, type Lock, type Store } from '../store/index.js';
import { ATTR, inSpan } from '../tracing.js';
import type { ClicksDrawing } from './clicks-drawing.js';
import { DeliveryLedger, type StoredComment } from './ledger.js';
import type { Messenger } from './messenger.js';
import { type PassDeps, PlatformPass } from './platform-pass.js';
import { outcomeName, type SyncJob, type SyncOutcome, type SyncQueue } from './queue.js';
import type { ApprovalRouting } from './routing.js';
import { ReadingUnderWay, SharedReadings, UNDER_WAY_RETRY_MS } from './shared-readings.js';
import { StrandedRouting } from './stranded-routing.js';
import { LockLost, type Tally } from './tally.js';

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
  /** Clicks drawing their own message first (the Slack adapter's); passes wait for them. */
  clicks?: ClicksDrawing;
}

/** Longer than the longest pacing wait plus a post, so a pass keeps its lease between renewals. */
const LOCK_TTL_MS = 20_000;
const MAX_PASSES = 3;
/**
 * A claim taken before a post lives this long until the post is confirmed: if this replica dies in
 * between, the message is tried again afterwards rather than never sent.
 */
const POSTING_HOLD_MS = 5 * 60_000;

/**
 * Makes what chat shows about one request match what the governance system says now: the requester's
 * card, a card for each approver of the current step (and each delegate deciding for one), the
 * approvals channel's card, every one of them edited in place as the request moves, a thread
 * reply for each new comment, and a notice to
 * the requester for each step decided, the outcome and the grant, and to the holder of time-bound
 * access before it ends and when it was revoked. A pass reads the request afresh and is idempotent,
 * so it can run after a click, when the notifier sees a change, twice, or on two replicas: each
 * message is claimed in the store before it is posted, so every recipient gets it once, and a card
 * is never redrawn from an older reading of the request than the one it shows. The platforms' jobs
 * of one queued change read the request once between them (SharedReadings).
 */
export class RequestMessages implements RequestChangeListener {
  private readonly running = new Set<Promise<unknown>>();
  private readonly ledger: DeliveryLedger;
  private readonly passDeps: PassDeps;
  private readonly readings: SharedReadings;

  constructor(private readonly options: RequestMessagesOptions) {
    this.ledger = new DeliveryLedger(options.store);
    this.readings = new SharedReadings(options.store);
    this.passDeps = {
      store: options.store,
      ledger: this.ledger,
      clicks: options.clicks,
      routing: options.routing,
      logger: options.logger,
      queue: options.queue,
      expiryWarningsMs: options.expiryWarningsMs ?? [],
      metrics: options.metrics,
      now: options.now ?? Date.now,
      holdMs: options.postingHoldMs ?? POSTING_HOLD_MS,
    };
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
   * What a flow changed (a click, a command, a form): every platform is brought up to date at once,
   * from the request as the flow last read it, so no extra read of the governance system is spent.
   * The person's answer never waits for this; `idle()` does.
   */
  requestChanged(change: RequestChange): void {
    // The flow announces its change from inside the person's action: what follows is the
    // notifier's own work, spent as a sync (it gives way to people), not as the person.
    const work = withPriority('sync', () =>
      change.kind === 'commented'
        ? this.announceComment(change.request, change.comment)
        : this.sync(change.request.id, change.request),
    );
    const tracked = work.catch((err: unknown) =>
      this.options.logger.error(
        { err, requestId: change.request.id, change: change.kind },
        'messages not brought up to date',
      ),
    );
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }

  /**
   * Brings every platform up to date now; what chat refused is handed to the queue to try again.
   * `seen`: the request as a flow just changed and read it, used for the first look instead of
   * reading it again.
   */
  async sync(requestId: string, seen?: AccessRequest): Promise<void> {
    const later = (error: unknown): SyncOutcome => {
      // The person's action is done (the governance system has it); only its messages wait, and
      // the poller finds the change again once the store is back.
      // The governance budget gave way to people: the queue brings it back after the reset.
      if (error instanceof GovernanceRateLimited) {
        return { status: 'retry', reason: 'rate-limited', afterMs: error.retryAfterMs };
      }
      if (!(error instanceof StoreUnavailable)) throw error;
      this.options.logger.warn({ err: error, requestId }, 'store unreachable; messages left for later');
      return { status: 'retry', reason: 'failed' };
    };
    // A flow's change: no job of an earlier change may draw a reading taken before it from now on.
    const noticed = seen ? this.readings.changed(requestId) : Promise.resolve();
    const outcomes = await noticed.then(
      () =>
        Promise.all(
          this.options.messengers.map((m) => this.run({ requestId, platform: m.platform }, seen).catch(later)),
        ),
      (error: unknown) => [later(error)],
    );
    const retry = outcomes.find((o) => o.status === 'retry');
    if (retry?.status === 'retry') {
      const queued = this.options.queue?.enqueue(requestId, { delayMs: retry.afterMs ?? 1000 });
      await bestEffort(queued ?? Promise.resolve(), {
        logger: this.options.logger,
        lost: 'sync not queued; the poller will find the change',
        context: { requestId },
      });
    }
  }

  /**
   * Puts a comment made in chat under every card about the request, once per card (its key names
   * the chat submission it came from). Backends that list comments show it in the request, and the
   * pass replies with it like with a comment made in their portal. Okta's comments can be written
   * but not read back, so for them the comment is kept in the store and the passes reply with it
   * from there: a reply chat refused is retried like any other message.
   */
  private async announceComment(request: AccessRequest, comment: ChatComment): Promise<void> {
    // Kept whatever the backend: the pass reads the request's own comments anyway and prefers
    // them when the backend lists them, so no extra read is needed to decide here.
    const entry: StoredComment = {
      id: comment.key,
      author: comment.author,
      text: comment.text.slice(0, 10_000),
      created: comment.created,
    };
    // The comment is on the request already; only the thread replies of a backend that cannot
    // list comments (Okta) are lost, which is no reason to tell its author it failed.
    await bestEffort(this.ledger.keepComment(request.id, entry), {
      logger: this.options.logger,
      lost: 'store unreachable; a chat comment gets no thread replies',
      context: { requestId: request.id },
      level: 'error',
    });
    await this.sync(request.id, request);
  }

  /** One platform's pass, as a queue job: says whether and when to try again. */
  run(job: SyncJob, seen?: AccessRequest): Promise<SyncOutcome> {
    const attributes = { [ATTR.platform]: job.platform, [ATTR.accessRequest]: job.requestId };
    const pass = inSpan('notifier sync', attributes, async (span) => {
      const outcome = await this.pass(job, seen);
      span.setAttribute(ATTR.outcome, outcomeName(outcome));
      return outcome;
    });
    this.running.add(pass);
    return pass.finally(() => this.running.delete(pass));
  }

  private async pass(job: SyncJob, seen?: AccessRequest): Promise<SyncOutcome> {
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
        // Only the first look may use the flow's reading, or the one its change's other jobs share:
        // another pass was asked for because the request moved on since.
        const look = pass === 0 ? { seen, changeId: job.changeId } : {};
        tally = await this.syncOnce(job.requestId, messenger, lock, look);
        if ((await store.get(dirty)) === null) break;
      }
    } catch (error) {
      // Another replica is reading the request for this change: its reading is kept for this job.
      if (error instanceof ReadingUnderWay) return { status: 'retry', reason: 'busy', afterMs: UNDER_WAY_RETRY_MS };
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
    if (tally.inDoubt) return { status: 'retry', reason: 'busy', afterMs: this.passDeps.holdMs };
    // A pass asked for after the last check comes back by itself: whoever asked found the lock
    // taken and is queued to try again, so nothing is requeued from here (two jobs would keep
    // handing the request to each other).
    return { status: 'done' };
  }

  /** `look`: what the first look may draw on (the flow's reading, or the change's shared one). */
  private async syncOnce(
    requestId: string,
    messenger: Messenger,
    lock: Lock,
    look: { seen?: AccessRequest; changeId?: string },
  ): Promise<Tally> {
    const snapshot = await this.options.flows.snapshot(requestId, look.seen, (read) =>
      this.readings.draw(requestId, look.changeId, read),
    );
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
      const stranded = new StrandedRouting(this.passDeps, messenger, snapshot);
      const hadChannelCard = await stranded.channelCardBefore();
      await new PlatformPass(this.passDeps, messenger, snapshot, holding, tally).draw();
      const { ledger, logger, holdMs } = this.passDeps;
      await stranded.route({ ledger, logger, holdMs, holding, tally }, hadChannelCard);
    } catch (err) {
      if (err instanceof LockLost) throw err;
      this.options.logger.error({ err, requestId, platform: messenger.platform }, 'request messages not synced');
      tally.failed = true;
    }
    return tally;
  }
}
