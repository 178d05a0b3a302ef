import type { KeyObject } from 'node:crypto';
import type { Environment } from './environment.js';
import { splitList } from './environment.js';
import { readSigningKey } from './signing-key.js';
import {
  type GovernanceConfig,
  type OktaAuth,
  type PingOneAuth,
  type PingOnePersonGrant,
  SANDBOX_SECRETS,
} from './types.js';

/** The reader configuration and both clients share; the doctor reads keys through this name too. */

/** The governance backend: Okta or PingOne, its URL and credentials, each problem named. */

export function governanceConfig(vars: Environment, problems: string[]): GovernanceConfig | undefined {
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
    vars.PINGONE_TENANT_URL ||
      vars.PINGONE_ACCESS_TOKEN ||
      vars.PINGONE_CLIENT_ID ||
      vars.PINGONE_CLIENT_SECRET ||
      vars.PINGONE_PERSON_CLIENT_ID ||
      vars.PINGONE_PERSON_PRIVATE_KEY,
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
  const privateKey = (vars.OKTA_PRIVATE_KEY ?? '').replace(/\\n/g, '\n');
  if (!hasToken && privateKey) {
    const key = readSigningKey(
      privateKey,
      "Okta's Admin Console shows it, PEM or JWK, when it generates the app's key pair",
    );
    if (typeof key === 'string') problems.push(`OKTA_PRIVATE_KEY ${key}`);
  }
  if (problems.length > before || !vars.OKTA_ORG_URL) return undefined;
  const auth: OktaAuth = vars.OKTA_API_TOKEN
    ? { kind: 'ssws', token: vars.OKTA_API_TOKEN }
    : {
        kind: 'private_key_jwt',
        clientId: vars.OKTA_CLIENT_ID ?? '',
        privateKey,
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
  const realm = vars.PINGONE_REALM;
  const tokenUrl =
    vars.PINGONE_TOKEN_URL ?? `${vars.PINGONE_TENANT_URL ?? ''}/am/oauth2/realms/root/realms/${realm}/access_token`;
  const personGrant = personGrantConfig(vars, tokenUrl, problems);
  if (problems.length > before || !vars.PINGONE_TENANT_URL) return undefined;
  const auth: PingOneAuth = vars.PINGONE_ACCESS_TOKEN
    ? { kind: 'bearer', token: vars.PINGONE_ACCESS_TOKEN }
    : {
        kind: 'client_credentials',
        clientId: vars.PINGONE_CLIENT_ID ?? '',
        clientSecret: vars.PINGONE_CLIENT_SECRET ?? '',
        tokenUrl,
        scopes: splitList(vars.PINGONE_SCOPES ?? 'fr:idm:* fr:iga:*'),
      };
  return {
    provider: 'pingone',
    tenantUrl: vars.PINGONE_TENANT_URL,
    realm,
    auth,
    serviceAccountId: vars.PINGONE_SERVICE_ACCOUNT_ID,
    ...(personGrant ? { personGrant } : {}),
    adminDecides: vars.PINGONE_ADMIN_DECIDES ?? false,
  };
}

/** What `frodo admin generate-rfc7523-authz-grant-artefacts` names each part of the person grant. */
const PERSON_PARTS = {
  PINGONE_PERSON_CLIENT_ID: 'the OAuth client allowed the JWT bearer grant (frodo --client-id)',
  PINGONE_PERSON_ISSUER: "the trusted JWT issuer's iss (frodo --iss)",
  PINGONE_PERSON_PRIVATE_KEY: "the issuer's private key, PEM or JWK (frodo's <client-id>_private.jwk.json)",
} as const;

/** The scopes a person's token asks for unless PINGONE_PERSON_SCOPES says otherwise. */
export const DEFAULT_PINGONE_PERSON_SCOPES = 'fr:idm:* fr:iga:*';

/**
 * The person grant (RFC 7523), when any of its settings is given: then the client, the issuer and
 * the key are all required, and the key must be one Gatehouse can sign with.
 */
function personGrantConfig(vars: Environment, tokenUrl: string, problems: string[]): PingOnePersonGrant | undefined {
  const given = [
    vars.PINGONE_PERSON_CLIENT_ID,
    vars.PINGONE_PERSON_CLIENT_SECRET,
    vars.PINGONE_PERSON_ISSUER,
    vars.PINGONE_PERSON_PRIVATE_KEY,
    vars.PINGONE_PERSON_KEY_ID,
    vars.PINGONE_PERSON_SCOPES,
  ].some(Boolean);
  if (!given) return undefined;
  const before = problems.length;
  for (const [name, what] of Object.entries(PERSON_PARTS)) {
    if (!vars[name as keyof typeof PERSON_PARTS]) {
      problems.push(`${name} is required for the PingOne person grant (PINGONE_PERSON_*): ${what}.`);
    }
  }
  const privateKey = (vars.PINGONE_PERSON_PRIVATE_KEY ?? '').replace(/\\n/g, '\n');
  if (privateKey) {
    const key = readSigningKey(privateKey, 'frodo writes it as <client-id>_private.jwk.json');
    if (typeof key === 'string') problems.push(`PINGONE_PERSON_PRIVATE_KEY ${key}`);
    else if (isSandboxPersonKey(key.key)) {
      problems.push(
        "PINGONE_PERSON_PRIVATE_KEY is the sandbox's published key, which anyone can read: " +
          'generate your own with frodo admin generate-rfc7523-authz-grant-artefacts.',
      );
    }
  }
  if (problems.length > before) return undefined;
  return {
    clientId: vars.PINGONE_PERSON_CLIENT_ID ?? '',
    ...(vars.PINGONE_PERSON_CLIENT_SECRET ? { clientSecret: vars.PINGONE_PERSON_CLIENT_SECRET } : {}),
    issuer: vars.PINGONE_PERSON_ISSUER ?? '',
    privateKey,
    ...(vars.PINGONE_PERSON_KEY_ID ? { keyId: vars.PINGONE_PERSON_KEY_ID } : {}),
    tokenUrl,
    scopes: splitList(vars.PINGONE_PERSON_SCOPES ?? DEFAULT_PINGONE_PERSON_SCOPES),
  };
}

function isSandboxPersonKey(key: KeyObject): boolean {
  const sandbox = readSigningKey(SANDBOX_SECRETS.pingonePersonKey);
  if (typeof sandbox === 'string') return false;
  return JSON.stringify(key.export({ format: 'jwk' })) === JSON.stringify(sandbox.key.export({ format: 'jwk' }));
}
