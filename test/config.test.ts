import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SANDBOX_PINGONE_PERSON, SANDBOX_SECRETS } from '../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

const okta = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: '00abc' };
const SIGNING_SECRET = '8f14e45fceea167a5a36dedd4bea2543';
const slack = { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: 'xoxb-1' };

/** A person grant as frodo admin generate-rfc7523-authz-grant-artefacts makes it: an RSA JWK. */
const PERSON_KEY = JSON.stringify(
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
);
/** An Okta service app's key, as the Admin Console gives it (PKCS#8 PEM). */
const OKTA_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const PINGONE_PERSON = {
  PINGONE_PERSON_CLIENT_ID: 'gatehouse-person',
  PINGONE_PERSON_ISSUER: 'https://gatehouse.acme.com/issuer',
  PINGONE_PERSON_PRIVATE_KEY: PERSON_KEY,
};

describe('configuration', () => {
  it('runs in sandbox mode on loopback when nothing is set', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(3000);
    expect(config.governance).toEqual({
      provider: 'okta',
      orgUrl: 'http://127.0.0.1:3000/sandbox/okta',
      auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    });
    expect(config.slack?.signingSecret).toBe(SANDBOX_SECRETS.slackSigningSecret);
    expect(config.redisUrl).toBeUndefined();
    expect(Object.isFrozen(config.governance)).toBe(true);
  });

  it('treats empty variables as unset, so a blank .env line does not leave sandbox mode', () => {
    expect(loadConfig({ OKTA_API_TOKEN: '', SLACK_BOT_TOKEN: '' }).mode).toBe('sandbox');
  });

  it('refuses to expose the sandbox, whose secrets are published, beyond loopback', () => {
    expect(problemsOf({ HOST: '0.0.0.0' })[0]).toMatch(/sandbox mode only listens on loopback/);
  });

  it('accepts a complete Okta + Slack deployment', () => {
    const config = loadConfig({
      ...okta,
      ...slack,
      PUBLIC_URL: 'https://gatehouse.acme.com/',
      REDIS_URL: 'redis://r:6379',
    });
    expect(config.mode).toBe('production');
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.publicUrl).toBe('https://gatehouse.acme.com');
    expect(config.governance).toMatchObject({ provider: 'okta', auth: { kind: 'ssws', token: '00abc' } });
    expect(config.slack).toMatchObject({
      signingSecret: SIGNING_SECRET,
      botToken: 'xoxb-1',
      apiUrl: 'https://slack.com/api',
    });
    expect(config.redisUrl).toBe('redis://r:6379');
  });

  it('refuses a catalog refresh shorter than half a minute: each reads a whole catalog again', () => {
    const base = { ...okta, ...slack, PUBLIC_URL: 'https://gatehouse.acme.com' };
    expect(loadConfig({ ...base, CATALOG_CACHE_SECONDS: '30' }).catalogCacheMs).toBe(30_000);
    expect(problemsOf({ ...base, CATALOG_CACHE_SECONDS: '0' })).toContain(
      'CATALOG_CACHE_SECONDS must be at least 30: each refresh reads the person’s whole catalog again',
    );
  });

  it('takes budgets by rate-limit family, and names a malformed one', () => {
    const base = { ...okta, ...slack, PUBLIC_URL: 'https://gatehouse.acme.com' };
    const config = loadConfig({ ...base, GOVERNANCE_RATE_LIMITS: 'requests=15, catalogs=25' });
    expect(config.governanceRateLimits).toEqual({ requests: 15, catalogs: 25 });
    expect(loadConfig(base).governanceRateLimits).toBeUndefined();
    expect(problemsOf({ ...base, GOVERNANCE_RATE_LIMITS: 'requests:15' })).toContain(
      'GOVERNANCE_RATE_LIMITS takes family=calls-a-minute pairs separated by commas, e.g. requests=15,catalogs=25',
    );
  });

  it('refuses OKTA_ORG_URL without a token, naming every problem at once', () => {
    const problems = problemsOf({ OKTA_ORG_URL: 'https://acme.okta.com', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Okta needs credentials: OKTA_API_TOKEN/),
        expect.stringMatching(/SLACK_SIGNING_SECRET is required/),
        expect.stringMatching(/PUBLIC_URL is required/),
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  it('refuses a Slack bot token without a signing secret', () => {
    expect(problemsOf({ ...okta, SLACK_BOT_TOKEN: 'xoxb-1', PUBLIC_URL: 'https://g.acme.com' })).toEqual([
      'SLACK_SIGNING_SECRET is required with Slack: Gatehouse refuses unsigned Slack requests.',
    ]);
  });

  it('refuses a Slack signing secret without a bot token', () => {
    expect(problemsOf({ ...okta, SLACK_SIGNING_SECRET: SIGNING_SECRET, PUBLIC_URL: 'https://g.acme.com' })).toEqual([
      'SLACK_BOT_TOKEN (xoxb-…) is required with Slack.',
    ]);
  });

  it('refuses a token without an org URL', () => {
    expect(problemsOf({ OKTA_API_TOKEN: '00abc', ...slack, PUBLIC_URL: 'https://g.acme.com' })).toEqual([
      'OKTA_ORG_URL is required for Okta, e.g. https://acme.okta.com',
    ]);
  });

  it('refuses half of the OAuth client credentials', () => {
    expect(
      problemsOf({
        OKTA_ORG_URL: 'https://acme.okta.com',
        OKTA_CLIENT_ID: '0oa1',
        ...slack,
        PUBLIC_URL: 'https://g.acme.com',
      }),
    ).toEqual(['OKTA_CLIENT_ID is set but OKTA_PRIVATE_KEY (PEM or JWK) is missing.']);
  });

  it('accepts private_key_jwt client credentials with default scopes', () => {
    const config = loadConfig({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_CLIENT_ID: '0oa1',
      OKTA_PRIVATE_KEY: OKTA_KEY.replace(/\n/g, '\\n'),
      ...slack,
      PUBLIC_URL: 'https://g.acme.com',
    });
    expect(config.governance).toMatchObject({
      provider: 'okta',
      auth: { kind: 'private_key_jwt', clientId: '0oa1', privateKey: OKTA_KEY },
    });
    if (config.governance.provider === 'okta' && config.governance.auth.kind === 'private_key_jwt') {
      expect(config.governance.auth.scopes).toContain('okta.accessRequests.request.manage');
    }
  });

  it.each([
    ['text that is no key', 'not-a-key', /^OKTA_PRIVATE_KEY is neither a PEM private key nor a JWK \(Okta's Admin/],
    [
      'a PEM that is no key',
      '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
      /^OKTA_PRIVATE_KEY cannot be read as an RSA or EC private key \(PEM or JWK\)\.$/,
    ],
    [
      'a public key (PEM)',
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      /^OKTA_PRIVATE_KEY is a public key: give the private one/,
    ],
    [
      'an EC key on a curve Okta does not take',
      generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      /^OKTA_PRIVATE_KEY is a key of type ec on secp256k1: give an RSA key, or an EC key on P-256, P-384 or P-521\.$/,
    ],
  ])('refuses %s as OKTA_PRIVATE_KEY at start, without repeating it', (_name, key, problem) => {
    const problems = problemsOf({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_CLIENT_ID: '0oa1',
      OKTA_PRIVATE_KEY: key,
      ...slack,
      PUBLIC_URL: 'https://g.acme.com',
    });
    expect(problems).toEqual([expect.stringMatching(problem)]);
    expect(problems[0]).not.toContain(key.trim().split('\n')[1] ?? key);
  });

  it.each([
    [
      'PKCS#1 RSA PEM',
      generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }),
    ],
    [
      'SEC1 EC PEM',
      generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'sec1' }),
    ],
    [
      'an RSA JWK naming its own alg',
      JSON.stringify({
        ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
        alg: 'RS384',
      }),
    ],
  ])('accepts a %s as OKTA_PRIVATE_KEY', (_name, key) => {
    const config = loadConfig({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_CLIENT_ID: '0oa1',
      OKTA_PRIVATE_KEY: key.toString(),
      ...slack,
      PUBLIC_URL: 'https://g.acme.com',
    });
    expect(config.governance).toMatchObject({ provider: 'okta', auth: { kind: 'private_key_jwt' } });
  });

  it('refuses a chat platform with no governance backend', () => {
    expect(problemsOf({ ...slack, PUBLIC_URL: 'https://g.acme.com' })).toEqual([
      expect.stringMatching(/^No governance backend configured/),
    ]);
  });

  it('refuses a governance backend with no chat platform', () => {
    expect(problemsOf({ ...okta, PUBLIC_URL: 'https://g.acme.com' })).toEqual([
      expect.stringMatching(/^No chat platform configured/),
    ]);
  });

  it('refuses Okta and PingOne together unless GOVERNANCE_PROVIDER picks one', () => {
    const both = {
      ...okta,
      PINGONE_TENANT_URL: 'https://t.forgeblocks.com',
      PINGONE_ACCESS_TOKEN: 'x',
      ...slack,
      PUBLIC_URL: 'https://g.acme.com',
    };
    expect(problemsOf(both)[0]).toMatch(/Both Okta and PingOne settings/);
    expect(loadConfig({ ...both, GOVERNANCE_PROVIDER: 'pingone' }).governance.provider).toBe('pingone');
  });

  it('refuses Teams without its password, and a single-tenant app without its tenant', () => {
    const problems = problemsOf({
      ...okta,
      MICROSOFT_APP_ID: 'app',
      MICROSOFT_APP_TYPE: 'SingleTenant',
      PUBLIC_URL: 'https://g.acme.com',
    });
    expect(problems).toEqual([
      'MICROSOFT_APP_PASSWORD is required with Teams (unless MICROSOFT_APP_TYPE=UserAssignedMSI).',
      'MICROSOFT_APP_TENANT_ID is required with Teams: Gatehouse refuses activities from any other tenant.',
    ]);
  });

  it('names malformed values by variable', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      OKTA_ORG_URL: 'acme.okta.com',
      REDIS_URL: 'localhost:6379',
      REMINDER_AFTER: 'soon',
    });
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/OKTA_ORG_URL must be an http\(s\) URL/);
    expect(problems.join('\n')).toMatch(/REDIS_URL must start with redis:\/\//);
    expect(problems.join('\n')).toMatch(/REMINDER_AFTER must be a duration/);
  });

  it('parses approvals channels per platform and durations', () => {
    const config = loadConfig({ APPROVALS_CHANNELS: 'slack:C0123, teams:19:abc@thread.tacv2', REMINDER_AFTER: '4h' });
    expect(config.notifier.approvalsChannels).toEqual({ slack: 'C0123', teams: '19:abc@thread.tacv2' });
    expect(config.notifier.reminderAfterMs).toBe(4 * 3_600_000);
    expect(problemsOf({ APPROVALS_CHANNELS: 'C0123' })[0]).toMatch(/must look like slack:C0123456/);
  });
});

