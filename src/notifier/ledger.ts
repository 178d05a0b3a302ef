import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RequestView } from '../flows/index.js';
import { type Lock, MESSAGE_REF_RETENTION_MS, type MessageRef, type Store } from '../store/index.js';
import type { CardRole, RequestCard } from './messenger.js';

/**
 * The notifier's ledger in the store: which message about a request was delivered to whom, how
 * each card was last drawn, and the comments made in chat. This module alone knows these keys and
 * the states a delivery claim moves through, so the exactly-once rules read in one place:
 *
 *   (none) ──claim──▶ posting ──delivered──▶ sent
 *                        │  └──unconfirmed──▶ unknown (held 15 min, then free again)
 *                        └──release──▶ (none)   (the post certainly failed)
 *
 * A `posting` claim lapses after its hold (a replica died mid-post), so the message is tried again
 * rather than never sent. Any other value (`sent`, or `1` from a mark) means delivered.
 */
export type ClaimState = 'posting' | 'unknown' | 'sent';

const POSTING: ClaimState = 'posting';
const UNKNOWN: ClaimState = 'unknown';
const SENT: ClaimState = 'sent';

/** A post whose outcome is unknown is not retried before this, so a slow success is not doubled at once. */
export const UNKNOWN_OUTCOME_HOLD_MS = 15 * 60_000;

export type StoredComment = RequestView['comments'][number];

const storedComments = z.array(
  z.object({
    id: z.string(),
    author: z.object({ id: z.string(), name: z.string(), email: z.string().optional() }),
    text: z.string(),
    created: z.string(),
  }),
);

/** Where a message lives, as one string. */
export function messageIdentity(ref: MessageRef): string {
  return `${ref.platform}:${ref.conversationId}:${ref.messageId}`;
}

/** The ledger's keys: one per message that must reach its recipient once. */
export const deliveryKeys = {
  requesterCard: (requestId: string, platform: string) => `msg:${requestId}:requester:${platform}`,
  approvalCard: (requestId: string, step: number | undefined, approverId: string, platform: string) =>
    `msg:${requestId}:approval:${step}:${approverId}:${platform}`,
  channelCard: (requestId: string, platform: string) => `msg:${requestId}:channel:${platform}`,
  commentReply: (requestId: string, commentId: string, ref: MessageRef) =>
    `told:${requestId}:comment:${commentId}:${messageIdentity(ref)}`,
  notice: (requestId: string, platform: string, event: string) => `told:${requestId}:${platform}:${event}`,
};

const renderingKey = (ref: MessageRef) => `rendered:${messageIdentity(ref)}`;
const drawingKey = (ref: MessageRef) => `drawing:${messageIdentity(ref)}`;
const chatCommentsKey = (requestId: string) => `chat-comments:${requestId}`;

/**
 * A drawing lease lasts through one chat update, paced (up to 5 s waiting its turn) and answered
 * (Slack's client gives up after 10 s), with as much again to spare: a lease that lapsed mid-update
 * could let an older card land last. If its holder died, the message is free again after it.
 */
const DRAWING_LEASE_MS = 30_000;
/** How long a notifier pass waits for another drawer's lease: within its 20 s lease on the request. */
const DRAWING_WAIT_MS = 15_000;

/** The card a message about a request is, by how it was recorded when posted. */
export function roleOf(ref: MessageRef): CardRole {
  return ref.kind === 'approval' ? 'approval' : ref.kind === 'channel' ? 'channel' : 'requester';
}

/** What a card shows, minus what changes without news (the read time), so unchanged cards are not re-sent. */
export function cardFingerprint(card: RequestCard): string {
  const { updated: _updated, ...shown }: RequestView = card.request;
  return createHash('sha256')
    .update(JSON.stringify([card.role, shown]))
    .digest('base64url');
}

export class DeliveryLedger {
  constructor(private readonly store: Store) {}

  /** True for the first caller only: it may post, and must then say how it went. */
  claim(key: string, holdMs: number): Promise<boolean> {
    return this.store.compareAndSwap(key, null, POSTING, { ttlMs: holdMs });
  }

  /** Claimed but never confirmed (a replica died mid-post, or the platform never answered). */
  async inDoubt(key: string): Promise<boolean> {
    const state = await this.store.get(key);
    return state === POSTING || state === UNKNOWN;
  }

  /** The post went through. */
  async delivered(key: string): Promise<void> {
    await this.store.set(key, SENT, { ttlMs: MESSAGE_REF_RETENTION_MS });
  }

  /** The platform may have posted without saying so: held a while, then tried again. */
  async unconfirmed(key: string): Promise<void> {
    await this.store.set(key, UNKNOWN, { ttlMs: UNKNOWN_OUTCOME_HOLD_MS });
  }

  /** The post certainly failed: the claim is given back for the next pass. */
  async release(key: string): Promise<void> {
    await this.store.delete(key);
  }

  /** Counts a message as delivered without posting it (superseded warnings, comments a new card already shows). */
  async markDelivered(key: string): Promise<void> {
    await this.store.claim(key, MESSAGE_REF_RETENTION_MS);
  }

  /** Where the reading of the request a card last showed stands, and a fingerprint of what it showed. */
  async shownOn(ref: MessageRef): Promise<{ reading: Reading; fingerprint: string } | null> {
    const raw = await this.store.get(renderingKey(ref));
    const [reading, print] = raw?.split('\n') ?? [];
    return reading && print ? { reading: parseReading(reading), fingerprint: print } : null;
  }

