import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  createOktaOrg,
  GENEROUS_RATE_LIMIT_PER_MINUTE,
  type OktaOrg,
  oktaEmulator,
  SEED,
  type ServiceAppRegistration,
} from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JWK,
  SignJWT,
} from 'jose';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OktaGovernance } from '../../../src/api/okta/client.js';
import { GovernanceAuthFailed } from '../../../src/domain/errors.js';

/**
 * Okta service apps with "Require Demonstrating Proof of Possession (DPoP)" (on by default for new
 * API Services apps), driven through Gatehouse's real Okta client against the emulated org over a
 * socket: the client needs no setting, finds out from the token endpoint, and binds its calls.
 */

const CLIENT_ID = '0oagatehousedpop000';
const SCOPES = ['okta.users.read', 'okta.accessRequests.catalog.read'];
const TOKEN_PATH = '/oauth2/v1/token';
const V2 = '/governance/api/v2';

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  dpop?: string;
  form?: URLSearchParams;
  status: number;
  nonce?: string;
}

interface Harness {
  org: OktaOrg;
  url: string;
  /** Every request the org received, with the headers that matter here, in order. */
  seen: Seen[];
  clock: { ahead: number };
}

const opened: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function emulatedOrg(): Promise<Harness> {
  const clock = { ahead: 0 };
  const org = createOktaOrg({
    now: () => Date.now() + clock.ahead,
    rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE,
  });
  const app = Fastify();
  const seen: Seen[] = [];
  const records = new WeakMap<object, Seen>();
  // Added before the emulator, so they see every call, refused or not, without touching it.
  app.addHook('onRequest', async (request) => {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(',') : value;
    };
    const record: Seen = {
      method: request.method,
      path: request.url.split('?')[0] ?? '/',
      authorization: header('authorization'),
      dpop: header('dpop'),
      status: 0,
    };
    seen.push(record);
    records.set(request, record);
  });
  app.addHook('preHandler', async (request) => {
    const record = records.get(request);
    if (record && record.path === TOKEN_PATH) record.form = new URLSearchParams(request.body as Record<string, string>);
  });
  app.addHook('onResponse', async (request, reply) => {
    const record = records.get(request);
    if (!record) return;
    record.status = reply.statusCode;
    const nonce = reply.getHeader('dpop-nonce');
    if (typeof nonce === 'string') record.nonce = nonce;
  });
  await app.register(oktaEmulator, { org });
  opened.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { org, url, seen, clock };
}

type KeyKind = 'RS256' | 'ES256' | 'ES384' | 'ES512';

/** A service app's client-authentication key pair: the private half as Gatehouse is given it. */
async function clientKey(alg: KeyKind, format: 'pem' | 'jwk') {
  const pair = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(pair.publicKey);
  const privateKey =
    format === 'pem' ? await exportPKCS8(pair.privateKey) : JSON.stringify(await exportJWK(pair.privateKey));
  return { publicJwk, privateKey };
}

let rsa: Awaited<ReturnType<typeof clientKey>>;

beforeAll(async () => {
  rsa = await clientKey('RS256', 'pem');
});

function register(harness: Harness, options: Partial<ServiceAppRegistration> = {}) {
  return harness.org.registerServiceApp({
    clientId: CLIENT_ID,
    publicJwk: rsa.publicJwk,
    scopes: SCOPES,
    name: 'Gatehouse',
    ...options,
  });
}

function gatehouse(harness: Harness, privateKey = rsa.privateKey, logger?: pino.Logger) {
  return new OktaGovernance({
    orgUrl: harness.url,
    auth: { kind: 'private_key_jwt', clientId: CLIENT_ID, privateKey, keyId: 'kid1', scopes: SCOPES },
    timeoutMs: 2000,
    baseBackoffMs: 5,
    ...(logger ? { logger } : {}),
  });
}

/** A pino logger whose lines the test can read. */
function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const tokenCalls = (harness: Harness) => harness.seen.filter((call) => call.path === TOKEN_PATH);
const apiCalls = (harness: Harness) => harness.seen.filter((call) => call.path !== TOKEN_PATH);

