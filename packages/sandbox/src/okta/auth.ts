import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { DpopRefusal, DpopVerifier, dpopChallenge } from './dpop.js';
import { OktaProblem } from './errors.js';
import { oktaId } from './ids.js';
import type { Actor, UserRecord } from './records.js';

/** Who is calling and, for OAuth tokens, what they may do. SSWS tokens carry their admin's full rights. */
export interface Caller {
  actor: Actor;
  scopes?: readonly string[];
  /** A DPoP-bound token: each call must also carry a proof made with this key (RFC 9449 §7). */
  dpop?: DpopBinding;
}

export interface DpopBinding {
  /** The SHA-256 thumbprint of the key the token is bound to (its `cnf.jkt`). */
  jkt: string;
  accessToken: string;
  /** The resource server asks this app's proofs for a nonce. */
  nonceRequired: boolean;
}

export interface ServiceAppRegistration {
  clientId: string;
  /** The public key client assertions are signed with: RSA (RS256/384/512) or EC P-256/384/521 (ES256/384/512). */
  publicJwk: JWK;
  scopes: string[];
  /** Shown as the decider's name when the app resolves a task. */
  name?: string;
  /**
   * The app's "Require Demonstrating Proof of Possession (DPoP) header in token requests". A real
   * org ticks it for every new API Services app; here it is off unless asked, so that clients
   * without DPoP keep working. With it, a token request without a proof is refused
   * (`invalid_dpop_proof`), and the tokens issued are DPoP-bound.
   */
  requireDpop?: boolean;
  /**
   * The resource server asks this app's DPoP-bound calls for a nonce (RFC 9449 §9: 401 with
   * `WWW-Authenticate: DPoP error="use_dpop_nonce"` and a `DPoP-Nonce` header). Okta's own APIs do
   * not ask today, so off unless asked.
   */
  dpopNonceAtResource?: boolean;
}

export interface ServiceApp {
  clientId: string;
  /** The `pca…` principal Okta records as creator of what the app does. */
  principalId: string;
  name: string;
  scopes: string[];
  requireDpop: boolean;
}

export interface TokenAnswer {
  /** `DPoP` when the request carried a proof: the token is bound to the proof's key. */
  token_type: 'Bearer' | 'DPoP';
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
    /** Sent with the answer (a `dpop-nonce` to use next). */
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthRefusal';
  }
}

/** A DPoP-bound token presented wrongly, or its proof refused: Okta's 401, with the RFC's challenge. */
function dpopProblem(refusal: DpopRefusal): OktaProblem {
  return new OktaProblem(401, 'E0000004', 'Authentication failed.', [{ errorSummary: refusal.description }], {
    ...dpopChallenge(refusal),
  });
}

/** What client assertions may be signed with (Okta's service-app guide), by key type and curve. */
const ASSERTION_ALGORITHMS: Record<string, readonly string[]> = {
  RSA: ['RS256', 'RS384', 'RS512'],
  'P-256': ['ES256'],
  'P-384': ['ES384'],
  'P-521': ['ES512'],
};

type PublicKey = Awaited<ReturnType<typeof importJWK>>;

interface RegisteredApp extends ServiceApp {
  jwk: JWK;
  keys: Map<string, Promise<PublicKey>>;
  dpopNonceAtResource: boolean;
}

interface IssuedToken {
  app: RegisteredApp;
  scopes: string[];
  expiresAt: number;
  /** The DPoP key the token is bound to, if it is. */
  jkt?: string;
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
  private readonly apps = new Map<string, RegisteredApp>();
  private readonly accessTokens = new Map<string, IssuedToken>();
  private readonly usedAssertions = new Set<string>();
  /** The org authorization server's proofs and nonces, and the resource server's: never each other's. */
  private readonly tokenProofs: DpopVerifier;
  private readonly resourceProofs: DpopVerifier;

  constructor(private readonly now: () => number) {
    this.tokenProofs = new DpopVerifier('Authorization server', now);
    this.resourceProofs = new DpopVerifier('Resource server', now);
  }

  addApiToken(token: string, userId: string): void {
    this.apiTokens.set(token, userId);
  }

  registerServiceApp(registration: ServiceAppRegistration): ServiceApp {
    const app: ServiceApp = {
      clientId: registration.clientId,
      principalId: oktaId('pca'),
      name: registration.name ?? registration.clientId,
      scopes: [...registration.scopes],
      requireDpop: registration.requireDpop ?? false,
    };
    this.apps.set(app.clientId, {
      ...app,
      jwk: registration.publicJwk,
      keys: new Map(),
      dpopNonceAtResource: registration.dpopNonceAtResource ?? false,
    });
    return app;
  }

