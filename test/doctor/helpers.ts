import { generateKeyPairSync } from 'node:crypto';
import { createOktaOrg, type OktaOrg, type OktaOrgOptions, oktaEmulator, SEED } from '@gatehouse/sandbox/okta';
import {
  createPingOneTenant,
  type PingOneTenant,
  type PingOneTenantOptions,
  pingOneEmulator,
} from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import { expect } from 'vitest';
import { type DoctorOptions, runDoctor } from '../../src/doctor/index.js';
import { freePort } from '../support/free-port.js';
import { TEST_SECRETS } from '../support/test-secrets.js';

/**
 * The doctor against the project's emulators over real sockets: an Okta org or a PingOne tenant
 * served by its fastify plugin on 127.0.0.1, and Gatehouse's environment pointing at it, exactly
 * as an operator would set it (a production configuration: real-looking secrets, a chat platform,
 * an https PUBLIC_URL that nothing calls).
 */

export const PUBLIC_URL = 'https://gatehouse.example.com';

/** What every production configuration needs besides the governance backend. */
const CHAT = {
  PUBLIC_URL,
  SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
  SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
};

export type Env = Record<string, string | undefined>;

/** Every secret a test gives the doctor: none may appear in what it prints. */
export const SECRETS: string[] = Object.values(TEST_SECRETS);

const opened: FastifyInstance[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((app) => app.close()));
}

async function listen(app: FastifyInstance): Promise<string> {
  opened.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

export interface ServedOrg {
  org: OktaOrg;
  url: string;
  /** Gatehouse's environment for this org with its SSWS token. */
  env(extra?: Env): Env;
}

/**
 * An emulated Okta org in use (a real org's rate limits; one request granted, so the resource the
 * doctor asks grants about has a holder). `extend` adds routes beside the emulator on the same
 * origin, for parts of Okta's API the emulator does not serve, or hooks in front of it.
 */
export async function serveOkta(
  options: OktaOrgOptions = {},
  extend?: (app: FastifyInstance) => void,
): Promise<ServedOrg> {
  const org = createOktaOrg({ apiToken: TEST_SECRETS.oktaApiToken, ...options });
  grantOneRequest(org);
  const app = Fastify();
  // Before the emulator, so hooks added here run for its routes too.
  extend?.(app);
  await app.register(oktaEmulator, { org });
  const url = await listen(app);
  return {
    org,
    url,
    env: (extra = {}) => ({ ...CHAT, OKTA_ORG_URL: url, OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken, ...extra }),
  };
}

/** Alice asked for Jira and Bob, her manager, approved it in Okta: she holds a grant on Jira. */
function grantOneRequest(org: OktaOrg): void {
  const { users, entries } = SEED;
  const request = org.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId: entries.jiraSoftwareUser.id },
      requestedFor: { type: 'OKTA_USER', externalId: users.alice.id },
    },
    org.actorFor(users.alice.id),
  );
  org.settle();
  org.decideInOkta(request.id, users.bob.id, 'APPROVED');
  org.settle();
}

/** An Okta service app's key pair, the private half as OKTA_PRIVATE_KEY takes it (PEM). */
export function serviceAppKeys(): { privatePem: string; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: publicKey.export({ format: 'jwk' }) as JWK,
  };
}

/** Gatehouse's environment for an OAuth service app of this org, instead of the SSWS token. */
export function oauthEnv(served: ServedOrg, clientId: string, privatePem: string, extra: Env = {}): Env {
  return served.env({ OKTA_API_TOKEN: undefined, OKTA_CLIENT_ID: clientId, OKTA_PRIVATE_KEY: privatePem, ...extra });
}

/** An address on this machine nothing listens on. */
export async function unreachableUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

export interface ServedTenant {
  tenant: PingOneTenant;
  url: string;
  /** Gatehouse's environment for this tenant with a client-credentials client it knows. */
  env(extra?: Env): Env;
}

export const PINGONE_CLIENT_ID = 'gatehouse-doctor';

export async function servePingOne(options: PingOneTenantOptions = {}): Promise<ServedTenant> {
  const tenant = createPingOneTenant(options);
  tenant.oauthClients.set(PINGONE_CLIENT_ID, TEST_SECRETS.pingoneClientSecret);
  const app = Fastify();
  await app.register(pingOneEmulator, { tenant });
  const url = await listen(app);
  return {
    tenant,
    url,
    env: (extra = {}) => ({
      ...CHAT,
      PINGONE_TENANT_URL: url,
      PINGONE_CLIENT_ID,
      PINGONE_CLIENT_SECRET: TEST_SECRETS.pingoneClientSecret,
      PINGONE_SERVICE_ACCOUNT_ID: tenant.serviceAccountId,
      ...extra,
    }),
  };
}

/** A person-grant issuer of our own (the sandbox's published key is refused outside sandbox mode). */
export function personIssuerKeys(): { privateJwk: string; publicJwk: JWK } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateJwk: JSON.stringify(privateKey.export({ format: 'jwk' })),
    publicJwk: publicKey.export({ format: 'jwk' }) as JWK,
  };
}

/** The doctor's run, with quick timeouts; every line checked for secrets on the way. */
export async function doctor(env: Env, options: DoctorOptions = {}) {
  const report = await runDoctor(env, { requestTimeoutMs: 5_000, checkTimeoutMs: 15_000, ...options });
  const printed = report.lines.join('\n');
  for (const secret of [...SECRETS, env.OKTA_PRIVATE_KEY, env.PINGONE_PERSON_PRIVATE_KEY].filter(Boolean)) {
    expect(printed).not.toContain(secret);
  }
  expect(printed).not.toMatch(/-----BEGIN|\beyJ[\w-]{2,}\.[\w-]{2,}\.|SSWS \S{8,}|Bearer \S{8,}/);
  return {
    ...report,
    /** The one line about this subject, as printed. */
    line(subject: string): string {
      const found = report.lines.filter((line) => line.slice(2).startsWith(`${subject}: `));
      expect(found, `one line about ${subject}`).toHaveLength(1);
      return found[0] ?? '';
    },
    marks(): string {
      return report.lines
        .slice(1, -1)
        .map((line) => line[0])
        .join('');
    },
  };
}
