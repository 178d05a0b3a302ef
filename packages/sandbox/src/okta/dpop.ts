import { createHash, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, type JWK, jwtVerify } from 'jose';
import { z } from 'zod';

/**
 * DPoP (RFC 9449) as an Okta org checks it, written from Okta's DPoP guide
 * (developer.okta.com/docs/guides/dpop) and the RFC, not from any client.
 *
 * - The org authorization server always asks for a nonce: the first proof without one is answered
 *   400 `use_dpop_nonce` with a `dpop-nonce` header. The nonce is renewed every 24 hours and an old
 *   one keeps working for three days (Okta's guide).
 * - Okta's own APIs verify `ath` and the key binding, and "the nonce parameter isn't currently
 *   required" there; an emulated resource server can be told to ask for one (RFC 9449 §9).
 * - Proof errors read as Okta's do: `invalid_dpop_proof` with "The DPoP proof JWT header is
 *   missing.", "DPoP proof JWT cannot be parsed.", "'htu' claim in the DPoP proof JWT is invalid."…
 * - `htu` is compared with the request's URL with its path percent-decoded, as Okta does (a proof
 *   whose htu keeps `%40` for `@` is refused: okta/okta-sdk-python#541).
 */

/** Okta's DPoP algorithms, as its WWW-Authenticate `algs` lists them. */
export const DPOP_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512'] as const;

export type DpopError = 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token';

/** A proof (or a token's use) refused; `nonce` is the one to use next, for `use_dpop_nonce`. */
export class DpopRefusal extends Error {
  constructor(
    readonly error: DpopError,
    readonly description: string,
    readonly nonce?: string,
  ) {
    super(description);
    this.name = 'DpopRefusal';
  }
}

/** The request a proof must be bound to, and what the server wants in it. */
export interface ProofExpectation {
  method: string;
  /** The URL as the client addressed it, query and fragment ignored. */
  url: string;
  /** At a resource: the access token presented, whose hash `ath` must carry. */
  accessToken?: string;
  /** At a resource: the thumbprint of the key the token is bound to. */
  jkt?: string;
  nonceRequired: boolean;
}

const NONCE_RENEWAL_MS = 24 * 60 * 60 * 1000;
const NONCE_LIFETIME_MS = 3 * NONCE_RENEWAL_MS;
/** How old a proof's `iat` may be, and how far ahead of our clock (the client signs with its own). */
const MAX_PROOF_AGE_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 60;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'] as const;

const proofClaims = z.object({
  htm: z.string().min(1),
  htu: z.string().min(1),
  iat: z.number(),
  jti: z.string().min(1),
  ath: z.string().optional(),
  nonce: z.string().optional(),
});

const invalid = (description: string) => new DpopRefusal('invalid_dpop_proof', description);
const badClaim = (claim: string) => invalid(`'${claim}' claim in the DPoP proof JWT is invalid.`);

/**
 * One server's DPoP checks: its nonces (org time, so tests can move past a renewal) and the proofs
 * it has accepted (real time, like the clients' `iat`), so none is accepted twice.
 */
export class DpopVerifier {
  private nonces: { value: string; issuedAt: number }[] = [];
  private readonly accepted = new Map<string, number>();

  constructor(
    /** "Authorization server" or "Resource server", as the nonce challenge names it. */
    private readonly server: string,
    private readonly now: () => number,
  ) {}

  /** The nonce to hand out now, renewed once a day. */
  nonce(): string {
    const now = this.now();
    const latest = this.nonces.at(-1);
    if (latest && now - latest.issuedAt < NONCE_RENEWAL_MS) return latest.value;
    this.nonces = this.nonces.filter((nonce) => now - nonce.issuedAt < NONCE_LIFETIME_MS);
    const fresh = { value: randomBytes(24).toString('base64url'), issuedAt: now };
    this.nonces.push(fresh);
    return fresh.value;
  }

