import { sandboxPlugin } from '@gatehouse/sandbox';
import { createOktaOrg, type OktaOrg } from '@gatehouse/sandbox/okta';
import { createSlackWorkspace, SLACK_SEED, type SlackWorkspace } from '@gatehouse/sandbox/slack';
import Fastify, { type FastifyInstance } from 'fastify';
import { createGatehouse, type Gatehouse } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freePort } from './free-port.js';
import { testLogger } from './test-logger.js';
import { TEST_SECRETS } from './test-secrets.js';

/** What a production deployment is given here besides TEST_SECRETS; every value is one production accepts. */
export const PRODUCTION = Object.freeze({
  appId: '11111111-2222-4333-8444-555555555555',
  tenantId: '66666666-7777-4888-8999-000000000000',
});

/**
 * Gatehouse as an operator runs it, in production mode, with the outside world it talks to (the
 * Okta org and the Slack Web API, emulated) on a server of its own, as the security audit ran it.
 * Nothing is anonymous here: Teams needs Bot Framework tokens, Slack the signing secret.
 */
export interface ProductionWorld {
  gatehouse: Gatehouse;
  baseUrl: string;
  okta: OktaOrg;
  slack: SlackWorkspace;
  close(): Promise<void>;
}

export async function startProductionWorld(env: Record<string, string> = {}): Promise<ProductionWorld> {
  const okta = createOktaOrg({ apiToken: TEST_SECRETS.oktaApiToken });
  const slack = createSlackWorkspace({ botToken: TEST_SECRETS.slackBotToken });
  const outside: FastifyInstance = Fastify();
  await outside.register(sandboxPlugin, { prefix: '/sandbox', okta, slack });
  const outsidePort = await freePort();
  await outside.listen({ port: outsidePort, host: '127.0.0.1' });
  const outsideUrl = `http://127.0.0.1:${outsidePort}`;
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    LOG_LEVEL: 'silent',
    POLL_INTERVAL_MS: '3600000',
    PUBLIC_URL: 'https://gatehouse.example.com',
    OKTA_ORG_URL: `${outsideUrl}/sandbox/okta`,
    OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
    OKTA_EVENT_HOOK_SECRET: TEST_SECRETS.oktaEventHookSecret,
    SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
    SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
    SLACK_API_URL: `${outsideUrl}/sandbox/slack/api`,
    SLACK_TEAM_ID: SLACK_SEED.teamId,
    MICROSOFT_APP_ID: PRODUCTION.appId,
    MICROSOFT_APP_PASSWORD: TEST_SECRETS.teamsAppPassword,
    MICROSOFT_APP_TENANT_ID: PRODUCTION.tenantId,
    MICROSOFT_APP_TYPE: 'SingleTenant',
    METRICS_TOKEN: TEST_SECRETS.metricsToken,
    ...env,
  });
  const gatehouse = await createGatehouse(config, { logger: testLogger(config) });
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  return {
    gatehouse,
    baseUrl: `http://127.0.0.1:${port}`,
    okta,
    slack,
    async close() {
      await gatehouse.close();
      await outside.close();
    },
  };
}
