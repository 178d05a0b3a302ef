import { SEED } from '@gatehouse/sandbox/okta';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OKTA_SCOPES } from '../../src/config.js';
import { TEST_SECRETS } from '../support/test-secrets.js';
import { closeAll, doctor, oauthEnv, PUBLIC_URL, serveOkta, serviceAppKeys, unreachableUrl } from './helpers.js';

/**
 * `npm run doctor` against the emulated Okta org, one mode of the org per test: each asserts the
 * line an operator reads about the check that matters, word for word.
 */

const SCOPES = DEFAULT_OKTA_SCOPES.split(' ');
const CLIENT_ID = '0oagatehousedoctor0';
const EVENTS =
  'access.request.create, access.request.resolve, access.request.reject, access.request.cancel, ' +
  'access.request.expire, access.request.update';
const HOOK_URL = `${PUBLIC_URL}/hooks/okta`;
let keys: ReturnType<typeof serviceAppKeys>;

beforeAll(() => {
  keys = serviceAppKeys();
});
afterEach(closeAll);

describe('a healthy org', () => {
  it('with an SSWS token: every check passes, and the hook is reported as not set up', async () => {
    const { env, url } = await serveOkta();
    const report = await doctor(env());
    expect(report.marks()).toBe('✓✓✓✓✓✓✓✓✓!');
    expect(report.exitCode).toBe(0);
    expect(report.line('configuration')).toBe(
      `✓ configuration: Gatehouse would start against the Okta org ${url} with an SSWS API token (OKTA_API_TOKEN), polling every 30 s.`,
    );
    expect(report.line('Okta org')).toBe(`✓ Okta org: ${url} answers as Okta.`);
    expect(report.line('Okta credentials')).toBe('✓ Okta credentials: Okta accepted OKTA_API_TOKEN.');
    expect(report.line('users API')).toBe('✓ users API: GET /api/v1/users answers (600 calls a minute).');
    expect(report.line('catalog API')).toBe(
      '✓ catalog API: GET /governance/api/v2/catalogs/default/entries answers (50 calls a minute).',
    );
    expect(report.line('requests API')).toBe(
      '✓ requests API: GET /governance/api/v2/requests answers (30 calls a minute).',
    );
    expect(report.line('Tasks API')).toBe('✓ Tasks API: GET /governance/api/v2/tasks answers (30 calls a minute).');
    expect(report.line('grants API')).toBe('✓ grants API: GET /governance/api/v1/grants answers (30 calls a minute).');
    expect(report.line('rate limits')).toBe(
      '✓ rate limits: calls a minute: users 600, catalog 50, requests 30, tasks 30, grants 30; polling every 30 s ' +
        'with reminders uses 2.1 of the 30 on /governance/api/v2/requests, leaving the rest to read what changed and answer people in chat.',
    );
    expect(report.line('event hook')).toBe(
      '! event hook: not set up: OKTA_EVENT_HOOK_SECRET is unset, so Gatehouse serves no /hooks/okta and finds ' +
        'changes by polling every 30 s. To hear of them at once, set it (openssl rand -hex 32) and create an Okta ' +
        `event hook to ${HOOK_URL} with that value in the header Authorization, subscribed to ${EVENTS}.`,
    );
    expect(report.lines.at(-1)).toBe('1 thing not checked.');
  });

  it('makes only reads: GETs, and no call that changes the org', async () => {
    const served = await serveOkta();
    const before = { requests: served.org.requests, tasks: served.org.tasks, grants: served.org.grants };
    await doctor(served.env({ OKTA_EVENT_HOOK_SECRET: TEST_SECRETS.oktaEventHookSecret }));
    expect(served.org.calls.length).toBeGreaterThan(0);
    expect(served.org.calls.filter((call) => call.method !== 'GET')).toEqual([]);
    expect({ requests: served.org.requests, tasks: served.org.tasks, grants: served.org.grants }).toEqual(before);
  });

  it('with an OAuth service app (private_key_jwt): the token is named with its scopes', async () => {
    const served = await serveOkta();
    served.org.registerServiceApp({ clientId: CLIENT_ID, publicJwk: keys.publicJwk, scopes: SCOPES });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.marks()).toBe('✓✓✓✓✓✓✓✓✓!');
    expect(report.line('Okta credentials')).toBe(
      `✓ Okta credentials: Okta issued an access token to the service app ${CLIENT_ID} for ${SCOPES.join(' ')}.`,
    );
    // Its only POSTs are the token requests Gatehouse itself makes.
    const posts = served.org.calls.filter((call) => call.method !== 'GET').map((call) => `${call.method} ${call.path}`);
    expect(new Set(posts)).toEqual(new Set(['POST /oauth2/v1/token']));
    expect(report.line('rate limits')).toBe(
      '✓ rate limits: calls a minute: users 600, catalog 50, requests 30, tasks 30, grants 30; polling every 30 s ' +
        'with reminders uses 2.1 of the 15 an OAuth app gets by default (half of 30) on /governance/api/v2/requests, leaving the ' +
        'rest to read what changed and answer people in chat.',
    );
  });

  it('with a service app that requires DPoP: Gatehouse binds its tokens, and the line says so', async () => {
    const served = await serveOkta();
    served.org.registerServiceApp({
      clientId: CLIENT_ID,
      publicJwk: keys.publicJwk,
      scopes: SCOPES,
      requireDpop: true,
    });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.marks()).toBe('✓✓✓✓✓✓✓✓✓!');
    expect(report.line('Okta credentials')).toBe(
      `✓ Okta credentials: Okta issued an access token to the service app ${CLIENT_ID} for ${SCOPES.join(' ')}. ` +
        'The app requires DPoP: its tokens are bound to a key Gatehouse makes in memory, and every call carries a proof.',
    );
  });

  /**
   * The doctor reads the families at once, as Gatehouse's own flows do: calls challenged side by side
   * for the same nonce must each be sent again, not only the first (each carried a proof without it).
   */
  it('whose APIs also ask DPoP proofs for a nonce: the transport answers the challenge', async () => {
    const served = await serveOkta();
    served.org.registerServiceApp({
      clientId: CLIENT_ID,
      publicJwk: keys.publicJwk,
      scopes: SCOPES,
      requireDpop: true,
      dpopNonceAtResource: true,
    });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.marks()).toBe('✓✓✓✓✓✓✓✓✓!');
    expect(report.line('Tasks API')).toBe('✓ Tasks API: GET /governance/api/v2/tasks answers (30 calls a minute).');
  });
});

