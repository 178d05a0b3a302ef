/**
 * The Microsoft Teams app manifest for Gatehouse, as data. scripts/teams-manifest.ts fills in the placeholders and
 * zips it with color.png and outline.png into the app package people upload to Teams (manifest/README.md).
 *
 * Schema: the Microsoft 365 app manifest reference, https://learn.microsoft.com/microsoft-365/extensibility/schema/
 * (v1.30, the newest generally available version as of 2026-08; the JSON schema is hosted at TEAMS_MANIFEST_SCHEMA).
 * Only long-standing fields are used (bots, commandLists, permissions, validDomains), so moving to a newer schema
 * should be a change of TEAMS_MANIFEST_VERSION alone.
 */

/** Stands for the Azure Bot's Microsoft App ID (MICROSOFT_APP_ID), a GUID. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder, not a template.
export const APP_ID_PLACEHOLDER = '${MICROSOFT_APP_ID}';
/** Stands for PUBLIC_URL, the https address Gatehouse is reached at (no trailing slash). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder, not a template.
export const PUBLIC_URL_PLACEHOLDER = '${PUBLIC_URL}';
/** Stands for PUBLIC_URL's host name, without scheme or port. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder, not a template.
export const PUBLIC_HOST_PLACEHOLDER = '${PUBLIC_HOST}';

export const TEAMS_MANIFEST_VERSION = '1.30';
export const TEAMS_MANIFEST_SCHEMA = `https://developer.microsoft.com/json-schemas/teams/v${TEAMS_MANIFEST_VERSION}/MicrosoftTeams.schema.json`;

/**
 * Where Azure Bot Service posts Teams activities: the bot's messaging endpoint is PUBLIC_URL + this path. It is set on
 * the Azure Bot resource, not in the manifest; the script prints it as a reminder.
 */
export const TEAMS_MESSAGES_PATH = '/api/messages';

/** The package's files, all at the root of the zip: Teams looks for manifest.json at the top level. */
export const TEAMS_PACKAGE_FILES = ['manifest.json', 'color.png', 'outline.png'] as const;
export type TeamsPackageFile = (typeof TEAMS_PACKAGE_FILES)[number];

/** Icon sizes Teams requires: color 192×192 (symbol in the middle 96×96), outline 32×32 white on transparent. */
export const TEAMS_ICON_SIZES = { 'color.png': 192, 'outline.png': 32 } as const;

/**
 * Limits from the manifest schema. name, description and developer.name are the same in every version. Bot command
 * titles and descriptions were 32 and 128 characters in older schemas and are 128 and 4000 in v1.30; Gatehouse keeps
 * to the older, stricter numbers so the package also validates against an older schema.
 */
export const TEAMS_MANIFEST_LIMITS = {
  nameShortMax: 30,
  nameFullMax: 100,
  descriptionShortMax: 80,
  descriptionFullMax: 4000,
  developerNameMax: 32,
  urlMax: 2048,
  commandListsMax: 3,
  commandsMax: 10,
  commandTitleMax: 32,
  commandDescriptionMax: 128,
  validDomainsMax: 16,
} as const;

export type TeamsBotScope = 'personal' | 'team' | 'groupChat';

export interface TeamsBotCommand {
  title: string;
  description: string;
}

export interface TeamsCommandList {
  scopes: TeamsBotScope[];
  commands: TeamsBotCommand[];
}

export interface TeamsBot {
  botId: string;
  scopes: TeamsBotScope[];
  supportsFiles: boolean;
  isNotificationOnly: boolean;
  commandLists: TeamsCommandList[];
}

/** The subset of the Teams app manifest that Gatehouse uses. */
export type TeamsManifest = {
  $schema: string;
  manifestVersion: string;
  version: string;
  id: string;
  developer: { name: string; websiteUrl: string; privacyUrl: string; termsOfUseUrl: string };
  name: { short: string; full: string };
  description: { short: string; full: string };
  icons: { color: 'color.png'; outline: 'outline.png' };
  accentColor: string;
  bots: TeamsBot[];
  permissions: ('identity' | 'messageTeamMembers')[];
  validDomains: string[];
};

/**
 * The commands people can type to Gatehouse in a 1:1 chat, shown in Teams' command menu. They are the chat grammar of
 * src/flows/grammar.ts (a test keeps the two in step); the title is what Teams inserts into the compose box.
 */
