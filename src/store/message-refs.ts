import { z } from 'zod';
import type { MessageRef } from './store.js';

/**
 * A request's messages are kept this long after the last one was added. Requests can wait days for
 * an approver, but a request that went quiet a month ago will not be edited again, and Redis should
 * not carry its refs forever.
 */
export const MESSAGE_REF_RETENTION_MS = 30 * 24 * 60 * 60_000;

/** Two refs name the same chat message when these match; the rest is description. */
export function messageIdentity(ref: MessageRef): string {
  return JSON.stringify([ref.platform, ref.conversationId, ref.messageId]);
}

/** Checks refs read back from Redis, which another version of Gatehouse may have written. */
export const messageRefSchema: z.ZodType<MessageRef> = z.object({
  platform: z.enum(['slack', 'teams']),
  conversationId: z.string(),
  messageId: z.string(),
  kind: z.enum(['approval', 'requester', 'channel', 'comment']),
  recipientId: z.string().optional(),
  threadId: z.string().optional(),
});

/** A copy holding only the known fields, so callers can neither mutate stored refs nor smuggle extras in. */
export function copyMessageRef(ref: MessageRef): MessageRef {
  const copy: MessageRef = {
    platform: ref.platform,
    conversationId: ref.conversationId,
    messageId: ref.messageId,
    kind: ref.kind,
  };
  if (ref.recipientId !== undefined) copy.recipientId = ref.recipientId;
  if (ref.threadId !== undefined) copy.threadId = ref.threadId;
  return copy;
}
