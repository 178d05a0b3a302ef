import { type SigningAlgorithm, type SigningKey, signingKeyOf } from '../../config/signing-key.js';

/** The key a service app signs its client assertions with, and the `alg` that suits it. */
export type AssertionKey = SigningKey;

/** What Okta accepts for private_key_jwt (its service-app guide: RS256…RS512, ES256…ES512). */
export type AssertionAlgorithm = SigningAlgorithm;

/**
 * OKTA_PRIVATE_KEY read as configuration reads it (src/config/signing-key.ts): PEM (PKCS#8,
 * PKCS#1 or SEC1) or a JWK, RSA (RS256, or the RSA `alg` its JWK names) or EC (its curve's ES
 * algorithm). Anything else throws a sentence saying why; the key material never appears in it.
 */
export function readAssertionKey(material: string): AssertionKey {
  return signingKeyOf(material, 'OKTA_PRIVATE_KEY');
}
