import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SANDBOX_SECRETS } from '../src/config.js';

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
const slack = { SLACK_SIGNING_SECRET: 'shh', SLACK_BOT_TOKEN: 'xoxb-1' };

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
    expect(config.slack).toMatchObject({ signingSecret: 'shh', botToken: 'xoxb-1', apiUrl: 'https://slack.com/api' });
    expect(config.redisUrl).toBe('redis://r:6379');
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
    expect(problemsOf({ ...okta, SLACK_SIGNING_SECRET: 'shh', PUBLIC_URL: 'https://g.acme.com' })).toEqual([
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
      OKTA_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
      ...slack,
      PUBLIC_URL: 'https://g.acme.com',
    });
    expect(config.governance).toMatchObject({
      provider: 'okta',
      auth: {
        kind: 'private_key_jwt',
        clientId: '0oa1',
        privateKey: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----',
      },
    });
    if (config.governance.provider === 'okta' && config.governance.auth.kind === 'private_key_jwt') {
      expect(config.governance.auth.scopes).toContain('okta.accessRequests.request.manage');
    }
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
