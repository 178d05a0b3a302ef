import { type Args, structuredArg } from './args.js';
import { blockProblems } from './block-kit.js';
import { LIMITS } from './block-kit-limits.js';
import { characters, isObject } from './block-kit-objects.js';
import { invalidBlocks, SlackApiError } from './errors.js';
import type { Json, MessageRecord } from './records.js';

export interface MessageContent {
  text?: string;
  blocks?: Json[];
}

/**
 * The text and blocks of a message, checked the way Slack checks them wherever a message can be
 * posted (chat.*, response_url, a slash command's HTTP answer): blocks that are not JSON are
 * `invalid_blocks_format`, blocks over a Block Kit limit `invalid_blocks` with every problem listed,
 * text over 40,000 characters `msg_too_long`. `status` is for response_url answers, which use HTTP
 * statuses; the Web API always answers 200.
 */
export function readMessageContent(args: Args, status = 200): MessageContent {
  const blocks = structuredArg(args, 'blocks', () => new SlackApiError('invalid_blocks_format', {}, status));
  return checkMessageContent({ text: args.text, blocks }, status);
}

export function checkMessageContent(content: { text?: unknown; blocks?: unknown }, status = 200): MessageContent {
  const { blocks } = content;
  const text = typeof content.text === 'string' && content.text !== '' ? content.text : undefined;
  if (blocks !== undefined) {
    if (!Array.isArray(blocks) || !blocks.every(isObject)) throw new SlackApiError('invalid_blocks_format', {}, status);
    const problems = blockProblems(blocks, 'message');
    if (problems.length > 0) throw invalidBlocks(problems, status);
  }
  if (text !== undefined && characters(text) > LIMITS.messageText) throw new SlackApiError('msg_too_long', {}, status);
  return { ...(text !== undefined ? { text } : {}), ...(blocks !== undefined ? { blocks: blocks as Json[] } : {}) };
}

/** Something to show: text, or at least one block. */
export const hasContent = (content: MessageContent) => content.text !== undefined || (content.blocks?.length ?? 0) > 0;

/**
 * Message metadata: `{ event_type, event_payload }`, JSON-encoded in form bodies. An empty object
 * means "remove" on chat.update.
 */
export function readMetadata(args: Args): MessageRecord['metadata'] | 'remove' | undefined {
  const metadata = structuredArg(args, 'metadata', () => new SlackApiError('invalid_metadata_format'));
  if (metadata === undefined) return undefined;
  if (!isObject(metadata)) throw new SlackApiError('invalid_metadata_format');
  if (Object.keys(metadata).length === 0) return 'remove';
  if (typeof metadata.event_type !== 'string' || !isObject(metadata.event_payload)) {
    throw new SlackApiError('invalid_metadata_schema');
  }
  return { event_type: metadata.event_type, event_payload: metadata.event_payload };
}