/**
 * Issue 15 / audit F7: production refuses what an attacker could use or read, and names every such
 * problem in the one message start-up stops with.
 */
describe('production hardening', () => {
  const publicUrl = { PUBLIC_URL: 'https://g.acme.com' };
  const pingone = { PINGONE_TENANT_URL: 'https://openam-acme.forgeblocks.com', PINGONE_ACCESS_TOKEN: 'eyJ0eXAi.real' };
  const pingoneClient = {
    PINGONE_TENANT_URL: 'https://openam-acme.forgeblocks.com',
    PINGONE_CLIENT_ID: 'gatehouse',
    PINGONE_CLIENT_SECRET: 'pingone-client-secret-0123456789',
  };
  const teams = {
    MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
    MICROSOFT_APP_PASSWORD: 'Zq8~entra-client-secret-0123456789abcdefgh',
    MICROSOFT_APP_TENANT_ID: '99999999-8888-7777-6666-555555555555',
  };
  const withOktaSlack = (extra: Record<string, string>) => ({ ...okta, ...slack, ...publicUrl, ...extra });

  it.each([
    ['SLACK_SIGNING_SECRET', withOktaSlack({ SLACK_SIGNING_SECRET: SANDBOX_SECRETS.slackSigningSecret })],
    ['SLACK_BOT_TOKEN', withOktaSlack({ SLACK_BOT_TOKEN: SANDBOX_SECRETS.slackBotToken })],
    ['OKTA_API_TOKEN', withOktaSlack({ OKTA_API_TOKEN: SANDBOX_SECRETS.oktaApiToken })],
    ['OKTA_EVENT_HOOK_SECRET', withOktaSlack({ OKTA_EVENT_HOOK_SECRET: SANDBOX_SECRETS.oktaEventHookSecret })],
    // A published value is refused wherever it is given, not only in the variable it came from.
    ['METRICS_TOKEN', withOktaSlack({ METRICS_TOKEN: SANDBOX_SECRETS.oktaEventHookSecret })],
    [
      'PINGONE_ACCESS_TOKEN',
      { ...pingone, ...slack, ...publicUrl, PINGONE_ACCESS_TOKEN: SANDBOX_SECRETS.pingoneAccessToken },
    ],
    ['MICROSOFT_APP_ID', { ...okta, ...teams, ...publicUrl, MICROSOFT_APP_ID: SANDBOX_SECRETS.microsoftAppId }],
  ])('refuses the sandbox published value in %s', (name, env) => {
    expect(problemsOf(env)).toEqual([
      expect.stringMatching(new RegExp(`^${name} is one of the sandbox's published values, which anyone can read: `)),
    ]);
  });

  it.each([
    ['SLACK_SIGNING_SECRET', withOktaSlack({})],
    ['OKTA_EVENT_HOOK_SECRET', withOktaSlack({})],
    ['METRICS_TOKEN', withOktaSlack({})],
    ['PINGONE_CLIENT_SECRET', { ...pingoneClient, ...slack, ...publicUrl }],
    ['PINGONE_PERSON_CLIENT_SECRET', { ...pingone, ...PINGONE_PERSON, ...slack, ...publicUrl }],
    ['MICROSOFT_APP_PASSWORD', { ...okta, ...teams, ...publicUrl }],
  ])('refuses %s shorter than 16 characters without repeating it, and takes 16', (name, env) => {
    const short = 'fifteen-chars-x';
    expect(short).toHaveLength(15);
    const problems = problemsOf({ ...env, [name]: short });
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${name} is shorter than 16 characters, short enough to guess: `)),
    ]);
    expect(problems.join('\n')).not.toContain(short);
    expect(loadConfig({ ...env, [name]: `${short}y` }).mode).toBe('production');
  });

  it.each([
    ['PUBLIC_URL', withOktaSlack({}), 'http://gatehouse.acme.com'],
    ['OKTA_ORG_URL', withOktaSlack({}), 'http://acme.okta.com'],
    ['SLACK_API_URL', withOktaSlack({}), 'http://slack.example.com/api'],
    ['PINGONE_TENANT_URL', { ...pingone, ...slack, ...publicUrl }, 'http://t.forgeblocks.com'],
    ['PINGONE_TOKEN_URL', { ...pingoneClient, ...slack, ...publicUrl }, 'http://t.forgeblocks.com/access_token'],
    // Names that only start like loopback.
    ['OKTA_ORG_URL', withOktaSlack({}), 'http://127.0.0.1.nip.io'],
    ['SLACK_API_URL', withOktaSlack({}), 'http://localhost.evil.example/api'],
  ])(
    'refuses plain http in %s outside loopback, and takes it on loopback where local emulators run',
    (name, env, url) => {
      expect(problemsOf({ ...env, [name]: url })).toEqual([
        expect.stringMatching(
          new RegExp(`^${name} must start with https:// outside sandbox mode, because .*127\\.0\\.0\\.1`),
        ),
      ]);
      for (const loopback of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']) {
        expect(loadConfig({ ...env, [name]: `${loopback}/x` }).mode).toBe('production');
      }
    },
  );

  it('refuses a user name or password in a URL, in production and in sandbox, without repeating it; REDIS_URL keeps its password', () => {
    const problems = problemsOf(
      withOktaSlack({
        OKTA_ORG_URL: 'https://admin:hunter2-okta-pw@acme.okta.com',
        SLACK_API_URL: 'https://@slack.example.com/api',
        REDIS_URL: 'redis://:redis-pw-0123456789@redis.acme.internal:6379',
      }),
    );
    expect(problems).toEqual([
      'OKTA_ORG_URL must not contain a user name or password (user:pass@host): remove them; credentials belong in their own variables, never in a URL.',
      'SLACK_API_URL must not contain a user name or password (user:pass@host): remove them; credentials belong in their own variables, never in a URL.',
    ]);
    expect(problems.join('\n')).not.toMatch(/hunter2|redis-pw/);
    expect(problemsOf({ PUBLIC_URL: 'http://ops:pw@127.0.0.1:3000' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL must not contain a user name or password/),
    ]);
    expect(
      loadConfig(withOktaSlack({ REDIS_URL: 'redis://:redis-pw-0123456789@redis.acme.internal:6379' })).redisUrl,
    ).toBe('redis://:redis-pw-0123456789@redis.acme.internal:6379');
  });

  it.each(['common', 'organizations', 'acme.onmicrosoft.com', '99999999-8888-7777-6666-55555555555'])(
    'refuses MICROSOFT_APP_TENANT_ID=%s: only a tenant GUID names one organisation',
    (tenantId) => {
      const problems = problemsOf({ ...okta, ...teams, ...publicUrl, MICROSOFT_APP_TENANT_ID: tenantId });
      expect(problems).toEqual([
        expect.stringMatching(/^MICROSOFT_APP_TENANT_ID must be your organisation's Microsoft Entra tenant ID, a GUID/),
      ]);
      if (tenantId === 'common') expect(problems[0]).toContain('"common" is an alias for many organisations, not one.');
    },
  );

  it("names every problem at once in the one message start-up stops with (the README's sandbox values, copied)", () => {
    let error: unknown;
    try {
      loadConfig({
        OKTA_ORG_URL: 'http://acme.okta.com',
        OKTA_API_TOKEN: SANDBOX_SECRETS.oktaApiToken,
        OKTA_EVENT_HOOK_SECRET: 'hook-secret-9',
        SLACK_SIGNING_SECRET: SANDBOX_SECRETS.slackSigningSecret,
        SLACK_BOT_TOKEN: SANDBOX_SECRETS.slackBotToken,
        SLACK_APP_TOKEN: 'not-an-app-token',
        SLACK_API_URL: 'http://slack.example.com/api',
        METRICS_TOKEN: 'metrics-token-7',
        MICROSOFT_APP_ID: SANDBOX_SECRETS.microsoftAppId,
        MICROSOFT_APP_PASSWORD: 'app-password-3',
        MICROSOFT_APP_TENANT_ID: 'common',
        PUBLIC_URL: 'https://ops:url-secret-5@gatehouse.acme.com',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, problems } = error as ConfigError;
    const expected = [
      /^SLACK_APP_TOKEN must be an app-level token/,
      /^SLACK_SIGNING_SECRET is one of the sandbox's published values/,
      /^SLACK_BOT_TOKEN is one of the sandbox's published values/,
      /^OKTA_API_TOKEN is one of the sandbox's published values/,
      /^OKTA_EVENT_HOOK_SECRET is shorter than 16 characters/,
      /^MICROSOFT_APP_ID is one of the sandbox's published values/,
      /^MICROSOFT_APP_PASSWORD is shorter than 16 characters/,
      /^METRICS_TOKEN is shorter than 16 characters/,
      /^PUBLIC_URL must not contain a user name or password/,
      /^OKTA_ORG_URL must start with https:\/\//,
      /^SLACK_API_URL must start with https:\/\//,
      /^MICROSOFT_APP_TENANT_ID must be your organisation's Microsoft Entra tenant ID/,
    ];
    expect(problems).toEqual(expected.map((pattern) => expect.stringMatching(pattern)));
    expect(message.split('\n')[0]).toBe('Gatehouse cannot start; fix its configuration:');
    for (const problem of problems) expect(message).toContain(`  - ${problem}`);
    expect(message).not.toMatch(/url-secret-5|hook-secret-9|metrics-token-7|app-password-3/);
  });
});

describe('PingOne: deciding as the approver (the person grant)', () => {
  const pingone = {
    PINGONE_TENANT_URL: 'https://openam-acme.forgeblocks.com',
    PINGONE_ACCESS_TOKEN: 'eyJ0eXAi.real',
    ...slack,
    PUBLIC_URL: 'https://g.acme.com',
  };
  const governanceOf = (env: Record<string, string>) => {
    const { governance } = loadConfig(env);
    if (governance.provider !== 'pingone') throw new Error('not PingOne');
    return governance;
  };

  it('reads the grant, with the realm’s token endpoint as audience and IGA’s scopes by default', () => {
    expect(governanceOf({ ...pingone, ...PINGONE_PERSON })).toMatchObject({
      personGrant: {
        clientId: 'gatehouse-person',
        issuer: 'https://gatehouse.acme.com/issuer',
        privateKey: PERSON_KEY,
        tokenUrl: 'https://openam-acme.forgeblocks.com/am/oauth2/realms/root/realms/alpha/access_token',
        scopes: ['fr:idm:*', 'fr:iga:*'],
      },
      adminDecides: false,
    });
  });

  it('takes a PEM key with \\n escapes, an EC key, a key id, a client secret and scopes', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const grant = governanceOf({
      ...pingone,
      ...PINGONE_PERSON,
      PINGONE_PERSON_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
      PINGONE_PERSON_KEY_ID: 'key-1',
      PINGONE_PERSON_CLIENT_SECRET: 'person-client-secret-0123456789',
      PINGONE_PERSON_SCOPES: 'fr:iga:*',
      PINGONE_REALM: 'bravo',
    }).personGrant;
    expect(grant).toMatchObject({ privateKey: pem, keyId: 'key-1', scopes: ['fr:iga:*'] });
    expect(grant?.tokenUrl).toMatch(/\/realms\/bravo\/access_token$/);
  });

  it('is optional: without it nobody decides from chat, unless PINGONE_ADMIN_DECIDES=true', () => {
    expect(governanceOf(pingone)).toMatchObject({ adminDecides: false });
    expect(governanceOf(pingone).personGrant).toBeUndefined();
    expect(governanceOf({ ...pingone, PINGONE_ADMIN_DECIDES: 'true' })).toMatchObject({ adminDecides: true });
    expect(problemsOf({ ...pingone, PINGONE_ADMIN_DECIDES: 'yes' })).toEqual([
      'PINGONE_ADMIN_DECIDES is true or false',
    ]);
  });

  it('names every part of a half-given grant', () => {
    expect(problemsOf({ ...pingone, PINGONE_PERSON_CLIENT_ID: 'gatehouse-person' })).toEqual([
      expect.stringMatching(/^PINGONE_PERSON_ISSUER is required for the PingOne person grant .*frodo --iss/),
      expect.stringMatching(
        /^PINGONE_PERSON_PRIVATE_KEY is required for the PingOne person grant .*private\.jwk\.json/,
      ),
    ]);
  });

  it('leaves sandbox mode when only the grant is given, and asks for the tenant', () => {
    expect(problemsOf({ ...slack, PUBLIC_URL: 'https://g.acme.com', ...PINGONE_PERSON })).toEqual([
      expect.stringMatching(/^PINGONE_TENANT_URL is required for PingOne/),
      expect.stringMatching(/^PingOne needs credentials/),
    ]);
  });

  it.each([
    [
      'a public key',
      JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' })),
      /is a public key/,
    ],
    ['text that is no key', 'not-a-key', /is neither a PEM private key nor a JWK/],
    ['a broken JWK', '{"kty":"RSA","d":"x"}', /cannot be read as an RSA or EC private key/],
    [
      'an Ed25519 key',
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      /is a key of type ed25519/,
    ],
  ])('refuses %s as the private key, without repeating it', (_name, key, problem) => {
    const problems = problemsOf({ ...pingone, ...PINGONE_PERSON, PINGONE_PERSON_PRIVATE_KEY: key });
    expect(problems).toEqual([expect.stringMatching(problem)]);
    expect(problems[0]).toMatch(/^PINGONE_PERSON_PRIVATE_KEY /);
    expect(problems[0]).not.toContain(key);
  });

  it('refuses the sandbox’s published key, however it is written', () => {
    const sandboxKey = JSON.stringify(JSON.parse(SANDBOX_SECRETS.pingonePersonKey), null, 2);
    expect(problemsOf({ ...pingone, ...PINGONE_PERSON, PINGONE_PERSON_PRIVATE_KEY: sandboxKey })).toEqual([
      expect.stringMatching(/^PINGONE_PERSON_PRIVATE_KEY is the sandbox's published key, which anyone can read: /),
    ]);
  });

  it('decides as the approver in sandbox mode, against the issuer the emulated tenant trusts', () => {
    expect(governanceOf({ SANDBOX_PROVIDER: 'pingone' })).toMatchObject({
      personGrant: {
        clientId: SANDBOX_PINGONE_PERSON.clientId,
        issuer: SANDBOX_PINGONE_PERSON.issuer,
        privateKey: SANDBOX_SECRETS.pingonePersonKey,
        tokenUrl: 'http://127.0.0.1:3000/sandbox/pingone/am/oauth2/realms/root/realms/alpha/access_token',
      },
      adminDecides: false,
    });
  });
});

/**
 * Issue 18 / audit finding 8: a half-given configuration stops start-up with one message naming
 * every problem, malformed and missing alike, and saying what took Gatehouse out of sandbox mode.
 */
describe('the message start-up stops with', () => {
  function errorOf(env: Record<string, string>): ConfigError {
    try {
      loadConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected the configuration to be refused');
  }

  it("names a malformed value together with what is missing (the audit's case: PUBLIC_URL was hidden)", () => {
    const problems = problemsOf({ ...slack, OKTA_ORG_URL: 'acme.okta.com', OKTA_API_TOKEN: '00abc' });
    expect(problems).toEqual([
      'OKTA_ORG_URL must be an http(s) URL',
      expect.stringMatching(/^PUBLIC_URL is required outside sandbox mode/),
    ]);
  });

  it('names format, missing and production problems at once, each malformed variable once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      REMINDER_AFTER: 'soon',
      SLACK_BOT_TOKEN: 'xoxb-1',
      OKTA_ORG_URL: 'acme.okta.com',
      OKTA_API_TOKEN: '00abc',
      METRICS_TOKEN: 'short',
    });
    expect(problems).toEqual([
      'PORT must be a port number from 0 to 65535',
      'OKTA_ORG_URL must be an http(s) URL',
      expect.stringMatching(/^REMINDER_AFTER must be a duration/),
      expect.stringMatching(/^SLACK_SIGNING_SECRET is required with Slack/),
      expect.stringMatching(/^PUBLIC_URL is required outside sandbox mode/),
      expect.stringMatching(/^METRICS_TOKEN is shorter than 16 characters/),
    ]);
  });

  it('names every problem in sandbox mode too, the listen address among them', () => {
    expect(problemsOf({ HOST: '0.0.0.0', PORT: '70000', APPROVALS_CHANNELS: 'C0123' })).toEqual([
      'PORT must be a port number from 0 to 65535',
      expect.stringMatching(/^HOST=0\.0\.0\.0: sandbox mode only listens on loopback/),
      expect.stringMatching(/^APPROVALS_CHANNELS entry "C0123" must look like slack:C0123456/),
    ]);
  });

  it('asks for an https:// PUBLIC_URL outside sandbox mode, alongside the other problems; loopback may stay http', () => {
    const env = { ...okta, ...slack };
    expect(problemsOf({ ...env, PUBLIC_URL: 'gatehouse.acme.com', REDIS_URL: 'localhost:6379' })).toEqual([
      'PUBLIC_URL must be an https:// URL outside sandbox mode, e.g. https://gatehouse.example.com',
      expect.stringMatching(/^REDIS_URL must start with redis:\/\//),
    ]);
    expect(problemsOf({ ...env, PUBLIC_URL: 'http://gatehouse.acme.com', SLACK_TEAM_ID: 'acme' })).toEqual([
      expect.stringMatching(/^SLACK_TEAM_ID is a workspace id/),
      expect.stringMatching(/^PUBLIC_URL must start with https:\/\/ outside sandbox mode/),
    ]);
    // README: http:// is accepted outside sandbox mode on loopback only (local emulators).
    expect(loadConfig({ ...env, PUBLIC_URL: 'http://127.0.0.1:3000' }).server.publicUrl).toBe('http://127.0.0.1:3000');
    // Sandbox mode links to itself over http, wherever PUBLIC_URL says.
    expect(loadConfig({ PUBLIC_URL: 'http://gatehouse.test:3000' }).server.publicUrl).toBe(
      'http://gatehouse.test:3000',
    );
    expect(problemsOf({ PUBLIC_URL: 'gatehouse.test' })).toEqual(['PUBLIC_URL must be an http(s) URL']);
  });

  it('says which variable took Gatehouse out of sandbox mode, and how to get the sandbox back', () => {
    const error = errorOf({ SLACK_BOT_TOKEN: 'xoxb-1', LOG_LEVEL: 'debug' });
    expect(error.realSettings).toEqual(['SLACK_BOT_TOKEN']);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Gatehouse cannot start; fix its configuration:');
    expect(lines.at(-1)).toBe(
      'SLACK_BOT_TOKEN is set, so Gatehouse is not in sandbox mode: a real deployment needs everything listed above. ' +
        'To run the sandbox instead, unset it.',
    );
    expect(error.problems.join('\n')).not.toContain('sandbox mode: a real deployment');
  });

  it('names every such variable, and none in sandbox mode', () => {
    const error = errorOf({ OKTA_ORG_URL: 'https://acme.okta.com', MICROSOFT_APP_ID: 'abc', PORT: '3001' });
    expect(error.message.split('\n').at(-1)).toMatch(
      /^OKTA_ORG_URL and MICROSOFT_APP_ID are set, so Gatehouse is not in sandbox mode: .* unset them\.$/,
    );
    const sandbox = errorOf({ HOST: '0.0.0.0' });
    expect(sandbox.realSettings).toEqual([]);
    expect(sandbox.message).not.toMatch(/not in sandbox mode/);
  });
});