describe('an org Gatehouse cannot use as it is', () => {
  it('refuses the SSWS token: the fix, and every API line not checked', async () => {
    const { env } = await serveOkta();
    const report = await doctor(env({ OKTA_API_TOKEN: '00wrong-okta-api-token-not-real' }));
    expect(report.exitCode).toBe(1);
    expect(report.line('Okta credentials')).toBe(
      '✗ Okta credentials: Okta refused OKTA_API_TOKEN (HTTP 401 E0000004 Authentication failed): the token is ' +
        'mistyped, revoked, expired (Okta expires one unused for 30 days) or from another org; create one in Admin ' +
        'Console > Security > API > Tokens, signed in as an admin with the Access Requests Administrator role.',
    );
    expect(report.line('Tasks API')).toBe(
      '! Tasks API: not checked: Okta refused the credentials (HTTP 401 E0000004 Authentication failed).',
    );
    expect(report.line('grants API')).toBe(
      '! grants API: not checked: Okta refused the credentials (HTTP 401 E0000004 Authentication failed).',
    );
    expect(report.lines.at(-1)).toBe('1 problem to fix, 6 things not checked.');
  });

  it('does not answer at OKTA_ORG_URL', async () => {
    const url = await unreachableUrl();
    const { env } = await serveOkta();
    const report = await doctor(env({ OKTA_ORG_URL: url }));
    expect(report.exitCode).toBe(1);
    expect(report.line('Okta org')).toBe(
      `✗ Okta org: ${url} does not answer (ECONNREFUSED): check OKTA_ORG_URL (https://<your-org>.okta.com, or your ` +
        'custom domain) and that this machine may reach it (DNS, proxy, firewall).',
    );
    expect(report.line('Okta credentials')).toBe(
      '! Okta credentials: not checked: the org did not answer (see "Okta org").',
    );
    expect(report.line('requests API')).toBe('! requests API: not checked: the org did not answer (see "Okta org").');
  });

  it('answers 403 on the Tasks API (the Beta not enabled for this token)', async () => {
    const { env } = await serveOkta({ tasksApi: 'forbidden' });
    const report = await doctor(env());
    expect(report.exitCode).toBe(1);
    expect(report.line('Tasks API')).toBe(
      '✗ Tasks API: HTTP 403 E0000006 You do not have permission to perform the requested action at GET ' +
        '/governance/api/v2/tasks: the Tasks API (Beta) is not available to this token, so Gatehouse cannot read ' +
        'approval steps or record decisions: approvals must be made in Okta. Ask Okta to enable the Tasks API (Beta) ' +
        'for the org, and check that requests use access request conditions (requests of a REQUEST_TYPE have no tasks).',
    );
    expect(report.marks()).toBe('✓✓✓✓✓✓✗✓✓!');
  });

  it('answers 404 on the Tasks API (an org without it)', async () => {
    const served = await serveOkta({ tasksApi: 'absent' });
    served.org.registerServiceApp({ clientId: CLIENT_ID, publicJwk: keys.publicJwk, scopes: SCOPES });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.line('Tasks API')).toBe(
      '✗ Tasks API: HTTP 404 E0000007 Resource not found exception at GET /governance/api/v2/tasks: the Tasks API ' +
        '(Beta) is not available to this app, so Gatehouse cannot read approval steps or record decisions: approvals ' +
        'must be made in Okta. Ask Okta to enable the Tasks API (Beta) for the org, and check that requests use ' +
        'access request conditions (requests of a REQUEST_TYPE have no tasks).',
    );
  });

  it('forbids grants to an admin without the Application Administrator role', async () => {
    const { env } = await serveOkta({ adminRoles: ['ACCESS_REQUESTS_ADMIN'] });
    const report = await doctor(env());
    expect(report.exitCode).toBe(1);
    expect(report.line('grants API')).toBe(
      '✗ grants API: HTTP 403 E0000006 You do not have permission to perform the requested action at GET ' +
        "/governance/api/v1/grants: give the admin who created OKTA_API_TOKEN (an API token acts with its creator's " +
        "roles) the role Application Administrator (APP_ADMIN) (Okta's document: listGrants needs APP_ADMIN); " +
        'Gatehouse needs it for /access mine (what a person holds).',
    );
    expect(report.marks()).toBe('✓✓✓✓✓✓✓✗✓!');
  });

  it('forbids the catalog to a service app without Access Requests Administrator', async () => {
    const served = await serveOkta({ adminRoles: ['APP_ADMIN'] });
    served.org.registerServiceApp({ clientId: CLIENT_ID, publicJwk: keys.publicJwk, scopes: SCOPES });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.line('catalog API')).toBe(
      '✗ catalog API: HTTP 403 E0000006 You do not have permission to perform the requested action at GET ' +
        `/governance/api/v2/catalogs/default/entries: give the service app ${CLIENT_ID} (Admin Console > ` +
        'Applications > the app > Admin roles) the role Access Requests Administrator (ACCESS_REQUESTS_ADMIN) ' +
        "(Okta's document: listAllDefaultEntriesV2 needs ACCESS_REQUESTS_ADMIN); Gatehouse needs it to show what " +
        'people may request.',
    );
  });

  it('has not granted the service app every scope OKTA_SCOPES asks for: the refused ones are named', async () => {
    const served = await serveOkta();
    const granted = SCOPES.filter((scope) => !scope.startsWith('okta.accessRequests.tasks'));
    served.org.registerServiceApp({ clientId: CLIENT_ID, publicJwk: keys.publicJwk, scopes: granted });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.exitCode).toBe(1);
    expect(report.line('Okta credentials')).toBe(
      '✗ Okta credentials: Okta refused the scopes okta.accessRequests.tasks.read, okta.accessRequests.tasks.manage ' +
        `for the service app ${CLIENT_ID} (invalid_scope): grant them in Admin Console > Applications > the app > ` +
        'Okta API Scopes, or leave them out of OKTA_SCOPES.',
    );
    expect(report.line('users API')).toBe(
      '! users API: not checked: Gatehouse got no access token (see "Okta credentials").',
    );
  });

  it('requires DPoP, and the proofs do not reach it (a proxy drops the header)', async () => {
    const dropProofs = (app: FastifyInstance) => {
      app.addHook('onRequest', async (request) => {
        delete request.headers.dpop;
      });
    };
    const served = await serveOkta({}, dropProofs);
    served.org.registerServiceApp({
      clientId: CLIENT_ID,
      publicJwk: keys.publicJwk,
      scopes: SCOPES,
      requireDpop: true,
    });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem));
    expect(report.exitCode).toBe(1);
    expect(report.line('Okta credentials')).toBe(
      `✗ Okta credentials: Okta's token endpoint refused the service app ${CLIENT_ID} (HTTP 400 invalid_dpop_proof): ` +
        'the app requires DPoP (Demonstrating Proof of Possession, on by default for new API Services apps) and ' +
        "Okta refused Gatehouse's proof: check this machine's clock (proofs carry the time) and that no proxy drops " +
        'the DPoP header or rewrites the token URL, or untick "Require Demonstrating Proof of Possession (DPoP) ' +
        'header in token requests" in the app\'s General settings.',
    );
  });

  it('is asked with OKTA_SCOPES that leave out the grants scope', async () => {
    const served = await serveOkta();
    served.org.registerServiceApp({ clientId: CLIENT_ID, publicJwk: keys.publicJwk, scopes: SCOPES });
    const scopes = SCOPES.filter((scope) => scope !== 'okta.governance.entitlements.read').join(' ');
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem, { OKTA_SCOPES: scopes }));
    expect(report.line('grants API')).toBe(
      '✗ grants API: HTTP 403 E0000006 You do not have permission to perform the requested action at GET ' +
        '/governance/api/v1/grants: the token lacks the scope okta.governance.entitlements.read, which Gatehouse ' +
        'needs for /access mine (what a person holds): grant it to the service app (Admin Console > Applications > ' +
        'the app > Okta API Scopes) and add it to OKTA_SCOPES.',
    );
  });

  it('is given an OKTA_PRIVATE_KEY that is no key', async () => {
    const served = await serveOkta();
    const report = await doctor(oauthEnv(served, CLIENT_ID, 'not-a-key-at-all'));
    // Gatehouse would not start with it: the doctor says so where start-up would.
    expect(report.line('configuration')).toBe(
      "✗ configuration: OKTA_PRIVATE_KEY is neither a PEM private key nor a JWK (Okta's Admin Console shows it, PEM " +
        "or JWK, when it generates the app's key pair).",
    );
  });

  it('does not know the service app (invalid_client)', async () => {
    const served = await serveOkta();
    const report = await doctor(oauthEnv(served, '0oanotregistered000', keys.privatePem));
    expect(report.line('Okta credentials')).toBe(
      "✗ Okta credentials: Okta's token endpoint refused the service app 0oanotregistered000 (HTTP 401 " +
        'invalid_client): check that OKTA_CLIENT_ID is the Client ID of an API Services app of this org, that the ' +
        'app authenticates with "Public key / Private key", and that the public key registered there is the pair of ' +
        'OKTA_PRIVATE_KEY (OKTA_PRIVATE_KEY_ID, if set, must be its kid).',
    );
  });

  it('would be polled faster than its requests budget allows', async () => {
    const { env } = await serveOkta();
    const report = await doctor(env({ POLL_INTERVAL_MS: '1000' }));
    expect(report.exitCode).toBe(1);
    expect(report.line('rate limits')).toBe(
      '✗ rate limits: calls a minute: users 600, catalog 50, requests 30, tasks 30, grants 30. Polling every 1 s ' +
        'with reminders lists requests 60.1 times a minute, more than half of the 30 Okta allows on /governance/api/v2/requests, ' +
        'leaving too little to read what changed: set POLL_INTERVAL_MS to at least 5000.',
    );
  });

  it('is configured so that Gatehouse would not start: the configuration is all it reports', async () => {
    const { url } = await serveOkta();
    const report = await doctor({
      OKTA_ORG_URL: url,
      PUBLIC_URL,
      SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
      SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
    });
    expect(report.exitCode).toBe(1);
    expect(report.lines.slice(1)).toEqual([
      '✗ configuration: Okta needs credentials: OKTA_API_TOKEN, or OKTA_CLIENT_ID with OKTA_PRIVATE_KEY (private_key_jwt).',
      '1 problem to fix.',
    ]);
  });
});

