import { decodeJwt } from 'jose';
import { requestServiceToken, type ServiceTokenAnswer } from '../api/pingone/http.js';
import type { PingOneAuth } from '../config.js';
import { GovernanceUnavailable } from '../domain/errors.js';
import { type Finding, ok, problem, unchecked } from './finding.js';
import { networkReason } from './okta-org.js';

const TOKEN = 'PingOne token';
const CLAIMS = 'token claims';

/** The scopes Gatehouse's token must carry for IGA and for managed users. */
const NEEDED_SCOPES = ['fr:iga:*', 'fr:idm:*'] as const;

/** Gatehouse's service token, as the doctor obtained it (never printed). */
export type ServiceToken =
  | { kind: 'given'; token: string }
  | { kind: 'issued'; token: string; expiresIn?: number }
  | { kind: 'refused'; status: number; error?: string; description?: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'unreadable'; status: number };

/**
 * The token as Gatehouse itself requests it (`requestServiceToken`, src/api/pingone/http.ts), kept
 * with the OAuth error of a refusal: the doctor reads the token's claims and explains the refusal.
 * Every IGA read after this goes through Gatehouse's own transport and token.
 */
export async function serviceToken(auth: PingOneAuth, timeoutMs: number): Promise<ServiceToken> {
  if (auth.kind === 'bearer') return { kind: 'given', token: auth.token };
  let answer: ServiceTokenAnswer;
  try {
    answer = await requestServiceToken(auth, timeoutMs);
  } catch (error) {
    if (error instanceof GovernanceUnavailable) return { kind: 'unreachable', reason: networkReason(error.cause) };
    throw error;
  }
  if (answer.ok) return { kind: 'issued', token: answer.accessToken, expiresIn: answer.expiresIn };
  if (answer.status >= 200 && answer.status < 300) return { kind: 'unreadable', status: answer.status };
  return { kind: 'refused', status: answer.status, error: answer.error, description: answer.errorDescription };
}

export function tokenFinding(auth: PingOneAuth, token: ServiceToken): Finding {
  if (auth.kind === 'bearer') {
    return ok(
      TOKEN,
      'PINGONE_ACCESS_TOKEN is given as is: Gatehouse cannot renew it, so every call fails once it expires; ' +
        'PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET lets Gatehouse fetch its own.',
    );
  }
  const where = `the access_token endpoint ${auth.tokenUrl}`;
  switch (token.kind) {
    case 'given':
    case 'issued':
      return ok(
        TOKEN,
        `${where} issued a token to the client ${auth.clientId} for ${auth.scopes.join(' ')}` +
          `${token.kind === 'issued' && token.expiresIn ? `, valid ${Math.round(token.expiresIn / 60)} min` : ''}.`,
      );
    case 'unreachable':
      return problem(
        TOKEN,
        `${where} does not answer (${token.reason}): check PINGONE_TENANT_URL (https://<tenant>.forgeblocks.com)` +
          ', PINGONE_TOKEN_URL if set, and that this machine may reach the tenant.',
      );
    case 'unreadable':
      return problem(TOKEN, `${where} answered HTTP ${token.status} without a token Gatehouse can read.`);
    case 'refused':
      return problem(TOKEN, refusal(auth, where, token));
  }
}

function refusal(
  auth: Extract<PingOneAuth, { kind: 'client_credentials' }>,
  where: string,
  token: Extract<ServiceToken, { kind: 'refused' }>,
): string {
  const said = [token.error, token.description?.slice(0, 200)].filter(Boolean).join(': ');
  const head = `${where} refused the client ${auth.clientId} (HTTP ${token.status}${said ? ` ${said}` : ''})`;
  if (token.status === 404) {
    return `${where} does not exist (HTTP 404): check PINGONE_REALM (${realmOf(auth.tokenUrl)}) or PINGONE_TOKEN_URL.`;
  }
  switch (token.error) {
    case 'invalid_client':
      return (
        `${head}: check that PINGONE_CLIENT_ID names an OAuth 2.0 client of that realm (Native Consoles > ` +
        'Access Management > Applications > OAuth 2.0 > Clients), that PINGONE_CLIENT_SECRET is its secret, and ' +
        'that it authenticates with client_secret_basic.'
      );
    case 'invalid_scope':
      return `${head}: add ${auth.scopes.join(' ')} to the client's scopes, or set PINGONE_SCOPES to what it may ask for.`;
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return `${head}: give the client the Client Credentials grant type.`;
    default:
      return token.status === 401
        ? `${head}: check PINGONE_CLIENT_ID and PINGONE_CLIENT_SECRET.`
        : `${head}: check the client's grant types (Client Credentials) and scopes (${auth.scopes.join(' ')}).`;
  }
}

function realmOf(tokenUrl: string): string {
  return /\/realms\/root\/realms\/([^/]+)\//.exec(tokenUrl)?.[1] ?? '?';
}

/**
 * What the token says of itself, when it is a JWT (AM issues client-based tokens as JWTs; its
 * default server-side tokens are opaque): the IGA and IDM scopes, and when it expires.
 */
export function claimsFinding(token: ServiceToken, now: number): Finding {
  if (token.kind !== 'given' && token.kind !== 'issued') {
    return unchecked(CLAIMS, `not checked: no token (see "${TOKEN}").`);
  }
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token.token);
  } catch {
    return unchecked(
      CLAIMS,
      'the token is opaque (not a JWT), so its scopes and expiry cannot be read here; the IGA lines below show ' +
        'whether IGA accepts it.',
    );
  }
  const scope = claims.scope;
  const scopes = Array.isArray(scope) ? scope.map(String) : typeof scope === 'string' ? scope.split(/\s+/) : [];
  const missing = NEEDED_SCOPES.filter((needed) => !scopes.includes(needed));
  const expiry =
    typeof claims.exp === 'number'
      ? claims.exp * 1000 <= now
        ? `it expired at ${new Date(claims.exp * 1000).toISOString()}`
        : `it expires in ${Math.round((claims.exp * 1000 - now) / 60_000)} min`
      : 'it carries no expiry';
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) {
    return problem(
      CLAIMS,
      `${expiry}: set a fresh PINGONE_ACCESS_TOKEN, or better PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET so Gatehouse renews its own.`,
    );
  }
  if (missing.length > 0) {
    return problem(
      CLAIMS,
      `the token's scope claim (${scopes.join(' ') || 'none'}) lacks ${missing.join(' and ')}, which IGA and managed ` +
        "users need: add them to the client's scopes and to PINGONE_SCOPES.",
    );
  }
  const subject = typeof claims.sub === 'string' ? ` for ${claims.sub}` : '';
  return ok(CLAIMS, `a JWT${subject} with ${NEEDED_SCOPES.join(' and ')}; ${expiry}.`);
}
