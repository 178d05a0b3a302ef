import type { ApprovalRoute } from './routes.js';

/** The configuration's shape, and the sandbox's published values every section refers to. */

/** How often sandbox mode polls its emulated governance system when POLL_INTERVAL_MS is unset. */
export const SANDBOX_POLL_INTERVAL_MS = 3_000;
/** The emulated Slack workspace's approvals channel (#access-approvals). */
export const SANDBOX_APPROVALS_CHANNEL = 'C0APPROVALS';
/** The emulated Microsoft 365 tenant (the sandbox package, packages/sandbox/src/teams, seeds the same id). */
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
  /**
   * The private key (EC P-256, a JWK) of the issuer the emulated PingOne tenant trusts for the
   * person grant: Gatehouse signs each approver's assertion with it in sandbox mode.
   */
  pingonePersonKey:
    '{"kty":"EC","crv":"P-256","x":"UsG7Uh07RjO1lkd53uIn51VB06PVNS4X-6d16KhAc-c","y":"Oll8Af8mvFo5GqiCk-uPMIKz-yBVBaMhtEorn870Kwk","d":"5Al7RgqJKTuAiZh_rBp-ZdaOEnwCHsEHrDHNYCZkKkQ"}',
  microsoftAppId: '00000000-0000-0000-0000-000000000000',
});

export type OktaAuth =
  | { kind: 'ssws'; token: string }
  | { kind: 'private_key_jwt'; clientId: string; privateKey: string; keyId?: string; scopes: string[] };

export type PingOneAuth =
  | { kind: 'bearer'; token: string }
  | { kind: 'client_credentials'; clientId: string; clientSecret: string; tokenUrl: string; scopes: string[] };

/**
 * The person grant on PingOne (RFC 7523 JWT bearer authorization grant, as
 * `frodo admin generate-rfc7523-authz-grant-artefacts` sets it up): Gatehouse signs an assertion
 * whose subject is the approver and exchanges it for a token acting as them, so approvals,
 * rejections, comments and cancellations are recorded as theirs.
 */
export interface PingOnePersonGrant {
  /** The OAuth client allowed the jwt-bearer grant (frodo's `--client-id`). */
  clientId: string;
  /** Only for a confidential client; frodo's is public (token endpoint auth method `none`). */
  clientSecret?: string;
  /** The trusted JWT issuer's `iss` (frodo's `--iss`). */
  issuer: string;
  /** The issuer's private key: PEM, or a JWK such as frodo's `<client-id>_private.jwk.json`; RSA or EC. */
  privateKey: string;
  keyId?: string;
  /** The realm's access_token endpoint, which is also the assertion's audience. */
  tokenUrl: string;
  scopes: string[];
}

/** The published client and issuer the emulated PingOne tenant trusts for the person grant. */
export const SANDBOX_PINGONE_PERSON = Object.freeze({
  clientId: 'gatehouse-sandbox-person',
  issuer: 'urn:gatehouse:sandbox:issuer',
});

export type GovernanceConfig =
  | { provider: 'okta'; orgUrl: string; auth: OktaAuth }
  /** `realm` names the managed-user object (`<realm>_user`) and the token endpoint's realm. */
  | {
      provider: 'pingone';
      tenantUrl: string;
      realm: string;
      auth: PingOneAuth;
      serviceAccountId?: string;
      /** Decisions, comments and cancellations as the person (PINGONE_PERSON_*). */
      personGrant?: PingOnePersonGrant;
      /**
       * PINGONE_ADMIN_DECIDES: the tenant lets its administrators approve and reject phases they are
       * no actor of, so without a person grant Gatehouse may decide with its service token.
       */
      adminDecides?: boolean;
    };

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
  /** How long a person's catalog, read whole, is searched before it is refreshed in the background (CATALOG_CACHE_SECONDS). */
  catalogCacheMs: number;
  /** GOVERNANCE_RATE_LIMITS: calls a minute by rate-limit family, over the vendor's documented figures. */
  governanceRateLimits?: Readonly<Record<string, number>>;
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

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Everything wrong with the configuration, in one message. `realSettings` are the Okta, PingOne,
 * Slack and Teams variables that took Gatehouse out of sandbox mode: the message names them, so
 * whoever set one by accident sees why start-up asks for the rest and how to get the sandbox back.
 */
export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    readonly realSettings: readonly string[] = [],
  ) {
    const lines = ['Gatehouse cannot start; fix its configuration:', ...problems.map((problem) => `  - ${problem}`)];
    if (realSettings.length > 0) lines.push(notSandbox(realSettings));
    super(lines.join('\n'));
  }
}

function notSandbox(names: readonly string[]): string {
  const one = names.length === 1;
  const list = one ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return (
    `${list} ${one ? 'is' : 'are'} set, so Gatehouse is not in sandbox mode: a real deployment needs ` +
    `everything listed above. To run the sandbox instead, unset ${one ? 'it' : 'them'}.`
  );
}