/**
 * Okta's event hooks API (`GET /api/v1/eventHooks`, okta.eventHooks.read) is not emulated: these
 * tests serve its list beside the emulator, in the shape of Okta's management API reference
 * (developer.okta.com/docs/api/resources/event-hooks, "List all event hooks").
 */
describe('the event hook', () => {
  const hook = (overrides: Record<string, unknown> = {}, authKey = 'Authorization') => ({
    id: 'who8vt36qfNpCGz9H1e6',
    status: 'ACTIVE',
    verificationStatus: 'VERIFIED',
    name: 'Gatehouse',
    description: null,
    created: '2026-12-01T10:00:00.000Z',
    createdBy: SEED.users.service.id,
    lastUpdated: '2026-12-01T10:05:00.000Z',
    events: { type: 'EVENT_TYPE', items: EVENTS.split(', '), filter: null },
    channel: {
      type: 'HTTP',
      version: '1.0.0',
      config: { uri: HOOK_URL, headers: [], method: 'POST', authScheme: { type: 'HEADER', key: authKey } },
    },
    ...overrides,
  });

  /** The list an SSWS caller sees; anything else is refused as Okta does. */
  const hooksRoute = (hooks: unknown[]) => (app: FastifyInstance) => {
    app.get('/api/v1/eventHooks', async (request, reply) => {
      if (request.headers.authorization !== `SSWS ${TEST_SECRETS.oktaApiToken}`) {
        return reply
          .code(403)
          .send({ errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action' });
      }
      return hooks;
    });
  };
  const withSecret = { OKTA_EVENT_HOOK_SECRET: TEST_SECRETS.oktaEventHookSecret };

  it('points at Gatehouse, is active and verified, and sends Authorization', async () => {
    const { env } = await serveOkta({}, hooksRoute([hook()]));
    const report = await doctor(env(withSecret));
    expect(report.exitCode).toBe(0);
    expect(report.line('event hook')).toBe(
      `✓ event hook: "Gatehouse" sends to ${HOOK_URL}, is active and verified, and sends the header Authorization ` +
        '(Okta does not show its value; Gatehouse answers 401 if it differs from OKTA_EVENT_HOOK_SECRET).',
    );
    expect(report.lines.at(-1)).toBe('Everything Gatehouse needs is in place.');
  });

  it('is unverified, misses events and sends its secret in another header: each fault with its fix', async () => {
    const faulty = hook(
      { verificationStatus: 'UNVERIFIED', events: { type: 'EVENT_TYPE', items: ['access.request.create'] } },
      'X-Gatehouse-Secret',
    );
    const { env } = await serveOkta({}, hooksRoute([faulty]));
    const report = await doctor(env(withSecret));
    expect(report.exitCode).toBe(1);
    expect(report.line('event hook')).toBe(
      `✗ event hook: "Gatehouse" sends to ${HOOK_URL}, but it is UNVERIFIED: press Verify while Gatehouse runs at ` +
        'that URL; it does not subscribe to access.request.resolve, access.request.reject, access.request.cancel, ' +
        'access.request.expire: add them; it sends its secret in the header X-Gatehouse-Secret, and Gatehouse reads ' +
        'it from Authorization: set the authentication field to Authorization, with OKTA_EVENT_HOOK_SECRET as its secret.',
    );
  });

  it('is missing: the hook to create, and where the old one points', async () => {
    const old = hook({ channel: { type: 'HTTP', config: { uri: 'https://old.example.com/hooks/okta' } } });
    const { env } = await serveOkta({}, hooksRoute([old]));
    const report = await doctor(env(withSecret));
    expect(report.line('event hook')).toBe(
      `✗ event hook: no event hook of this org sends to ${HOOK_URL} (https://old.example.com/hooks/okta ends in ` +
        `/hooks/okta: point it at ${HOOK_URL}): create one in Admin Console > Workflow > Event Hooks with that URL, ` +
        `the authentication field Authorization with OKTA_EVENT_HOOK_SECRET as its secret, and the events ${EVENTS}; ` +
        'then Verify it while Gatehouse runs.',
    );
  });

  it('cannot be read by a service app without okta.eventHooks.read: what to check by hand', async () => {
    const served = await serveOkta({}, hooksRoute([hook()]));
    served.org.registerServiceApp({ clientId: CLIENT_ID, publicJwk: keys.publicJwk, scopes: SCOPES });
    const report = await doctor(oauthEnv(served, CLIENT_ID, keys.privatePem, withSecret));
    expect(report.exitCode).toBe(0);
    expect(report.line('event hook')).toBe(
      '! event hook: not checked: the service app is not granted okta.eventHooks.read; check by hand in Admin ' +
        `Console > Workflow > Event Hooks that a hook sends to ${HOOK_URL}, is Active and Verified, subscribes to ` +
        `${EVENTS}, and has the authentication field Authorization with OKTA_EVENT_HOOK_SECRET as its secret.`,
    );
  });
});