  /** Checks a proof against RFC 9449 §4.3 (and §7.1 at a resource); answers the key's thumbprint. */
  async verify(proof: string | undefined, expected: ProofExpectation): Promise<{ jkt: string }> {
    if (!proof) throw invalid('The DPoP proof JWT header is missing.');
    if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(proof)) throw invalid('DPoP proof JWT cannot be parsed.');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw invalid('DPoP proof JWT cannot be parsed.');
    }
    if (header.typ !== 'dpop+jwt') throw invalid("'typ' header in the DPoP proof JWT is invalid.");
    const alg = header.alg ?? '';
    if (!(DPOP_ALGORITHMS as readonly string[]).includes(alg)) {
      throw invalid("'alg' header in the DPoP proof JWT is invalid.");
    }
    const jwk = header.jwk as JWK | undefined;
    if (!jwk || typeof jwk !== 'object' || PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
      throw invalid("'jwk' header in the DPoP proof JWT is invalid.");
    }
    let payload: unknown;
    try {
      const key = await importJWK(jwk, alg);
      ({ payload } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: [alg] }));
    } catch {
      throw invalid('The DPoP proof JWT signature is invalid.');
    }
    const claims = proofClaims.safeParse(payload);
    if (!claims.success) throw badClaim(String(claims.error.issues[0]?.path[0] ?? 'jti'));
    const { htm, htu, iat, jti, ath, nonce } = claims.data;

    if (htm !== expected.method) throw badClaim('htm');
    if (withoutQuery(htu) !== oktaNormalized(expected.url)) throw badClaim('htu');
    const nowSeconds = Math.floor(Date.now() / 1000);
    if (iat > nowSeconds + CLOCK_SKEW_SECONDS || iat < nowSeconds - MAX_PROOF_AGE_SECONDS) throw badClaim('iat');
    if (expected.accessToken !== undefined && ath !== accessTokenHash(expected.accessToken)) throw badClaim('ath');
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (expected.jkt !== undefined && jkt !== expected.jkt) {
      throw new DpopRefusal('invalid_token', 'The DPoP proof JWT key does not match the access token binding.');
    }
    if (expected.nonceRequired && !this.knows(nonce)) {
      throw new DpopRefusal('use_dpop_nonce', `${this.server} requires nonce in DPoP proof.`, this.nonce());
    }
    this.forgetExpired();
    const seen = `${jkt}:${jti}`;
    if (this.accepted.has(seen)) throw invalid("'jti' claim in the DPoP proof JWT has already been used.");
    this.accepted.set(seen, (iat + MAX_PROOF_AGE_SECONDS + CLOCK_SKEW_SECONDS) * 1000);
    return { jkt };
  }

  private knows(nonce: string | undefined): boolean {
    const now = this.now();
    return this.nonces.some((issued) => issued.value === nonce && now - issued.issuedAt < NONCE_LIFETIME_MS);
  }

  /** A proof too old to pass the `iat` check cannot be replayed anyway. */
  private forgetExpired(): void {
    const now = Date.now();
    for (const [seen, until] of this.accepted) if (until <= now) this.accepted.delete(seen);
  }
}

/** `ath`: base64url of the SHA-256 of the access token's ASCII (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** The challenge a resource server sends with a refused DPoP use (RFC 9449 §7.1). */
export function dpopChallenge(refusal: DpopRefusal): Record<string, string> {
  const description = refusal.description.replace(/"/g, "'");
  return {
    'www-authenticate': `DPoP algs="${DPOP_ALGORITHMS.join(' ')}", error="${refusal.error}", error_description="${description}"`,
    ...(refusal.nonce ? { 'dpop-nonce': refusal.nonce } : {}),
  };
}

function withoutQuery(url: string): string {
  return url.split(/[?#]/)[0] ?? url;
}

/** The request's URL as Okta compares it with `htu`: no query, the path percent-decoded. */
function oktaNormalized(url: string): string {
  const bare = withoutQuery(url);
  const start = bare.indexOf('/', bare.indexOf('//') + 2);
  if (start < 0) return bare;
  const path = bare
    .slice(start)
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join('/');
  return `${bare.slice(0, start)}${path}`;
}