  /**
   * Who an Authorization header speaks for. A DPoP-bound token is refused with the Bearer scheme
   * (RFC 9449 §7.2), a Bearer token with the DPoP scheme; the proof a DPoP-bound call carries is
   * checked by `verifyResourceProof`.
   */
  authenticate(header: string | undefined, findUser: (id: string) => UserRecord | undefined): Caller | undefined {
    const match = /^(SSWS|Bearer|DPoP)\s+(\S+)$/i.exec(header?.trim() ?? '');
    if (!match) return undefined;
    const [, written = '', secret = ''] = match;
    const scheme = written.toUpperCase();
    if (scheme === 'SSWS') {
      const user = findUser(this.apiTokens.get(secret) ?? '');
      if (user?.status !== 'ACTIVE') return undefined;
      const displayName = user.profile.displayName ?? `${user.profile.firstName} ${user.profile.lastName}`;
      return { actor: { externalId: user.id, type: 'OKTA_USER', displayName } };
    }
    const token = this.accessTokens.get(secret);
    if (!token || token.expiresAt <= this.now()) return undefined;
    if (token.jkt && scheme !== 'DPOP') {
      throw dpopProblem(
        new DpopRefusal('invalid_token', 'The access token is DPoP-bound: send it with the DPoP scheme and a proof.'),
      );
    }
    if (!token.jkt && scheme === 'DPOP') {
      throw dpopProblem(new DpopRefusal('invalid_token', 'The access token is not DPoP-bound.'));
    }
    return {
      actor: { externalId: token.app.principalId, type: 'UNKNOWN', displayName: token.app.name },
      scopes: token.scopes,
      ...(token.jkt
        ? { dpop: { jkt: token.jkt, accessToken: secret, nonceRequired: token.app.dpopNonceAtResource } }
        : {}),
    };
  }

  /**
   * The proof of a DPoP-bound call: signed with the token's key, for this method and URL, carrying
   * the token's hash, fresh and not seen before (RFC 9449 §4.3, §7.1). Refusals are 401 with a
   * `WWW-Authenticate: DPoP` challenge (and a `DPoP-Nonce` when a nonce is wanted).
   */
  async verifyResourceProof(
    binding: DpopBinding,
    call: { method: string; url: string; proof: string | undefined },
  ): Promise<void> {
    try {
      await this.resourceProofs.verify(call.proof, {
        method: call.method,
        url: call.url,
        accessToken: binding.accessToken,
        jkt: binding.jkt,
        nonceRequired: binding.nonceRequired,
      });
    } catch (error) {
      if (error instanceof DpopRefusal) throw dpopProblem(error);
      throw error;
    }
  }

  /**
   * Client credentials with a private_key_jwt client assertion (RFC 7523), as Okta's org server does
   * it, with a DPoP proof (RFC 9449) where the app requires one or the client sends one.
   */
  async issueToken(
    form: Record<string, string | undefined>,
    tokenUrl: string,
    dpopProof?: string,
  ): Promise<TokenAnswer> {
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
    const jkt = await this.checkTokenProof(app, dpopProof, tokenUrl);

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
      ...(jkt ? { jkt } : {}),
    });
    return {
      token_type: jkt ? 'DPoP' : 'Bearer',
      expires_in: TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
      scope: requested.join(' '),
    };
  }

  /**
   * The token request's DPoP proof, if the app requires one or the client sent one: the org
   * server always asks for its nonce first (400 `use_dpop_nonce` with a `dpop-nonce` header).
   * Answers the key's thumbprint, to bind the token to.
   */
  private async checkTokenProof(
    app: RegisteredApp,
    proof: string | undefined,
    tokenUrl: string,
  ): Promise<string | undefined> {
    if (!app.requireDpop && proof === undefined) return undefined;
    try {
      const { jkt } = await this.tokenProofs.verify(proof, { method: 'POST', url: tokenUrl, nonceRequired: true });
      return jkt;
    } catch (error) {
      if (!(error instanceof DpopRefusal)) throw error;
      const headers: Record<string, string> = error.nonce ? { 'dpop-nonce': error.nonce } : {};
      const code = error.error === 'use_dpop_nonce' ? 'use_dpop_nonce' : 'invalid_dpop_proof';
      throw new OAuthRefusal(400, code, error.description, headers);
    }
  }

  /** The app's public key for the assertion's `alg`, which must suit the key (RSA, or the EC curve's). */
  private assertionKey(app: RegisteredApp, alg: string | undefined): Promise<PublicKey> {
    const kind = app.jwk.kty === 'EC' ? (app.jwk.crv ?? '') : (app.jwk.kty ?? '');
    const allowed = ASSERTION_ALGORITHMS[kind] ?? [];
    if (!alg || !allowed.includes(alg) || (app.jwk.alg && app.jwk.alg !== alg)) {
      return Promise.reject(
        new OAuthRefusal(
          401,
          'invalid_client',
          `The client_assertion algorithm "${alg ?? ''}" does not suit the client's key.`,
        ),
      );
    }
    let key = app.keys.get(alg);
    if (!key) {
      key = importJWK(app.jwk, alg);
      app.keys.set(alg, key);
    }
    return key;
  }

  private async verifyAssertion(assertion: string, app: RegisteredApp, tokenUrl: string) {
    let key: PublicKey;
    const alg = decodeProtectedHeader(assertion).alg;
    try {
      key = await this.assertionKey(app, alg);
    } catch (error) {
      if (error instanceof OAuthRefusal) throw error;
      throw new OAuthRefusal(401, 'invalid_client', 'The client has no usable public key registered.');
    }
    try {
      const { payload } = await jwtVerify(assertion, key, {
        algorithms: alg ? [alg] : [],
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
