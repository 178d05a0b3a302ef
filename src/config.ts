import { z } from 'zod';
import { type ApprovalRoute, parseRoutes } from './notifier/routing.js';

/**
 * All configuration comes from the environment, parsed once here into one frozen object. Nothing
 * else in src/ reads process.env. With no platform or governance variable set, Gatehouse runs in
 * sandbox mode against its embedded emulations; as soon as any real setting is present, every
 * related setting must be complete, and start-up stops with one message naming every problem.
 */

/** How often sandbox mode polls its emulated governance system when POLL_INTERVAL_MS is unset. */
export const SANDBOX_POLL_INTERVAL_MS = 3_000;
/** The emulated Slack workspace's approvals channel (#access-approvals). */
export const SANDBOX_APPROVALS_CHANNEL = 'C0APPROVALS';
/** The emulated Microsoft 365 tenant (src/sandbox/teams seeds the same id). */
export const SANDBOX_TEAMS_TENANT = '00000000-0000-4000-8000-00000000ac3e';
/** The emulated Teams tenant's approvals channel. */
export const SANDBOX_TEAMS_APPROVALS_CHANNEL = '19:approvals@thread.tacv2';

/**
 * Published on purpose: the sandbox only ever listens on loopback. Production refuses every one of
 * these values (see secretProblems), so a copied sandbox setting cannot reach a real deployment.
 */
export const SANDBOX_SECRETS = Object.freeze({
  slackSigningSecret: 'sandbox',
  slackBotToken: 'xoxb-gatehouse-sandbox',
  oktaApiToken: 'gatehouse-sandbox-okta-token',
  oktaEventHookSecret: 'gatehouse-sandbox-hook-secret',
  pingoneAccessToken: 'gatehouse-sandbox-pingone-token',
  /** The emulated PingOne tenant's governance administrator, whose token Gatehouse uses. */
  pingoneServiceAccountId: '00ugatehousesvc00000',
  microsoftAppId: '00000000-0000-0000-0000-000000000000',
});

export type OktaAuth =
  | { kind: 'ssws'; token: string }
  | { kind: 'private_key_jwt'; clientId: string; privateKey: string; keyId?: string; scopes: string[] };

export type PingOneAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; tokenUrl: string; scopes: string[] };

export type GovernanceConfig =
  | { provider: 'okta'; orgUrl: string; auth: OktaAuth }
  /** `realm` names the managed-user object (`<realm>_user`) and the token endpoint's realm. */
  | { provider: 'pingone'; tenantUrl: string; realm: string; auth: PingOneAuth; serviceAccountId?: string };

export interface SlackConfig {
  signingSecret: string;
  botToken: string;
  appToken?: string;
  apiUrl: string;
  /** The one workspace served (SLACK_TEAM_ID); learned from auth.test at start when not configured. */
  teamId?: string;
  /** The Enterprise Grid org served (SLACK_ENTERPRISE_ID); learned from auth.test when not configured. */
  enterpriseId?: string;
}

export interface TeamsConfig {
  /** Empty only in sandbox mode, where botbuilder then runs without authentication (loopback only). */
  appId: string;
  appPassword?: string;
  tenantId?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  /** Where proactive messages go before any activity has told us (sandbox: the connector stand-in). */
  serviceUrl?: string;
}

export interface Config {
  mode: 'sandbox' | 'production';
  server: {
    port: number;
    host: string;
    publicUrl: string;
    logLevel: LogLevel;
    /**
     * Bearer token for /metrics and the detailed /readyz (METRICS_TOKEN). Without it, production
     * serves neither detail; sandbox mode (loopback only) serves both openly.
     */
    metricsToken?: string;
  };
  governance: GovernanceConfig;
  slack?: SlackConfig;
  teams?: TeamsConfig;
  redisUrl?: string;
  /** Namespaces every key and queue in Redis, so deployments can share one server. */
  redisKeyPrefix: string;
  /** How long a person's catalog search answer is reused by type-ahead (CATALOG_CACHE_SECONDS); 0 for never. */
  catalogCacheMs: number;
  notifier: {
    approvalsChannels: Record<string, string>;
    pollIntervalMs: number;
    reminderAfterMs?: number;
    oktaEventHookSecret?: string;
    /** Rules choosing an approvals channel per catalog entry or resource (APPROVALS_ROUTES). */
    routes: ApprovalRoute[];
    /** How long before time-bound access ends its holder is warned, largest first (ACCESS_EXPIRY_WARNINGS). */
    expiryWarningsMs: number[];
    /** Multiplies the documented chat rate limits, for workspaces granted more (CHAT_RATE_SCALE). */
    rateScale: number;
  };
  sandbox?: { provider: 'okta' | 'pingone' };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Variables whose presence means "this is a real deployment". */
const REAL_SETTINGS = [
  'GOVERNANCE_PROVIDER',
  'OKTA_ORG_URL',
  'OKTA_API_TOKEN',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY',
  'PINGONE_TENANT_URL',
  'PINGONE_ACCESS_TOKEN',
  'PINGONE_CLIENT_ID',
  'PINGONE_CLIENT_SECRET',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'MICROSOFT_APP_ID',
  'MICROSOFT_APP_PASSWORD',
] as const;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const url = (name: string) =>
  z
    .string()
    .trim()
    .refine((value) => /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value), `${name} must be an http(s) URL`)
    .transform((value) => value.replace(/\/+$/, ''));