async function findAlice(governance: OktaGovernance) {
  const found = await governance.findPrincipalsByEmail(SEED.users.alice.email);
  expect(found.map((principal) => principal.id)).toEqual([SEED.users.alice.id]);
  return found[0] as NonNullable<(typeof found)[0]>;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

describe('Gatehouse with an Okta service app that requires DPoP', () => {
  it('signs in where a plain client was refused (GovernanceAuthFailed): it switches to DPoP, answers the nonce challenge, and binds its calls', async () => {
    const harness = await emulatedOrg();
    register(harness, { requireDpop: true });
    const { logger, lines } = recordingLogger();
    const governance = gatehouse(harness, rsa.privateKey, logger);

    const alice = await findAlice(governance);
    const items = await governance.searchCatalog(alice, 'slack', 5);
    expect(items.length).toBeGreaterThan(0);

    // Plain first (refused: DPoP required), then a proof (refused: Okta wants its nonce), then
    // the proof with that nonce: a DPoP-bound token.
    const tokens = tokenCalls(harness);
    expect(tokens.map((call) => call.status)).toEqual([400, 400, 200]);
    const [plain, first, second] = tokens;
    expect(plain?.dpop).toBeUndefined();
    expect(first?.nonce).toBeTruthy();
    expect(decodeJwt(first?.dpop ?? '').nonce).toBeUndefined();
    const proof = decodeJwt(second?.dpop ?? '');
    expect(proof).toMatchObject({ htm: 'POST', htu: `${harness.url}${TOKEN_PATH}`, nonce: first?.nonce });
    expect(decodeProtectedHeader(second?.dpop ?? '')).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    // Each request has an assertion of its own: Okta refuses one it has seen.
    const assertions = tokens.map((call) => decodeJwt(call.form?.get('client_assertion') ?? '').jti);
    expect(new Set(assertions).size).toBe(3);

    // Every API call: the DPoP scheme and a proof of its own, for its method and URL, with the
    // token's hash, signed with the key the token is bound to.
    const calls = apiCalls(harness);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((call) => call.status === 200)).toBe(true);
    const jwks = new Set<string>();
    for (const call of calls) {
      expect(call.authorization).toMatch(/^DPoP \S+$/);
      const claims = decodeJwt(call.dpop ?? '');
      expect(claims).toMatchObject({ htm: 'GET', htu: `${harness.url}${call.path}` });
      expect(typeof claims.ath).toBe('string');
      const { jwk } = decodeProtectedHeader(call.dpop ?? '');
      jwks.add(await calculateJwkThumbprint(jwk as JWK));
    }
    expect(jwks).toEqual(new Set([await calculateJwkThumbprint(decodeProtectedHeader(second?.dpop ?? '').jwk as JWK)]));
    expect(calls[0]?.path).toBe('/api/v1/users');
    expect(calls[1]?.path).toBe(`${V2}/catalogs/default/user/${alice.id}/entries`);
    expect(decodeJwt(calls[0]?.dpop ?? '').jti).not.toBe(decodeJwt(calls[1]?.dpop ?? '').jti);

    // The DPoP key is not the client's own key, which only signs assertions.
    expect(await calculateJwkThumbprint(rsa.publicJwk)).not.toBe([...jwks][0]);

    // Said once, at info, with why.
    const told = lines.filter((line) => /requires DPoP/.test(line.msg));
    expect(told).toHaveLength(1);
    expect(told[0]?.level).toBe(30);
  });

  it('keeps to DPoP once it learnt it: a later token request carries a proof straight away', async () => {
    const harness = await emulatedOrg();
    register(harness, { requireDpop: true });
    const governance = gatehouse(harness);
    await findAlice(governance);

    // The org's clock moves past the token's hour: Okta refuses it, the next call gets a new one.
    harness.clock.ahead += 2 * 3_600_000;
    expect(await rejectionOf(findAlice(governance))).toBeInstanceOf(GovernanceAuthFailed);
    await findAlice(governance);

    const tokens = tokenCalls(harness);
    expect(tokens.map((call) => call.status)).toEqual([400, 400, 200, 200]);
    // The nonce Okta gave is still good (it lasts three days): no challenge this time.
    expect(tokens[3]?.dpop).toBeDefined();
    expect(decodeJwt(tokens[3]?.dpop ?? '').nonce).toBe(tokens[1]?.nonce);
  });

  it("answers an API's nonce challenge and sends the call again, once, then uses that nonce", async () => {
    const harness = await emulatedOrg();
    register(harness, { requireDpop: true, dpopNonceAtResource: true });
    const governance = gatehouse(harness);

    await findAlice(governance);
    await findAlice(governance);

    const calls = apiCalls(harness);
    expect(calls.map((call) => call.status)).toEqual([401, 200, 200]);
    const nonce = calls[0]?.nonce;
    expect(nonce).toBeTruthy();
    expect(decodeJwt(calls[0]?.dpop ?? '').nonce).toBeUndefined();
    expect(decodeJwt(calls[1]?.dpop ?? '').nonce).toBe(nonce);
    expect(decodeJwt(calls[2]?.dpop ?? '').nonce).toBe(nonce);
    // The token endpoint's nonce is the authorization server's, not the API's.
    expect(nonce).not.toBe(tokenCalls(harness)[1]?.nonce);
  });

  const EC_KEYS: [string, KeyKind, 'pem' | 'jwk'][] = [
    ['P-256 (PEM)', 'ES256', 'pem'],
    ['P-384 (JWK)', 'ES384', 'jwk'],
    ['P-521 (PEM)', 'ES512', 'pem'],
  ];

  for (const requireDpop of [false, true]) {
    for (const [curve, alg, format] of EC_KEYS) {
      it(`signs its client assertion with an EC ${curve} key as ${alg}${requireDpop ? ', DPoP required' : ''}`, async () => {
        const harness = await emulatedOrg();
        const key = await clientKey(alg, format);
        register(harness, { publicJwk: key.publicJwk, requireDpop });

        await findAlice(gatehouse(harness, key.privateKey));

        const accepted = tokenCalls(harness).at(-1);
        expect(accepted?.status).toBe(200);
        expect(decodeProtectedHeader(accepted?.form?.get('client_assertion') ?? '')).toMatchObject({
          alg,
          kid: 'kid1',
        });
        expect(apiCalls(harness)[0]?.authorization).toMatch(requireDpop ? /^DPoP / : /^Bearer /);
      });
    }
  }
});

