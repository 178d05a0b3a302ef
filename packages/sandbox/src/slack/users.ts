import { type Args, integerArg, requiredString, stringArg } from './args.js';
import { SlackApiError } from './errors.js';
import type { Json, SlackUserRecord } from './records.js';
import { SLACK_SEED } from './seed.js';
import type { SlackWorkspace } from './workspace.js';

/** auth.test and users.info, .list, .lookupByEmail. */

/**
 * auth.test for the bot token: the bot and the workspace it was installed in, and, for a workspace
 * of an Enterprise Grid org, the org's `enterprise_id` (docs.slack.dev/reference/methods/auth.test).
 */
export function authTest(workspace: SlackWorkspace): Json {
  return {
    url: `https://${workspace.team.domain}.slack.com/`,
    team: workspace.team.name,
    user: SLACK_SEED.bot.handle,
    team_id: workspace.team.id,
    user_id: SLACK_SEED.bot.userId,
    bot_id: SLACK_SEED.bot.botId,
    ...(workspace.enterprise ? { enterprise_id: workspace.enterprise.id } : {}),
    is_enterprise_install: false,
  };
}

/**
 * users.info. `profile.email` is present only for people whose profile has one; real Slack also
 * needs the users:read.email scope for it, which Gatehouse's manifest asks for, so it is assumed.
 */
export function info(workspace: SlackWorkspace, args: Args): Json {
  const user = workspace.user(requiredString(args, 'user', () => new SlackApiError('user_not_found')));
  if (!user) throw new SlackApiError('user_not_found');
  return { user: userJson(workspace, user) };
}

/** users.list with Slack's cursor paging (`limit`; no limit returns everyone): the workspace's members. */
export function list(workspace: SlackWorkspace, args: Args): Json {
  const users = workspace.users.filter((user) => workspace.isMember(user));
  let start = 0;
  const cursor = stringArg(args, 'cursor');
  if (cursor !== undefined) {
    const match = /^user:(\w+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    start = match ? users.findIndex((user) => user.id === match[1]) : -1;
    if (start < 0) throw new SlackApiError('invalid_cursor');
  }
  const limit = integerArg(args, 'limit') || users.length;
  const page = users.slice(start, start + limit);
  const next = users[start + limit];
  return {
    members: page.map((user) => userJson(workspace, user)),
    cache_ts: Math.floor(workspace.now() / 1000),
    response_metadata: { next_cursor: next ? Buffer.from(`user:${next.id}`).toString('base64') : '' },
  };
}

/**
 * users.lookupByEmail: "an email address belonging to a user in the workspace", so people of other
 * workspaces and organisations are never found. Real Slack keeps emails unique in a workspace; the
 * seed gives two people the same one (as Okta allows), and the first of them is answered, which is
 * all Slack could ever do.
 */
export function lookupByEmail(workspace: SlackWorkspace, args: Args): Json {
  const [user] = workspace.usersByEmail(requiredString(args, 'email')).filter((found) => workspace.isMember(found));
  if (!user) throw new SlackApiError('users_not_found');
  return { user: userJson(workspace, user) };
}

/**
 * A user object (api.slack.com/types/user): `team_id` is the person's own
 * workspace (another one for a Slack Connect partner), Enterprise Grid people carry an
 * `enterprise_user` naming their org and workspaces, and a stranger (someone from elsewhere who
 * shares no channel with the bot) is marked `is_stranger`, with no email in their profile.
 */
export function userJson(workspace: SlackWorkspace, user: SlackUserRecord): Json {
  const [firstName = '', ...rest] = user.realName.split(' ');
  const teamId = workspace.teamOf(user);
  const enterprise = workspace.enterpriseOf(user);
  const email = user.stranger ? undefined : user.email;
  const profile: Json = {
    title: user.title,
    phone: '',
    skype: '',
    real_name: user.realName,
    real_name_normalized: user.realName,
    display_name: user.isBot ? '' : user.handle,
    display_name_normalized: user.isBot ? '' : user.handle,
    fields: null,
    status_text: '',
    status_emoji: '',
    status_expiration: 0,
    avatar_hash: 'g0000000000',
    ...(email ? { email } : {}),
    first_name: firstName,
    last_name: rest.join(' '),
    image_24: 'https://a.slack-edge.com/80588/img/avatars/ava_0000-24.png',
    image_48: 'https://a.slack-edge.com/80588/img/avatars/ava_0000-48.png',
    image_72: 'https://a.slack-edge.com/80588/img/avatars/ava_0000-72.png',
    team: teamId,
    ...(user.isBot ? { bot_id: user.botId, api_app_id: SLACK_SEED.appId, always_active: true } : {}),
  };
  return {
    id: user.id,
    team_id: teamId,
    name: user.handle,
    deleted: false,
    color: '9f69e7',
    real_name: user.realName,
    tz: 'Europe/London',
    tz_label: 'Greenwich Mean Time',
    tz_offset: 0,
    profile,
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: user.isRestricted,
    is_ultra_restricted: user.isRestricted,
    is_bot: user.isBot,
    is_app_user: false,
    ...(user.stranger ? { is_stranger: true } : {}),
    ...(enterprise
      ? {
          enterprise_user: {
            id: user.id,
            enterprise_id: enterprise.id,
            enterprise_name: enterprise.name,
            is_admin: false,
            is_owner: false,
            is_primary_owner: false,
            teams: user.teams ?? [teamId],
          },
        }
      : {}),
    updated: 1_700_000_000,
    is_email_confirmed: email !== undefined,
    who_can_share_contact_card: 'EVERYONE',
  };
}
