import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import pino, { type LoggerOptions } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig, SANDBOX_SECRETS } from '../src/config.js';
import { createLogger, loggerOptions, readLogFormat, secretsOf } from '../src/logging.js';
import { scanText } from './support/log-capture.js';
import { TEST_SECRETS } from './support/test-secrets.js';

function capture(config: ReturnType<typeof loadConfig>) {
  return captureWith(loggerOptions('info', secretsOf(config)));
}

function captureWith(options: LoggerOptions) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino(options, sink), lines };
}

const S = TEST_SECRETS;
const ANY_SECRET = new RegExp([S.oktaApiToken, S.slackSigningSecret, S.slackBotToken].join('|'));

describe('logs', () => {
  const config = loadConfig({
    OKTA_ORG_URL: 'https://acme.okta.com',
    OKTA_API_TOKEN: S.oktaApiToken,
    SLACK_SIGNING_SECRET: S.slackSigningSecret,
    SLACK_BOT_TOKEN: S.slackBotToken,
    PUBLIC_URL: 'https://g.acme.com',
  });

  it('redact secrets by path in request headers and config objects', () => {
    const { logger, lines } = capture(config);
    logger.info({ req: { headers: { authorization: `SSWS ${S.oktaApiToken}` } } }, 'call');
    logger.info({ governance: config.governance, slack: config.slack }, 'config');
    const text = lines.join('');
    expect(text).not.toMatch(ANY_SECRET);
    expect(text).toContain('[redacted]');
  });

  it('scrub known secret values wherever they appear, even inside an error message', () => {
    const { logger, lines } = capture(config);
    logger.error({ err: new Error(`Okta refused SSWS ${S.oktaApiToken}`) }, 'failed');
    logger.info({ nested: { deeper: { value: S.slackBotToken } } }, 'echo');
    const text = lines.join('');
    expect(text).not.toMatch(ANY_SECRET);
    expect(text).toContain('Okta refused SSWS [redacted]');
  });

  it('scrub a secret percent-encoded, as a client-credentials form or a URL carries it', () => {
    const password = 'Zq8~app/pass+word=1 2';
    const teams = loadConfig({
      MICROSOFT_APP_ID: '11111111-2222-4333-8444-555555555555',
      MICROSOFT_APP_PASSWORD: password,
      MICROSOFT_APP_TENANT_ID: '66666666-7777-4888-8999-000000000000',
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_API_TOKEN: S.oktaApiToken,
      PUBLIC_URL: 'https://g.acme.com',
    });
    const { logger, lines } = capture(teams);
    const form = new URLSearchParams({ client_id: 'x', client_secret: password }).toString();
    logger.warn({ body: form }, 'token request refused');
    logger.warn(`GET /token?secret=${encodeURIComponent(password)} failed`);
    const text = lines.join('');
    for (const spelled of [password, encodeURIComponent(password), form.split('client_secret=')[1] ?? password]) {
      expect(text).not.toContain(spelled);
    }
    expect(text.match(/\[redacted\]/g)).toHaveLength(2);
  });

  it('leave sandbox logs readable: its published secrets are not scrubbed', () => {
    const sandbox = loadConfig({});
    const { logger, lines } = capture(sandbox);
    logger.info({ url: '/sandbox/slack/api/users.info' }, 'call');
    expect(lines.join('')).toContain('/sandbox/slack/api/users.info');
  });
});

describe('the person grant (PingOne) in real mode', () => {
  it('keeps its key and secret out of every line, as given and as a parsed JWK', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const material = JSON.stringify(jwk);
    const real = loadConfig({
      PINGONE_TENANT_URL: 'https://acme.forgeblocks.com',
      PINGONE_CLIENT_ID: 'gatehouse',
      PINGONE_CLIENT_SECRET: S.pingoneClientSecret,
      PINGONE_PERSON_CLIENT_ID: 'gatehouse-person',
      PINGONE_PERSON_ISSUER: 'https://gatehouse.acme.com/issuer',
      PINGONE_PERSON_PRIVATE_KEY: material,
      PINGONE_PERSON_CLIENT_SECRET: 'person-client-secret-not-real-0001',
      SLACK_SIGNING_SECRET: S.slackSigningSecret,
      SLACK_BOT_TOKEN: S.slackBotToken,
      PUBLIC_URL: 'https://g.acme.com',
    });
    const { logger, lines } = capture(real);
    logger.info({ governance: real.governance }, 'config');
    logger.info(`loaded ${material}`);
    logger.info({ parsed: jwk }, 'key');
    logger.info('secret person-client-secret-not-real-0001 in a message');
    const written = lines.join('');
    expect(written).not.toContain(jwk.d as string);
    expect(written).not.toContain('person-client-secret-not-real-0001');
    expect(scanText('capture.log', written)).toEqual([]);
  });
});

