import { randomBytes } from 'node:crypto';
import type { Json } from './records.js';
import { dmChannelId, SLACK_SEED } from './seed.js';

/**
 * What Slack sends to the app's Request URL, byte for byte in shape: slash commands as a form, the
 * interactivity payloads (block_actions, view_submission, view_closed, block_suggestion) as a form
 * with one `payload` field holding JSON, Events API callbacks as JSON. Field lists follow Slack's
 * payload references and @slack/bolt's types (SlashCommand, BlockAction, ViewSubmitAction,
 * BlockSuggestion). Each builder returns the body text, ready to be signed.
 */

export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const JSON_CONTENT_TYPE = 'application/json';

/** A person as payloads name them: their id and handle. */
export interface PayloadUser {
  id: string;
  name: string;
}

export interface PayloadChannel {
  id: string;
  name: string;
}

/**
 * Where a payload says it comes from. Slack names the workspace in every payload (`team_id`,
 * `team.id`), the Enterprise Grid org where there is one (`enterprise_id`, `enterprise.id`,
 * `team.enterprise_id`), and in interactions the acting person's own workspace (`user.team_id`),
 * which differs from `team.id` for a Slack Connect partner in a shared channel.
 */
export interface PayloadOrigin {
  teamId: string;
  domain: string;
  enterprise?: { id: string; name: string } | null;
  /** `user.team_id` in interaction payloads (default: `teamId`). */
  userTeamId?: string;
  /** An org-wide install on Enterprise Grid (`is_enterprise_install`). */
  enterpriseInstall?: boolean;
}

/** The seeded workspace, not on Enterprise Grid. */
export const SEED_ORIGIN: PayloadOrigin = { teamId: SLACK_SEED.teamId, domain: SLACK_SEED.domain, enterprise: null };

const teamObject = (origin: PayloadOrigin) => ({
  id: origin.teamId,
  domain: origin.domain,
  ...(origin.enterprise ? { enterprise_id: origin.enterprise.id, enterprise_name: origin.enterprise.name } : {}),
});
const userObject = (user: PayloadUser, origin: PayloadOrigin) => ({
  id: user.id,
  username: user.name,
  name: user.name,
  team_id: origin.userTeamId ?? origin.teamId,
});
const form = (payload: Json) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
const where = (origin: PayloadOrigin) => ({
  team: teamObject(origin),
  enterprise: origin.enterprise ? { id: origin.enterprise.id, name: origin.enterprise.name } : null,
  is_enterprise_install: origin.enterpriseInstall ?? false,
});
const common = (origin: PayloadOrigin) => ({
  api_app_id: SLACK_SEED.appId,
  token: SLACK_SEED.verificationToken,
  ...where(origin),
});

/** Slack names a DM `directmessage` in slash commands. */
export const dmOf = (user: PayloadUser): PayloadChannel => ({ id: dmChannelId(user.id), name: 'directmessage' });

/**
 * What Slack does to text a person typed before an app gets it (a slash command's `text`, a
 * message's `text`): `&`, `<` and `>` become `&amp;`, `&lt;` and `&gt;`, nothing else changes.
 */
export function slackEscaped(typed: string): string {
  return typed.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'));
}

/**
 * `/access <text>` typed by `user` (by default in their DM with the app). `text` is what the person
 * typed, escaped here as Slack does; `sentText` is the text exactly as Slack would send it, for the
 * control sequences Slack's client makes of mentions and links (`<@U…>`, `<https://…|label>`).
 */
export function slashCommand(input: {
  user: PayloadUser;
  command?: string;
  text?: string;
  sentText?: string;
  channel?: PayloadChannel;
  triggerId: string;
  responseUrl: string;
  origin?: PayloadOrigin;
}): string {
  const channel = input.channel ?? dmOf(input.user);
  const origin = input.origin ?? SEED_ORIGIN;
  return new URLSearchParams({
    token: SLACK_SEED.verificationToken,
    team_id: origin.teamId,
    team_domain: origin.domain,
    ...(origin.enterprise ? { enterprise_id: origin.enterprise.id, enterprise_name: origin.enterprise.name } : {}),
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command ?? '/access',
    text: input.sentText ?? slackEscaped(input.text ?? ''),
    api_app_id: SLACK_SEED.appId,
    is_enterprise_install: String(origin.enterpriseInstall ?? false),
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  }).toString();
}

/**
 * A click (or a choice in a menu) on an element the bot rendered: in a message (`message` and
 * `channel`, with a response_url), in an ephemeral message (`ephemeralTs` and `channel`; Slack sends
 * no message body for those) or in a view (`view`, no response_url).
 */
