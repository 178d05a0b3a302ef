/** JSON as the bot sent it; the emulator checks it, never trusts it. */
export type Json = Record<string, unknown>;

/** A person in the tenant, with everything TeamsInfo.getMember can tell about them. */
export interface TeamsUserRecord {
  /** The Teams user id (MRI) the bot sees in `from.id`. */
  id: string;
  /** Short readable name used in ids (`a:1on1-<slug>`). */
  slug: string;
  aadObjectId: string;
  name: string;
  givenName: string;
  surname: string;
  /** Absent for guests whose account has no mail, as Teams leaves it out. */
  email?: string;
  userPrincipalName: string;
  tenantId: string;
  userRole: 'user' | 'guest';
  /** Member of the Acme team, so of its channels. */
  teamMember: boolean;
  /** The app is installed in the person's personal scope; without it the bot cannot write to them. */
  installed: boolean;
}

/** `{ id, name, aadObjectId? }` as activities carry it. */
export interface ChannelAccount {
  id: string;
  name?: string;
  aadObjectId?: string;
}

export interface ConversationRecord {
  id: string;
  kind: 'personal' | 'channel';
  /** For a personal chat: the person on the other side of the bot. */
  userId?: string;
  /** For a channel: its display name. */
  name?: string;
}

/**
 * One activity in a conversation, oldest first: what the bot posted (latest version, with how many
 * times it was updated) and what drivers delivered to the bot (with the bot's HTTP answer).
 */
export interface TranscriptActivity {
  id: string;
  /** The conversation (a channel thread's reply lives in the channel, with replyToId naming the root). */
  conversationId: string;
  type: string;
  /** For invokes: `adaptiveCard/action`. */
  name?: string;
  from: ChannelAccount;
  /** ISO 8601, from the tenant clock. */
  timestamp: string;
  text?: string;
  attachments: Json[];
  replyToId?: string;
  /** For invokes: `{ action, trigger }`. */
  value?: unknown;
  /** How many times the bot updated it (PUT); the fields above are the latest version. */
  updates: number;
  updatedAt?: string;
  deleted: boolean;
  /** The bot's HTTP answer to an activity a driver delivered (an invoke's body is the invoke response). */
  response?: { status: number; body: unknown };
  /** The activity exactly as last posted by the bot, or as delivered to it. */
  activity: Json;
}

export interface CallRecord {
  method: string;
  /** The path below the connector's base URL, decoded (`/v3/conversations/a:1on1-alice/activities`). */
  path: string;
  /** The ConnectorClient operation it is (`sendToConversation`, `updateActivity`…), when it is one. */
  operation?: string;
  status: number;
  /** The ErrorResponse code of a refusal. */
  code?: string;
  /** Tenant clock, epoch ms. */
  at: number;
}
