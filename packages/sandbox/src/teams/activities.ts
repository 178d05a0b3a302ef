import type { Json } from './records.js';
import { TEAMS_SEED } from './seed.js';

/**
 * The activities Teams posts to a bot's messaging endpoint, with the fields Teams really includes
 * (Microsoft's samples in "Messages in bot conversations", "Conversation events" and the Universal
 * Actions model): ids, UTC and local timestamps, serviceUrl, `msteams`, the sender's Teams and Entra
 * ids, the conversation with its type and tenant, the bot as recipient, client info, channelData
 * with the tenant (and team and channel in a channel). Pure builders: ids and times are given.
 */

export interface ActivityUser {
  id: string;
  name: string;
  aadObjectId: string;
}

export interface ConversationRef {
  /** The conversation id as Teams sends it (`a:…`, or `19:…@thread.tacv2;messageid=<root>` in a channel thread). */
  id: string;
  kind: 'personal' | 'channel';
}

export interface Envelope {
  id: string;
  /** Epoch ms. */
  timestamp: number;
  /** Where the bot answers: the connector's base URL. */
  serviceUrl: string;
  conversation: ConversationRef;
}

export type InvokeTrigger = 'manual' | 'automatic';

/** Teams sends the client's local time and zone; the sandbox's clients all live in UTC. */
const TIMEZONE = 'Etc/UTC';
const LOCALE = 'en-US';

/**
 * A person mentioned in a message: the text holds `<at>Name</at>` and the activity a `mention`
 * entity naming them by Teams id (Teams docs, "Channel and group conversations", mentions).
 */
export interface Mention {
  id: string;
  name: string;
}

export function mentionEntity(mention: Mention): Json {
  return { type: 'mention', text: `<at>${mention.name}</at>`, mentioned: { id: mention.id, name: mention.name } };
}

export function message(
  envelope: Envelope,
  options: { user: ActivityUser; text: string; mentions?: readonly Mention[] },
): Json {
  const base = common(envelope, options.user);
  const mentions = (options.mentions ?? []).map(mentionEntity);
  return {
    ...base,
    type: 'message',
    textFormat: 'plain',
    text: options.text,
    ...(mentions.length > 0 ? { entities: [...mentions, ...(base.entities as Json[])] } : {}),
    channelData: channelData(envelope.conversation),
  };
}

/**
 * An Action.Execute pressed (trigger `manual`) or a card's refresh run by Teams (`automatic`):
 * `value.action` is the action as the card defines it, with the card's inputs merged into `data`;
 * `replyToId` names the message holding the card.
 */
export function invokeAction(
  envelope: Envelope,
  options: {
    user: ActivityUser;
    replyToId: string;
    verb: string;
    actionId?: string;
    data: unknown;
    trigger: InvokeTrigger;
  },
): Json {
  const { user, replyToId, verb, actionId, data, trigger } = options;
  return {
    ...common(envelope, user),
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId,
    value: {
      action: { type: 'Action.Execute', ...(actionId ? { id: actionId } : {}), verb, data },
      trigger,
    },
    channelData: { ...channelData(envelope.conversation), source: { name: 'message' } },
  };
}

/** The bot added to a conversation; in a 1:1 chat, `membersAdded` lists the bot and the person. */
export function conversationUpdate(
  envelope: Envelope,
  options: { user: ActivityUser; membersAdded: { id: string; aadObjectId?: string }[] },
): Json {
  return {
    ...common(envelope, options.user, { withName: false }),
    type: 'conversationUpdate',
    membersAdded: options.membersAdded,
    channelData: channelData(envelope.conversation),
  };
}

/** The app installed (`add`) or uninstalled (`remove`) in the conversation's scope. */
export function installationUpdate(
  envelope: Envelope,
  options: { user: ActivityUser; action: 'add' | 'remove' },
): Json {
  return {
    ...common(envelope, options.user, { withName: false }),
    type: 'installationUpdate',
    action: options.action,
    channelData: { ...channelData(envelope.conversation), source: { name: 'message' } },
  };
}

function common(envelope: Envelope, user: ActivityUser, options: { withName?: boolean } = {}): Json {
  const timestamp = new Date(envelope.timestamp).toISOString();
  const { id: botId, name: botName } = TEAMS_SEED.bot;
  return {
    id: envelope.id,
    timestamp,
    localTimestamp: timestamp.replace('Z', '+00:00'),
    localTimezone: TIMEZONE,
    serviceUrl: envelope.serviceUrl,
    channelId: 'msteams',
    from: {
      id: user.id,
      ...(options.withName === false ? {} : { name: user.name }),
      aadObjectId: user.aadObjectId,
    },
    conversation:
      envelope.conversation.kind === 'personal'
        ? { conversationType: 'personal', tenantId: TEAMS_SEED.tenantId, id: envelope.conversation.id }
        : { isGroup: true, conversationType: 'channel', tenantId: TEAMS_SEED.tenantId, id: envelope.conversation.id },
    recipient: { id: botId, name: botName },
    entities: [{ locale: LOCALE, country: 'US', platform: 'Web', timezone: TIMEZONE, type: 'clientInfo' }],
    locale: LOCALE,
  };
}

/** The tenant always; in a channel, the team and the channel too (the thread suffix is not part of the channel id). */
function channelData(conversation: ConversationRef): Json {
  const tenant = { id: TEAMS_SEED.tenantId };
  if (conversation.kind === 'personal') return { tenant };
  const channelId = conversation.id.split(';')[0];
  const { team } = TEAMS_SEED;
  return {
    teamsChannelId: channelId,
    teamsTeamId: team.id,
    channel: { id: channelId },
    team: { id: team.id, name: team.name, aadGroupId: team.aadGroupId },
    tenant,
  };
}
