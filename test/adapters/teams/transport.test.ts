import { afterEach, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { testLogger } from '../../support/test-logger.js';
import { TEST_SECRETS } from '../../support/test-secrets.js';

const REAL = {
  OKTA_ORG_URL: 'https://acme.okta.example',
  OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
  PUBLIC_URL: 'https://gatehouse.acme.example',
  MICROSOFT_APP_ID: '11111111-2222-3333-4444-555555555555',
  MICROSOFT_APP_PASSWORD: TEST_SECRETS.teamsAppPassword,
  MICROSOFT_APP_TENANT_ID: '99999999-8888-7777-6666-555555555555',
  MICROSOFT_APP_TYPE: 'SingleTenant',
  LOG_LEVEL: 'silent',
};

const activity = {
  type: 'message',
  id: '1',
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/amer/',
  from: { id: '29:someone', name: 'Mallory' },
  recipient: { id: '28:11111111-2222-3333-4444-555555555555', name: 'Gatehouse' },
  conversation: { id: 'a:forged', conversationType: 'personal' },
  text: 'pending',
};

let gatehouse: Gatehouse | undefined;
afterEach(async () => {
  await gatehouse?.close();
  gatehouse = undefined;
});

function start(env: Record<string, string>) {
  const config = loadConfig(env);
  return createGatehouse(config, { logger: testLogger(config) });
}

describe('how Teams reaches Gatehouse', () => {
  it('refuses an activity without a Bot Framework token when an app id is configured', async () => {
    gatehouse = await start(REAL);
    const unsigned = await gatehouse.server.inject({ method: 'POST', url: '/api/messages', payload: activity });
    expect(unsigned.statusCode).toBe(401);
    const forged = await gatehouse.server.inject({
      method: 'POST',
      url: '/api/messages',
      payload: activity,
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.' },
    });
    expect(forged.statusCode).toBe(401);
  });

  it('answers a body that is not an activity with 400, never 500', async () => {
    gatehouse = await start(REAL);
    // With a Bearer token, so the body is read at all (without one it is refused unread: 401).
    const authorization = 'Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.';
    const garbage = await gatehouse.server.inject({
      method: 'POST',
      url: '/api/messages',
      payload: '{"type":',
      headers: { 'content-type': 'application/json', authorization },
    });
    expect(garbage.statusCode).toBe(400);
    const list = await gatehouse.server.inject({
      method: 'POST',
      url: '/api/messages',
      payload: [1, 2],
      headers: { authorization },
    });
    expect(list.statusCode).toBe(400);
  });

  it('refuses to configure Teams without an app id outside sandbox mode', () => {
    const { MICROSOFT_APP_ID: _id, ...withoutId } = REAL;
    expect(() => loadConfig(withoutId)).toThrow(/MICROSOFT_APP_ID is required/);
  });
});
