import { afterEach, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { testLogger } from '../../support/test-logger.js';
import { TEST_SECRETS } from '../../support/test-secrets.js';

const REAL = {
  OKTA_ORG_URL: 'https://acme.okta.example',
  OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
  SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
  SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
  PUBLIC_URL: 'https://gatehouse.acme.example',
  LOG_LEVEL: 'silent',
};

let gatehouse: Gatehouse | undefined;
afterEach(async () => {
  await gatehouse?.close();
  gatehouse = undefined;
});

async function build(env: Record<string, string>) {
  const config = loadConfig(env);
  gatehouse = await createGatehouse(config, { logger: testLogger(config) });
  return gatehouse;
}

describe('how Slack reaches Gatehouse', () => {
  it('serves /slack/events over HTTP, refusing what Slack did not sign', async () => {
    const app = await build(REAL);
    expect(app.slack?.socketMode).toBe(false);
    const answer = await app.server.inject({ method: 'POST', url: '/slack/events', payload: 'command=%2Faccess' });
    expect(answer.statusCode).toBe(401);
  });

  it('uses Socket Mode instead when an app token is set, with no public Slack route', async () => {
    const app = await build({ ...REAL, SLACK_APP_TOKEN: TEST_SECRETS.slackAppToken });
    expect(app.slack?.socketMode).toBe(true);
    const answer = await app.server.inject({ method: 'POST', url: '/slack/events', payload: 'command=%2Faccess' });
    expect(answer.statusCode).toBe(404);
  });

  it('has no Slack route at all when only Teams is configured', async () => {
    const app = await build({
      OKTA_ORG_URL: REAL.OKTA_ORG_URL,
      OKTA_API_TOKEN: REAL.OKTA_API_TOKEN,
      PUBLIC_URL: REAL.PUBLIC_URL,
      MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
      MICROSOFT_APP_PASSWORD: TEST_SECRETS.teamsAppPassword,
      MICROSOFT_APP_TENANT_ID: '99999999-8888-7777-6666-555555555555',
      LOG_LEVEL: 'silent',
    });
    expect(app.slack).toBeUndefined();
    expect((await app.server.inject({ method: 'POST', url: '/slack/events', payload: 'x=1' })).statusCode).toBe(404);
  });
});
