import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, oktaEmulator, SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { OktaGovernance } from '../../src/api/okta/client.js';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { testLogger } from '../support/test-logger.js';
import { pingOneClient } from './pingone/client.js';

/**
 * Who is asking, on the approver's card: title, department and manager come with the read of the
 * person Gatehouse makes anyway (Okta's user profile), never with a call of their own. PingOne's
 * material shows no such attributes on a managed user, so there they stay unset.
 */

const { users: U } = SEED;
const servers: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function listening(server: FastifyInstance): Promise<string> {
  servers.push(server);
  await server.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(server.server.address() as { port: number }).port}`;
}

async function okta() {
  const org = createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
  const server = Fastify();
  await server.register(oktaEmulator, { org });
  const orgUrl = await listening(server);
  const governance = new OktaGovernance({
    orgUrl,
    auth: { kind: 'ssws', token: SANDBOX_SECRETS.oktaApiToken },
    timeoutMs: 2000,
    baseBackoffMs: 5,
    logger: testLogger(),
  });
  return { org, governance };
}

describe('directory fields on Okta', () => {
  it("reads a person's title, department and manager with the one read of the person", async () => {
    const { org, governance } = await okta();
    const before = org.calls.length;
    const alice = await governance.getPrincipal(U.alice.id);
    expect(alice).toMatchObject({
      displayName: 'Alice Nguyen',
      title: 'Account Executive',
      department: 'Sales',
      managerId: U.bob.id,
    });
    expect(org.calls.length - before).toBe(1);
  });

  it('fills them on a look-up by e-mail too', async () => {
    const { governance } = await okta();
    const [carol] = await governance.findPrincipalsByEmail(U.carol.email);
    expect(carol).toMatchObject({ title: 'Software Engineer', department: 'Engineering', managerId: U.frank.id });
  });

  it('leaves them unset for a person the directory says nothing about', async () => {
    const { governance } = await okta();
    const henry = await governance.getPrincipal(U.henry.id);
    expect(henry?.managerId).toBeUndefined();
    expect(henry).toMatchObject({ title: 'Chief Operating Officer', department: 'Operations' });
  });
});

describe('directory fields on PingOne', () => {
  it('leaves title, department and manager unset, as Ping publishes no such user attributes', async () => {
    const tenant = createPingOneTenant();
    const server = Fastify();
    await server.register(pingOneEmulator, { tenant });
    const governance = pingOneClient(await listening(server), Date.now);
    const [alice] = await governance.findPrincipalsByEmail(U.alice.email);
    expect(alice?.displayName).toBeTruthy();
    expect(alice).not.toHaveProperty('title');
    expect(alice).not.toHaveProperty('department');
    expect(alice).not.toHaveProperty('managerId');
  });
});
