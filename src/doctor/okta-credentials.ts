import type { Authorizer } from '../api/http.js';
import { readAssertionKey } from '../api/okta/assertion-key.js';
import type { OktaAuth } from '../config.js';
import { GovernanceAuthFailed, GovernanceProtocolError, GovernanceUnavailable } from '../domain/errors.js';
import { type Finding, ok, problem, unchecked } from './finding.js';
import { oktaSays, type Probe } from './okta-probe.js';
import { describeError } from './runner.js';

const SUBJECT = 'Okta credentials';

type OAuth = Extract<OktaAuth, { kind: 'private_key_jwt' }>;

/**
 * What asking for a token gave: the authorizer's own token request, as Gatehouse makes it, and
 * whether the token it got is DPoP-bound (sent as `Authorization: DPoP …` with a proof).
 */
export type TokenOutcome = { ok: true; dpop: boolean } | { ok: false; error: unknown };

/** Asks the authorizer for the headers of one call: for OAuth, that is the token request. */
export async function obtainToken(authorizer: Authorizer, orgUrl: string): Promise<TokenOutcome> {
  try {
    const headers = await authorizer.headers({ method: 'GET', url: `${orgUrl}/api/v1/users?limit=1` });
    return { ok: true, dpop: /^DPoP\s/i.test(headers.authorization ?? '') };
  } catch (error) {
    return { ok: false, error };
  }
}

/** An SSWS token is accepted when an authenticated read is answered with anything but 401. */
export function sswsFinding(users: Probe<unknown>): Finding {
  switch (users.kind) {
    case 'answered':
      return ok(SUBJECT, 'Okta accepted OKTA_API_TOKEN.');
    case 'refused':
      if (users.status === 401) {
        return problem(
          SUBJECT,
          `Okta refused OKTA_API_TOKEN (${oktaSays(users)}): the token is mistyped, revoked, expired (Okta expires ` +
            'one unused for 30 days) or from another org; create one in Admin Console > Security > API > Tokens, ' +
            'signed in as an admin with the Access Requests Administrator role.',
        );
      }
      return ok(SUBJECT, `Okta accepted OKTA_API_TOKEN (the users read answered ${users.status}, not 401).`);
    case 'rate-limited':
      return unchecked(
        SUBJECT,
        `not checked: Okta answered 429 (rate limited) before looking at the token; run the doctor again in ${Math.ceil(users.retryAfterMs / 1000)} s.`,
      );
    case 'unreachable':
      return unchecked(SUBJECT, 'not checked: the org did not answer (see "Okta org").');
    case 'unreadable':
      return unchecked(SUBJECT, `not checked: the users read answered something unreadable (${users.message}).`);
    case 'no-token':
      return unchecked(SUBJECT, `not checked: ${describeError(users.error)}`);
  }
}

/**
 * OAuth: the token request, then whether a read with the token is accepted. A refused token
 * request is explained by Okta's OAuth error code; when that code does not reach the doctor, or
 * says a scope is not granted, each configured scope is asked for alone (more token requests, no
 * other call) to name the ones Okta refuses.
 */
