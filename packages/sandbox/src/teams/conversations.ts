import { checkOutbound } from './activity-checks.js';
import {
  activityNotFound,
  badArgument,
  botNotInRoster,
  ConnectorError,
  conversationNotFound,
  unknownUserId,
} from './errors.js';
import type { ConversationRecord, Json, TranscriptActivity } from './records.js';
import { personalConversationId, TEAMS_SEED } from './seed.js';
import type { TeamsTenant } from './tenant.js';

/**
 * The Conversations operations of the Bot Framework connector as Teams serves them: create a 1:1
 * chat or a channel thread, send, reply, update and delete the bot's activities. Each returns the
 * HTTP status and body Teams would, or throws a ConnectorError.
 */

export interface Answer {
  status: number;
  body?: unknown;
}

const BOT = { id: TEAMS_SEED.bot.id, name: TEAMS_SEED.bot.name };

/**
 * POST /v3/conversations. A 1:1 chat is found, not made: the same member always gives the same
 * conversation id, as Teams does. A channel thread (isGroup with channelData.channel.id) starts with
 * the given activity and is named `<channel>;messageid=<root id>`.
 */
export function createConversation(tenant: TeamsTenant, params: unknown, serviceUrl: string): Answer {
  const body = isObject(params) ? params : {};
  const channelData = isObject(body.channelData) ? body.channelData : {};
  const channelId = isObject(channelData.channel) ? channelData.channel.id : undefined;
  if (typeof channelId === 'string') {
    const channel = tenant.conversationOf(channelId);
    if (channel?.kind !== 'channel') throw conversationNotFound();
    if (!isObject(body.activity)) throw badArgument('A new channel thread needs an activity to start it');
    const { id: activityId } = post(tenant, channel, body.activity);
    return { status: 201, body: { id: `${channel.id};messageid=${activityId}`, activityId, serviceUrl } };
  }
  if (body.isGroup === true) throw badArgument('Incorrect conversation creation parameters');
  const tenantId = typeof body.tenantId === 'string' ? body.tenantId : tenantIdIn(channelData);
  // Unconfirmed wording; Teams needs the tenant to create a 1:1 chat, and refuses another tenant's.
  if (!tenantId) throw badArgument('Tenant ID is required to create a conversation');
  if (tenantId !== TEAMS_SEED.tenantId) throw badArgument(`Invalid tenant ID ${tenantId}`);
  const members = Array.isArray(body.members) ? body.members : [];
  if (members.length !== 1) throw badArgument('Incorrect conversation creation parameters');
  const [member] = members as unknown[];
  const wanted = isObject(member) ? (member.id ?? member.aadObjectId) : undefined;
  const user = typeof wanted === 'string' && /^(29:|[0-9a-f]{8}-)/i.test(wanted) ? tenant.findUser(wanted) : undefined;
  if (!user) throw unknownUserId();
  if (!user.installed) throw botNotInRoster();
  const conversation = tenant.requireConversation(personalConversationId(user.slug));
  const answer: Json = { id: conversation.id, serviceUrl };
  if (isObject(body.activity)) answer.activityId = post(tenant, conversation, body.activity).id;
  return { status: 201, body: answer };
}

/**
 * POST /v3/conversations/{id}/activities, and replies (POST …/activities/{replyToId}). In a channel the
 * thread is named by the conversation id (`19:…;messageid=<root>` replies in that thread, the bare
 * channel id starts a new one); the activity id in a reply's path does not thread anything, and Teams
 * accepts one it does not know (botbuilder puts a random one there for proactive sends).
 */
export function sendActivity(tenant: TeamsTenant, conversationId: string, raw: unknown, replyTo?: string): Answer {
  const conversation = tenant.requireConversation(conversationId);
  if (conversation.kind === 'channel') {
    const root = conversationId.includes(';messageid=') ? conversationId.split(';messageid=')[1] : undefined;
    if (root && !tenant.findActivity(conversation.id, root)) throw activityNotFound(root);
    return { status: 201, body: post(tenant, conversation, raw, root) };
  }
  const known = replyTo && tenant.findActivity(conversation.id, replyTo) ? replyTo : undefined;
  return { status: 201, body: post(tenant, conversation, raw, known) };
}

