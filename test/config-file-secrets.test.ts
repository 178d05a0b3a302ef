import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createOktaOrg, oktaEmulator, SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED, SlackDriver } from '@gatehouse/sandbox/slack';
import Fastify from 'fastify';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { OktaGovernance } from '../src/api/okta/client.js';
import { type Config, ConfigError, DEFAULT_OKTA_SCOPES, loadConfig, SECRET_VARIABLES } from '../src/config.js';
import { secretsOf as doctorSecretsOf, loadForDoctor } from '../src/doctor/configuration.js';
import { loggerOptions, secretsOf } from '../src/logging.js';
import { startProductionWorld } from './support/production-world.js';
import { TEST_SECRETS } from './support/test-secrets.js';

/**
 * Issue 20, point 3: every secret may come from a mounted file (`<NAME>_FILE`), as Docker secrets
 * and Kubernetes Secret volumes provide them, never together with the variable itself.
 */

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-file-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A file holding `content`, as a secret volume mounts it; its path. */
function secretFile(content: string): string {
  const path = join(dir, `secret-${++files}`);
  writeFileSync(path, content);
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

/** `env` with `name` given through a file holding its value followed by `ending`. */
function viaFile(env: Record<string, string>, name: string, ending = '\n'): Record<string, string> {
  const { [name]: value, ...rest } = env;
  if (value === undefined) throw new Error(`${name} is not in this environment`);
  return { ...rest, [`${name}_FILE`]: secretFile(`${value}${ending}`) };
}

const OKTA_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ format: 'pem', type: 'pkcs8' })
  .toString();
const PERSON_JWK = JSON.stringify(
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
);

const PUBLIC_URL = { PUBLIC_URL: 'https://gatehouse.acme.com' };
const SLACK = {
  SLACK_SIGNING_SECRET: 'file-slack-signing-secret-0123456789',
  SLACK_BOT_TOKEN: 'xoxb-file-bot-token-1',
};
const OKTA = { OKTA_ORG_URL: 'https://acme.okta.com', OKTA_API_TOKEN: '00file-okta-api-token-abcdef' };
const OKTA_OAUTH = {
  OKTA_ORG_URL: 'https://acme.okta.com',
  OKTA_CLIENT_ID: '0oafilesecrets',
  OKTA_PRIVATE_KEY: OKTA_PEM,
};
const PINGONE = {
  PINGONE_TENANT_URL: 'https://openam-acme.forgeblocks.com',
  PINGONE_ACCESS_TOKEN: 'file-pingone-access-token-abcdef',
};
const PINGONE_CLIENT = {
  PINGONE_TENANT_URL: 'https://openam-acme.forgeblocks.com',
  PINGONE_CLIENT_ID: 'gatehouse-service',
  PINGONE_CLIENT_SECRET: 'file-pingone-client-secret-abcdef',
};
const PERSON = {
  PINGONE_PERSON_CLIENT_ID: 'gatehouse-person',
  PINGONE_PERSON_ISSUER: 'https://gatehouse.acme.com/issuer',
  PINGONE_PERSON_PRIVATE_KEY: PERSON_JWK,
  PINGONE_PERSON_CLIENT_SECRET: 'file-person-client-secret-abcdef',
};
const TEAMS = {
  MICROSOFT_APP_ID: '11111111-2222-4333-8444-555555555555',
  MICROSOFT_APP_PASSWORD: 'file-teams-app-password-abcdef',
  MICROSOFT_APP_TENANT_ID: '66666666-7777-4888-8999-000000000000',
};

