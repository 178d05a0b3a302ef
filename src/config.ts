import { slackConfig, teamsConfig } from './config/chat.js';
import { type Environment, parseEnvironment, REAL_SETTINGS, splitList } from './config/environment.js';
import { DEFAULT_PINGONE_PERSON_SCOPES, governanceConfig } from './config/governance.js';
import { secretProblems, tenantIdProblems, urlProblems } from './config/hardening.js';
import { notifierConfig } from './config/notifier.js';
import { readSecretFiles, SECRET_VARIABLES } from './config/secret-files.js';
import {
  type Config,
  ConfigError,
  type GovernanceConfig,
  SANDBOX_APPROVALS_CHANNEL,
  SANDBOX_PINGONE_PERSON,
  SANDBOX_POLL_INTERVAL_MS,
  SANDBOX_SECRETS,
  SANDBOX_TEAMS_APPROVALS_CHANNEL,
  SANDBOX_TEAMS_TENANT,
} from './config/types.js';

export { parseDurationMs } from './config/environment.js';
export { DEFAULT_OKTA_SCOPES } from './config/governance.js';
export { MIN_SECRET_LENGTH } from './config/hardening.js';
export { readSecretFiles, SECRET_VARIABLES } from './config/secret-files.js';
export * from './config/types.js';

/**
 * All configuration comes from the environment, parsed once here into one frozen object. Nothing
 * else in src/ reads process.env. Each secret may come from a mounted file instead (`<NAME>_FILE`,
 * src/config/secret-files.ts), read here too and then treated exactly like the variable. With no
 * platform or governance variable set, Gatehouse runs in sandbox mode against its embedded
 * emulations; as soon as any real setting is present, every related setting must be complete, and
 * start-up stops with one message naming every problem.
 * Each section lives in src/config/: the variables (environment.ts), the governance backend,
 * the chat platforms, the notifier, and what production refuses (hardening.ts).
 */

/** The hosts sandbox mode may listen on: its secrets are published. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  // Empty strings count as unset, so `FOO=` in a .env file does not silently leave sandbox mode.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const files = readSecretFiles(given);
  const present: Record<string, string | undefined> = { ...given, ...files.values };
  // The mode comes from which variables are given, not from whether they parse (or their file
  // reads), so a malformed value is named together with everything else its mode requires.
  const secrets: readonly string[] = SECRET_VARIABLES;
  const realSettings = REAL_SETTINGS.flatMap((name) =>
    secrets.includes(name) ? [name, `${name}_FILE`] : [name],
  ).filter((name) => name in given);
  // Only secrets come from files: a setting that is not one, given as a file, is said so rather
  // than ignored (it would read as missing, with no hint why).
  const notFromFiles = REAL_SETTINGS.filter((name) => !secrets.includes(name) && `${name}_FILE` in given).map(
    (name) => `${name}_FILE is not read: only secrets come from files (${name} is a setting; set ${name} itself)`,
  );
  const mode = realSettings.length > 0 ? 'production' : 'sandbox';
  const { vars, problems, malformed } = parseEnvironment(present, mode);
  const config =
    mode === 'production'
      ? productionConfig(vars, problems)
      : sandboxConfig(vars, present.POLL_INTERVAL_MS !== undefined, problems);
  // A malformed variable is named once, for its format, not a second time as missing; one whose
  // file could not be read is named once, for its file, and nowhere else it would read as unset.
  const named = problems.filter(
    (problem) =>
      !malformed.some((name) => problem.startsWith(`${name} is required`)) &&
      !files.unreadable.some((name) => new RegExp(`\\b${name}\\b`).test(problem)),
  );
  const all = [...notFromFiles, ...files.problems, ...named];
  if (all.length > 0 || !config) throw new ConfigError(all, realSettings);
  return deepFreeze(config);
}

function sandboxConfig(vars: Environment, pollIntervalGiven: boolean, problems: string[]): Config | undefined {
  const host = vars.HOST ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) {
    problems.push(
      `HOST=${host}: sandbox mode only listens on loopback (127.0.0.1), because its secrets are published. ` +
        'Configure a governance backend and a chat platform to listen elsewhere.',
    );
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
          // The emulated tenant trusts this issuer, as a real one trusts frodo's artefacts, so
          // approvers decide as themselves there too.
          personGrant: {
            clientId: SANDBOX_PINGONE_PERSON.clientId,
            issuer: SANDBOX_PINGONE_PERSON.issuer,
            privateKey: SANDBOX_SECRETS.pingonePersonKey,
            tokenUrl: `${publicUrl}/sandbox/pingone/am/oauth2/realms/root/realms/alpha/access_token`,
            scopes: splitList(DEFAULT_PINGONE_PERSON_SCOPES),
          },
          adminDecides: false,
        }
      : {
          provider: 'okta',
          orgUrl: `${publicUrl}/sandbox/okta`,
          auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
        };
  const notifier = notifierConfig(vars, SANDBOX_SECRETS.oktaEventHookSecret, problems);
  problems.push(...urlProblems(vars, 'sandbox'));
  if (problems.length > 0) return undefined;
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
    governanceRateLimits: vars.GOVERNANCE_RATE_LIMITS,
    notifier,
    sandbox: { provider: vars.SANDBOX_PROVIDER },
  };
}

function productionConfig(vars: Environment, problems: string[]): Config | undefined {
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
  if (problems.length > 0 || !governance) return undefined;
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
    governanceRateLimits: vars.GOVERNANCE_RATE_LIMITS,
    notifier,
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
