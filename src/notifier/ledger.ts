import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { RequestView } from '../flows/index.js';
import { MESSAGE_REF_RETENTION_MS, type MessageRef, type Store } from '../store/index.js';
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
const chatCommentsKey = (requestId: string) => `chat-comments:${requestId}`;

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

  /** The reading of the request a card last showed, and a fingerprint of what it showed. */
  async shownOn(ref: MessageRef): Promise<{ updated: string; fingerprint: string } | null> {
    const raw = await this.store.get(renderingKey(ref));
    const [updated, print] = raw?.split('\n') ?? [];
    return updated && print ? { updated, fingerprint: print } : null;
  }

  async rememberRendering(ref: MessageRef, updated: string, fingerprint: string): Promise<void> {
    await this.store.set(renderingKey(ref), `${updated}\n${fingerprint}`, { ttlMs: MESSAGE_REF_RETENTION_MS });
  }

  /** The message now shows this card. */
  async rememberCard(ref: MessageRef, card: RequestCard): Promise<void> {
    await this.rememberRendering(ref, card.request.updated, cardFingerprint(card));
  }

  /**
   * True when drawing `card` on the message would change nothing, or would show an older reading of
   * the request than the message shows now: either way it is not drawn.
   */
  async showsAlready(ref: MessageRef, card: RequestCard): Promise<boolean> {
    const shown = await this.shownOn(ref);
    return Boolean(
      shown && (shown.fingerprint === cardFingerprint(card) || isOlder(card.request.updated, shown.updated)),
    );
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

/** True when `candidate` is an older reading of the request than `shown`. */
function isOlder(candidate: string, shown: string): boolean {
  const a = Date.parse(candidate);
  const b = Date.parse(shown);
  return !Number.isNaN(a) && !Number.isNaN(b) && a < b;
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
