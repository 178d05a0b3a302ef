import type { Json, MessageRecord } from './records.js';
import { SLACK_SEED } from './seed.js';
import type { SlackWorkspace } from './workspace.js';

/** The `bot_profile` Slack attaches to every message a bot posts. */
export function botProfile(): Json {
  return {
    id: SLACK_SEED.bot.botId,
    app_id: SLACK_SEED.appId,
    name: SLACK_SEED.bot.name,
    icons: { image_36: '', image_48: '', image_72: '' },
    deleted: false,
    updated: 1_700_000_000,
    team_id: SLACK_SEED.teamId,
  };
}

/**
 * A stored message as the Web API returns it: without the channel (the call names it), with the
 * bot's profile on bot messages, and, on a thread's parent, the thread summary Slack computes
 * (`thread_ts`, `reply_count`, `reply_users`, `latest_reply`). Metadata only when asked for, as
 * conversations.history does with `include_all_metadata`.
 */
export function messageJson(workspace: SlackWorkspace, message: MessageRecord, withMetadata = true): Json {
  const { channel, metadata, ...fields } = structuredClone(message);
  const json: Json = { ...fields };
  if (message.bot_id) json.bot_profile = botProfile();
  if (withMetadata && metadata) json.metadata = metadata;
  if (message.thread_ts && message.thread_ts !== message.ts) return json;
  const replies = workspace
    .channelMessages(channel)
    .filter((candidate) => candidate.thread_ts === message.ts && candidate.ts !== message.ts);
  const latest = replies.at(-1);
  if (!latest) return json;
  const replyUsers = [...new Set(replies.map((reply) => reply.user))];
  return {
    ...json,
    thread_ts: message.ts,
    reply_count: replies.length,
    reply_users_count: replyUsers.length,
    latest_reply: latest.ts,
    reply_users: replyUsers,
    is_locked: false,
    subscribed: false,
  };
}
