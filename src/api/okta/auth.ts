import { randomUUID } from 'node:crypto';
import { importJWK, importPKCS8, type JWK, SignJWT } from 'jose';
import { z } from 'zod';
import type { OktaAuth } from '../../config.js';
import { GovernanceAuthFailed, GovernanceProtocolError, GovernanceUnavailable } from '../../domain/errors.js';
import type { Authorizer } from '../http.js';

/** Produces the Authorization header for each call: a fixed SSWS token, or a cached OAuth access token. */
export type OktaAuthorizer = Authorizer;

export function createAuthorizer(orgUrl: string, auth: OktaAuth, timeoutMs: number): OktaAuthorizer {
  if (auth.kind === 'ssws') {
    const authorization = `SSWS ${auth.token}`;
    return { headers: async () => ({ authorization }), invalidate: () => {} };
  }
  return new PrivateKeyJwtAuthorizer(orgUrl, auth, timeoutMs);
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

/** Renew this long before Okta's expiry so a token never dies in flight. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * OAuth 2.0 client credentials for an Okta service app, authenticating with a signed JWT
 * (private_key_jwt, RFC 7523) rather than a shared secret.
 */
class PrivateKeyJwtAuthorizer implements OktaAuthorizer {
  private cached?: { header: string; expiresAt: number };
  private pending?: Promise<string>;
  private readonly tokenUrl: string;

  constructor(
    orgUrl: string,
    private readonly auth: Extract<OktaAuth, { kind: 'private_key_jwt' }>,
    private readonly timeoutMs: number,
  ) {
    this.tokenUrl = `${orgUrl}/oauth2/v1/token`;
  }

  async headers(): Promise<Record<string, string>> {
    return { authorization: await this.header() };
  }

  private async header(): Promise<string> {
    if (this.cached && this.cached.expiresAt > Date.now()) return this.cached.header;
    // Concurrent callers share one token request.
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.auth.scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await this.assertion(),
    });
    let response: Response;
    try {
      response = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new GovernanceUnavailable('ping', `token endpoint unreachable: ${(error as Error).message}`, false, {
        cause: error,
      });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 400 || response.status === 401) throw new GovernanceAuthFailed('ping', response.status);
    if (!response.ok) throw new GovernanceUnavailable('ping', `token endpoint answered HTTP ${response.status}`);
    const token = tokenResponse.safeParse(body);
    if (!token.success) throw new GovernanceProtocolError('ping', 'token endpoint sent an unreadable answer');
    const header = `Bearer ${token.data.access_token}`;
    this.cached = { header, expiresAt: Date.now() + token.data.expires_in * 1000 - EXPIRY_MARGIN_MS };
    return header;
  }

  private async assertion(): Promise<string> {
    const key = await this.signingKey();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', ...(this.auth.keyId ? { kid: this.auth.keyId } : {}) })
      .setIssuer(this.auth.clientId)
      .setSubject(this.auth.clientId)
      .setAudience(this.tokenUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .setJti(randomUUID())
      .sign(key);
  }

  private keyPromise?: Promise<SigningKey>;

  private signingKey(): Promise<SigningKey> {
    const material = this.auth.privateKey.trim();
    const key =
      this.keyPromise ??
      (material.startsWith('{') ? importJWK(JSON.parse(material) as JWK, 'RS256') : importPKCS8(material, 'RS256'));
    this.keyPromise = key;
    return key;
  }
}
