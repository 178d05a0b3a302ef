import { isObject } from './block-kit-objects.js';
import { discardMessage } from './chat.js';
import { SlackApiError } from './errors.js';
import { checkMessageContent, hasContent, type MessageContent } from './message-content.js';
import type { Json, ResponseUrlRecord } from './records.js';
import { SLACK_SEED } from './seed.js';
import { storedBlocks } from './stored-blocks.js';
import { RESPONSE_URL_TTL_MS, RESPONSE_URL_USES, type SlackWorkspace } from './workspace.js';

/**
 * A post to a response_url, as Slack handles it. Slack documents the limit (5 posts within 30
 * minutes) but not the exact refusal; the emulator answers HTTP 404 with `{ ok: false, error:
 * 'used_url' }` after the fifth successful post and `expired_url` after 30 minutes, `invalid_url`
 * for a URL it never minted, and HTTP 400 for a body Slack would refuse (`no_text`,
 * `invalid_blocks`…). Only successful posts use the URL up. @slack/bolt's respond() throws on any
 * non-2xx answer, so the bot sees each refusal.
 *
 * - `delete_original`: deletes the message the interaction came from (or its ephemeral).
 * - `replace_original`: replaces that message in place (keeping its thread), or the ephemeral it
 *   came from or this URL last posted; with neither, the post is a new ephemeral.
 * - otherwise `response_type: 'in_channel'` posts a message from the bot in the channel (thread_ts
 *   honoured) and the default, `ephemeral`, shows the text to the user who acted.
 */
export function postToResponseUrl(
  workspace: SlackWorkspace,
  id: string,
  body: unknown,
): { status: number; body: Json } {
  const record = workspace.responseUrl(id);
  if (!record) return { status: 404, body: { ok: false, error: 'invalid_url' } };
  const at = workspace.now();
  try {
    if (at - record.mintedAt > RESPONSE_URL_TTL_MS) throw new SlackApiError('expired_url', {}, 404);
    if (record.posts.filter((post) => post.status === 200).length >= RESPONSE_URL_USES) {
      throw new SlackApiError('used_url', {}, 404);
    }
    apply(workspace, record, body);
    record.posts.push({ body, status: 200, at });
    return { status: 200, body: { ok: true } };
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    record.posts.push({ body, status: error.status, error: error.code, at });
    return { status: error.status, body: error.body };
  }
}

const yes = (value: unknown) => value === true || value === 'true';

function apply(workspace: SlackWorkspace, record: ResponseUrlRecord, body: unknown): void {
  if (!isObject(body)) throw new SlackApiError('invalid_payload', {}, 400);
  if (yes(body.delete_original)) {
    deleteOriginal(workspace, record);
    return;
  }
  const content = checkMessageContent({ text: body.text, blocks: body.blocks }, 400);
  if (!hasContent(content)) throw new SlackApiError('no_text', {}, 400);
  const threadTs = typeof body.thread_ts === 'string' ? body.thread_ts : undefined;
  if (yes(body.replace_original) && replaceOriginal(workspace, record, content)) return;
  if (body.response_type === 'in_channel') {
    workspace.append({
      channel: record.channel,
      text: content.text ?? '',
      ...held(workspace, content),
      user: SLACK_SEED.bot.userId,
      bot_id: SLACK_SEED.bot.botId,
      app_id: SLACK_SEED.appId,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    return;
  }
  const ephemeral = workspace.addEphemeral({
    channel: record.channel,
    user: record.user,
    text: content.text ?? '',
    ...held(workspace, content),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'response_url',
  });
  record.ephemeralTs = ephemeral.ts;
}

const held = (workspace: SlackWorkspace, content: MessageContent) =>
  content.blocks?.length ? { blocks: storedBlocks(content.blocks, () => workspace.ids.filler()) } : {};

/** True when something was replaced; false when there was nothing to replace. */
function replaceOriginal(workspace: SlackWorkspace, record: ResponseUrlRecord, content: MessageContent): boolean {
  if (record.messageTs !== undefined) {
    const message = workspace.findMessage(record.channel, record.messageTs);
    if (!message || message.subtype === 'tombstone') throw new SlackApiError('message_not_found', {}, 404);
    message.text = content.text ?? '';
    const blocks = held(workspace, content);
    if (blocks.blocks) message.blocks = blocks.blocks;
    else delete message.blocks;
    return true;
  }
  const ephemeral = workspace
    .ephemerals()
    .find((candidate) => candidate.ts === record.ephemeralTs && candidate.user === record.user);
  if (!ephemeral) return false;
  ephemeral.text = content.text ?? '';
  const blocks = held(workspace, content);
  if (blocks.blocks) ephemeral.blocks = blocks.blocks;
  else delete ephemeral.blocks;
  return true;
}

function deleteOriginal(workspace: SlackWorkspace, record: ResponseUrlRecord): void {
  if (record.messageTs !== undefined) {
    const message = workspace.findMessage(record.channel, record.messageTs);
    if (message && message.subtype !== 'tombstone') discardMessage(workspace, message);
    return;
  }
  const list = workspace.ephemerals();
  const index = list.findIndex((candidate) => candidate.ts === record.ephemeralTs && candidate.user === record.user);
  if (index >= 0) list.splice(index, 1);
}