export const TEAMS_BOT_COMMANDS: readonly TeamsBotCommand[] = [
  { title: 'request', description: 'Ask for access: request <what> [for <duration>] [because <reason>]' },
  { title: 'status', description: 'Where a request stands: status [<request id or app>], or all your open requests' },
  { title: 'mine', description: 'Your recent requests' },
  { title: 'my access', description: 'What you have, and when time-bound access ends' },
  { title: 'pending', description: 'Requests waiting for your decision' },
  {
    title: 'delegate',
    description:
      'Who decides your approvals while you are away: delegate @person until <date>, delegate off, or delegate alone to see',
  },
  { title: 'help', description: 'What Gatehouse can do, with examples' },
];

/** The manifest with placeholders. Treat as read-only: render a copy (manifest/teams/render.ts). */
export const teamsManifestTemplate: TeamsManifest = {
  $schema: TEAMS_MANIFEST_SCHEMA,
  manifestVersion: TEAMS_MANIFEST_VERSION,
  // Teams updates an installed app only when this grows: bump it with every change to this file.
  version: '1.2.0',
  // The app's own id. Teams' manifest reference says to reuse the bot's Microsoft App ID when the app has a bot
  // ("Use the same ID if you add a bot"; bots[].botId "can be the same as the overall app ID"). A fixed GUID here
  // would give every Gatehouse deployment the same Teams app: a staging and a production instance in one tenant would
  // overwrite each other in the org catalog. The bot id is unique per Azure Bot, so each deployment is its own app.
  id: APP_ID_PLACEHOLDER,
  developer: {
    name: 'Gatehouse',
    websiteUrl: PUBLIC_URL_PLACEHOLDER,
    privacyUrl: `${PUBLIC_URL_PLACEHOLDER}/privacy`,
    termsOfUseUrl: `${PUBLIC_URL_PLACEHOLDER}/terms`,
  },
  // short and full must differ (manifest reference, root.name).
  name: { short: 'Gatehouse', full: 'Gatehouse: access requests and approvals' },
  // The full description must not repeat the short one, and must say when an external account is needed.
  description: {
    short: 'Request and approve access without leaving Teams',
    full:
      'Gatehouse lets people ask for access to apps, groups and entitlements by chatting with it, and lets approvers ' +
      'approve or reject with one click on the card they receive. Decisions are made in your identity governance ' +
      'system, never in Teams: Gatehouse needs an Okta Identity Governance or PingOne Advanced Identity Cloud tenant, ' +
      'checks every click there and keeps every card up to date. Type "help" in a chat with Gatehouse to start.',
  },
  icons: { color: 'color.png', outline: 'outline.png' },
  accentColor: '#1F3A5F',
  bots: [
    {
      botId: APP_ID_PLACEHOLDER,
      // personal: Gatehouse sends approvers and requesters direct messages (createConversation to the user).
      //   Teams delivers a bot's proactive 1:1 message only when the app can be installed in the user's personal
      //   scope; without it those DMs fail, and in another product they failed silently (platforms.md). Personal
      //   chat is also where people type the commands below.
      // team: Gatehouse posts approval cards in the approvals channel (APPROVALS_CHANNELS=teams:19:…@thread.tacv2),
      //   so the app is added to that channel's team.
      // groupChat: people can add Gatehouse to a group chat and @mention it there.
      scopes: ['personal', 'team', 'groupChat'],
      supportsFiles: false,
      // People type commands and click card buttons: a conversational bot, not a notification-only one.
      isNotificationOnly: false,
      // The Teams mobile client does not offer a bot without a command list (manifest reference, commandLists).
      commandLists: [{ scopes: ['personal'], commands: [...TEAMS_BOT_COMMANDS] }],
    },
  ],
  // Marked deprecated in the Teams manifest reference (v1.23) yet still in its schema: they tell people the bot knows
  // who they are and sends them direct messages, which Gatehouse does.
  permissions: ['identity', 'messageTeamMembers'],
  // Domains the app may open inside Teams. A bot alone opens none, but listing Gatehouse's own host is harmless and
  // lets a later tab or dialog load from it.
  validDomains: [PUBLIC_HOST_PLACEHOLDER],
  // No webApplicationInfo: it names an Entra app for Teams single sign-on (tabs, token exchange) or resource-specific
  // consent to Graph. Gatehouse signs nobody in: it learns who is typing or clicking from the Bot Framework activity
  // (aadObjectId, TeamsInfo.getMember) and authenticates to Bot Framework with MICROSOFT_APP_ID/PASSWORD.
};
