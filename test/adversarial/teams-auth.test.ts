import { createRequire } from 'node:module';
import { SEED } from '@gatehouse/sandbox/okta';
import { type Json, message, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import nock from 'nock';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loggerOptions } from '../../src/logging.js';
import { eventually, startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';
import { TEST_SECRETS } from '../support/test-secrets.js';

/**
 * Gatehouse's Teams endpoint as production runs it (an app id configured, so every activity must
 * carry a Bot Framework token), attacked and starved (issue 15; audit F4, F5, F6, F12). There is no
 * DNS here, so Microsoft's side is played by nock: the Bot Framework's OpenID metadata and signing
 * keys (login.botframework.com), Entra's (login.microsoftonline.com/common), and the Entra token
 * endpoint the bot gets its own connector token from. Tokens are minted with `jose` under a key
 * those documents publish, or forged. Everything else is the sandbox: the connector stand-in
 * records what the bot sends, the Okta emulator what it writes.
 *
 * What is checked is what Teams and the people in it would see: the HTTP answer, what reached the
 * connector, what Okta holds, and where Gatehouse's logs went.
 */
const T = TEAMS_SEED.users;
const APP_ID = '6c1b5f4e-4a8d-4d3e-9c1e-2b6f0d7a1e55';
const TENANT = TEAMS_SEED.tenantId;
const ELSEWHERE = '00000000-0000-4000-8000-0000000e1e5e';
const BOTFRAMEWORK = 'https://login.botframework.com';
const BOTFRAMEWORK_CONFIG = '/v1/.well-known/openidconfiguration';
const ENTRA = 'https://login.microsoftonline.com';
const ENTRA_CONFIG = '/common/v2.0/.well-known/openid-configuration';
const KID = 'gatehouse-test-signing-key';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let trusted: { privateKey: Key; jwk: JWK };
let attacker: { privateKey: Key };

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  trusted = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: KID, use: 'sig' } };
  attacker = { privateKey: (await generateKeyPair('RS256')).privateKey };
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
});
afterAll(() => {
  nock.enableNetConnect();
});

/** botbuilder keeps the keys it fetched per metadata URL for the whole process: each test starts without. */
function forgetFetchedKeys(): void {
  // Not exported from the package's index: the module botbuilder itself loads, by its path.
  const extractor = createRequire(import.meta.url)('botframework-connector/lib/auth/jwtTokenExtractor') as {
    JwtTokenExtractor: { openIdMetadataCache: Map<string, unknown> };
  };
  extractor.JwtTokenExtractor.openIdMetadataCache.clear();
}

