import { createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * The private keys Gatehouse signs JWTs with: Okta's client assertion (OKTA_PRIVATE_KEY) and the
 * PingOne person grant's assertion (PINGONE_PERSON_PRIVATE_KEY). Configuration reads each once at
 * start-up and refuses one that cannot sign; the API clients read it the same way.
 */

/** What both vendors accept: RS256…RS512 (Okta's service-app guide) and ES256…ES512. */
export type SigningAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'ES256' | 'ES384' | 'ES512';

/** A private key ready to sign with, and the JWS algorithm its kind calls for. */
export interface SigningKey {
  key: KeyObject;
  alg: SigningAlgorithm;
}

const RSA_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'RS384', 'RS512'];

/** The EC curve decides the algorithm (RFC 7518 §3.4), under its JWK and its OpenSSL names. */
const CURVE_ALGORITHMS: Record<string, SigningAlgorithm> = {
  'P-256': 'ES256',
  prime256v1: 'ES256',
  'P-384': 'ES384',
  secp384r1: 'ES384',
  'P-521': 'ES512',
  secp521r1: 'ES512',
};

const PUBLIC = 'is a public key: give the private one (a JWK with "d", or a PEM PRIVATE KEY).';

/**
 * An RSA or EC private key from PEM (PKCS#8, PKCS#1 or SEC1) or a JWK (an object, or a JWK Set
 * holding one key), with its algorithm read from the key: RSA signs RS256, or the RSA `alg` its
 * JWK names; EC signs with its curve's (P-256 → ES256, P-384 → ES384, P-521 → ES512).
 *
 * Otherwise the reason, worded to follow the variable's name ("OKTA_PRIVATE_KEY is a public
 * key: …"); `whereFrom` says where the key is found, for text that is no key at all. No reason
 * repeats any of the key.
 */
export function readSigningKey(material: string, whereFrom?: string): SigningKey | string {
  const text = material.trim();
  let key: KeyObject;
  let named: unknown;
  try {
    if (text.startsWith('{')) {
      const parsed = JSON.parse(text) as { keys?: unknown[] };
      const jwk = Array.isArray(parsed.keys) && parsed.keys.length === 1 ? parsed.keys[0] : parsed;
      if (!jwk || typeof jwk !== 'object' || !('d' in jwk)) return PUBLIC;
      named = (jwk as { alg?: unknown }).alg;
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
      key = createPrivateKey(text);
    } else if (/-----BEGIN (?:[A-Z ]*PUBLIC KEY|CERTIFICATE)-----/.test(text)) {
      return PUBLIC;
    } else {
      return `is neither a PEM private key nor a JWK${whereFrom ? ` (${whereFrom})` : ''}.`;
    }
  } catch {
    return 'cannot be read as an RSA or EC private key (PEM or JWK).';
  }
  if (key.asymmetricKeyType === 'rsa') {
    const alg = RSA_ALGORITHMS.find((candidate) => candidate === named) ?? 'RS256';
    return { key, alg };
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const alg = key.asymmetricKeyType === 'ec' && curve ? CURVE_ALGORITHMS[curve] : undefined;
  if (alg) return { key, alg };
  const kind = `${key.asymmetricKeyType ?? 'unknown'}${curve ? ` on ${curve}` : ''}`;
  return `is a key of type ${kind}: give an RSA key, or an EC key on P-256, P-384 or P-521.`;
}

/** A key configuration has already accepted, or an Error naming the variable and saying why not. */
export function signingKeyOf(material: string, variable: string): SigningKey {
  const key = readSigningKey(material);
  if (typeof key === 'string') throw new Error(`${variable} ${key}`);
  return key;
}
