import { type Args, flagArg, integerArg, requiredString, stringArg } from './args.js';
import { SlackApiError } from './errors.js';
import { byTs, tsMicros } from './ids.js';
import { messageJson } from './message-json.js';
import type { ChannelRecord, Json, MessageRecord } from './records.js';
import { dmChannelId, SLACK_SEED } from './seed.js';
import type { SlackWorkspace } from './workspace.js';

/** conversations.open, .info, .history and .replies. */

const BOT = SLACK_SEED.bot.userId;
const CREATED = 1_700_000_000;
const channelNotFound = () => new SlackApiError('channel_not_found');

/** conversations.open with `users=U…`: the bot's DM with that person (the emulator has no group DMs). */
export function open(workspace: SlackWorkspace, args: Args): Json {
  const byChannel = stringArg(args, 'channel');
  if (byChannel !== undefined) {
    const channel = workspace.channel(byChannel);
    if (!channel) throw channelNotFound();
    if (channel.kind !== 'im') throw new SlackApiError('method_not_supported_for_channel_type');
    return { channel: flagArg(args, 'return_im') ? channelJson(channel) : { id: channel.id } };
  }
  const users = (stringArg(args, 'users') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
  if (users.length > 8) throw new SlackApiError('too_many_users');
  if (users.length > 1) throw new SlackApiError('method_not_supported_for_channel_type');
  const user = workspace.user(users[0] ?? '');
  if (!user) throw new SlackApiError('user_not_found');
  if (user.isBot) throw new SlackApiError('cannot_dm_bot');
  const dm = workspace.channel(dmChannelId(user.id));
  if (!dm) throw new SlackApiError('user_not_found');
  return { channel: flagArg(args, 'return_im') ? channelJson(dm) : { id: dm.id } };
}

export function info(workspace: SlackWorkspace, args: Args): Json {
  const channel = workspace.channel(requiredString(args, 'channel', channelNotFound));
  if (!channel) throw channelNotFound();
  return { channel: channelJson(channel) };
}

/**
 * conversations.history: top-level messages (thread parents carry their reply summary), newest
 * first, within `oldest`/`latest` (exclusive unless `inclusive`), `limit` per page (default 100,
 * at most 999) with a cursor.
 */
export function history(workspace: SlackWorkspace, args: Args): Json {
  const channel = readableChannel(workspace, args);
  const topLevel = workspace
    .channelMessages(channel.id)
    .filter((message) => !message.thread_ts || message.thread_ts === message.ts);
  const newestFirst = inRange(topLevel, args).sort(byTs).reverse();
  const page = pageOf(newestFirst, args, 100, (message, cursor) => tsMicros(message.ts) <= cursor);
  return {
    messages: page.items.map((message) => messageJson(workspace, message, flagArg(args, 'include_all_metadata'))),
    has_more: page.nextCursor !== undefined,
    pin_count: 0,
    channel_actions_ts: null,
    channel_actions_count: 0,
    ...(page.nextCursor ? { response_metadata: { next_cursor: page.nextCursor } } : {}),
  };
}

/**
 * conversations.replies: the thread `ts` belongs to (a parent's or a reply's ts), parent first,
 * then replies oldest first. A ts that names no message is `thread_not_found`.
 */
export function replies(workspace: SlackWorkspace, args: Args): Json {
  const channel = readableChannel(workspace, args);
  const ts = requiredString(args, 'ts', () => new SlackApiError('thread_not_found'));
  const message = workspace.findMessage(channel.id, ts);
  if (!message || message.subtype === 'tombstone') throw new SlackApiError('thread_not_found');
  const rootTs = message.thread_ts ?? message.ts;
  const thread = workspace
    .channelMessages(channel.id)
    .filter((candidate) => candidate.ts === rootTs || candidate.thread_ts === rootTs)
    .sort(byTs);
  const page = pageOf(inRange(thread, args), args, 1000, (candidate, cursor) => tsMicros(candidate.ts) >= cursor);
  return {
    messages: page.items.map((item) => messageJson(workspace, item, flagArg(args, 'include_all_metadata'))),
    has_more: page.nextCursor !== undefined,
    ...(page.nextCursor ? { response_metadata: { next_cursor: page.nextCursor } } : {}),
  };
}

/** The bot reads channels it is a member of; elsewhere Slack answers `not_in_channel`. */
function readableChannel(workspace: SlackWorkspace, args: Args): ChannelRecord {
  const channel = workspace.channel(requiredString(args, 'channel', channelNotFound));
  if (!channel) throw channelNotFound();
  if (!channel.members.has(BOT)) throw new SlackApiError('not_in_channel');
  return channel;
}

function inRange(messages: MessageRecord[], args: Args): MessageRecord[] {
  const bound = (name: 'oldest' | 'latest') => {
    const value = stringArg(args, name);
    if (value === undefined) return undefined;
    const micros = tsMicros(value);
    if (Number.isNaN(micros)) throw new SlackApiError(`invalid_ts_${name}`);
    return micros;
  };
  const oldest = bound('oldest') ?? Number.NEGATIVE_INFINITY;
  const latest = bound('latest') ?? Number.POSITIVE_INFINITY;
  const inclusive = flagArg(args, 'inclusive');
  return messages.filter((message) => {
    const at = tsMicros(message.ts);
    return inclusive ? at >= oldest && at <= latest : at > oldest && at < latest;
  });
}

/** Slack's cursors are opaque base64 ("bmV4dF90czoxNTEyMDg1ODYxMDAwNTQz" is "next_ts:1512085861000543"). */
function pageOf(
  ordered: MessageRecord[],
  args: Args,
  defaultLimit: number,
  startsAt: (message: MessageRecord, cursorMicros: number) => boolean,
): { items: MessageRecord[]; nextCursor?: string } {
  const limit = Math.min(integerArg(args, 'limit') || defaultLimit, 999);
  let start = 0;
  const cursor = stringArg(args, 'cursor');
  if (cursor !== undefined) {
    const match = /^next_ts:(\d+\.\d{6})$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!match?.[1]) throw new SlackApiError('invalid_cursor');
    const micros = tsMicros(match[1]);
    start = ordered.findIndex((message) => startsAt(message, micros));
    if (start < 0) start = ordered.length;
  }
  const items = ordered.slice(start, start + limit);
  const next = ordered[start + limit];
  return { items, ...(next ? { nextCursor: Buffer.from(`next_ts:${next.ts}`).toString('base64') } : {}) };
}

function channelJson(channel: ChannelRecord): Json {
  if (channel.kind === 'im') {
    return { id: channel.id, created: CREATED, is_im: true, is_org_shared: false, user: channel.user, priority: 0 };
  }
  return {
    id: channel.id,
    name: channel.name,
    is_channel: true,
    is_group: false,
    is_im: false,
    is_mpim: false,
    is_private: false,
    created: CREATED,
    is_archived: false,
    is_general: channel.name === 'general',
    name_normalized: channel.name,
    is_shared: false,
    is_org_shared: false,
    is_member: channel.members.has(BOT),
    topic: { value: '', creator: '', last_set: 0 },
    purpose: { value: '', creator: '', last_set: 0 },
    num_members: channel.members.size,
  };
}