/** PUT /v3/conversations/{id}/activities/{activityId}: the bot's own message, replaced for everyone. */
export function updateActivity(tenant: TeamsTenant, conversationId: string, activityId: string, raw: unknown): Answer {
  const conversation = tenant.requireConversation(conversationId);
  const existing = ownActivity(tenant, conversation, activityId);
  const activity = checkOutbound(raw);
  existing.text = typeof activity.text === 'string' ? activity.text : undefined;
  existing.attachments = attachmentsOf(activity);
  existing.updates += 1;
  existing.updatedAt = tenant.timestamp();
  existing.activity = { ...activity, id: activityId, from: BOT, conversation: { id: conversation.id } };
  tenant.clearViews(conversation.id, activityId);
  return { status: 200, body: { id: activityId } };
}

/** DELETE /v3/conversations/{id}/activities/{activityId}: Teams shows "This message has been deleted". */
export function deleteActivity(tenant: TeamsTenant, conversationId: string, activityId: string): Answer {
  const conversation = tenant.requireConversation(conversationId);
  const existing = ownActivity(tenant, conversation, activityId);
  existing.deleted = true;
  existing.text = undefined;
  existing.attachments = [];
  tenant.clearViews(conversation.id, activityId);
  return { status: 200 };
}

/** Stores what the bot posts. Typing indicators are shown, never kept. */
function post(
  tenant: TeamsTenant,
  conversation: ConversationRecord,
  raw: unknown,
  replyToId?: string,
): { id?: string } {
  const activity = checkOutbound(raw);
  if (conversation.kind === 'personal') {
    const user = conversation.userId ? tenant.findUser(conversation.userId) : undefined;
    if (!user?.installed) throw botNotInRoster();
  }
  if (activity.type === 'typing') return { id: tenant.ids.message() };
  const text = typeof activity.text === 'string' && activity.text !== '' ? activity.text : undefined;
  const attachments = attachmentsOf(activity);
  // Teams splits a message with both text and attachments into two and answers without an id, so
  // such a message can never be updated (Teams docs, "Messages in bot conversations", note on splitting).
  if (activity.type === 'message' && text && attachments.length > 0) {
    store(tenant, conversation, { ...activity, attachments: undefined }, replyToId);
    store(tenant, conversation, { ...activity, text: undefined }, replyToId);
    return {};
  }
  return { id: store(tenant, conversation, activity, replyToId).id };
}

function store(tenant: TeamsTenant, conversation: ConversationRecord, activity: Json, replyToId?: string) {
  const id = tenant.ids.message();
  const timestamp = tenant.timestamp();
  const entry: Omit<TranscriptActivity, 'updates' | 'deleted'> = {
    id,
    conversationId: conversation.id,
    type: String(activity.type),
    from: BOT,
    timestamp,
    ...(typeof activity.text === 'string' && activity.text !== '' ? { text: activity.text } : {}),
    attachments: attachmentsOf(activity),
    ...(replyToId ? { replyToId } : {}),
    activity: {
      ...activity,
      id,
      timestamp,
      from: BOT,
      conversation: { id: conversation.id },
      ...(replyToId ? { replyToId } : {}),
    },
  };
  return tenant.append(entry);
}

function ownActivity(tenant: TeamsTenant, conversation: ConversationRecord, activityId: string): TranscriptActivity {
  const existing = tenant.findActivity(conversation.id, activityId);
  if (!existing || existing.deleted) throw activityNotFound(activityId);
  if (existing.from.id !== BOT.id) {
    // Teams lets a bot edit or delete only its own messages; the exact code is not documented.
    throw new ConnectorError(403, 'NotEnoughPermissions', 'A bot can only update or delete its own messages');
  }
  return existing;
}

function attachmentsOf(activity: Json): Json[] {
  return Array.isArray(activity.attachments) ? (activity.attachments as Json[]) : [];
}

function tenantIdIn(channelData: Json): string | undefined {
  const id = isObject(channelData.tenant) ? channelData.tenant.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
