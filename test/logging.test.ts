import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { loggerOptions, secretsOf } from '../src/logging.js';

function capture(config: ReturnType<typeof loadConfig>) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino(loggerOptions('info', secretsOf(config)), sink), lines };
}

describe('logs', () => {
  const config = loadConfig({
    OKTA_ORG_URL: 'https://acme.okta.com',
    OKTA_API_TOKEN: '00okta-secret-token',
    SLACK_SIGNING_SECRET: 'slack-signing-secret-1',
    SLACK_BOT_TOKEN: 'xoxb-secret-bot-token',
    PUBLIC_URL: 'https://g.acme.com',
  });

  it('redact secrets by path in request headers and config objects', () => {
    const { logger, lines } = capture(config);
    logger.info({ req: { headers: { authorization: 'SSWS 00okta-secret-token' } } }, 'call');
    logger.info({ governance: config.governance, slack: config.slack }, 'config');
    const text = lines.join('');
    expect(text).not.toMatch(/00okta-secret-token|slack-signing-secret-1|xoxb-secret-bot-token/);
    expect(text).toContain('[redacted]');
  });

  it('scrub known secret values wherever they appear, even inside an error message', () => {
    const { logger, lines } = capture(config);
    logger.error({ err: new Error('Okta refused SSWS 00okta-secret-token') }, 'failed');
    logger.info({ nested: { deeper: { value: 'xoxb-secret-bot-token' } } }, 'echo');
    const text = lines.join('');
    expect(text).not.toMatch(/00okta-secret-token|xoxb-secret-bot-token/);
    expect(text).toContain('Okta refused SSWS [redacted]');
  });

  it('leave sandbox logs readable: its published secrets are not scrubbed', () => {
    const sandbox = loadConfig({});
    const { logger, lines } = capture(sandbox);
    logger.info({ url: '/sandbox/slack/api/users.info' }, 'call');
    expect(lines.join('')).toContain('/sandbox/slack/api/users.info');
  });
});
