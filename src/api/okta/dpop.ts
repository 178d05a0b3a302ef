import { createHash, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** The proof key's algorithm: Okta accepts RS256…ES512 for DPoP; ES256 keys are small and quick to make. */
const DPOP_ALGORITHM = 'ES256';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/**
 * Demonstrating Proof of Possession (RFC 9449) for Okta's org authorization server and APIs. One
 * key pair per process, made in memory when first needed and never the client-assertion key (as
 * Okta's own Go SDK does: the DPoP key only ever signs proofs). Each call gets a proof of its own:
 * `htm` and `htu` of that call, a fresh `jti` and `iat`, `ath` (the access token's hash) at the
 * APIs, and the nonce the server last asked for. The authorization server's nonce and the
 * resource server's are kept apart: each is only good where it came from (RFC 9449 §9).
 */
export class DpopProver {
  private keys?: Promise<{ pair: KeyPair; jwk: JWK }>;
  private tokenNonce?: string;
  private resourceNonce?: string;

  /** The proof for a token request. */
  forToken(url: string): Promise<string> {
    return this.proof('POST', url, { nonce: this.tokenNonce });
  }

  /** The proof for an API call made with this DPoP-bound access token. */
  forResource(method: string, url: string, accessToken: string): Promise<string> {
    return this.proof(method, url, { nonce: this.resourceNonce, ath: accessTokenHash(accessToken) });
  }

  /** The token endpoint asked for a nonce; answers whether it is one the last proof did not carry. */
  useTokenNonce(nonce: string): boolean {
    if (nonce === this.tokenNonce) return false;
    this.tokenNonce = nonce;
    return true;
  }

  /**
   * An API asked for a nonce: keep it for every proof from now on. Always worth one more send, even
   * when the nonce is the one already kept: calls made side by side each carried the proof they were
   * built with, before the first challenge taught the nonce. The transport sends once more at most.
   */
  useResourceNonce(nonce: string): boolean {
    this.resourceNonce = nonce;
    return true;
  }

  private async proof(method: string, url: string, claims: { nonce?: string; ath?: string }): Promise<string> {
    const { pair, jwk } = await this.keyPair();
    return new SignJWT({
      htm: method.toUpperCase(),
      htu: htuOf(url),
      ...(claims.ath ? { ath: claims.ath } : {}),
      ...(claims.nonce ? { nonce: claims.nonce } : {}),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: DPOP_ALGORITHM, jwk })
      .setIssuedAt()
      .setJti(randomUUID())
      .sign(pair.privateKey);
  }

  private keyPair(): Promise<{ pair: KeyPair; jwk: JWK }> {
    this.keys ??= (async () => {
      const pair = await generateKeyPair(DPOP_ALGORITHM);
      const { kty, crv, x, y } = await exportJWK(pair.publicKey);
      return { pair, jwk: { kty, crv, x, y } };
    })();
    return this.keys;
  }
}

/** `ath`: base64url of the SHA-256 of the access token (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * `htu`: the call's URL without query or fragment (RFC 9449 §4.2), its path percent-decoded:
 * Okta decodes the request path before comparing, so an encoded `@` would not match
 * (okta/okta-sdk-python#541).
 */
export function htuOf(url: string): string {
  const parsed = new URL(url);
  const path = parsed.pathname
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
  return `${parsed.origin}${path}`;
}

/**
 * A resource server's nonce challenge (RFC 9449 §9): `WWW-Authenticate: DPoP error="use_dpop_nonce"`
 * with a `DPoP-Nonce` header. Answers the nonce, or undefined for any other answer.
 */
export function resourceNonceChallenge(headers: Headers): string | undefined {
  const nonce = headers.get('dpop-nonce');
  const challenge = headers.get('www-authenticate') ?? '';
  if (!nonce || !/\bDPoP\b/i.test(challenge)) return undefined;
  return /\berror\s*=\s*"?use_dpop_nonce"?/i.test(challenge) ? nonce : undefined;
}