export function blockActions(input: {
  user: PayloadUser;
  actionId: string;
  blockId: string;
  /** The element as rendered, for its type, text and style (a button when absent). */
  element?: Json;
  value?: string;
  selectedOption?: Json;
  /** Checkboxes and multi-selects: every option ticked now, not only the one just changed. */
  selectedOptions?: Json[];
  /** A users_select: the person picked (`selected_user`). */
  selectedUser?: string;
  /** A multi_users_select: everyone picked now (`selected_users`). */
  selectedUsers?: string[];
  triggerId: string;
  responseUrl?: string;
  channel?: PayloadChannel;
  message?: Json;
  ephemeralTs?: string;
  view?: Json;
  container?: Json;
  state?: Json;
  actionTs?: string;
  origin?: PayloadOrigin;
}): string {
  const origin = input.origin ?? SEED_ORIGIN;
  const element = input.element ?? { type: 'button' };
  const type = typeof element.type === 'string' ? element.type : 'button';
  const action: Json = {
    action_id: input.actionId,
    block_id: input.blockId,
    ...(type === 'button' ? { text: element.text, ...(element.style ? { style: element.style } : {}) } : {}),
    ...(input.value !== undefined ? { value: input.value } : {}),
    ...(input.selectedOption !== undefined ? { selected_option: input.selectedOption } : {}),
    ...(input.selectedOptions !== undefined ? { selected_options: input.selectedOptions } : {}),
    ...(input.selectedUser !== undefined ? { selected_user: input.selectedUser } : {}),
    ...(input.selectedUsers !== undefined ? { selected_users: input.selectedUsers } : {}),
    type,
    action_ts: input.actionTs ?? String(Date.now() / 1000),
  };
  const container: Json = input.container ?? containerOf(input);
  return form({
    type: 'block_actions',
    user: userObject(input.user, origin),
    api_app_id: SLACK_SEED.appId,
    token: SLACK_SEED.verificationToken,
    container,
    trigger_id: input.triggerId,
    ...where(origin),
    ...(input.channel ? { channel: input.channel } : {}),
    ...(input.message ? { message: input.message } : {}),
    ...(input.view ? { view: input.view } : { state: input.state ?? { values: {} } }),
    ...(input.responseUrl ? { response_url: input.responseUrl } : {}),
    actions: [action],
  });
}

function containerOf(input: { view?: Json; message?: Json; ephemeralTs?: string; channel?: PayloadChannel }): Json {
  if (input.view) return { type: 'view', view_id: input.view.id };
  return {
    type: 'message',
    message_ts: input.ephemeralTs ?? input.message?.ts,
    channel_id: input.channel?.id,
    is_ephemeral: input.ephemeralTs !== undefined,
  };
}

/** Submit pressed on a modal: `view.state.values` is block_id → action_id → the input's value. */
export function viewSubmission(input: {
  user: PayloadUser;
  view: Json;
  values: Json;
  triggerId: string;
  origin?: PayloadOrigin;
}): string {
  const origin = input.origin ?? SEED_ORIGIN;
  return form({
    type: 'view_submission',
    ...common(origin),
    user: userObject(input.user, origin),
    trigger_id: input.triggerId,
    view: { ...input.view, state: { values: input.values } },
    response_urls: [],
  });
}

/** A modal closed with its close button (sent only when the view asked with notify_on_close). */
export function viewClosed(input: {
  user: PayloadUser;
  view: Json;
  isCleared?: boolean;
  origin?: PayloadOrigin;
}): string {
  const origin = input.origin ?? SEED_ORIGIN;
  return form({
    type: 'view_closed',
    ...common(origin),
    user: userObject(input.user, origin),
    view: input.view,
    is_cleared: input.isCleared ?? false,
  });
}

/** Text typed into an external select: Slack asks for options, to be answered in the HTTP response. */
export function blockSuggestion(input: {
  user: PayloadUser;
  actionId: string;
  blockId: string;
  value: string;
  view?: Json;
  container?: Json;
  origin?: PayloadOrigin;
}): string {
  const origin = input.origin ?? SEED_ORIGIN;
  return form({
    type: 'block_suggestion',
    user: userObject(input.user, origin),
    container: input.container ?? (input.view ? { type: 'view', view_id: input.view.id } : {}),
    api_app_id: SLACK_SEED.appId,
    token: SLACK_SEED.verificationToken,
    action_id: input.actionId,
    block_id: input.blockId,
    value: input.value,
    ...where(origin),
    ...(input.view ? { view: input.view } : {}),
  });
}

/** The Events API callback for a person opening the app's Home tab (with the view published there, if any). */
export function appHomeOpened(input: {
  user: string;
  tab?: 'home' | 'messages';
  view?: Json;
  eventId?: string;
  eventTime?: number;
  origin?: PayloadOrigin;
}): string {
  const eventTime = input.eventTime ?? Math.floor(Date.now() / 1000);
  const origin = input.origin ?? SEED_ORIGIN;
  const enterpriseId = origin.enterprise?.id ?? null;
  return JSON.stringify({
    token: SLACK_SEED.verificationToken,
    team_id: origin.teamId,
    ...(enterpriseId ? { enterprise_id: enterpriseId } : {}),
    api_app_id: SLACK_SEED.appId,
    event: {
      type: 'app_home_opened',
      user: input.user,
      channel: dmChannelId(input.user),
      tab: input.tab ?? 'home',
      event_ts: `${eventTime}.000100`,
      ...(input.view ? { view: input.view } : {}),
    },
    type: 'event_callback',
    event_id: input.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: eventTime,
    authorizations: [
      {
        enterprise_id: enterpriseId,
        team_id: origin.enterpriseInstall ? null : origin.teamId,
        user_id: SLACK_SEED.bot.userId,
        is_bot: true,
        is_enterprise_install: origin.enterpriseInstall ?? false,
      },
    ],
    is_ext_shared_channel: false,
  });
}

/** The one-time check Slack makes when the Request URL is set: answer 200 with the challenge. */
export function urlVerification(challenge: string): string {
  return JSON.stringify({ token: SLACK_SEED.verificationToken, challenge, type: 'url_verification' });
}
