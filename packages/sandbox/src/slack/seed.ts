import { SEED as OKTA_SEED } from '../okta/seed.js';
import type { ChannelRecord, SlackUserRecord } from './records.js';

/**
 * The Acme Slack workspace: the same people as the emulated Okta org (their Slack profile emails
 * are their Okta `profile.email`, taken from the Okta seed so the two cannot drift), plus two
 * people identity mapping must refuse: a guest whose profile has no email and a member Okta does
 * not know. Ids are fixed so docs and tests can name them (`SLACK_SEED.users.alice.id`).
 */

const person = <const Id extends string>(
  id: Id,
  handle: string,
  name: string,
  email: string | null,
  title: string,
) => ({
  id,
  email,
  name,
  handle,
  title,
});

const O = OKTA_SEED.users;

export const SLACK_SEED = {
  teamId: 'T0GATEHOUSE',
  teamName: 'Acme Sandbox',
  domain: 'acme-sandbox',
  appId: 'A0GATEHOUSE',
  /** The only token the workspace accepts; it matches the sandbox configuration's SLACK_BOT_TOKEN. */
  botToken: 'xoxb-gatehouse-sandbox',
  /** The app's signing secret in sandbox mode, as SANDBOX_SECRETS.slackSigningSecret (published). */
  signingSecret: 'sandbox',
  /** The deprecated verification token Slack still puts in every payload's `token` field. */
  verificationToken: 'gatehouse-sandbox-verification-token',
  bot: { userId: 'U0GATEBOT', botId: 'B0GATEBOT', handle: 'gatehouse', name: 'Gatehouse' },
  channels: {
    /** The bot is a member: approvals are posted here. */
    approvals: { id: 'C0APPROVALS', name: 'access-approvals' },
    /** The bot is not a member: posting here answers `not_in_channel`. */
    general: { id: 'C0GENERAL', name: 'general' },
    /** The bot is a member: where approval routing rules send engineering requests. */
    engineeringAccess: { id: 'C0ENGACCESS', name: 'eng-access' },
  },
  users: {
    alice: person('U0ALICE', 'alice', 'Alice Nguyen', O.alice.email, 'Account Executive'),
    bob: person('U0BOB', 'bob', 'Bob Martinez', O.bob.email, 'Sales Manager'),
    carol: person('U0CAROL', 'carol', 'Carol Okafor', O.carol.email, 'Software Engineer'),
    dana: person('U0DANA', 'dana', 'Dana Kowalski', O.dana.email, 'IT Security Administrator'),
    erin: person('U0ERIN', 'erin', 'Erin Walsh', O.erin.email, 'Financial Analyst'),
    frank: person('U0FRANK', 'frank', 'Frank Schmidt', O.frank.email, 'Engineering Manager'),
    grace: person('U0GRACE', 'grace', 'Grace Lee', O.grace.email, 'Business Applications Owner'),
    henry: person('U0HENRY', 'henry', 'Henry Adams', O.henry.email, 'Chief Operating Officer'),
    ivan: person('U0IVAN', 'ivan', 'Ivan Petrov', O.ivan.email, 'Software Engineer'),
    /** Shares ambiguous@ with jordanLi, as in Okta (real Slack keeps emails unique per workspace). */
    jordanLee: person('U0JORDANLEE', 'jordan.lee', 'Jordan Lee', O.jordanLee.email, 'Site Reliability Engineer'),
    jordanLi: person('U0JORDANLI', 'jordan.li', 'Jordan Li', O.jordanLi.email, 'Contractor'),
    /** A single-channel guest whose profile shows no email: identity mapping must refuse, not guess. */
    noEmail: person('U0NOEMAIL', 'sam.guest', 'Sam Rivera', null, 'Guest'),
    /** A member whose email Okta does not know. */
    stranger: person('U0STRANGER', 'zoe', 'Zoe Park', 'zoe@acme.example', 'Office Manager'),
  },
} as const;

export type SeededPerson = (typeof SLACK_SEED.users)[keyof typeof SLACK_SEED.users];

/** People in #access-approvals besides the bot: everyone Okta knows, not the guest nor the stranger. */
const APPROVALS_MEMBERS: readonly string[] = Object.values(SLACK_SEED.users)
  .filter((user) => user.id !== SLACK_SEED.users.noEmail.id && user.id !== SLACK_SEED.users.stranger.id)
  .map((user) => user.id);

/** The direct-message channel between the bot and a user: `D` and the user id without its `U`. */
export function dmChannelId(userId: string): string {
  return `D${userId.slice(1)}`;
}

/** The bot user and every person, as the workspace holds them. */
export function seededUsers(): SlackUserRecord[] {
  const { bot } = SLACK_SEED;
  const botUser: SlackUserRecord = {
    id: bot.userId,
    handle: bot.handle,
    realName: bot.name,
    title: '',
    isBot: true,
    isRestricted: false,
    botId: bot.botId,
  };
  return [
    botUser,
    ...Object.values(SLACK_SEED.users).map(
      (person): SlackUserRecord => ({
        id: person.id,
        handle: person.handle,
        realName: person.name,
        ...(person.email ? { email: person.email } : {}),
        title: person.title,
        isBot: false,
        isRestricted: person.id === SLACK_SEED.users.noEmail.id,
      }),
    ),
  ];
}

/** #access-approvals, #general (everyone but the bot), #eng-access and the bot's DM with each person. */
export function seededChannels(): ChannelRecord[] {
  const { bot, channels } = SLACK_SEED;
  const people = Object.values(SLACK_SEED.users).map((person) => person.id);
  return [
    { ...channels.approvals, kind: 'channel', members: new Set([bot.userId, ...APPROVALS_MEMBERS]) },
    { ...channels.general, kind: 'channel', members: new Set(people) },
    { ...channels.engineeringAccess, kind: 'channel', members: new Set([bot.userId, ...people]) },
    ...people.map(
      (user): ChannelRecord => ({
        id: dmChannelId(user),
        name: dmChannelId(user),
        kind: 'im',
        members: new Set([user, bot.userId]),
        user,
      }),
    ),
  ];
}
