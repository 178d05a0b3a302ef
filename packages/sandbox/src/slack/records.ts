/** Block Kit JSON as the bot sent it; the emulator checks it against Slack's limits, never trusts it. */
export type Json = Record<string, unknown>;

export interface SlackUserRecord {
  id: string;
  /** The `name` Slack still returns: the legacy handle. */
  handle: string;
  realName: string;
  /** Absent when the profile shows no email (some guests, or without users:read.email). */
  email?: string;
  title: string;
  isBot: boolean;
  /** Guests are restricted accounts. */
  isRestricted: boolean;
  botId?: string;
  /**
   * The workspace the person belongs to when it is not this one: another workspace of the same
   * Enterprise Grid org, or another organisation's (a Slack Connect partner). Absent for members.
   */
  teamId?: string;
  /** The Enterprise Grid org of a person from another workspace (absent: that workspace is not on Grid). */
  enterpriseId?: string;
  enterpriseName?: string;
  /**
   * Enterprise Grid: every workspace of the org the person is a member of (`enterprise_user.teams`),
   * when more than their own; a person whose home is a sister workspace can be a member of this one.
   */
  teams?: string[];
  /**
   * Someone the bot can see without sharing a workspace or a channel with them: users.info marks them
   * `is_stranger`, with their team and a reduced profile (no email).
   */
  stranger?: boolean;
}

export interface ChannelRecord {
  id: string;
  name: string;
  kind: 'channel' | 'im';
  members: Set<string>;
  /** For an IM: the human on the other side of the bot. */
  user?: string;
}

/** A message as Slack stores it and returns it from history (thread counts are added when read). */
export interface MessageRecord {
  type: 'message';
  subtype?: 'tombstone';
  channel: string;
  ts: string;
  thread_ts?: string;
  parent_user_id?: string;
  text: string;
  blocks?: Json[];
  user: string;
  bot_id?: string;
  app_id?: string;
  team: string;
  edited?: { user: string; ts: string };
  metadata?: { event_type: string; event_payload: Json };
}

/** A message only one user sees; Slack never returns these from history or lets chat.update touch them. */
export interface EphemeralRecord {
  channel: string;
  user: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: Json[];
  /** How it was posted: the Web API, a response_url, or the body of a slash command's HTTP answer. */
  via: 'chat.postEphemeral' | 'response_url' | 'command_answer';
}

export interface ViewRecord {
  id: string;
  type: 'modal' | 'home';
  user: string;
  /** The view JSON exactly as the bot last sent it. */
  view: Json;
  /** The blocks as Slack holds them: block_id and action_id filled in where the bot left them out. */
  blocks: Json[];
  hash: string;
  rootViewId: string;
  previousViewId: string | null;
  externalId?: string;
  state: { values: Record<string, Record<string, Json>> };
  /** Still on screen (a closed modal view cannot be updated any more). */
  open: boolean;
  /** The last `response_action: errors` answer, block_id → message, until the next submission. */
  errors?: Record<string, string>;
}

export interface TriggerRecord {
  user: string;
  mintedAt: number;
  used: boolean;
  /** The view the interaction happened in, so views.push knows which stack to push onto. */
  viewId?: string;
}

export interface ResponseUrlPost {
  body: unknown;
  status: number;
  error?: string;
  at: number;
}

export interface ResponseUrlRecord {
  id: string;
  url: string;
  channel: string;
  user: string;
  /** The real message the interaction came from, which replace_original / delete_original act on. */
  messageTs?: string;
  /** The ephemeral message the interaction came from, or the last one this URL posted. */
  ephemeralTs?: string;
  mintedAt: number;
  posts: ResponseUrlPost[];
}

export interface CallRecord {
  method: string;
  ok: boolean;
  error?: string;
  /** The workspace clock when the call was answered (epoch ms). */
  at: number;
  /** The arguments as the workspace read them (token removed), for tests that check what was sent. */
  args: Json;
}
