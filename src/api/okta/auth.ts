import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OktaAuth } from '../../config.js';
import { GovernanceAuthFailed, GovernanceProtocolError, GovernanceUnavailable } from '../../domain/errors.js';
import type { AuthorizedCall, Authorizer } from '../http.js';
import { type AssertionKey, readAssertionKey } from './assertion-key.js';
import { DpopProver, resourceNonceChallenge } from './dpop.js';

/** Produces the headers of each call: a fixed SSWS token, or a cached OAuth access token (DPoP-bound or not). */
export type OktaAuthorizer = Authorizer;

export function createAuthorizer(orgUrl: string, auth: OktaAuth, timeoutMs: number, logger?: Logger): OktaAuthorizer {
  if (auth.kind === 'ssws') {
    const authorization = `SSWS ${auth.token}`;
    return { headers: async () => ({ authorization }), invalidate: () => {} };
  }
  return new PrivateKeyJwtAuthorizer(orgUrl, auth, timeoutMs, logger);
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

/** OAuth's error answer (RFC 6749 §5.2), as the token endpoint gives it. */
const tokenError = z.object({ error: z.string() }).loose();

/** Renew this long before Okta's expiry so a token never dies in flight. */
const EXPIRY_MARGIN_MS = 60_000;
/** Token requests per token: plain, then with a proof, then with the nonce Okta asked for (and one spare). */
const MAX_TOKEN_REQUESTS = 4;

interface AccessToken {
  value: string;
  /** Bound to our DPoP key: sent as `DPoP <token>` with a proof on every call. */
  bound: boolean;
  expiresAt: number;
}

/**
 * OAuth 2.0 client credentials for an Okta service app, authenticating with a signed JWT
 * (private_key_jwt, RFC 7523) rather than a shared secret.
 *
 * New API Services apps require DPoP (RFC 9449) by default, and nothing in our settings says
 * whether this one does, so the first token request goes without a proof; if Okta answers
 * `invalid_dpop_proof`, every later request carries one (the same switch Okta's Go SDK makes).
 * Okta then asks for its nonce (400 `use_dpop_nonce` with a `DPoP-Nonce` header) and gets it at
 * once. A token Okta issues as `token_type: DPoP` is sent as `Authorization: DPoP <token>` with a
 * proof of its own for each call; an API's nonce challenge (401 `WWW-Authenticate: DPoP
 * error="use_dpop_nonce"`) is taken and the call sent again by the transport.
 */
class PrivateKeyJwtAuthorizer implements OktaAuthorizer {
  private cached?: AccessToken;
  private pending?: Promise<AccessToken>;
  private readonly tokenUrl: string;
  private assertionKey?: AssertionKey;
  /** Set for good once the token endpoint said this app requires DPoP. */
  private dpop?: DpopProver;

  constructor(
    orgUrl: string,
    private readonly auth: Extract<OktaAuth, { kind: 'private_key_jwt' }>,
    private readonly timeoutMs: number,
    private readonly logger?: Logger,
  ) {
    this.tokenUrl = `${orgUrl}/oauth2/v1/token`;
  }

  async headers(call: AuthorizedCall): Promise<Record<string, string>> {
    const token = await this.token();
    if (!token.bound || !this.dpop) return { authorization: `Bearer ${token.value}` };
    return {
      authorization: `DPoP ${token.value}`,
      dpop: await this.dpop.forResource(call.method, call.url, token.value),
    };
  }

  invalidate(): void {
    this.cached = undefined;
  }

  acceptChallenge(headers: Headers): boolean {
    if (!this.dpop || !this.cached?.bound) return false;
    const nonce = resourceNonceChallenge(headers);
    return nonce !== undefined && this.dpop.useResourceNonce(nonce);
  }

  private async token(): Promise<AccessToken> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached;
    // Concurrent callers share one token request.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetchToken(): Promise<AccessToken> {
    for (let attempt = 1; ; attempt += 1) {
      const { response, body } = await this.requestToken();
      if (response.ok) return this.keep(body);
      const error = tokenError.safeParse(body).data?.error;
      const retry = attempt < MAX_TOKEN_REQUESTS && response.status === 400 && this.mayRetry(error, response.headers);
      if (retry) continue;
      if (response.status === 400 || response.status === 401) {
        throw new GovernanceAuthFailed('token', response.status, error);
      }
      throw new GovernanceUnavailable('token', `token endpoint answered HTTP ${response.status}`);
    }
  }

  /** Whether a 400 from the token endpoint is DPoP asking for something we can give at once. */
  private mayRetry(error: string | undefined, headers: Headers): boolean {
    if (error === 'invalid_dpop_proof' && !this.dpop) {
      this.logger?.info(
        { clientId: this.auth.clientId },
        'Okta requires DPoP for this service app ("Require Demonstrating Proof of Possession"): ' +
          'its tokens are bound to a key Gatehouse made in memory from now on',
      );
      this.dpop = new DpopProver();
      return true;
    }
    const nonce = headers.get('dpop-nonce');
    return error === 'use_dpop_nonce' && nonce !== null && this.dpop?.useTokenNonce(nonce) === true;
  }

  private async requestToken(): Promise<{ response: Response; body: unknown }> {
    // A fresh assertion each time, as Okta's Go SDK makes: one Okta has seen may be refused as a replay.
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.auth.scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await this.assertion(),
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (this.dpop) headers.dpop = await this.dpop.forToken(this.tokenUrl);
    let response: Response;
    try {
      response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers,
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new GovernanceUnavailable('token', `token endpoint unreachable: ${(error as Error).message}`, false, {
        cause: error,
      });
    }
    const body: unknown = await response.json().catch(() => undefined);
    return { response, body };
  }

  private keep(body: unknown): AccessToken {
    const token = tokenResponse.safeParse(body);
    if (!token.success) throw new GovernanceProtocolError('token', 'token endpoint sent an unreadable answer');
    const bound = token.data.token_type.toLowerCase() === 'dpop';
    if (bound && !this.dpop) {
      throw new GovernanceProtocolError(
        'token',
        'token endpoint sent a DPoP-bound token for a request without a proof',
      );
    }
    this.cached = {
      value: token.data.access_token,
      bound,
      expiresAt: Date.now() + token.data.expires_in * 1000 - EXPIRY_MARGIN_MS,
    };
    return this.cached;
  }

  private async assertion(): Promise<string> {
    const { key, alg } = this.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, ...(this.auth.keyId ? { kid: this.auth.keyId } : {}) })
      .setIssuer(this.auth.clientId)
      .setSubject(this.auth.clientId)
      .setAudience(this.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(key);
  }

  private signingKey(): AssertionKey {
    if (this.assertionKey) return this.assertionKey;
    try {
      this.assertionKey = readAssertionKey(this.auth.privateKey);
    } catch (error) {
      this.logger?.error({ clientId: this.auth.clientId }, (error as Error).message);
      throw new GovernanceAuthFailed('token', 0, 'unusable_private_key');
    }
    return this.assertionKey;
  }
}