/** `30m`, `4h`, `2d` or plain milliseconds. */
const duration = (name: string) =>
  z
    .string()
    .trim()
    .transform((value, ctx) => {
      const ms = parseDurationMs(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a duration like 30m, 4h or 2d (got "${value}")` });
        return z.NEVER;
      }
      return ms;
    });

const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: optionalText,
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  PUBLIC_URL: url('PUBLIC_URL').optional(),
  GOVERNANCE_PROVIDER: z.enum(['okta', 'pingone']).optional(),
  OKTA_ORG_URL: url('OKTA_ORG_URL').optional(),
  OKTA_API_TOKEN: optionalText,
  OKTA_CLIENT_ID: optionalText,
  OKTA_PRIVATE_KEY: optionalText,
  OKTA_PRIVATE_KEY_ID: optionalText,
  OKTA_SCOPES: optionalText,
  PINGONE_TENANT_URL: url('PINGONE_TENANT_URL').optional(),
  PINGONE_ACCESS_TOKEN: optionalText,
  PINGONE_CLIENT_ID: optionalText,
  PINGONE_CLIENT_SECRET: optionalText,
  PINGONE_TOKEN_URL: url('PINGONE_TOKEN_URL').optional(),
  PINGONE_SCOPES: optionalText,
  PINGONE_SERVICE_ACCOUNT_ID: optionalText,
  PINGONE_REALM: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9]{0,30}$/, 'PINGONE_REALM is a realm name like alpha or bravo')
    .default('alpha'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_BOT_TOKEN: optionalText,
  SLACK_APP_TOKEN: optionalText,
  SLACK_API_URL: url('SLACK_API_URL').optional(),
  SLACK_TEAM_ID: z
    .string()
    .trim()
    .regex(/^T[A-Z0-9]{2,}$/, 'SLACK_TEAM_ID is a workspace id like T0123ABCD')
    .optional(),
  SLACK_ENTERPRISE_ID: z
    .string()
    .trim()
    .regex(/^E[A-Z0-9]{2,}$/, 'SLACK_ENTERPRISE_ID is an Enterprise Grid org id like E0123ABCD')
    .optional(),
  METRICS_TOKEN: optionalText,
  MICROSOFT_APP_ID: optionalText,
  MICROSOFT_APP_PASSWORD: optionalText,
  MICROSOFT_APP_TENANT_ID: optionalText,
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).optional(),
  REDIS_URL: z
    .string()
    .trim()
    .refine((value) => /^rediss?:\/\//.test(value), 'REDIS_URL must start with redis:// or rediss://')
    .optional(),
  APPROVALS_CHANNELS: optionalText,
  APPROVALS_ROUTES: optionalText,
  ACCESS_EXPIRY_WARNINGS: optionalText,
  CHAT_RATE_SCALE: z.coerce.number().positive('CHAT_RATE_SCALE must be a positive number').max(1000).default(1),
  REDIS_KEY_PREFIX: z
    .string()
    .trim()
    .regex(/^[\w.-]{1,64}$/, 'REDIS_KEY_PREFIX may use letters, digits, ".", "_" and "-" (at most 64)')
    .default('gatehouse'),
  CATALOG_CACHE_SECONDS: z.coerce
    .number()
    .int()
    .min(0, 'CATALOG_CACHE_SECONDS must be 0 (off) or more')
    .max(3600, 'CATALOG_CACHE_SECONDS must be at most 3600')
    .default(60),
  POLL_INTERVAL_MS: z.coerce.number().int().min(1000, 'POLL_INTERVAL_MS must be at least 1000').default(30_000),
  REMINDER_AFTER: duration('REMINDER_AFTER').optional(),
  OKTA_EVENT_HOOK_SECRET: optionalText,
  SANDBOX_PROVIDER: z.enum(['okta', 'pingone']).default('okta'),
});

type Environment = z.infer<typeof environment>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Gatehouse cannot start; fix its configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  // Empty strings count as unset, so `FOO=` in a .env file does not silently leave sandbox mode.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = environment.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
      }),
    );
  }
  const vars = parsed.data;
  const isReal = REAL_SETTINGS.some((name) => present[name] !== undefined);
  return deepFreeze(isReal ? productionConfig(vars) : sandboxConfig(vars, present.POLL_INTERVAL_MS !== undefined));
}

function sandboxConfig(vars: Environment, pollIntervalGiven: boolean): Config {
  const host = vars.HOST ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    throw new ConfigError([
      `HOST=${host}: sandbox mode only listens on loopback (127.0.0.1), because its secrets are published. ` +
        'Configure a governance backend and a chat platform to listen elsewhere.',
    ]);
  }
  const publicUrl = vars.PUBLIC_URL ?? `http://127.0.0.1:${vars.PORT}`;
  const governance: GovernanceConfig =
    vars.SANDBOX_PROVIDER === 'pingone'
      ? {
          provider: 'pingone',
          tenantUrl: `${publicUrl}/sandbox/pingone`,
          realm: 'alpha',
          auth: { kind: 'bearer', token: SANDBOX_SECRETS.pingoneAccessToken },
          serviceAccountId: SANDBOX_SECRETS.pingoneServiceAccountId,
        }
      : {
          provider: 'okta',
          orgUrl: `${publicUrl}/sandbox/okta`,
          auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
        };
  const problems: string[] = [];
  const notifier = notifierConfig(vars, SANDBOX_SECRETS.oktaEventHookSecret, problems);
  problems.push(...urlProblems(vars, 'sandbox'));
  if (problems.length > 0) throw new ConfigError(problems);
  // The playground's portal changes should reach chat while someone watches.
  if (!pollIntervalGiven) notifier.pollIntervalMs = SANDBOX_POLL_INTERVAL_MS;
  if (!vars.APPROVALS_CHANNELS) {
    notifier.approvalsChannels.slack = SANDBOX_APPROVALS_CHANNEL;
    notifier.approvalsChannels.teams = SANDBOX_TEAMS_APPROVALS_CHANNEL;
  }
  return {
    mode: 'sandbox',
    server: { port: vars.PORT, host, publicUrl, logLevel: vars.LOG_LEVEL, metricsToken: vars.METRICS_TOKEN },
    governance,
    slack: {
      signingSecret: SANDBOX_SECRETS.slackSigningSecret,
      botToken: SANDBOX_SECRETS.slackBotToken,
      apiUrl: `${publicUrl}/sandbox/slack/api`,
    },
    // No app id: botbuilder accepts activities without a token, which is why sandbox mode only
    // ever listens on loopback.
    teams: {
      appId: '',
      appType: 'MultiTenant',
      tenantId: SANDBOX_TEAMS_TENANT,
      serviceUrl: `${publicUrl}/sandbox/teams`,
    },
    redisUrl: vars.REDIS_URL,
    redisKeyPrefix: vars.REDIS_KEY_PREFIX,
    catalogCacheMs: vars.CATALOG_CACHE_SECONDS * 1000,
    notifier,
    sandbox: { provider: vars.SANDBOX_PROVIDER },
  };
}

function productionConfig(vars: Environment): Config {
  const problems: string[] = [];
  const governance = governanceConfig(vars, problems);
  const slack = slackConfig(vars, problems);
  const teams = teamsConfig(vars, problems);
  const notifier = notifierConfig(vars, vars.OKTA_EVENT_HOOK_SECRET, problems);
  const chatAttempted = Boolean(
    vars.SLACK_SIGNING_SECRET ||
      vars.SLACK_BOT_TOKEN ||
      vars.SLACK_APP_TOKEN ||
      vars.MICROSOFT_APP_ID ||
      vars.MICROSOFT_APP_PASSWORD,
  );
  if (!chatAttempted) {
    problems.push('No chat platform configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN, or MICROSOFT_APP_ID.');
  }
  const host = vars.HOST ?? '0.0.0.0';
  if (!vars.PUBLIC_URL) {
    problems.push(
      'PUBLIC_URL is required outside sandbox mode (used in links and manifests), e.g. https://gatehouse.example.com',
    );
  }
  problems.push(...secretProblems(vars), ...urlProblems(vars, 'production'), ...tenantIdProblems(vars));
  if (problems.length > 0 || !governance) throw new ConfigError(problems);
  return {
    mode: 'production',
    server: {
      port: vars.PORT,
      host,
      publicUrl: vars.PUBLIC_URL ?? '',
      logLevel: vars.LOG_LEVEL,
      metricsToken: vars.METRICS_TOKEN,
    },
    governance,
    slack,
    teams,
    redisUrl: vars.REDIS_URL,
    redisKeyPrefix: vars.REDIS_KEY_PREFIX,
    catalogCacheMs: vars.CATALOG_CACHE_SECONDS * 1000,
    notifier,
  };
}

function governanceConfig(vars: Environment, problems: string[]): GovernanceConfig | undefined {
  const wantsOkta = vars.GOVERNANCE_PROVIDER === 'okta' || (!vars.GOVERNANCE_PROVIDER && hasOktaSettings(vars));
  const wantsPingOne =
    vars.GOVERNANCE_PROVIDER === 'pingone' || (!vars.GOVERNANCE_PROVIDER && hasPingOneSettings(vars));
  if (wantsOkta && wantsPingOne) {
    problems.push(
      'Both Okta and PingOne settings are present: set GOVERNANCE_PROVIDER=okta or GOVERNANCE_PROVIDER=pingone.',
    );
    return undefined;
  }
  if (wantsOkta) return oktaConfig(vars, problems);
  if (wantsPingOne) return pingOneConfig(vars, problems);
  problems.push(
    'No governance backend configured: set OKTA_ORG_URL with OKTA_API_TOKEN (or OKTA_CLIENT_ID and OKTA_PRIVATE_KEY), ' +
      'or PINGONE_TENANT_URL with PINGONE_ACCESS_TOKEN (or PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET).',
  );
  return undefined;
}

function hasOktaSettings(vars: Environment): boolean {
  return Boolean(vars.OKTA_ORG_URL || vars.OKTA_API_TOKEN || vars.OKTA_CLIENT_ID || vars.OKTA_PRIVATE_KEY);
}

function hasPingOneSettings(vars: Environment): boolean {
  return Boolean(
    vars.PINGONE_TENANT_URL || vars.PINGONE_ACCESS_TOKEN || vars.PINGONE_CLIENT_ID || vars.PINGONE_CLIENT_SECRET,
  );
}

function oktaConfig(vars: Environment, problems: string[]): GovernanceConfig | undefined {
  const before = problems.length;
  if (!vars.OKTA_ORG_URL) problems.push('OKTA_ORG_URL is required for Okta, e.g. https://acme.okta.com');
  const hasToken = Boolean(vars.OKTA_API_TOKEN);
  const hasOAuth = Boolean(vars.OKTA_CLIENT_ID || vars.OKTA_PRIVATE_KEY);
  if (hasToken && hasOAuth) {
    problems.push('Give either OKTA_API_TOKEN or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY, not both.');
  } else if (!hasToken && !hasOAuth) {
    problems.push('Okta needs credentials: OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY (private_key_jwt).');
  } else if (hasOAuth) {
    if (!vars.OKTA_CLIENT_ID) problems.push('OKTA_PRIVATE_KEY is set but OKTA_CLIENT_ID is missing.');
    if (!vars.OKTA_PRIVATE_KEY) problems.push('OKTA_CLIENT_ID is set but OKTA_PRIVATE_KEY (PEM or JWK) is missing.');
  }
  if (problems.length > before || !vars.OKTA_ORG_URL) return undefined;
  const auth: OktaAuth = vars.OKTA_API_TOKEN
    ? { kind: 'ssws', token: vars.OKTA_API_TOKEN }
    : {
        kind: 'private_key_jwt',
        clientId: vars.OKTA_CLIENT_ID ?? '',
        privateKey: (vars.OKTA_PRIVATE_KEY ?? '').replace(/\\n/g, '\n'),
        keyId: vars.OKTA_PRIVATE_KEY_ID,
        scopes: splitList(vars.OKTA_SCOPES ?? DEFAULT_OKTA_SCOPES),
      };
  return { provider: 'okta', orgUrl: vars.OKTA_ORG_URL, auth };
}

export const DEFAULT_OKTA_SCOPES = [
  'okta.users.read',
  'okta.accessRequests.catalog.read',
  'okta.accessRequests.request.read',
  'okta.accessRequests.request.manage',
  'okta.accessRequests.tasks.read',
  'okta.accessRequests.tasks.manage',
  'okta.governance.entitlements.read',
].join(' ');

function pingOneConfig(vars: Environment, problems: string[]): GovernanceConfig | undefined {
  const before = problems.length;
  if (!vars.PINGONE_TENANT_URL) {
    problems.push('PINGONE_TENANT_URL is required for PingOne, e.g. https://openam-acme.forgeblocks.com');
  }
  const hasToken = Boolean(vars.PINGONE_ACCESS_TOKEN);
  const hasClient = Boolean(vars.PINGONE_CLIENT_ID || vars.PINGONE_CLIENT_SECRET);
  if (hasToken && hasClient) {
    problems.push('Give either PINGONE_ACCESS_TOKEN or PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET, not both.');
  } else if (!hasToken && !hasClient) {
    problems.push('PingOne needs credentials: PINGONE_ACCESS_TOKEN, or PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET.');
  } else if (hasClient) {
    if (!vars.PINGONE_CLIENT_ID) problems.push('PINGONE_CLIENT_SECRET is set but PINGONE_CLIENT_ID is missing.');
    if (!vars.PINGONE_CLIENT_SECRET) problems.push('PINGONE_CLIENT_ID is set but PINGONE_CLIENT_SECRET is missing.');
  }
  if (problems.length > before || !vars.PINGONE_TENANT_URL) return undefined;
  const realm = vars.PINGONE_REALM;
  const auth: PingOneAuth = vars.PINGONE_ACCESS_TOKEN
    ? { kind: 'bearer', token: vars.PINGONE_ACCESS_TOKEN }
    : {
        kind: 'client_credentials',
        clientId: vars.PINGONE_CLIENT_ID ?? '',
        clientSecret: vars.PINGONE_CLIENT_SECRET ?? '',
        tokenUrl:
          vars.PINGONE_TOKEN_URL ?? `${vars.PINGONE_TENANT_URL}/am/oauth2/realms/root/realms/${realm}/access_token`,
        scopes: splitList(vars.PINGONE_SCOPES ?? 'fr:idm:* fr:iga:*'),
      };
  return {
    provider: 'pingone',
    tenantUrl: vars.PINGONE_TENANT_URL,
    realm,
    auth,
    serviceAccountId: vars.PINGONE_SERVICE_ACCOUNT_ID,
  };
}

function slackConfig(vars: Environment, problems: string[]): SlackConfig | undefined {
  if (!vars.SLACK_SIGNING_SECRET && !vars.SLACK_BOT_TOKEN && !vars.SLACK_APP_TOKEN) return undefined;
  if (!vars.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET is required with Slack: Gatehouse refuses unsigned Slack requests.');
  }
  if (!vars.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN (xoxb-…) is required with Slack.');
  else if (!vars.SLACK_BOT_TOKEN.startsWith('xoxb-')) problems.push('SLACK_BOT_TOKEN must be a bot token (xoxb-…).');
  if (vars.SLACK_APP_TOKEN && !vars.SLACK_APP_TOKEN.startsWith('xapp-')) {
    problems.push('SLACK_APP_TOKEN must be an app-level token (xapp-…) for Socket Mode.');
  }
  if (!vars.SLACK_SIGNING_SECRET || !vars.SLACK_BOT_TOKEN) return undefined;
  return {
    signingSecret: vars.SLACK_SIGNING_SECRET,
    botToken: vars.SLACK_BOT_TOKEN,
    appToken: vars.SLACK_APP_TOKEN,
    apiUrl: vars.SLACK_API_URL ?? 'https://slack.com/api',
    teamId: vars.SLACK_TEAM_ID,
    enterpriseId: vars.SLACK_ENTERPRISE_ID,
  };
}

function teamsConfig(vars: Environment, problems: string[]): TeamsConfig | undefined {
  if (!vars.MICROSOFT_APP_ID && !vars.MICROSOFT_APP_PASSWORD && !vars.MICROSOFT_APP_TENANT_ID) return undefined;
  const appType = vars.MICROSOFT_APP_TYPE ?? 'MultiTenant';
  if (!vars.MICROSOFT_APP_ID) problems.push('MICROSOFT_APP_ID is required with Teams.');
  if (appType !== 'UserAssignedMSI' && !vars.MICROSOFT_APP_PASSWORD) {
    problems.push('MICROSOFT_APP_PASSWORD is required with Teams (unless MICROSOFT_APP_TYPE=UserAssignedMSI).');
  }
  // Gatehouse serves one organisation: activities from any other Microsoft 365 tenant are refused,
  // even with a multi-tenant bot registration, so the tenant is always required.
  if (!vars.MICROSOFT_APP_TENANT_ID) {
    problems.push(
      'MICROSOFT_APP_TENANT_ID is required with Teams: Gatehouse refuses activities from any other tenant.',
    );
  }
  if (!vars.MICROSOFT_APP_ID) return undefined;
  return {
    appId: vars.MICROSOFT_APP_ID,
    appPassword: vars.MICROSOFT_APP_PASSWORD,
    tenantId: vars.MICROSOFT_APP_TENANT_ID,
    appType,
  };
}

/**
 * The shortest secret production accepts where a person chooses the value or Gatehouse checks
 * callers against it. Slack signing secrets are 32 characters, Entra client secrets about 40.
 */
export const MIN_SECRET_LENGTH = 16;

/** Every secret variable, in the order its problems are named, with what to do instead. */
const SECRETS: readonly { name: keyof Environment; minLength?: number; remedy: string }[] = [
  {
    name: 'SLACK_SIGNING_SECRET',
    minLength: MIN_SECRET_LENGTH,
    remedy: "set the Signing Secret from your Slack app's Basic Information page (32 characters).",
  },
  {
    name: 'SLACK_BOT_TOKEN',
    remedy: "set the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page.",
  },
  {
    name: 'OKTA_API_TOKEN',
    remedy: 'create an API token in your Okta Admin Console (Security > API > Tokens).',
  },
  {
    name: 'OKTA_EVENT_HOOK_SECRET',
    minLength: MIN_SECRET_LENGTH,
    remedy:
      `choose a random value of at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32) ` +
      "and give Okta's event hook the same one.",
  },
  {
    name: 'PINGONE_ACCESS_TOKEN',
    remedy: 'set a token your PingOne tenant issued, or use PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET.',
  },
  {
    name: 'PINGONE_CLIENT_SECRET',
    minLength: MIN_SECRET_LENGTH,
    remedy: `set the OAuth client's secret from your PingOne tenant (at least ${MIN_SECRET_LENGTH} characters).`,
  },
  {
    name: 'MICROSOFT_APP_ID',
    remedy: 'set the Microsoft App ID of your Azure Bot (its Configuration page).',
  },
  {
    name: 'MICROSOFT_APP_PASSWORD',
    minLength: MIN_SECRET_LENGTH,
    remedy: "set a client secret of the bot's Entra app registration (Certificates & secrets).",
  },
  {
    name: 'METRICS_TOKEN',
    minLength: MIN_SECRET_LENGTH,
    remedy: `choose a random value of at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32).`,
  },
];

const PUBLISHED: ReadonlySet<string> = new Set(Object.values(SANDBOX_SECRETS));

/**
 * Production refuses the sandbox's published values (wherever they are given, so a hook secret
 * copied into METRICS_TOKEN is refused too) and secrets short enough to guess. The values
 * themselves are never repeated: a message names the variable only.
 */
function secretProblems(vars: Environment): string[] {
  const problems: string[] = [];
  for (const { name, minLength, remedy } of SECRETS) {
    const value = vars[name];
    if (typeof value !== 'string') continue;
    if (PUBLISHED.has(value)) {
      problems.push(`${name} is one of the sandbox's published values, which anyone can read: ${remedy}`);
    } else if (minLength !== undefined && value.length < minLength) {
      problems.push(`${name} is shorter than ${minLength} characters, short enough to guess: ${remedy}`);
    }
  }
  return problems;
}

/** Every URL Gatehouse sends to or links with, and what travels there. */
const URLS: readonly { name: keyof Environment; carries: string }[] = [
  { name: 'PUBLIC_URL', carries: 'Slack, Teams and Okta send their requests (and Okta its hook secret) there' },
  { name: 'OKTA_ORG_URL', carries: 'Gatehouse sends its Okta credentials there' },
  { name: 'PINGONE_TENANT_URL', carries: 'Gatehouse sends its PingOne token there' },
  { name: 'PINGONE_TOKEN_URL', carries: 'Gatehouse sends its PingOne client secret there' },
  { name: 'SLACK_API_URL', carries: 'Gatehouse sends its Slack bot token there' },
];

/** Hosts that may be reached over plain http: the traffic never leaves the machine. */
const LOOPBACK_URL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * No URL may carry a user name or password (they would travel in every link and log line that
 * shows the URL), in either mode; in production every one must be https, except on loopback (local
 * emulators and sidecars). REDIS_URL is not among them: its password belongs there.
 */
function urlProblems(vars: Environment, mode: Config['mode']): string[] {
  const problems: string[] = [];
  for (const { name, carries } of URLS) {
    const value = vars[name];
    if (typeof value !== 'string') continue;
    const parsed = new URL(value);
    // An "@" anywhere before the path, even with an empty user name, is userinfo.
    if (parsed.username || parsed.password || /^[a-z][\w+.-]*:\/\/[^/?#]*@/i.test(value)) {
      problems.push(
        `${name} must not contain a user name or password (user:pass@host): remove them; ` +
          'credentials belong in their own variables, never in a URL.',
      );
    } else if (mode === 'production' && parsed.protocol !== 'https:' && !LOOPBACK_URL_HOSTS.has(parsed.hostname)) {
      problems.push(
        `${name} must start with https:// outside sandbox mode, because ${carries}; ` +
          'http:// is accepted only for 127.0.0.1, localhost and [::1].',
      );
    }
  }
  return problems;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entra's multi-tenant aliases: each names many organisations, never the one Gatehouse serves. */
const TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);

function tenantIdProblems(vars: Environment): string[] {
  const tenantId = vars.MICROSOFT_APP_TENANT_ID;
  if (tenantId === undefined || GUID.test(tenantId)) return [];
  const alias = TENANT_ALIASES.has(tenantId.toLowerCase())
    ? ` "${tenantId}" is an alias for many organisations, not one.`
    : '';
  return [
    "MICROSOFT_APP_TENANT_ID must be your organisation's Microsoft Entra tenant ID, a GUID like " +
      `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx: copy it from the Entra admin center (Overview > Tenant ID).${alias}`,
  ];
}

function notifierConfig(vars: Environment, hookSecret: string | undefined, problems: string[]): Config['notifier'] {
  const approvalsChannels: Record<string, string> = {};
  for (const item of splitList(vars.APPROVALS_CHANNELS ?? '', ',')) {
    const match = /^(slack|teams)\s*[:=]\s*(\S+)$/.exec(item);
    if (match?.[1] && match[2]) approvalsChannels[match[1]] = match[2];
    else problems.push(`APPROVALS_CHANNELS entry "${item}" must look like slack:C0123456 or teams:19:abc@thread.tacv2`);
  }
  const { routes, problems: routeProblems } = parseRoutes(vars.APPROVALS_ROUTES ?? '');
  problems.push(...routeProblems);
  const expiryWarningsMs: number[] = [];
  const warningList =
    vars.ACCESS_EXPIRY_WARNINGS?.toLowerCase() === 'none' ? '' : (vars.ACCESS_EXPIRY_WARNINGS ?? '24h,1h');
  for (const item of splitList(warningList, ',')) {
    const ms = parseDurationMs(item);
    if (ms && ms > 0) expiryWarningsMs.push(ms);
    else problems.push(`ACCESS_EXPIRY_WARNINGS entry "${item}" must be a duration like 24h or 30m`);
  }
  return {
    approvalsChannels,
    pollIntervalMs: vars.POLL_INTERVAL_MS,
    reminderAfterMs: vars.REMINDER_AFTER,
    oktaEventHookSecret: hookSecret,
    routes,
    expiryWarningsMs: [...new Set(expiryWarningsMs)].sort((a, b) => b - a),
    rateScale: vars.CHAT_RATE_SCALE,
  };
}

function splitList(value: string, separator: string | RegExp = /[\s,]+/): string[] {
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function parseDurationMs(value: string): number | undefined {
  const match = /^(\d+)\s*(ms|s|m|h|d)?$/i.exec(value.trim());
  if (!match?.[1]) return undefined;
  const unit = (match[2] ?? 'ms').toLowerCase();
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1;
  return Number(match[1]) * factor;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
