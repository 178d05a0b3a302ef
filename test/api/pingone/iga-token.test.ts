import { SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenantOptions, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Flows } from '../../../src/flows/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok, refused } from '../../flows/helpers.js';
import { testLogger } from '../../support/test-logger.js';
import { TEST_SECRETS } from '../../support/test-secrets.js';
import { pingOneClient } from './client.js';

/**
 * Ping's guide ("Generate an access token for the Identity Governance API", wire audit P1/E16):
 * the standard service-account token "doesn't work" with IGA without a token-modification script
 * and OAuth 2.0 provider overrides. The emulated tenant models it (requireIgaTokenClaims): IGA
 * refuses a client-credentials token the script did not mark, while /openidm answers it.
 */

const { users: U, entries: E } = SEED;
const SAYS =
  "Gatehouse cannot use PingOne's governance API: its token lacks what IGA needs (see the README, " +
  "'PingOne: Gatehouse's own token'). Nothing was changed; your administrator has been told.";

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

/** Flows over the real client signing in with client credentials as `gatehouse`, on a tenant set up so. */
async function serve(options: PingOneTenantOptions) {
  const tenant = createPingOneTenant(options);
  tenant.oauthClients.set('gatehouse', TEST_SECRETS.pingoneClientSecret);
  const app = Fastify();
  await app.register(pingOneEmulator, { tenant });
  await app.listen({ port: 0, host: '127.0.0.1' });
  opened.push(app);
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const logged: { level: number; msg: string }[] = [];
  const governance = pingOneClient(base, Date.now, {
    auth: {
      kind: 'client_credentials',
      clientId: 'gatehouse',
      clientSecret: TEST_SECRETS.pingoneClientSecret,
      tokenUrl: `${base}/am/oauth2/realms/root/realms/alpha/access_token`,
      scopes: ['fr:idm:*', 'fr:iga:*'],
    },
    logger: pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) }),
  });
  const flows = new Flows(governance, new MemoryStore(), testLogger());
  return { tenant, governance, flows, logged };
}

const alice = { platform: 'slack' as const, userId: 'UALICE', email: U.alice.email };

describe('IGA refusing Gatehouse’s token for lack of the token-modification script’s claims', () => {
  it.each([403, 401] as const)(
    'tells people plainly, and operators the fix once, when IGA answers %i',
    async (status) => {
      const { tenant, governance, flows, logged } = await serve({
        requireIgaTokenClaims: true,
        igaTokenRefusal: status,
      });
      // PingOne's users still answer the token: who someone is is found, then IGA says no.
      expect(ok(await flows.whoAmI(alice))).toMatchObject({ id: U.alice.id });
      expect(refused(await flows.requestAccess(alice, { entryId: E.zoomPro.id }), 'governance_auth_failed')).toBe(SAYS);
      expect(refused(await flows.myRequests(alice), 'governance_auth_failed')).toBe(SAYS);
      await expect(governance.ping()).rejects.toMatchObject({ code: 'governance_auth_failed', status });
      expect(tenant.requests).toHaveLength(0);

      const errors = logged.filter((line) => line.level >= 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.msg).toContain(`PingOne IGA refused Gatehouse's token (HTTP ${status}`);
      expect(errors[0]?.msg).toContain('token-modification script');
      expect(errors[0]?.msg).toContain('OAuth 2.0 provider overrides');
      expect(errors[0]?.msg).toContain("README, 'PingOne: Gatehouse's own token'");
    },
  );

  it('works once the script is set up for Gatehouse’s client', async () => {
    const { tenant, flows, logged } = await serve({ requireIgaTokenClaims: true, igaTokenScript: ['gatehouse'] });
    const result = ok(await flows.requestAccess(alice, { entryId: E.zoomPro.id }));
    expect(result.kind).toBe('created');
    expect(tenant.requests).toHaveLength(1);
    expect(ok(await flows.myRequests(alice)).items).toHaveLength(1);
    expect(logged.filter((line) => line.level >= 50)).toEqual([]);
  });

  it('keeps the plain credentials message for a refusal outside IGA', async () => {
    const { tenant, flows } = await serve({});
    // The client's secret rotated: the token endpoint itself says no.
    tenant.oauthClients.set('gatehouse', 'rotated-elsewhere');
    const said = refused(await flows.whoAmI(alice), 'governance_auth_failed');
    expect(said).not.toBe(SAYS);
    expect(said).toContain('could not sign in');
  });
});
