import { createLocalJWKSet, decodeJwt, type JWK, type JWTPayload, jwtVerify } from 'jose';
import type { PingOneTenant } from './tenant.js';

/**
 * The JWT profile for OAuth 2.0 authorization grants (RFC 7523) as AM serves it at a realm's
 * access_token endpoint, set up the way `frodo admin generate-rfc7523-authz-grant-artefacts` does
 * (frodo-lib src/ops/AdminOps.ts, generateRfc7523AuthZGrantArtefacts): an OAuth client allowed
 * only `urn:ietf:params:oauth:grant-type:jwt-bearer`, public (token endpoint auth method `none`)
 * with consent implied, and a trusted JWT issuer agent `<client-id>-issuer` holding the issuer's
 * `iss`, its public keys (`jwkSet`) and the subjects it may assert (`allowedSubjects`, empty for
 * any user of the realm). AM's checks, from its "JWT profile for OAuth 2.0 authorization grant"
 * pages: `iss` matches a trusted issuer, the signature verifies with its keys (asymmetric only),
 * `aud` is or contains the token endpoint, `exp` is present, not passed and not more than 30
 * minutes on; the subject resolves to a user of the realm (frodo-cli's --sub help).
 */

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** An OAuth client allowed the JWT bearer grant: public unless it has a secret. */
export interface JwtBearerClient {
  scopes: string[];
  secret?: string;
}

/** AM's TrustedJwtIssuer agent, with the fields frodo sets. */
export interface TrustedJwtIssuer {
  /** The agent's id: `<client-id>-issuer` when frodo made it. */
  id: string;
  issuer: string;
  jwkSet: { keys: JWK[] };
  /** The subjects (managed-user ids) the issuer may assert; empty: any user of the realm. */
  allowedSubjects: string[];
}

/** What frodo's command makes: the client and its trusted issuer. */
export interface PersonGrantArtefacts {
  clientId: string;
  issuer: string;
  publicKeys: JWK[];
  allowedSubjects?: string[];
  /** A confidential client's secret; frodo's client is public. */
  clientSecret?: string;
  /** frodo's default is `openid fr:am:* fr:idm:*`; Ping's connector adds `fr:iga:*`. */
  scopes?: string[];
}

/** The sandbox's published person grant: Gatehouse's sandbox mode holds the private key. */
export const SANDBOX_PERSON_GRANT: PersonGrantArtefacts = Object.freeze({
  clientId: 'gatehouse-sandbox-person',
  issuer: 'urn:gatehouse:sandbox:issuer',
  publicKeys: [
    {
      kty: 'EC',
      crv: 'P-256',
      x: 'UsG7Uh07RjO1lkd53uIn51VB06PVNS4X-6d16KhAc-c',
      y: 'Oll8Af8mvFo5GqiCk-uPMIKz-yBVBaMhtEorn870Kwk',
    },
  ],
});

/** How long AM lets an assertion live ("JWT expiration time is unreasonable" beyond). */
const MAX_ASSERTION_LIFETIME_MS = 30 * 60_000;
/** The access token's life: frodo's client keeps AM's default accessTokenLifetime of 3600 s. */
const TOKEN_LIFETIME_S = 3600;

/** An OAuth error answer (RFC 6749 §5.2). */
export class OAuthProblem extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

export interface JwtBearerInput {
  form: Record<string, string | undefined>;
  /** The client id and secret of an `Authorization: Basic` header, when one was sent. */
  basic?: { id: string; secret: string };
  /** The token endpoint as the caller reached it, which the assertion's audience must name. */
  tokenEndpoint: string;
}

export interface TokenAnswer {
  access_token: string;
  scope: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** The JWT bearer grant: a token acting as the assertion's subject, or the OAuth problem. */
export async function jwtBearerGrant(tenant: PingOneTenant, input: JwtBearerInput): Promise<TokenAnswer> {
  const clientId = input.basic?.id ?? input.form.client_id;
  const client = clientId ? tenant.jwtBearerClients.get(clientId) : undefined;
  if (!clientId || !client) {
    if (clientId && tenant.oauthClients.has(clientId)) {
      throw new OAuthProblem(400, 'unauthorized_client', 'Client is not authorized to use the jwt-bearer grant');
    }
    throw new OAuthProblem(401, 'invalid_client', 'Client authentication failed');
  }
  if (client.secret !== undefined && (input.basic?.secret ?? input.form.client_secret) !== client.secret) {
    throw new OAuthProblem(401, 'invalid_client', 'Client authentication failed');
  }
  const assertion = input.form.assertion;
  if (!assertion) throw new OAuthProblem(400, 'invalid_request', 'Missing parameter: assertion');

  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(assertion);
  } catch {
    throw new OAuthProblem(400, 'invalid_grant', 'The assertion is not a JWT');
  }
  const trusted = tenant.trustedIssuers.find((candidate) => candidate.issuer === unverified.iss);
  if (!trusted) throw new OAuthProblem(400, 'invalid_grant', 'JWT issuer is not trusted');

  const now = tenant.now();
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(assertion, createLocalJWKSet(trusted.jwkSet), {
      issuer: trusted.issuer,
      currentDate: new Date(now),
      requiredClaims: ['exp', 'sub', 'aud'],
      algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'],
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new OAuthProblem(
      400,
      'invalid_grant',
      code === 'ERR_JWT_EXPIRED' ? 'JWT has expired' : `JWT is not valid: ${(error as Error).message}`,
    );
  }
  if ((claims.exp as number) * 1000 - now > MAX_ASSERTION_LIFETIME_MS) {
    throw new OAuthProblem(400, 'invalid_grant', 'JWT expiration time is unreasonable');
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.some((audience) => sameEndpoint(audience, input.tokenEndpoint))) {
    throw new OAuthProblem(400, 'invalid_grant', 'JWT audience does not contain the token endpoint');
  }
  const subject = claims.sub as string;
  if (trusted.allowedSubjects.length > 0 && !trusted.allowedSubjects.includes(subject)) {
    throw new OAuthProblem(400, 'invalid_grant', 'JWT subject is not allowed for this issuer');
  }
  const user = tenant.user(subject);
  if (user?.accountStatus !== 'active') {
    throw new OAuthProblem(400, 'invalid_grant', 'JWT subject is not an active user of the realm');
  }
  const asked = (input.form.scope ?? '').split(' ').filter(Boolean);
  const scopes = asked.length > 0 ? asked : client.scopes;
  if (scopes.some((scope) => !client.scopes.includes(scope))) {
    throw new OAuthProblem(400, 'invalid_scope', 'Unknown/invalid scope(s)');
  }
  return {
    access_token: tenant.issuePersonToken(user._id, TOKEN_LIFETIME_S),
    scope: scopes.join(' '),
    token_type: 'Bearer',
    expires_in: TOKEN_LIFETIME_S,
  };
}

/** Two spellings of one endpoint: a default port written out (frodo's `:443`) or left out. */
function sameEndpoint(audience: string, endpoint: string): boolean {
  if (!URL.canParse(audience)) return false;
  const a = new URL(audience);
  const b = new URL(endpoint);
  return a.origin === b.origin && a.pathname === b.pathname && !a.search && !a.hash;
}