/** For each secret variable: a deployment giving it, and where its value ends up in the configuration. */
const DEPLOYMENTS: Record<(typeof SECRET_VARIABLES)[number], [Record<string, string>, (config: Config) => unknown]> = {
  OKTA_API_TOKEN: [{ ...PUBLIC_URL, ...OKTA, ...SLACK }, (c) => authOf(c).token],
  OKTA_PRIVATE_KEY: [{ ...PUBLIC_URL, ...OKTA_OAUTH, ...SLACK }, (c) => authOf(c).privateKey],
  OKTA_EVENT_HOOK_SECRET: [
    { ...PUBLIC_URL, ...OKTA, ...SLACK, OKTA_EVENT_HOOK_SECRET: 'file-okta-hook-secret-abcdef' },
    (c) => c.notifier.oktaEventHookSecret,
  ],
  PINGONE_ACCESS_TOKEN: [{ ...PUBLIC_URL, ...PINGONE, ...SLACK }, (c) => authOf(c).token],
  PINGONE_CLIENT_SECRET: [{ ...PUBLIC_URL, ...PINGONE_CLIENT, ...SLACK }, (c) => authOf(c).clientSecret],
  PINGONE_PERSON_CLIENT_SECRET: [{ ...PUBLIC_URL, ...PINGONE, ...PERSON, ...SLACK }, (c) => personOf(c)?.clientSecret],
  PINGONE_PERSON_PRIVATE_KEY: [{ ...PUBLIC_URL, ...PINGONE, ...PERSON, ...SLACK }, (c) => personOf(c)?.privateKey],
  SLACK_SIGNING_SECRET: [{ ...PUBLIC_URL, ...OKTA, ...SLACK }, (c) => c.slack?.signingSecret],
  SLACK_BOT_TOKEN: [{ ...PUBLIC_URL, ...OKTA, ...SLACK }, (c) => c.slack?.botToken],
  SLACK_APP_TOKEN: [
    { ...PUBLIC_URL, ...OKTA, ...SLACK, SLACK_APP_TOKEN: 'xapp-1-file-app-token-abcdef' },
    (c) => c.slack?.appToken,
  ],
  MICROSOFT_APP_PASSWORD: [{ ...PUBLIC_URL, ...OKTA, ...TEAMS }, (c) => c.teams?.appPassword],
  METRICS_TOKEN: [
    { ...PUBLIC_URL, ...OKTA, ...SLACK, METRICS_TOKEN: 'file-metrics-token-abcdef0123' },
    (c) => c.server.metricsToken,
  ],
  REDIS_URL: [
    { ...PUBLIC_URL, ...OKTA, ...SLACK, REDIS_URL: 'redis://:file-redis-password-0123@redis.internal:6379' },
    (c) => c.redisUrl,
  ],
};

function authOf(config: Config): Record<string, unknown> {
  return config.governance.auth as Record<string, unknown>;
}

function personOf(config: Config) {
  return config.governance.provider === 'pingone' ? config.governance.personGrant : undefined;
}