describe('Gatehouse with older PEM encodings of its key', () => {
  const legacy: [string, 'rsa' | 'ec', 'pkcs1' | 'sec1', string][] = [
    ['PKCS#1 RSA', 'rsa', 'pkcs1', 'RS256'],
    ['SEC1 EC P-256', 'ec', 'sec1', 'ES256'],
  ];
  for (const [name, type, encoding, alg] of legacy) {
    it(`reads a ${name} private key and signs ${alg}`, async () => {
      const harness = await emulatedOrg();
      const pair =
        type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const pem = pair.privateKey.export({ type: encoding, format: 'pem' }).toString();
      register(harness, { publicJwk: pair.publicKey.export({ format: 'jwk' }) as JWK });

      await findAlice(gatehouse(harness, pem));

      const accepted = tokenCalls(harness).at(-1);
      expect(decodeProtectedHeader(accepted?.form?.get('client_assertion') ?? '').alg).toBe(alg);
    });
  }
});

describe('Gatehouse with a key Okta cannot take', () => {
  it('says so in its log and reports a sign-in failure, before asking Okta for anything', async () => {
    const harness = await emulatedOrg();
    register(harness);
    const ed25519 = await exportPKCS8((await generateKeyPair('EdDSA', { extractable: true })).privateKey);
    const { logger, lines } = recordingLogger();

    const error = await rejectionOf(findAlice(gatehouse(harness, ed25519, logger)));

    expect(error).toBeInstanceOf(GovernanceAuthFailed);
    expect((error as GovernanceAuthFailed).operation).toBe('token');
    expect(harness.seen).toEqual([]);
    expect(lines.map((line) => line.msg)).toContain(
      'OKTA_PRIVATE_KEY is a key of type ed25519: give an RSA key, or an EC key on P-256, P-384 or P-521.',
    );
    expect(JSON.stringify(lines)).not.toContain(ed25519.split('\n')[1]);
  });
});

