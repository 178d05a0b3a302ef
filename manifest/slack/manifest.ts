/**
 * The Slack app manifest for Gatehouse, as data. This file is the source of truth:
 * manifest/slack/manifest.yaml is generated from it (`npx tsx scripts/slack-manifest.ts --template --out
 * manifest/slack/manifest.yaml`) and a test fails when the two drift apart.
 *
 * Schema: https://docs.slack.dev/reference/app-manifest (manifest v1) and the JSON schema in
 * github.com/slackapi/manifest-schema (schemas/manifest.schema.1.0.0.json).
 */

/** Stands for the address Slack reaches Gatehouse at; the generator replaces it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder, not a template.
export const PUBLIC_URL_PLACEHOLDER = '${PUBLIC_URL}';

/** The one route Bolt serves: slash commands, interactivity, options loads and events (DESIGN.md). */
export const SLACK_EVENTS_PATH = '/slack/events';

const REQUEST_URL = `${PUBLIC_URL_PLACEHOLDER}${SLACK_EVENTS_PATH}`;

/** Limits from Slack's manifest schema v1 (display_information, slash_commands). */
export const SLACK_MANIFEST_LIMITS = {
  nameMax: 35,
  descriptionMax: 140,
  longDescriptionMin: 175,
  longDescriptionMax: 4000,
  botDisplayNameMax: 80,
  commandMax: 32,
  commandDescriptionMax: 2000,
  usageHintMax: 1000,
  requestUrlMax: 3500,
  slashCommandUrlMax: 3000,
} as const;

/**
 * Every bot scope Gatehouse asks for, and the Web API methods (or the feature) that need it. Nothing
 * else: a test reads the methods the code calls and fails on a scope nothing uses. Direct messages
 * need no `im:write`: chat.postMessage to a user id posts in the app's DM with that person.
 */
export const SLACK_BOT_SCOPES = [
  { scope: 'commands', reason: 'receive the /access slash command', methods: [] },
  {
    scope: 'chat:write',
    reason: 'chat.postMessage and chat.update: send approval requests and status news, then edit them',
    methods: ['chat.postMessage', 'chat.update'],
  },
  {
    scope: 'chat:write.public',
    reason: 'chat.postMessage to a public approvals channel the bot was not invited to',
    methods: [],
  },
  {
    scope: 'users:read',
    reason: 'users.info: who clicked or typed (name, deleted, bot); needed by users:read.email',
    methods: ['users.info'],
  },
  {
    scope: 'users:read.email',
    reason: 'users.info email and users.lookupByEmail: map Slack users to Okta/PingOne people and back',
    methods: ['users.lookupByEmail'],
  },
] as const;

export type SlackBotScope = (typeof SLACK_BOT_SCOPES)[number]['scope'];

/** Events Gatehouse subscribes to: only the Home tab opening. */
export type SlackBotEvent = 'app_home_opened';

export interface SlackSlashCommand {
  command: string;
  description: string;
  url?: string;
  usage_hint?: string;
  should_escape?: boolean;
}

/** The subset of Slack's manifest v1 that Gatehouse uses. A type alias, so it fits Record<string, unknown>. */
export type SlackManifest = {
  _metadata: { major_version: 1; minor_version?: number };
  display_information: {
    name: string;
    description?: string;
    long_description?: string;
    background_color?: string;
  };
  features: {
    app_home: {
      home_tab_enabled: boolean;
      messages_tab_enabled: boolean;
      messages_tab_read_only_enabled: boolean;
    };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: SlackSlashCommand[];
  };
  oauth_config: { scopes: { bot: SlackBotScope[] } };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: SlackBotEvent[] };
    interactivity: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
};

/** The manifest with PUBLIC_URL_PLACEHOLDER in every URL. Treat as read-only: render a copy. */
export const slackManifestTemplate: SlackManifest = {
  _metadata: { major_version: 1 },
  display_information: {
    name: 'Gatehouse',
    description: 'Request and approve access without leaving Slack',
    long_description:
      'Gatehouse lets people ask for access to apps, groups and entitlements with /access, and lets approvers ' +
      'approve or reject with one click in the message they receive. Decisions are made in your identity ' +
      'governance system (Okta Identity Governance or PingOne Advanced Identity Cloud), never in Slack: Gatehouse ' +
      'checks every click there and keeps every message up to date. Anyone can ask where a request stands with ' +
      '/access status.',
    background_color: '#1F3A5F',
  },
  features: {
    app_home: {
      home_tab_enabled: true,
      messages_tab_enabled: true,
      // Gatehouse does not read direct messages: the Messages tab shows what it sends, people type /access.
      messages_tab_read_only_enabled: true,
    },
    bot_user: { display_name: 'Gatehouse', always_online: true },
    slash_commands: [
      {
        command: '/access',
        url: REQUEST_URL,
        description: 'Request access, follow your requests, and approve what waits for you',
        usage_hint:
          '[request <what> [for <duration>] [because <reason>] | status [id or app] | mine | cancel <id or app> | my access | pending | delegate @person until <date> | help]',
        // Escaped, so a person picked from Slack's @ list arrives as <@U…|name>: the one unambiguous way to
        // name someone in `/access delegate @person` (unescaped, Slack sends only the display name).
        should_escape: true,
      },
    ],
  },
  oauth_config: { scopes: { bot: SLACK_BOT_SCOPES.map((entry) => entry.scope) } },
  settings: {
    event_subscriptions: { request_url: REQUEST_URL, bot_events: ['app_home_opened'] },
    interactivity: { is_enabled: true, request_url: REQUEST_URL, message_menu_options_url: REQUEST_URL },
    org_deploy_enabled: false,
    socket_mode_enabled: false,
    token_rotation_enabled: false,
  },
};
