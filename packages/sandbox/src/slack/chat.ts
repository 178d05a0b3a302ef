import { type Args, requiredString, stringArg } from './args.js';
import { missingArgument, SlackApiError } from './errors.js';
import { hasContent, readMessageContent, readMetadata } from './message-content.js';
import { messageJson } from './message-json.js';
import type { ChannelRecord, Json, MessageRecord } from './records.js';
import { dmChannelId, SLACK_SEED } from './seed.js';
import { storedBlocks } from './stored-blocks.js';
import type { SlackWorkspace } from './workspace.js';

/** chat.postMessage, chat.update, chat.postEphemeral and chat.delete, as the bot token may use them. */

const BOT = SLACK_SEED.bot.userId;
const botAuthor = () => ({ user: BOT, bot_id: SLACK_SEED.bot.botId, app_id: SLACK_SEED.appId });
const channelNotFound = () => new SlackApiError('channel_not_found');

/**
 * Where a post goes: a channel id or name, a DM id, or a user id, which Slack takes to mean the DM
 * between the bot and that user (and answers with the DM's `D…` id).
 */
function postTarget(workspace: SlackWorkspace, args: Args): ChannelRecord {
  const target = requiredString(args, 'channel', channelNotFound);
  if (/^[UW]/.test(target)) {
    const user = workspace.user(target);
    const dm = user && !user.isBot ? workspace.channel(dmChannelId(user.id)) : undefined;
    if (!dm) throw channelNotFound();
    return dm;
  }
  const channel = workspace.channel(target);
  if (!channel) throw channelNotFound();
  return channel;
}

/** chat.update and chat.delete take the conversation id only (a DM by its `D…` id, not the user's). */
function existingChannel(workspace: SlackWorkspace, args: Args): ChannelRecord {
  const channel = workspace.channel(requiredString(args, 'channel', channelNotFound));
  if (!channel) throw channelNotFound();
  return channel;
}

/** The bot may post where it is a member; in other public channels only with chat:write.public. */
function requireMembership(workspace: SlackWorkspace, channel: ChannelRecord): void {
  if (channel.members.has(BOT)) return;
  if (channel.kind === 'channel' && workspace.chatWritePublic) return;
  throw new SlackApiError('not_in_channel');
}

/**
 * The thread a reply joins. A reply's ts counts as its parent's, as in Slack. An unknown thread_ts
 * is refused with `thread_not_found`: real Slack accepts it and stores a reply nobody can see, which
 * is a bug the emulator should surface rather than hide.
 */
function threadRoot(workspace: SlackWorkspace, channel: ChannelRecord, args: Args): MessageRecord | undefined {
  const threadTs = stringArg(args, 'thread_ts');
  if (threadTs === undefined) return undefined;
  const parent = workspace.findMessage(channel.id, threadTs);
  if (!parent) throw new SlackApiError('thread_not_found');
  return parent.thread_ts ? workspace.findMessage(channel.id, parent.thread_ts) : parent;
}

export function postMessage(workspace: SlackWorkspace, args: Args): Json {
  const channel = postTarget(workspace, args);
  requireMembership(workspace, channel);
  const content = readMessageContent(args);
  if (!hasContent(content) && args.attachments === undefined) throw new SlackApiError('no_text');
  const metadata = readMetadata(args);
  const root = threadRoot(workspace, channel, args);
  const message = workspace.append({
    channel: channel.id,
    text: content.text ?? '',
    ...(content.blocks ? { blocks: storedBlocks(content.blocks, () => workspace.ids.filler()) } : {}),
    ...botAuthor(),
    ...(root ? { thread_ts: root.ts, parent_user_id: root.user } : {}),
    ...(metadata && metadata !== 'remove' ? { metadata } : {}),
  });
  return { channel: channel.id, ts: message.ts, message: messageJson(workspace, message) };
}

/**
 * chat.update, with Slack's documented merge: blocks left out are kept only when text is left out
 * too; text without blocks replaces the message's blocks; an empty blocks array removes them.
 * Metadata left out is kept, an empty object removes it.
 */
export function update(workspace: SlackWorkspace, args: Args): Json {
  const channel = existingChannel(workspace, args);
  const ts = requiredString(args, 'ts', () => new SlackApiError('message_not_found'));
  const message = workspace.findMessage(channel.id, ts);
  if (!message || message.subtype === 'tombstone') throw new SlackApiError('message_not_found');
  if (message.user !== BOT) throw new SlackApiError('cant_update_message');
  const content = readMessageContent(args);
  if (content.text === undefined && content.blocks === undefined && args.attachments === undefined) {
    throw new SlackApiError('no_text');
  }
  const metadata = readMetadata(args);
  if (content.blocks !== undefined) {
    if (content.blocks.length > 0) message.blocks = storedBlocks(content.blocks, () => workspace.ids.filler());
    else delete message.blocks;
  } else if (content.text !== undefined) {
    delete message.blocks;
  }
  if (content.text !== undefined) message.text = content.text;
  if (metadata === 'remove') delete message.metadata;
  else if (metadata) message.metadata = metadata;
  message.edited = { user: BOT, ts: workspace.ids.ts() };
  return { channel: channel.id, ts, text: message.text, message: messageJson(workspace, message) };
}

/**
 * chat.postEphemeral: shown only to `user`, who must be in the channel (`user_not_in_channel`); the
 * bot must be able to post there (`not_in_channel`). Never in history, never updatable.
 */
export function postEphemeral(workspace: SlackWorkspace, args: Args): Json {
  const channel = postTarget(workspace, args);
  const userId = requiredString(args, 'user', () => missingArgument('user'));
  requireMembership(workspace, channel);
  if (!workspace.user(userId) || !channel.members.has(userId)) throw new SlackApiError('user_not_in_channel');
  const content = readMessageContent(args);
  if (!hasContent(content) && args.attachments === undefined) throw new SlackApiError('no_text');
  const threadTs = stringArg(args, 'thread_ts');
  const ephemeral = workspace.addEphemeral({
    channel: channel.id,
    user: userId,
    text: content.text ?? '',
    ...(content.blocks ? { blocks: storedBlocks(content.blocks, () => workspace.ids.filler()) } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
    via: 'chat.postEphemeral',
  });
  return { message_ts: ephemeral.ts };
}

/** chat.delete: the bot's own messages only; a parent with replies leaves a tombstone, as in Slack. */
export function remove(workspace: SlackWorkspace, args: Args): Json {
  const channel = existingChannel(workspace, args);
  const ts = requiredString(args, 'ts', () => new SlackApiError('message_not_found'));
  const message = workspace.findMessage(channel.id, ts);
  if (!message || message.subtype === 'tombstone') throw new SlackApiError('message_not_found');
  if (message.user !== BOT) throw new SlackApiError('cant_delete_message');
  discardMessage(workspace, message);
  return { channel: channel.id, ts };
}

/** Deletes a message; a thread parent with replies becomes a tombstone, as Slack shows it. */
export function discardMessage(workspace: SlackWorkspace, message: MessageRecord): void {
  const hasReplies = workspace
    .channelMessages(message.channel)
    .some((reply) => reply.thread_ts === message.ts && reply.ts !== message.ts);
  if (!hasReplies) {
    workspace.removeMessage(message);
    return;
  }
  Object.assign(message, { subtype: 'tombstone', text: 'This message was deleted.', user: 'USLACKBOT' });
  for (const field of ['blocks', 'bot_id', 'app_id', 'metadata', 'edited'] as const) delete message[field];
}