describe('the emulated org, for DPoP-bound tokens', () => {
  /** A token and the proof of one call, taken off the wire of a real Gatehouse call. */
  async function boundCall(harness: Harness) {
    register(harness, { requireDpop: true });
    await findAlice(gatehouse(harness));
    const call = apiCalls(harness).at(-1);
    const token = /^DPoP (\S+)$/.exec(call?.authorization ?? '')?.[1];
    if (!call?.dpop || !token) throw new Error('no DPoP-bound call was made');
    return { token, proof: call.dpop, url: `${harness.url}/api/v1/users?limit=1` };
  }

  const challengeOf = (response: Response) => response.headers.get('www-authenticate') ?? '';

  it('refuses a DPoP-bound token sent as Bearer, with a DPoP challenge and an Okta error object', async () => {
    const harness = await emulatedOrg();
    const { token, url } = await boundCall(harness);

    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });

    expect(response.status).toBe(401);
    expect(challengeOf(response)).toMatch(/^DPoP algs="[^"]*ES256[^"]*", error="invalid_token"/);
    expect(await response.json()).toMatchObject({ errorCode: 'E0000004', errorSummary: 'Authentication failed.' });
  });

  it('refuses a replayed proof (same jti), and a proof made for another call', async () => {
    const harness = await emulatedOrg();
    const { token, proof } = await boundCall(harness);
    const original = apiCalls(harness).at(-1);
    const headers = { authorization: `DPoP ${token}`, dpop: proof };

    const replayed = await fetch(`${harness.url}${original?.path}?search=x`, { headers });
    expect(replayed.status).toBe(401);
    expect(challengeOf(replayed)).toContain('error="invalid_dpop_proof"');
    expect(challengeOf(replayed)).toContain("'jti' claim in the DPoP proof JWT has already been used.");

    const elsewhere = await fetch(`${harness.url}${V2}/catalogs/default/entries`, { headers });
    expect(elsewhere.status).toBe(401);
    expect(challengeOf(elsewhere)).toContain("'htu' claim in the DPoP proof JWT is invalid.");

    const without = await fetch(`${harness.url}/api/v1/users`, { headers: { authorization: `DPoP ${token}` } });
    expect(without.status).toBe(401);
    expect(challengeOf(without)).toContain('The DPoP proof JWT header is missing.');
  });

  describe('token endpoint', () => {
    const proofKeys = generateKeyPair('ES256');
    const otherKeys = generateKeyPair('ES256');

    async function proof(url: string, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) {
      const { privateKey, publicKey } = await proofKeys;
      return new SignJWT({ htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...claims })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(publicKey), ...header })
        .sign(privateKey);
    }

    async function assertion(audience: string) {
      const privateKey = await importPKCS8(rsa.privateKey, 'RS256');
      return new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(CLIENT_ID)
        .setSubject(CLIENT_ID)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(privateKey);
    }

    async function requestToken(harness: Harness, dpop?: string) {
      const tokenUrl = `${harness.url}${TOKEN_PATH}`;
      const response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(dpop ? { dpop } : {}) },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'okta.users.read',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(tokenUrl),
        }),
      });
      return { response, body: (await response.json()) as Record<string, unknown> };
    }

    it("answers as Okta does: no proof, then the nonce it wants, then a DPoP token; bad proofs in Okta's words", async () => {
      const harness = await emulatedOrg();
      register(harness, { requireDpop: true });
      const tokenUrl = `${harness.url}${TOKEN_PATH}`;

      const missing = await requestToken(harness);
      expect(missing.response.status).toBe(400);
      expect(missing.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: 'The DPoP proof JWT header is missing.',
      });

      const noNonce = await requestToken(harness, await proof(tokenUrl));
      expect(noNonce.response.status).toBe(400);
      expect(noNonce.body).toEqual({
        error: 'use_dpop_nonce',
        error_description: 'Authorization server requires nonce in DPoP proof.',
      });
      const nonce = noNonce.response.headers.get('dpop-nonce') ?? '';
      expect(nonce).toMatch(/^[\w-]{20,}$/);

      const refusals: [string, string][] = [
        [await proof(tokenUrl, { nonce }, { typ: 'JWT' }), "'typ' header in the DPoP proof JWT is invalid."],
        [await proof(`${harness.url}/oauth2/v1/authorize`, { nonce }), "'htu' claim in the DPoP proof JWT is invalid."],
        [await proof(tokenUrl, { nonce, htm: 'GET' }), "'htm' claim in the DPoP proof JWT is invalid."],
        [
          await proof(tokenUrl, { nonce, iat: Math.floor(Date.now() / 1000) - 3600 }),
          "'iat' claim in the DPoP proof JWT is invalid.",
        ],
        [
          await proof(tokenUrl, { nonce }, { jwk: await exportJWK((await otherKeys).publicKey) }),
          'The DPoP proof JWT signature is invalid.',
        ],
        ['garbage', 'DPoP proof JWT cannot be parsed.'],
      ];
      for (const [bad, description] of refusals) {
        const refused = await requestToken(harness, bad);
        expect(refused.response.status).toBe(400);
        expect(refused.body).toEqual({ error: 'invalid_dpop_proof', error_description: description });
      }
      const unsigned = `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'none' })).toString('base64url')}.${Buffer.from('{}').toString('base64url')}.x`;
      expect((await requestToken(harness, unsigned)).body).toMatchObject({
        error_description: "'alg' header in the DPoP proof JWT is invalid.",
      });

      const good = await proof(tokenUrl, { nonce });
      const issued = await requestToken(harness, good);
      expect(issued.response.status).toBe(200);
      expect(issued.body).toMatchObject({ token_type: 'DPoP', expires_in: 3600, scope: 'okta.users.read' });
      const replayed = await requestToken(harness, good);
      expect(replayed.body).toEqual({
        error: 'invalid_dpop_proof',
        error_description: "'jti' claim in the DPoP proof JWT has already been used.",
      });
    });

    it('renews its nonce every day and accepts an old one for three days', async () => {
      const harness = await emulatedOrg();
      register(harness, { requireDpop: true });
      const tokenUrl = `${harness.url}${TOKEN_PATH}`;
      const first = (await requestToken(harness, await proof(tokenUrl))).response.headers.get('dpop-nonce') ?? '';

      harness.clock.ahead += 2 * 24 * 3_600_000;
      expect((await requestToken(harness, await proof(tokenUrl, { nonce: first }))).response.status).toBe(200);
      const renewed = (await requestToken(harness, await proof(tokenUrl))).response.headers.get('dpop-nonce');
      expect(renewed).toBeTruthy();
      expect(renewed).not.toBe(first);

      harness.clock.ahead += 2 * 24 * 3_600_000;
      const stale = await requestToken(harness, await proof(tokenUrl, { nonce: first }));
      expect(stale.body).toMatchObject({ error: 'use_dpop_nonce' });
      expect(stale.response.headers.get('dpop-nonce')).not.toBe(first);
      expect((await requestToken(harness, await proof(tokenUrl, { nonce: renewed }))).response.status).toBe(200);
    });

    it('issues plain Bearer tokens, as before, to an app that does not require DPoP', async () => {
      const harness = await emulatedOrg();
      register(harness);
      const plain = await requestToken(harness);
      expect(plain.response.status).toBe(200);
      expect(plain.body).toMatchObject({ token_type: 'Bearer' });
      const token = String(plain.body.access_token);
      const call = await fetch(`${harness.url}/api/v1/users?limit=1`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(call.status).toBe(200);
      const asDpop = await fetch(`${harness.url}/api/v1/users?limit=1`, {
        headers: { authorization: `DPoP ${token}` },
      });
      expect(asDpop.status).toBe(401);
      expect(challengeOf(asDpop)).toContain('error="invalid_token"');
    });
  });
});