/** The Bot Framework's and Entra's metadata and keys, publishing the trusted key (endorsed for Teams). */
function serveSigningKeys(): void {
  const keys = { keys: [{ ...trusted.jwk, endorsements: ['msteams'] }] };
  nock(BOTFRAMEWORK)
    .persist()
    .get(BOTFRAMEWORK_CONFIG)
    .reply(200, {
      issuer: 'https://api.botframework.com',
      authorization_endpoint: 'https://invalid.botframework.com',
      jwks_uri: `${BOTFRAMEWORK}/v1/.well-known/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    })
    .get('/v1/.well-known/keys')
    .reply(200, keys);
  nock(ENTRA)
    .persist()
    .get(ENTRA_CONFIG)
    .reply(200, {
      issuer: `${ENTRA}/{tenantid}/v2.0`,
      jwks_uri: `${ENTRA}/common/discovery/v2.0/keys`,
      id_token_signing_alg_values_supported: ['RS256'],
    })
    .get('/common/discovery/v2.0/keys')
    .reply(200, keys);
}

/** Entra's token endpoint for the bot's own tenant, so the bot can call the connector (MSAL client credentials). */
function serveConnectorToken(): void {
  const authority = `${ENTRA}/${TENANT}`;
  nock(ENTRA)
    .persist()
    .get(`/${TENANT}/v2.0/.well-known/openid-configuration`)
    .reply(200, {
      issuer: `${authority}/v2.0`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      jwks_uri: `${ENTRA}/${TENANT}/discovery/v2.0/keys`,
    })
    .post(`/${TENANT}/oauth2/v2.0/token`)
    .query(true)
    .reply(200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: 'connector-access-token-for-tests',
    });
}

const now = () => Math.floor(Date.now() / 1000);

/** A token as the Bot Framework channel service signs it for Teams: no tenant claim, the serviceUrl vouched for. */
function channelToken(
  serviceUrl: string,
  options: { key?: Key; kid?: string; aud?: string; expiresIn?: number; alg?: 'RS256' | 'HS256' } = {},
): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const key =
    alg === 'HS256' ? new TextEncoder().encode(TEST_SECRETS.teamsAppPassword) : (options.key ?? trusted.privateKey);
  const expires = now() + (options.expiresIn ?? 3600);
  return new SignJWT({ serviceurl: serviceUrl })
    .setProtectedHeader({ alg, kid: options.kid ?? KID, typ: 'JWT' })
    .setIssuer('https://api.botframework.com')
    .setAudience(options.aud ?? APP_ID)
    .setNotBefore(Math.min(now() - 60, expires - 3600))
    .setExpirationTime(expires)
    .sign(key);
}

/**
 * A v2 token issued by Entra in tenant `tid` to the bot's app (`azp`), for `aud` (the bot itself by
 * default): it names its tenant, and that claim is authenticated.
 */
function entraToken(tid: string, key: Key = trusted.privateKey, aud = APP_ID): Promise<string> {
  return new SignJWT({ ver: '2.0', azp: APP_ID, tid })
    .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
    .setIssuer(`${ENTRA}/${tid}/v2.0`)
    .setAudience(aud)
    .setNotBefore(now() - 60)
    .setExpirationTime(now() + 3600)
    .sign(key);
}

/** An unsigned token (`alg: none`) claiming to come from the Bot Framework. */
function unsignedToken(serviceUrl: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: serviceUrl, exp: now() + 3600 };
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

let world: TeamsWorld;
/** What Gatehouse logged, line by line, with the product's redaction. */
let logged: Json[];
/** Sent with every activity the driver delivers, unless a test gives another. */
let bearer = '';
/** console.error and console.warn, silenced: Gatehouse (and botbuilder under it) must log through pino. */
let printed: { error: ReturnType<typeof vi.spyOn>; warn: ReturnType<typeof vi.spyOn> };

beforeEach(async () => {
  forgetFetchedKeys();
  serveConnectorToken();
  printed = {
    error: vi.spyOn(console, 'error').mockImplementation(() => {}),
    warn: vi.spyOn(console, 'warn').mockImplementation(() => {}),
  };
  logged = [];
  const logger = pino(loggerOptions('trace', [TEST_SECRETS.teamsAppPassword]), {
    write: (line: string) => {
      logged.push(JSON.parse(line) as Json);
    },
  });
  world = await startTeamsWorld({
    teams: { appId: APP_ID, appPassword: TEST_SECRETS.teamsAppPassword, appType: 'SingleTenant', tenantId: TENANT },
    authorization: () => bearer,
    logger,
  });
  bearer = `Bearer ${await channelToken(world.driver.serviceUrl)}`;
});
afterEach(async () => {
  await world?.close();
  nock.abortPendingRequests();
  nock.cleanAll();
  vi.restoreAllMocks();
});

const chatOf = (person: { id: string }) => world.teams.personalConversationOf(person.id);
/** What the bot has said in a conversation, oldest first. */
const botSaid = (conversationId: string) =>
  world.teams.transcript(conversationId).filter((entry) => entry.from.id === TEAMS_SEED.bot.id);
const oktaCalls = () => world.okta.calls.length;
const logLines = (pattern: RegExp) => logged.filter((line) => pattern.test(String(line.msg)));

/** A message typed by `person` in their 1:1 chat, as Teams posts it; `change` alters it first. */
function typed(person: (typeof T)[keyof typeof T], text: string, change: (activity: Json) => void = () => {}): Json {
  const activity = message(
    {
      id: world.teams.ids.message(),
      timestamp: world.teams.now(),
      serviceUrl: world.driver.serviceUrl,
      conversation: { id: chatOf(person), kind: 'personal' },
    },
    { user: { id: person.id, name: person.name, aadObjectId: person.aadObjectId }, text },
  );
  change(activity);
  return activity;
}

/**
 * Nothing an earlier activity could have started is still to come: `person` says "help" with a
 * valid token and the answer arrives. Turns run in the order they were accepted, so an earlier
 * one that had been let through would have answered by then too.
 */
async function barrier(person: (typeof T)[keyof typeof T]): Promise<void> {
  const before = botSaid(chatOf(person)).length;
  const answer = await world.driver.send(typed(person, 'help'));
  expect(answer.statusCode).toBe(200);
  await eventually(() => botSaid(chatOf(person)).length > before);
}

describe('reaching /api/messages without a token (F12)', () => {
  it('refuses a request without a Bearer token before reading its body, and reads no body over 256 KB', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      world.gatehouse.server.inject({
        method: 'POST',
        url: '/api/messages',
        headers: { 'content-type': 'application/json', ...headers },
        payload,
      });
    // Not even valid JSON: a 400 would mean it was parsed.
    const unsigned = await post({}, '{"type":');
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toMatchObject({ error: 'unauthorized' });
    expect((await post({ authorization: `Basic ${btoa(`${APP_ID}:x`)}` }, '{"type":')).statusCode).toBe(401);
    expect((await post({ authorization: 'Bearer ' }, '{"type":')).statusCode).toBe(401);
    // 300 KB of well-formed activity with a token: refused for its size before the token is checked.
    const large = JSON.stringify({ ...typed(T.alice, 'help'), padding: 'x'.repeat(300 * 1024) });
    expect((await post({ authorization: bearer }, large)).statusCode).toBe(413);
    expect(world.teams.calls).toEqual([]);
  });
});

describe('forged Bot Framework tokens (F4)', () => {
  it('answers 401 to every forged token, and nothing is processed', async () => {
    serveSigningKeys();
    const url = world.driver.serviceUrl;
    const forged: Record<string, string> = {
      'signed by another key under the published key id': await channelToken(url, { key: attacker.privateKey }),
      'HS256 keyed with the app password': await channelToken(url, { alg: 'HS256' }),
      'unsigned (alg none)': unsignedToken(url),
      expired: await channelToken(url, { expiresIn: -3600 }),
      'for another bot': await channelToken(url, { aud: '11111111-2222-3333-4444-555555555555' }),
      'vouching for another serviceUrl': await channelToken('https://smba.trafficmanager.net/emea/'),
      'under a key id nobody published': await channelToken(url, { kid: 'unknown-key' }),
      'an Entra token of our tenant signed by another key': await entraToken(TENANT, attacker.privateKey),
      // The token the bot itself sends to the connector with every reply, replayed at it.
      "the bot's own connector token": await entraToken(TENANT, trusted.privateKey, 'https://api.botframework.com'),
    };
    const okta = oktaCalls();
    const answers: Record<string, number> = {};
    for (const [name, token] of Object.entries(forged)) {
      const answer = await world.driver.send(typed(T.bob, 'pending'), { authorization: `Bearer ${token}` });
      answers[name] = answer.statusCode;
      expect(answer.body, name).toMatchObject({ error: 'unauthorized' });
    }
    expect(answers).toEqual(Object.fromEntries(Object.keys(forged).map((name) => [name, 401])));
    await barrier(T.bob);
    // Only the barrier's "help" was answered, and Okta never heard of Bob's "pending".
    expect(botSaid(chatOf(T.bob))).toHaveLength(1);
    expect(oktaCalls()).toBe(okta);
    expect(logLines(/token is not valid/)).toHaveLength(Object.keys(forged).length);
  });

  it('logs a refused token through pino, never on the console, and with no key or token in it', async () => {
    serveSigningKeys();
    const token = await channelToken(world.driver.serviceUrl, { key: attacker.privateKey });
    const answer = await world.driver.send(typed(T.bob, 'pending'), { authorization: `Bearer ${token}` });
    expect(answer.statusCode).toBe(401);
    expect(printed.error).not.toHaveBeenCalled();
    expect(printed.warn).not.toHaveBeenCalled();
    const [refusal] = logLines(/token is not valid/);
    expect(refusal).toMatchObject({ level: 40, component: 'teams', reason: 'invalid signature' });
    expect(refusal?.reqId).toBeDefined();
    // botbuilder's own account of it (it prints the key it tried) comes through pino too, cleaned.
    expect(logLines(/botbuilder wrote to the console/).length).toBeGreaterThan(0);
    const everything = JSON.stringify(logged);
    expect(everything).not.toMatch(/BEGIN (RSA )?PUBLIC KEY|eyJ[\w-]+\.[\w-]+/);
    expect(everything).not.toContain(TEST_SECRETS.teamsAppPassword);
  });
});

describe('when the token cannot be checked (F4)', () => {
  it('answers 503 with Retry-After, processes nothing, and takes the activity when Teams retries', async () => {
    // Unreachable (the connection fails), then reachable but failing.
    nock(BOTFRAMEWORK).get(BOTFRAMEWORK_CONFIG).replyWithError('getaddrinfo ENOTFOUND login.botframework.com');
    nock(BOTFRAMEWORK).get(BOTFRAMEWORK_CONFIG).reply(500, 'upstream unavailable');
    const okta = oktaCalls();
    const activity = typed(T.alice, 'help');

    const unreachable = await world.driver.send(activity);
    expect(unreachable.statusCode).toBe(503);
    expect(unreachable.headers['retry-after']).toBe('5');
    expect(unreachable.body).toMatchObject({ error: 'authentication_unavailable' });
    const failing = await world.driver.resend(unreachable);
    expect(failing.statusCode).toBe(503);
    expect(world.teams.calls).toEqual([]);
    expect(oktaCalls()).toBe(okta);
    expect(logLines(/could not be checked/).map((line) => line.level)).toEqual([50, 50]);
    expect(printed.error).not.toHaveBeenCalled();

    // The metadata is back, and Teams delivers the same activity again: answered once.
    serveSigningKeys();
    const retried = await world.driver.resend(unreachable);
    expect(retried.statusCode).toBe(200);
    await eventually(() => botSaid(chatOf(T.alice)).length === 1);
    await barrier(T.alice);
    expect(botSaid(chatOf(T.alice))).toHaveLength(2);
  });
});

describe('which tenant an activity comes from (F5)', () => {
  it('refuses an activity whose conversation and channelData name different tenants', async () => {
    serveSigningKeys();
    const okta = oktaCalls();
    const half = typed(T.bob, 'pending', (activity) => {
      (activity.channelData as Json).tenant = { id: ELSEWHERE };
    });
    const otherHalf = typed(T.bob, 'pending', (activity) => {
      (activity.conversation as Json).tenantId = ELSEWHERE;
    });
    for (const activity of [half, otherHalf]) {
      const answer = await world.driver.send(activity);
      expect(answer.statusCode).toBe(403);
      expect(answer.body).toMatchObject({ error: 'forbidden' });
    }
    await barrier(T.bob);
    expect(botSaid(chatOf(T.bob))).toHaveLength(1);
    expect(oktaCalls()).toBe(okta);
    expect(logLines(/not from the tenant served/).map((line) => line.reason)).toEqual(['conflict', 'conflict']);
  });

  it("believes the token's tenant claim over what the activity says", async () => {
    serveSigningKeys();
    const okta = oktaCalls();
    // Entra vouches for another tenant; the activity claims ours in both places.
    const answer = await world.driver.send(typed(T.bob, 'pending'), {
      authorization: `Bearer ${await entraToken(ELSEWHERE)}`,
    });
    expect(answer.statusCode).toBe(403);
    expect(oktaCalls()).toBe(okta);
    // The same kind of token from our tenant is served.
    const ours = await world.driver.send(typed(T.bob, 'help'), { authorization: `Bearer ${await entraToken(TENANT)}` });
    expect(ours.statusCode).toBe(200);
    await eventually(() => botSaid(chatOf(T.bob)).length === 1);
    await barrier(T.bob);
    expect(botSaid(chatOf(T.bob))).toHaveLength(2);
    expect(logLines(/not from the tenant served/)).toMatchObject([{ named: { claim: ELSEWHERE } }]);
  });
});

describe('where the bot sends its token (F6)', () => {
  const ATTACKER = 'https://connector.attacker.example';

  it('refuses an authenticated activity whose serviceUrl is not a Teams one, and sends nothing there', async () => {
    serveSigningKeys();
    const elsewhere = nock(ATTACKER).persist().post(/.*/).reply(201, { id: 'captured' });
    const okta = oktaCalls();
    const activity = typed(T.bob, 'pending', (a) => {
      a.serviceUrl = `${ATTACKER}/amer/`;
    });
    const answer = await world.driver.send(activity, {
      authorization: `Bearer ${await channelToken(`${ATTACKER}/amer/`)}`,
    });
    expect(answer.statusCode).toBe(403);
    await barrier(T.bob);
    expect(elsewhere.isDone()).toBe(false);
    expect(oktaCalls()).toBe(okta);
    expect(logLines(/serviceUrl is not a Teams service URL/)).toHaveLength(1);
  });

  it('never sends the bot token to a stored conversation whose serviceUrl is not a Teams one', async () => {
    // A reference kept from before the allow-list: Dana's chat, pointing somewhere else.
    const elsewhere = nock(ATTACKER).persist().post(/.*/).reply(201, { id: 'captured' });
    const people = world.gatehouse.teams?.people;
    if (!people) throw new Error('Teams is not configured');
    await people.learn(SEED.users.dana.email, T.dana.id);
    await people.savePersonal(T.dana.id, {
      channelId: 'msteams',
      serviceUrl: `${ATTACKER}/amer/`,
      conversation: { id: chatOf(T.dana), conversationType: 'personal', isGroup: false, name: '' },
      bot: { id: TEAMS_SEED.bot.id, name: 'Gatehouse' },
      user: { id: T.dana.id, name: T.dana.name },
    });
    await portalRequestSynced();
    expect(elsewhere.isDone()).toBe(false);
    expect(botSaid(chatOf(T.dana))).toEqual([]);
    expect(logged.some((line) => String(line.msg).includes('not a Teams service URL'))).toBe(true);
  });
});

describe('the service URL of a conversation never met (F6, sandbox)', () => {
  let capture: FastifyInstance | undefined;
  afterEach(async () => {
    await capture?.close();
    capture = undefined;
  });

  it("opens chats with people never met at the configured service URL, not at the last activity's", async () => {
    // Sandbox mode (no app id): nothing is authenticated, so nothing is allow-listed either.
    await world.close();
    world = await startTeamsWorld({ logger: pino({ level: 'silent' }) });
    const seen: string[] = [];
    capture = Fastify();
    capture.all('/*', async (request, reply) => {
      seen.push(`${request.method} ${decodeURIComponent(request.url)}`);
      return reply.code(request.method === 'POST' ? 201 : 404).send({ id: 'captured' });
    });
    const captureUrl = `${await capture.listen({ port: 0, host: '127.0.0.1' })}/amer/`;
    // Carol's client says its service URL is elsewhere: answers to Carol go there, and nothing else.
    const carol = await world.driver.send(
      typed(T.carol, 'help', (a) => {
        a.serviceUrl = captureUrl;
      }),
    );
    expect(carol.statusCode).toBe(200);
    await eventually(() => seen.some((line) => line.includes('a:1on1-carol')));

    // Then Alice asks in the Okta portal: Dana (never met) and the approvals channel hear of it.
    const request = await portalRequestSynced();
    expect(JSON.stringify(botSaid(chatOf(T.dana)))).toContain(request.id);
    expect(JSON.stringify(botSaid(TEAMS_SEED.channels.approvals.id))).toContain(request.id);
    expect(seen.filter((line) => !line.includes('a:1on1-carol'))).toEqual([]);
  });
});

/** Alice asks for Zoom Pro in the Okta portal, and Gatehouse brings chat up to date with it. */
async function portalRequestSynced() {
  const request = world.okta.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
      requestedFor: { type: 'OKTA_USER', externalId: SEED.users.alice.id },
      requesterFieldValues: [],
    },
    world.okta.actorFor(SEED.users.alice.id),
  );
  world.okta.settle();
  await world.gatehouse.messages.sync(request.id);
  return request;
}
