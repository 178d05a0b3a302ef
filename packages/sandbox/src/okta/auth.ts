import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { oktaId } from './ids.js';
import type { Actor, UserRecord } from './records.js';

/** Who is calling and, for OAuth tokens, what they may do. SSWS tokens carry their admin's full rights. */
export interface Caller {
  actor: Actor;
  scopes?: readonly string[];
}

export interface ServiceAppRegistration {
  clientId: string;
  publicJwk: JWK;
  scopes: string[];
  /** Shown as the decider's name when the app resolves a task. */
  name?: string;
}

export interface ServiceApp {
  clientId: string;
  /** The `pca…` principal Okta records as creator of what the app does. */
  principalId: string;
  name: string;
  scopes: string[];
}

export interface TokenAnswer {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  scope: string;
}

/** A refusal from the token endpoint, in OAuth's own error format rather than Okta's. */
export class OAuthRefusal extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthRefusal';
  }
}

const TOKEN_LIFETIME_SECONDS = 3600;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Okta refuses client assertions that live longer than an hour. */
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
const CLOCK_SKEW_SECONDS = 60;

/**
 * API tokens and OAuth service apps. Access tokens live an hour of org time (so moving the org's
 * clock expires them), while client assertions are checked against the real clock, because clients
 * sign them with theirs.
 */
export class Credentials {
  private readonly apiTokens = new Map<string, string>();
  private readonly apps = new Map<string, ServiceApp & { key: ReturnType<typeof importJWK> }>();
  private readonly accessTokens = new Map<string, { app: ServiceApp; scopes: string[]; expiresAt: number }>();
  private readonly usedAssertions = new Set<string>();

  constructor(private readonly now: () => number) {}

  addApiToken(token: string, userId: string): void {
    this.apiTokens.set(token, userId);
  }

  registerServiceApp(registration: ServiceAppRegistration): ServiceApp {
    const app: ServiceApp = {
      clientId: registration.clientId,
      principalId: oktaId('pca'),
      name: registration.name ?? registration.clientId,
      scopes: [...registration.scopes],
    };
    const key = importJWK(registration.publicJwk, registration.publicJwk.alg ?? 'RS256');
    key.catch(() => {}); // reported when the app first asks for a token
    this.apps.set(app.clientId, { ...app, key });
    return app;
  }

  authenticate(header: string | undefined, findUser: (id: string) => UserRecord | undefined): Caller | undefined {
    const match = /^(SSWS|Bearer)\s+(\S+)$/i.exec(header?.trim() ?? '');
    if (!match) return undefined;
    const [, scheme = '', secret = ''] = match;
    if (scheme.toUpperCase() === 'SSWS') {
      const user = findUser(this.apiTokens.get(secret) ?? '');
      if (user?.status !== 'ACTIVE') return undefined;
      const displayName = user.profile.displayName ?? `${user.profile.firstName} ${user.profile.lastName}`;
      return { actor: { externalId: user.id, type: 'OKTA_USER', displayName } };
    }
    const token = this.accessTokens.get(secret);
    if (!token || token.expiresAt <= this.now()) return undefined;
    return {
      actor: { externalId: token.app.principalId, type: 'UNKNOWN', displayName: token.app.name },
      scopes: token.scopes,
    };
  }

  /** Client credentials with a private_key_jwt client assertion (RFC 7523), as Okta's org server does it. */
  async issueToken(form: Record<string, string | undefined>, tokenUrl: string): Promise<TokenAnswer> {
    if (form.grant_type !== 'client_credentials') {
      throw new OAuthRefusal(
        400,
        'unsupported_grant_type',
        `The grant type "${form.grant_type ?? ''}" is not supported.`,
      );
    }
    if (form.client_assertion_type !== JWT_BEARER || !form.client_assertion) {
      throw new OAuthRefusal(
        401,
        'invalid_client',
        'Client authentication failed: a private_key_jwt client_assertion is required.',
      );
    }
    const assertion = form.client_assertion;
    let issuer: string | undefined;
    try {
      decodeProtectedHeader(assertion);
      issuer = decodeJwt(assertion).iss;
    } catch {
      throw new OAuthRefusal(401, 'invalid_client', 'The client_assertion is not a well-formed JWT.');
    }
    const app = issuer ? this.apps.get(issuer) : undefined;
    if (!app || (form.client_id && form.client_id !== app.clientId)) {
      throw new OAuthRefusal(401, 'invalid_client', 'The client_assertion issuer is not a registered client.');
    }
    const payload = await this.verifyAssertion(assertion, app, tokenUrl);
    const jti = typeof payload.jti === 'string' ? payload.jti : undefined;
    if (jti) {
      if (this.usedAssertions.has(`${app.clientId}:${jti}`)) {
        throw new OAuthRefusal(401, 'invalid_client', 'The client_assertion token has already been used (jti replay).');
      }
      this.usedAssertions.add(`${app.clientId}:${jti}`);
    }

    const requested = (form.scope ?? '').split(/\s+/).filter(Boolean);
    if (requested.length === 0) {
      throw new OAuthRefusal(
        400,
        'invalid_scope',
        "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
      );
    }
    const refused = requested.filter((scope) => !app.scopes.includes(scope));
    if (refused.length > 0) {
      throw new OAuthRefusal(
        400,
        'invalid_scope',
        `The following scopes are not granted to the client: ${refused.join(' ')}`,
      );
    }
    const accessToken = randomBytes(32).toString('base64url');
    this.accessTokens.set(accessToken, {
      app,
      scopes: requested,
      expiresAt: this.now() + TOKEN_LIFETIME_SECONDS * 1000,
    });
    return {
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
      scope: requested.join(' '),
    };
  }

  private async verifyAssertion(
    assertion: string,
    app: ServiceApp & { key: ReturnType<typeof importJWK> },
    tokenUrl: string,
  ) {
    let key: Awaited<ReturnType<typeof importJWK>>;
    try {
      key = await app.key;
    } catch {
      throw new OAuthRefusal(401, 'invalid_client', 'The client has no usable public key registered.');
    }
    try {
      const { payload } = await jwtVerify(assertion, key, {
        issuer: app.clientId,
        subject: app.clientId,
        audience: tokenUrl,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_SKEW_SECONDS,
      });
      const lifetime = (payload.exp ?? 0) - Math.floor(Date.now() / 1000);
      if (lifetime > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
        throw new OAuthRefusal(
          401,
          'invalid_client',
          'The client_assertion token has an expiration too far in the future.',
        );
      }
      return payload;
    } catch (error) {
      if (error instanceof OAuthRefusal) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new OAuthRefusal(401, 'invalid_client', `The client_assertion could not be verified: ${reason}`);
    }
  }
}

/** Manage scopes include reading, as Okta's do. */
export function hasScope(caller: Caller, required: string): boolean {
  if (!caller.scopes) return true;
  const manage = required.replace(/\.read$/, '.manage');
  return caller.scopes.includes(required) || caller.scopes.includes(manage);
}