  /** The message now shows this card. */
  async rememberCard(ref: MessageRef, card: RequestCard): Promise<void> {
    const value = `${formatReading(readingOf(card.request))}\n${cardFingerprint(card)}`;
    await this.store.set(renderingKey(ref), value, { ttlMs: MESSAGE_REF_RETENTION_MS });
  }

  /**
   * True when drawing `card` on the message would change nothing, or would show an older reading of
   * the request than the message shows now: either way it is not drawn.
   */
  async showsAlready(ref: MessageRef, card: RequestCard): Promise<boolean> {
    const shown = await this.shownOn(ref);
    return Boolean(
      shown && (shown.fingerprint === cardFingerprint(card) || isOlder(readingOf(card.request), shown.reading)),
    );
  }

  /**
   * Draws `card` on an existing message with `update` unless it shows it already or a newer reading.
   * Whoever draws a message, on any replica (a notifier pass, a click's quick update), holds the
   * message's drawing lease from the check until the card is recorded: without it a pass could draw
   * a newer reading while a click's update of an older one is on its way, and the older one land
   * last. `waitMs`: how long to wait for another drawer's lease (by default less than a notifier
   * pass's own lease on the request, which it must not outlive); 'busy' when it was not free by
   * then, and the card is drawn on a later pass. When `update` throws nothing is recorded, so the
   * card is drawn again by the next pass.
   */
  async drawIfNewer(
    ref: MessageRef,
    card: RequestCard,
    update: () => Promise<void>,
    waitMs = DRAWING_WAIT_MS,
  ): Promise<'drawn' | 'shown' | 'busy'> {
    const lease = await this.drawingLease(ref, waitMs);
    if (!lease) return 'busy';
    try {
      if (await this.showsAlready(ref, card)) return 'shown';
      await update();
      await this.rememberCard(ref, card);
      return 'drawn';
    } finally {
      await lease.release().catch(() => false);
    }
  }

  private async drawingLease(ref: MessageRef, waitMs: number): Promise<Lock | null> {
    const deadline = Date.now() + waitMs;
    // Held for one chat update: short pauses find it free soon after, without hammering the store.
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const lease = await this.store.acquireLock(drawingKey(ref), DRAWING_LEASE_MS);
      const left = deadline - Date.now();
      if (lease || left <= 0) return lease;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
  }

  /** Comments made in chat, for backends that cannot list comments (Okta): the last 50. */
  async chatComments(requestId: string): Promise<StoredComment[]> {
    return parseStoredComments(await this.store.get(chatCommentsKey(requestId)));
  }

  async keepComment(requestId: string, entry: StoredComment): Promise<void> {
    const listKey = chatCommentsKey(requestId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = await this.store.get(listKey);
      const list = parseStoredComments(raw);
      if (list.some((c) => c.id === entry.id)) return;
      const next = JSON.stringify([...list, entry].slice(-50));
      if (await this.store.compareAndSwap(listKey, raw, next, { ttlMs: MESSAGE_REF_RETENTION_MS })) return;
    }
  }
}

/**
 * Where a reading of a request stands in its life, to tell an older reading from a newer one:
 * compared place by place, the first that differs decides. Open comes before closed; then the
 * request's `updated`; then, for readings of the same moment, what only moves forward: steps
 * opened, then decided; a grant, then a revocation, begun. `updated` alone cannot tell: Okta does
 * not move it when only a task changes (a step decided, the next one opened). A place unknown to
 * either reading tells nothing: steps not shown (their API withheld since, say) are not "none
 * decided". Readings that stand the same are not older than each other, and a different picture is drawn.
 */
export type Reading = readonly number[];

/** A record written before readings were ranked holds `updated` alone, and is compared by it alone. */
const RANKED = 'r:';

function readingOf(view: RequestView): Reading {
  const status = view.status === 'submitted' ? 0 : view.status === 'pending' ? 1 : 2;
  const steps =
    view.approvalsHandledIn || view.steps.length === 0
      ? Number.NaN
      : view.steps.reduce((sum, step) => sum + (step.status === 'waiting' ? 0 : step.status === 'pending' ? 1 : 2), 0);
  // Begun or not only: a grant that failed may be pending again when retried.
  return [status, Date.parse(view.updated), steps, view.grantStatus ? 1 : 0, view.revocationStatus ? 1 : 0];
}

function formatReading(reading: Reading): string {
  return `${RANKED}${reading.join('.')}`;
}

function parseReading(raw: string): Reading {
  return raw.startsWith(RANKED) ? raw.slice(RANKED.length).split('.').map(Number) : [Number.NaN, Date.parse(raw)];
}

/** True when `candidate` is an older reading of the request than `shown`; a place unknown to either tells nothing. */
function isOlder(candidate: Reading, shown: Reading): boolean {
  for (let i = 0; i < Math.min(candidate.length, shown.length); i++) {
    const a = candidate[i] ?? Number.NaN;
    const b = shown[i] ?? Number.NaN;
    if (!Number.isNaN(a) && !Number.isNaN(b) && a !== b) return a < b;
  }
  return false;
}

function parseStoredComments(raw: string | null): StoredComment[] {
  if (!raw) return [];
  try {
    const parsed = storedComments.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}