export async function oauthFindings(
  orgUrl: string,
  auth: OAuth,
  token: TokenOutcome,
  users: Probe<unknown>,
  singleScope: (scope: string) => Promise<TokenOutcome>,
): Promise<Finding> {
  if (token.ok) {
    if (users.kind === 'refused' && users.status === 401) {
      const challenge = users.headers.get('www-authenticate') ?? '';
      const dpop = /dpop/i.test(challenge);
      return problem(
        SUBJECT,
        `Okta issued a token to the service app ${auth.clientId} but refused it at GET /api/v1/users ` +
          `(${oktaSays(users)}${challenge ? `; ${challenge.slice(0, 160)}` : ''})` +
          (dpop
            ? ": the app requires DPoP-bound tokens; see the DPoP setting in the app's General tab."
            : ': check that the app belongs to this org (OKTA_ORG_URL).'),
      );
    }
    const bound = token.dpop
      ? ' The app requires DPoP: its tokens are bound to a key Gatehouse makes in memory, and every call carries a proof.'
      : '';
    return ok(
      SUBJECT,
      `Okta issued an access token to the service app ${auth.clientId} for ${auth.scopes.join(' ')}.${bound}`,
    );
  }
  const { error } = token;
  if (error instanceof GovernanceUnavailable) {
    return problem(
      SUBJECT,
      `the token endpoint ${orgUrl}/oauth2/v1/token did not give a token (${error.message}); check OKTA_ORG_URL and that it is reachable from here.`,
    );
  }
  if (error instanceof GovernanceProtocolError) {
    return problem(SUBJECT, `the token endpoint answered something Gatehouse cannot read (${error.message}).`);
  }
  if (!(error instanceof GovernanceAuthFailed) || error.vendorCode === 'unusable_private_key') {
    return problem(SUBJECT, `Gatehouse cannot sign its client assertion: ${keyProblem(auth, error)}`);
  }
  const code = error.vendorCode;
  if (code === 'invalid_scope' || (!code && error.status === 400)) {
    const refused = await refusedScopes(auth, singleScope);
    if (refused.length > 0 && refused.length < auth.scopes.length) {
      return problem(
        SUBJECT,
        `Okta refused the scope${refused.length > 1 ? 's' : ''} ${refused.join(', ')} for the service app ` +
          `${auth.clientId} (invalid_scope): grant ${refused.length > 1 ? 'them' : 'it'} in Admin Console > ` +
          'Applications > the app > Okta API Scopes, or leave them out of OKTA_SCOPES.',
      );
    }
  }
  return problem(SUBJECT, explainTokenRefusal(auth, error.status, code));
}

async function refusedScopes(auth: OAuth, singleScope: (scope: string) => Promise<TokenOutcome>): Promise<string[]> {
  const outcomes = await Promise.all(auth.scopes.map(async (scope) => ({ scope, outcome: await singleScope(scope) })));
  return outcomes.filter(({ outcome }) => !outcome.ok).map(({ scope }) => scope);
}

const DPOP =
  'the app requires DPoP (Demonstrating Proof of Possession, on by default for new API Services apps) and Okta ' +
  "refused Gatehouse's proof: check this machine's clock (proofs carry the time) and that no proxy drops the DPoP " +
  'header or rewrites the token URL, or untick "Require Demonstrating Proof of Possession (DPoP) header in token ' +
  'requests" in the app\'s General settings.';

/** Why the key cannot sign, in the client's own words (readAssertionKey never repeats key material). */
function keyProblem(auth: OAuth, error: unknown): string {
  try {
    readAssertionKey(auth.privateKey);
  } catch (unusable) {
    return `${(unusable as Error).message}; give the private key as PEM (PKCS#8 or PKCS#1, \\n escapes allowed) or as a JWK with its private part.`;
  }
  return `${describeError(error)}.`;
}

/** Okta's OAuth error codes (RFC 6749 §5.2, RFC 9449), in what-to-do terms. */
function explainTokenRefusal(auth: OAuth, status: number, code: string | undefined): string {
  const head = `Okta's token endpoint refused the service app ${auth.clientId} (HTTP ${status}${code ? ` ${code}` : ''})`;
  switch (code) {
    case 'invalid_client':
      return `${head}: ${CLIENT_FIX}`;
    case 'invalid_dpop_proof':
    case 'use_dpop_nonce':
      return `${head}: ${DPOP}`;
    case 'unauthorized_client':
    case 'unsupported_grant_type':
      return `${head}: the app may not use the client credentials grant; make it an API Services app (Client Credentials).`;
    case 'invalid_scope':
      return `${head}: a scope in OKTA_SCOPES (${auth.scopes.join(' ')}) is not granted to the app; grant it under Okta API Scopes.`;
    case undefined:
      return status === 401
        ? `${head}: ${CLIENT_FIX}`
        : `${head} whichever scope it asked for: ${DPOP} If DPoP is off, check that the app has the Client Credentials grant.`;
    default:
      return `${head}.`;
  }
}

const CLIENT_FIX =
  'check that OKTA_CLIENT_ID is the Client ID of an API Services app of this org, that the app authenticates with ' +
  '"Public key / Private key", and that the public key registered there is the pair of OKTA_PRIVATE_KEY ' +
  '(OKTA_PRIVATE_KEY_ID, if set, must be its kid).';
