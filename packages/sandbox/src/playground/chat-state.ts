import { dmChannelId, SLACK_SEED, type SlackWorkspace } from '../slack/index.js';
import { TEAMS_SEED, type TeamsTenant } from '../teams/index.js';

/** What the Slack and Teams stand-ins hold for one person, as the playground page draws it. */

/**
 * The conversations of the Slack pane, each with its own messages: Slack shows one at a time, and an
 * ephemeral message where it was posted. App Home is the view last published for the person.
 */
export function slackState(slack: SlackWorkspace, userId: string) {
  const modal = slack.openModalOf(userId);
  const home = slack.homeOf(userId);
  const approvals = SLACK_SEED.channels.approvals;
  const member = slack.channel(approvals.id)?.members.has(userId) ?? false;
  return {
    conversations: [
      {
        id: dmChannelId(userId),
        name: 'Gatehouse',
        kind: 'im',
        member: true,
        messages: withInputs(slack, userId, slack.dmWith(userId).slice(-60)),
      },
      {
        id: approvals.id,
        name: `#${approvals.name}`,
        kind: 'channel',
        member,
        messages: member ? withInputs(slack, userId, slack.messagesIn(approvals.id).slice(-40)) : [],
      },
    ],
    ephemerals: withInputs(slack, userId, slack.ephemeralsFor(userId).slice(-30)),
    home: home ? { id: home.id, blocks: home.blocks } : null,
    modal: modal ? { id: modal.id, view: modal.view, blocks: modal.blocks } : null,
  };
}

/** Each message with what this person ticked or picked in it so far, which a redraw must keep showing. */
function withInputs<M extends { channel: string; ts: string; blocks?: unknown[] }>(
  slack: SlackWorkspace,
  userId: string,
  messages: M[],
) {
  return messages.map((message) => {
    const inputs = slack.messageInputState(userId, message.channel, message.ts, message.blocks ?? []);
    return Object.keys(inputs).length > 0 ? { ...message, inputs } : message;
  });
}

/** The person's 1:1 chat with the bot and the approvals channel, each card as this person sees it. */
export function teamsState(teams: TeamsTenant, userId: string) {
  const chat = safe(() => teams.personalConversationOf(userId)) ?? '';
  const approvals = TEAMS_SEED.channels.approvals;
  const channel = teams.conversationOf(approvals.id);
  const member = !!channel && teams.membersOf(channel).some((person) => person.id === userId);
  return {
    chat,
    messages: shown(teams, userId, chat).slice(-40),
    channel: {
      id: approvals.id,
      name: approvals.name,
      member,
      messages: member ? shown(teams, userId, approvals.id).slice(-40) : [],
    },
  };
}

function shown(teams: TeamsTenant, userId: string, conversationId: string) {
  if (!conversationId) return [];
  return teams
    .transcript(conversationId)
    .filter((activity) => activity.type === 'message' && !activity.deleted)
    .map((activity) => ({
      id: activity.id,
      from: activity.from,
      text: activity.text,
      replyToId: activity.replyToId,
      timestamp: activity.timestamp,
      /** How many times the bot updated it: Teams refreshes a card for its viewer again after each. */
      version: activity.updates,
      // What this person sees of a card: their own view when the bot gave them one.
      card: activity.attachments?.length
        ? (teams.viewOf(userId, conversationId, activity.id) ?? activity.attachments[0]?.content)
        : undefined,
    }));
}

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
