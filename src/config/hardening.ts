import type { Environment } from './environment.js';
import { type Config, SANDBOX_SECRETS } from './types.js';

/**
 * What production refuses although each value parses: the sandbox's published secrets, secrets
 * short enough to guess, plain-http URLs off the machine, credentials in URLs, a tenant alias.
 */

/**
 * The shortest secret production accepts where a person chooses the value or Gatehouse checks
 * callers against it. Slack signing secrets are 32 characters, Entra client secrets about 40.
 */
export const MIN_SECRET_LENGTH = 16;

/**
 * The variables production checks for published or guessable values, in the order their problems
 * are named, with what to do instead (the secret variables themselves: SECRET_VARIABLES).
 */
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
    name: 'PINGONE_PERSON_CLIENT_SECRET',
    minLength: MIN_SECRET_LENGTH,
    remedy:
      `set the person-grant client's secret from your PingOne tenant (at least ${MIN_SECRET_LENGTH} characters), ` +
      "or leave it out for frodo's public client.",
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
export function secretProblems(vars: Environment): string[] {
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
export function urlProblems(vars: Environment, mode: Config['mode']): string[] {
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

export function tenantIdProblems(vars: Environment): string[] {
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