describe("the suite's log scan (test/support/log-capture.ts)", () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJnYXRlaG91c2UifQ.c2lnbmF0dXJl';
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----';
  const signingPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  /** A person-grant key as frodo writes it: a private JWK. */
  const personJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  /** What careless logging writes: each line holds one kind of secret. */
  const leaks: [string, (logger: pino.Logger) => void][] = [
    ['SANDBOX_SECRETS.oktaApiToken', (l) => l.info({ note: SANDBOX_SECRETS.oktaApiToken }, 'config')],
    ['TEST_SECRETS.teamsAppPassword', (l) => l.info(`password is ${S.teamsAppPassword}`)],
    ['a Slack token', (l) => l.info({ echoed: 'xoxb-1234-5678-abcdef' }, 'echo')],
    ['an Authorization header', (l) => l.info({ headers: { Authorization: 'Bearer at-1234abcd' } }, 'call')],
    [
      'an Authorization header',
      (l) => l.info(`http request headers: ${JSON.stringify({ authorization: 'SSWS 00ab' })}`),
    ],
    ['a PEM block', (l) => l.info({ key: pem }, 'key')],
    ['a client assertion', (l) => l.info(`token call body grant_type=client_credentials&client_assertion=${jwt}`)],
    ['a JWT', (l) => l.info({ forged: 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.' }, 'unsigned')],
    ['a private JWK', (l) => l.info({ key: personJwk }, 'person grant')],
  ];

  it('finds every kind of secret on the line that holds it', () => {
    const { logger, lines } = captureWith({ level: 'info' });
    for (const [, leak] of leaks) leak(logger);
    const findings = scanText('capture.log', lines.join(''));
    expect(findings.map((f) => f.line)).toEqual(leaks.map((_, index) => index + 1));
    leaks.forEach(([rule], index) => {
      expect(findings[index]?.secrets.join('; ')).toContain(`${rule}: `);
    });
    // The report names the secret, never shows it.
    expect(JSON.stringify(findings)).not.toContain(SANDBOX_SECRETS.oktaApiToken);
    expect(findings[0]?.message).toBe('config');
  });

  it('finds nothing in what the product logger writes for the same calls in real mode', () => {
    const real = loadConfig({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_CLIENT_ID: '0oa-gatehouse',
      // A key Gatehouse can sign with: start-up refuses any other.
      OKTA_PRIVATE_KEY: signingPem,
      SLACK_SIGNING_SECRET: S.slackSigningSecret,
      SLACK_BOT_TOKEN: S.slackBotToken,
      PUBLIC_URL: 'https://g.acme.com',
    });
    const { logger, lines } = capture(real);
    logger.info({ headers: { authorization: `Bearer ${jwt}` } }, 'call');
    logger.info({ req: { headers: { authorization: `Bearer ${S.slackBotToken}` } } }, 'incoming');
    logger.info({ auth: real.governance.auth, slack: real.slack }, 'config');
    logger.error({ err: new Error(`Slack refused ${S.slackBotToken}`) }, 'failed');
    logger.info({ client_assertion: jwt }, 'token call');
    logger.info({ url: '/sandbox/slack/api/users.info', appId: SANDBOX_SECRETS.microsoftAppId }, 'published');
    expect(lines).toHaveLength(6);
    expect(scanText('capture.log', lines.join(''))).toEqual([]);
  });
});

/** Issue 18 / audit finding 7: people read logs at a terminal, log shippers read JSON. */
describe('the log format', () => {
  it('is pretty on a terminal and JSON anywhere else, unless LOG_FORMAT says which', () => {
    expect(readLogFormat(undefined, true)).toBe('pretty');
    expect(readLogFormat(undefined, false)).toBe('json');
    expect(readLogFormat('json', true)).toBe('json');
    expect(readLogFormat(' pretty ', false)).toBe('pretty');
    expect(() => readLogFormat('text', true)).toThrow('LOG_FORMAT must be pretty or json (got "text")');
  });

  function written(format: 'pretty' | 'json', level = 'info', secrets: string[] = []) {
    const lines: string[] = [];
    const logger = createLogger({ level, format, secrets, destination: { write: (text) => lines.push(text) } });
    return { logger, text: () => lines.join('') };
  }

  it('pretty: one readable line per event, an error by its message, its stack only when debugging', () => {
    const { logger, text } = written('pretty');
    logger.child({ component: 'flows' }).info({ requestId: 'r1' }, 'something\nhappened');
    logger.error({ err: new Error('Okta answered 503') }, 'poll failed');
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[flows\] something happened \{"requestId":"r1"\}$/);
    expect(lines[1]).toContain('ERROR: poll failed {"err":"Error: Okta answered 503"}');
    expect(text()).not.toContain('"level"');

    const debugging = written('pretty', 'debug');
    debugging.logger.error({ err: new Error('Okta answered 503') }, 'poll failed');
    expect(debugging.text()).toMatch(/Error: Okta answered 503\n\s+at /);
  });

  it('JSON: what log shippers read, one object per line', () => {
    const { logger, text } = written('json');
    logger.info({ requestId: 'r1' }, 'hello');
    expect(JSON.parse(text())).toMatchObject({ level: 30, msg: 'hello', requestId: 'r1', service: 'gatehouse' });
  });

  it('pretty: hides every secret JSON hides, by path and by value', () => {
    const real = loadConfig({
      OKTA_ORG_URL: 'https://acme.okta.com',
      OKTA_API_TOKEN: S.oktaApiToken,
      SLACK_SIGNING_SECRET: S.slackSigningSecret,
      SLACK_BOT_TOKEN: S.slackBotToken,
      PUBLIC_URL: 'https://g.acme.com',
    });
    for (const format of ['pretty', 'json'] as const) {
      const { logger, text } = written(format, 'debug', secretsOf(real));
      logger.info({ req: { headers: { authorization: `SSWS ${S.oktaApiToken}` } } }, 'call');
      logger.info({ governance: real.governance, slack: real.slack }, 'config');
      logger.error({ err: new Error(`Okta refused SSWS ${S.oktaApiToken}`) }, 'failed');
      logger.warn(`echoed ${encodeURIComponent(S.slackBotToken)} in a URL`);
      expect(text(), format).not.toMatch(ANY_SECRET);
      expect(text(), format).toContain('Okta refused SSWS [redacted]');
      expect(scanText('capture.log', text()), format).toEqual([]);
    }
  });

  it('pretty: an audit line is its sentence, without the fields that repeat it', () => {
    const { logger, text } = written('pretty');
    logger.info({ audit: 'decision', requestId: 'r1', by: { email: 'dana@acme.example' } }, 'Dana approved it');
    expect(text()).toMatch(/INFO: Dana approved it\n$/);
  });
});