describe('secrets from mounted files (<NAME>_FILE)', () => {
  it('covers every secret variable', () => {
    expect(Object.keys(DEPLOYMENTS).sort()).toEqual([...SECRET_VARIABLES].sort());
  });

  it.each(SECRET_VARIABLES)('%s_FILE gives exactly the configuration the variable itself would', (name) => {
    const [env, read] = DEPLOYMENTS[name];
    const fromEnv = loadConfig(env);
    const fromFile = loadConfig(viaFile(env, name));
    expect(read(fromFile)).toBe(env[name]?.trim());
    expect(fromFile).toEqual(fromEnv);
  });

  it('drops the one trailing newline echo or a Kubernetes Secret leaves, either line ending', () => {
    const [env] = DEPLOYMENTS.SLACK_SIGNING_SECRET;
    for (const ending of ['', '\n', '\r\n']) {
      const config = loadConfig(viaFile(env, 'SLACK_SIGNING_SECRET', ending));
      expect(config.slack?.signingSecret).toBe(SLACK.SLACK_SIGNING_SECRET);
    }
  });

  it('keeps a PEM key whole, its inner line breaks included, and Gatehouse signs in to Okta with it', async () => {
    const [env] = DEPLOYMENTS.OKTA_PRIVATE_KEY;
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(pem.endsWith('-----\n')).toBe(true);

    const org = createOktaOrg();
    org.registerServiceApp({
      clientId: OKTA_OAUTH.OKTA_CLIENT_ID,
      publicJwk: pair.publicKey.export({ format: 'jwk' }) as never,
      scopes: DEFAULT_OKTA_SCOPES.split(' '),
    });
    const outside = Fastify();
    await outside.register(oktaEmulator, { org });
    await outside.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = outside.server.address();
      const orgUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const { OKTA_PRIVATE_KEY: _inline, ...rest } = env;
      const config = loadConfig({ ...rest, OKTA_ORG_URL: orgUrl, OKTA_PRIVATE_KEY_FILE: secretFile(pem) });
      expect(authOf(config).privateKey).toBe(pem.trimEnd());
      expect((authOf(config).privateKey as string).split('\n').length).toBeGreaterThan(3);

      const governance = new OktaGovernance({
        orgUrl,
        auth: config.governance.auth as never,
        timeoutMs: 5000,
      });
      const found = await governance.findPrincipalsByEmail(SEED.users.alice.email);
      expect(found.map((principal) => principal.id)).toEqual([SEED.users.alice.id]);
    } finally {
      await outside.close();
    }
  });

  it('refuses a secret given both ways, naming both and repeating neither value', () => {
    const [env] = DEPLOYMENTS.SLACK_BOT_TOKEN;
    const other = 'xoxb-the-file-holds-another-token';
    const problems = problemsOf({ ...env, SLACK_BOT_TOKEN_FILE: secretFile(`${other}\n`) });
    expect(problems).toEqual([
      'SLACK_BOT_TOKEN and SLACK_BOT_TOKEN_FILE are both set: give the value one way only, SLACK_BOT_TOKEN or the file SLACK_BOT_TOKEN_FILE names.',
    ]);
    expect(problems.join('\n')).not.toContain(other);
    expect(problems.join('\n')).not.toContain(SLACK.SLACK_BOT_TOKEN);
  });

  it('names the variable and the path of a missing file, and nothing that follows from it', () => {
    const [env] = DEPLOYMENTS.SLACK_SIGNING_SECRET;
    const path = join(dir, 'not-mounted', 'slack-signing-secret');
    const { SLACK_SIGNING_SECRET: _inline, ...rest } = env;
    // Without the note that the secret is unreadable, "SLACK_SIGNING_SECRET is required" would follow.
    expect(problemsOf({ ...rest, SLACK_SIGNING_SECRET_FILE: path })).toEqual([
      `SLACK_SIGNING_SECRET_FILE names ${path}, which does not exist: mount the secret there or correct the path.`,
    ]);
  });

  it('names an empty file, a directory, and one Gatehouse may not read, never what a file holds', () => {
    const [env] = DEPLOYMENTS.OKTA_API_TOKEN;
    const { OKTA_API_TOKEN: _inline, ...rest } = env;
    const empty = secretFile('\n');
    const directory = join(dir, 'a-secret-volume');
    mkdirSync(directory);
    expect(problemsOf({ ...rest, OKTA_API_TOKEN_FILE: empty })).toEqual([
      `OKTA_API_TOKEN_FILE names ${empty}, which is empty: put the secret in it.`,
    ]);
    expect(problemsOf({ ...rest, OKTA_API_TOKEN_FILE: directory })).toEqual([
      `OKTA_API_TOKEN_FILE names ${directory}, which is not a regular file: name the file holding the secret.`,
    ]);
    // A malformed value read from a file is named like one from the environment: without its content.
    const notAKey = 'this-is-not-a-key-but-is-secret-anyway';
    const problems = problemsOf(
      viaFile({ ...OKTA_OAUTH, ...SLACK, ...PUBLIC_URL, OKTA_PRIVATE_KEY: notAKey }, 'OKTA_PRIVATE_KEY'),
    );
    expect(problems.join('\n')).toMatch(/^OKTA_PRIVATE_KEY is neither a PEM private key nor a JWK/m);
    expect(problems.join('\n')).not.toContain(notAKey);
  });

  it.skipIf(process.getuid?.() === 0)('names a file Gatehouse’s user may not read', () => {
    const [env] = DEPLOYMENTS.OKTA_API_TOKEN;
    const { OKTA_API_TOKEN: _inline, ...rest } = env;
    const locked = secretFile(`${OKTA.OKTA_API_TOKEN}\n`);
    chmodSync(locked, 0o000);
    expect(problemsOf({ ...rest, OKTA_API_TOKEN_FILE: locked })).toEqual([
      `OKTA_API_TOKEN_FILE names ${locked}, which Gatehouse's user may not read (permission denied): let it read the file.`,
    ]);
  });

  it('leaves sandbox mode on a _FILE setting alone, and says which one did', () => {
    const path = secretFile(`${SLACK.SLACK_BOT_TOKEN}\n`);
    let error: unknown;
    try {
      loadConfig({ SLACK_BOT_TOKEN_FILE: path });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).realSettings).toEqual(['SLACK_BOT_TOKEN_FILE']);
    expect((error as ConfigError).message).toContain(
      'SLACK_BOT_TOKEN_FILE is set, so Gatehouse is not in sandbox mode',
    );
    // An empty one counts as unset, as an empty variable does.
    expect(loadConfig({ SLACK_BOT_TOKEN_FILE: '' }).mode).toBe('sandbox');
  });

  it('says a setting that is no secret is not read from a file, rather than calling it missing', () => {
    const [env] = DEPLOYMENTS.SLACK_SIGNING_SECRET;
    const { OKTA_ORG_URL: orgUrl, ...rest } = env as Record<string, string>;
    const problems = problemsOf({ ...rest, OKTA_ORG_URL_FILE: secretFile(`${orgUrl ?? 'https://acme.okta.com'}\n`) });
    expect(problems).toContainEqual(
      'OKTA_ORG_URL_FILE is not read: only secrets come from files (OKTA_ORG_URL is a setting; set OKTA_ORG_URL itself)',
    );
  });

  it('scrubs secrets read from files from every log line, exactly as secrets from the environment', () => {
    const env = { ...DEPLOYMENTS.REDIS_URL[0], ...DEPLOYMENTS.METRICS_TOKEN[0], ...TEAMS };
    let fromFiles = env as Record<string, string>;
    for (const name of SECRET_VARIABLES) if (name in env) fromFiles = viaFile(fromFiles, name);
    expect(Object.keys(fromFiles).filter((name) => name.endsWith('_FILE'))).toHaveLength(6);
    const config = loadConfig(fromFiles);
    expect(secretsOf(config)).toEqual(secretsOf(loadConfig(env)));

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino(loggerOptions('info', secretsOf(config)), sink);
    const secrets = [
      OKTA.OKTA_API_TOKEN,
      SLACK.SLACK_SIGNING_SECRET,
      SLACK.SLACK_BOT_TOKEN,
      TEAMS.MICROSOFT_APP_PASSWORD,
      DEPLOYMENTS.METRICS_TOKEN[0].METRICS_TOKEN,
      'file-redis-password-0123',
    ];
    logger.error({ err: new Error(`the vendor echoed ${secrets.join(' and ')}`) }, 'failed');
    const text = lines.join('');
    expect(text).toContain('the vendor echoed [redacted] and [redacted]');
    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it('lets npm run doctor read _FILE secrets, and mask them, as npm start does', () => {
    const [env] = DEPLOYMENTS.OKTA_API_TOKEN;
    const fromFile = viaFile(env, 'OKTA_API_TOKEN');
    const loaded = loadForDoctor(fromFile);
    expect(loaded.config?.governance.auth).toEqual({ kind: 'ssws', token: OKTA.OKTA_API_TOKEN });
    expect(doctorSecretsOf(fromFile, loaded.config)).toContain(OKTA.OKTA_API_TOKEN);
    // Masked even when the configuration is refused and nothing else was read.
    expect(doctorSecretsOf({ OKTA_API_TOKEN_FILE: fromFile.OKTA_API_TOKEN_FILE ?? '' })).toEqual([OKTA.OKTA_API_TOKEN]);
  });
});

describe('a production deployment with its Slack signing secret in a file', () => {
  it('verifies signed Slack requests with the file’s secret and refuses others', async () => {
    const world = await startProductionWorld({
      SLACK_SIGNING_SECRET: '',
      SLACK_SIGNING_SECRET_FILE: secretFile(`${TEST_SECRETS.slackSigningSecret}\n`),
    });
    try {
      const driver = (signingSecret: string) =>
        new SlackDriver({ workspace: world.slack, baseUrl: world.baseUrl, signingSecret });
      const alice = SLACK_SEED.users.alice.id;
      const signed = await driver(TEST_SECRETS.slackSigningSecret).command(alice, 'help');
      expect(signed.statusCode).toBe(200);
      const withNewline = await driver(`${TEST_SECRETS.slackSigningSecret}\n`).command(alice, 'help');
      expect(withNewline.statusCode).toBe(401);
    } finally {
      await world.close();
    }
  });
});
