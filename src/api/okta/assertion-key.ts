import { createPrivateKey, type KeyObject } from 'node:crypto';

/** The key a service app signs its client assertions with, and the `alg` that suits it. */
export interface AssertionKey {
  key: KeyObject;
  alg: AssertionAlgorithm;
}

/** What Okta accepts for private_key_jwt (its service-app guide: RS256…RS512, ES256…ES512). */
export type AssertionAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

const RSA_ALGORITHMS: readonly AssertionAlgorithm[] = ['RS256', 'RS384', 'RS512'];

/** The EC curve decides the algorithm (RFC 7518 §3.4), under its JWK and its OpenSSL names. */
const CURVE_ALGORITHMS: Record<string, AssertionAlgorithm> = {
  'P-256': 'ES256',
  prime256v1: 'ES256',
  'P-384': 'ES384',
  secp384r1: 'ES384',
  'P-521': 'ES512',
  secp521r1: 'ES512',
};

/**
 * Reads OKTA_PRIVATE_KEY (PEM, or a JWK object) and works out the algorithm from the key itself:
 * RSA signs RS256 (or the RSA `alg` a JWK names), EC signs with its curve's (P-256 → ES256,
 * P-384 → ES384, P-521 → ES512). Anything else is refused with a sentence saying why; the key
 * material never appears in it.
 */
export function readAssertionKey(material: string): AssertionKey {
  const text = material.trim();
  let jwk: { kty?: unknown; crv?: unknown; alg?: unknown } | undefined;
  let key: KeyObject;
  try {
    if (text.startsWith('{')) {
      jwk = JSON.parse(text) as typeof jwk;
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      key = createPrivateKey(text);
    }
  } catch {
    throw new Error('OKTA_PRIVATE_KEY is not a private key Gatehouse can read (PEM or JWK)');
  }
  if (key.asymmetricKeyType === 'rsa') {
    const named = typeof jwk?.alg === 'string' ? (jwk.alg as AssertionAlgorithm) : undefined;
    return { key, alg: named && RSA_ALGORITHMS.includes(named) ? named : 'RS256' };
  }
  if (key.asymmetricKeyType === 'ec') {
    const alg = CURVE_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (alg) return { key, alg };
    throw new Error('OKTA_PRIVATE_KEY is an EC key on a curve Okta does not accept (P-256, P-384 or P-521)');
  }
  throw new Error(
    `OKTA_PRIVATE_KEY holds a key of type ${key.asymmetricKeyType ?? 'unknown'}; Okta accepts RSA or EC keys`,
  );
}
