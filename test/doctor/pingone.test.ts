import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAll,
  doctor,
  type Env,
  PINGONE_CLIENT_ID,
  personIssuerKeys,
  type ServedTenant,
  servePingOne,
  unreachableUrl,
} from './helpers.js';

/**
 * `npm run doctor` against the emulated PingOne AIC tenant, one mode of the tenant per test: each
 * asserts the line an operator reads about the check that matters, word for word.
 */

const PERSON_CLIENT = 'gatehouse-doctor-person';
const ISSUER = 'urn:acme:gatehouse:doctor';
const README =
  'README.md, "How Gatehouse uses PingOne Advanced Identity Cloud IGA" (who may decide), and ' +
  '../shared/reference/pingone.md, "Acting as a person"';
const { users: U } = SEED;
let issuer: ReturnType<typeof personIssuerKeys>;

beforeAll(() => {
  issuer = personIssuerKeys();
});
afterEach(closeAll);

/** The person grant as frodo sets it up, trusted by the tenant, and Gatehouse's settings for it. */
function withPersonGrant(served: ServedTenant, extra: Env = {}): Env {
  served.tenant.trustPersonGrant({ clientId: PERSON_CLIENT, issuer: ISSUER, publicKeys: [issuer.publicJwk] });
  return served.env({
    PINGONE_PERSON_CLIENT_ID: PERSON_CLIENT,
    PINGONE_PERSON_ISSUER: ISSUER,
    PINGONE_PERSON_PRIVATE_KEY: issuer.privateJwk,
    ...extra,
  });
}

const tokenUrl = (served: ServedTenant) => `${served.url}/am/oauth2/realms/root/realms/alpha/access_token`;

describe('a healthy tenant', () => {
  it('with the person grant and DOCTOR_AS_USER: every check passes but the opaque token’s claims', async () => {
    const served = await servePingOne();
    const report = await doctor(withPersonGrant(served, { DOCTOR_AS_USER: U.bob.email }));
    expect(report.marks()).toBe('✓✓!✓✓✓✓✓✓');
    expect(report.exitCode).toBe(0);
    expect(report.line('configuration')).toBe(
      `✓ configuration: Gatehouse would start against the PingOne tenant ${served.url} (realm alpha) with the ` +
        `OAuth client ${PINGONE_CLIENT_ID} (client credentials), polling every 30 s.`,
    );
    expect(report.line('PingOne token')).toBe(
      `✓ PingOne token: the access_token endpoint ${tokenUrl(served)} issued a token to the client ` +
        `${PINGONE_CLIENT_ID} for fr:idm:* fr:iga:*, valid 60 min.`,
    );
    expect(report.line('token claims')).toBe(
      '! token claims: the token is opaque (not a JWT), so its scopes and expiry cannot be read here; the IGA lines ' +
        'below show whether IGA accepts it.',
    );
    expect(report.line('IGA requests')).toBe(
      '✓ IGA requests: POST /iga/governance/requests/search?_action=search answers.',
    );
    expect(report.line('IGA rules')).toBe(
      '✓ IGA rules: GET /iga/commons/config/iga_access_request answers: requireRequestJustification false, ' +
        'requireRejectJustification true, requireApproveJustification false, allowSelfApproval false.',
    );
    expect(report.line('managed users')).toBe(
      '✓ managed users: GET /openidm/managed/alpha_user answers (realm alpha).',
    );
    expect(report.line('approvals endpoint')).toBe(
      "✓ approvals endpoint: /iga/governance/user/{id}/tasks answers, as Ping's UI reads it; the older " +
        '/iga/governance/user/{id}/approvals also answers.',
    );
    expect(report.line('service account')).toBe(
      `✓ service account: PINGONE_SERVICE_ACCOUNT_ID ${served.tenant.serviceAccountId} is Gatehouse Service (${U.service.email}).`,
    );
    expect(report.line('decisions as the approver')).toBe(
      `✓ decisions as the approver: the person grant's issuer key loads (ES256, issuer ${ISSUER}, client ` +
        `${PERSON_CLIENT}); PingOne gave a token acting as Bob Martinez (${U.bob.email}), and IGA answered their task ` +
        'list with it: their approvals and rejections from chat are recorded as theirs.',
    );
  });

  it('changes nothing: only token requests and read-only searches are POSTed', async () => {
    const served = await servePingOne();
    const before = structuredClone(served.tenant.requests);
    await doctor(withPersonGrant(served, { DOCTOR_AS_USER: U.bob.id }));
    const posts = served.tenant.calls.filter((call) => call.method !== 'GET');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.filter((call) => !/access_token$/.test(call.path) && call.action !== 'search')).toEqual([]);
    expect(served.tenant.requests).toEqual(before);
  });

  it('with the person grant but no DOCTOR_AS_USER: the key is checked, and how to check the rest', async () => {
    const served = await servePingOne();
    const report = await doctor(withPersonGrant(served));
    expect(report.exitCode).toBe(0);
    expect(report.line('decisions as the approver')).toBe(
      `! decisions as the approver: the person grant's issuer key loads (ES256, issuer ${ISSUER}, client ` +
        `${PERSON_CLIENT}); set DOCTOR_AS_USER=<an approver's user id or e-mail> to check that PingOne gives a ` +
        'token acting as them.',
    );
  });

  it('without the person grant: decisions are not set up, with where to read why', async () => {
    const served = await servePingOne();
    const report = await doctor(served.env());
    expect(report.exitCode).toBe(0);
    expect(report.line('decisions as the approver')).toBe(
      '! decisions as the approver: not set up: without the person grant (PINGONE_PERSON_*) approvers are sent to ' +
        'PingOne to approve or reject; to decide from chat, create it with frodo admin ' +
        `generate-rfc7523-authz-grant-artefacts, see ${README}.`,
    );
  });

  it('where administrators may decide (PINGONE_ADMIN_DECIDES) and there is no person grant', async () => {
    const served = await servePingOne({ adminMayDecide: true });
    const report = await doctor(served.env({ PINGONE_ADMIN_DECIDES: 'true' }));
    expect(report.line('decisions as the approver')).toBe(
      '! decisions as the approver: no person grant (PINGONE_PERSON_*): with PINGONE_ADMIN_DECIDES=true Gatehouse ' +
        'decides with its service token, which IGA refuses for phases it is no actor of unless the tenant allows ' +
        `it; see ${README}.`,
    );
  });

  it('says where requests are searched on a tenant without the newer /requests/search', async () => {
    const served = await servePingOne({ servesRequestsSearch: false });
    const report = await doctor(served.env());
    expect(report.line('IGA requests')).toBe(
      "✓ IGA requests: POST /iga/governance/requests?_action=search answers (this tenant does not serve the newer /requests/search Ping's UI uses; Gatehouse searches here).",
    );
  });

  it('that retired the tasks endpoint: Gatehouse falls back to /approvals', async () => {
    const served = await servePingOne({ servesTasks: false });
    const report = await doctor(served.env());
    expect(report.line('approvals endpoint')).toBe(
      '✓ approvals endpoint: /iga/governance/user/{id}/tasks answers 404 and the older ' +
        '/iga/governance/user/{id}/approvals answers: Gatehouse reads approvals there (one extra call per process).',
    );
  });

  it('given a JWT as PINGONE_ACCESS_TOKEN: its scopes and expiry are read, never printed', async () => {
    const jwt = unsignedJwt({
      sub: 'gatehouse-svc',
      scope: 'fr:idm:* fr:iga:*',
      exp: Math.floor(Date.now() / 1000) + 1800,
    });
    const served = await servePingOne({ accessToken: jwt });
    const env = served.env({
      PINGONE_CLIENT_ID: undefined,
      PINGONE_CLIENT_SECRET: undefined,
      PINGONE_ACCESS_TOKEN: jwt,
    });
    const report = await doctor(env);
    expect(report.line('PingOne token')).toBe(
      '✓ PingOne token: PINGONE_ACCESS_TOKEN is given as is: Gatehouse cannot renew it, so every call fails once it ' +
        'expires; PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET lets Gatehouse fetch its own.',
    );
    expect(report.line('token claims')).toBe(
      '✓ token claims: a JWT for gatehouse-svc with fr:iga:* and fr:idm:*; it expires in 30 min.',
    );
    expect(report.line('IGA requests')).toBe(
      '✓ IGA requests: POST /iga/governance/requests/search?_action=search answers.',
    );
  });
});

describe('a tenant Gatehouse cannot use as it is', () => {
  it('refuses the client secret', async () => {
    const served = await servePingOne();
    const report = await doctor(served.env({ PINGONE_CLIENT_SECRET: 'wrong-pingone-client-secret-0000' }));
    expect(report.exitCode).toBe(1);
    expect(report.line('PingOne token')).toBe(
      `✗ PingOne token: the access_token endpoint ${tokenUrl(served)} refused the client ${PINGONE_CLIENT_ID} ` +
        '(HTTP 401 invalid_client: Client authentication failed): check that PINGONE_CLIENT_ID names an OAuth 2.0 ' +
        'client of that realm (Native Consoles > Access Management > Applications > OAuth 2.0 > Clients), that ' +
        'PINGONE_CLIENT_SECRET is its secret, and that it authenticates with client_secret_basic.',
    );
    expect(report.line('IGA requests')).toBe(
      '! IGA requests: not checked: Gatehouse got no token (see "PingOne token").',
    );
    expect(report.line('token claims')).toBe('! token claims: not checked: no token (see "PingOne token").');
  });

  it('does not answer', async () => {
    const url = await unreachableUrl();
    const served = await servePingOne();
    const report = await doctor(served.env({ PINGONE_TENANT_URL: url }));
    expect(report.line('PingOne token')).toBe(
      `✗ PingOne token: the access_token endpoint ${url}/am/oauth2/realms/root/realms/alpha/access_token does not ` +
        'answer (ECONNREFUSED): check PINGONE_TENANT_URL (https://<tenant>.forgeblocks.com), PINGONE_TOKEN_URL if ' +
        'set, and that this machine may reach the tenant.',
    );
  });

  it('serves neither the tasks nor the approvals endpoint', async () => {
    const served = await servePingOne({ servesTasks: false, servesApprovals: false });
    const report = await doctor(served.env());
    expect(report.line('approvals endpoint')).toBe(
      '✗ approvals endpoint: neither /iga/governance/user/{id}/tasks nor /iga/governance/user/{id}/approvals ' +
        'answers (404 both): /access pending and the approvals on App Home will fail; check that IGA access requests ' +
        'are enabled in this tenant.',
    );
  });

  it('has no managed user for PINGONE_SERVICE_ACCOUNT_ID', async () => {
    const served = await servePingOne();
    const report = await doctor(served.env({ PINGONE_SERVICE_ACCOUNT_ID: '00unobody00000000000' }));
    expect(report.line('service account')).toBe(
      '✗ service account: PINGONE_SERVICE_ACCOUNT_ID 00unobody00000000000 is not a managed user of realm alpha: set ' +
        "it to the _id of the account Gatehouse's token acts as.",
    );
  });

  it('does not trust the person grant’s issuer key', async () => {
    const served = await servePingOne();
    const other = personIssuerKeys();
    const env = withPersonGrant(served, { PINGONE_PERSON_PRIVATE_KEY: other.privateJwk, DOCTOR_AS_USER: U.bob.email });
    const report = await doctor(env);
    expect(report.exitCode).toBe(1);
    expect(report.line('decisions as the approver')).toBe(
      `✗ decisions as the approver: the person grant's issuer key loads (ES256, issuer ${ISSUER}, client ` +
        `${PERSON_CLIENT}), but PingOne refused a token acting as Bob Martinez (HTTP 400 invalid_grant): the tenant did ` +
        "not accept the assertion; check that PINGONE_PERSON_ISSUER is the trusted JWT issuer's iss, that its JWK " +
        'set holds the public half of PINGONE_PERSON_PRIVATE_KEY (and PINGONE_PERSON_KEY_ID its kid), that its ' +
        "allowed subjects include this person (or are empty), and this machine's clock.",
    );
  });

  it('does not let the person-grant client ask for fr:iga:*', async () => {
    const served = await servePingOne();
    served.tenant.trustPersonGrant({
      clientId: PERSON_CLIENT,
      issuer: ISSUER,
      publicKeys: [issuer.publicJwk],
      scopes: ['openid', 'fr:am:*', 'fr:idm:*'],
    });
    const report = await doctor(
      served.env({
        PINGONE_PERSON_CLIENT_ID: PERSON_CLIENT,
        PINGONE_PERSON_ISSUER: ISSUER,
        PINGONE_PERSON_PRIVATE_KEY: issuer.privateJwk,
        DOCTOR_AS_USER: U.bob.id,
      }),
    );
    expect(report.line('decisions as the approver')).toBe(
      `✗ decisions as the approver: the person grant's issuer key loads (ES256, issuer ${ISSUER}, client ` +
        `${PERSON_CLIENT}), but PingOne refused a token acting as Bob Martinez (HTTP 400 invalid_scope): the client ` +
        'may not ask for fr:idm:* fr:iga:* (PINGONE_PERSON_SCOPES).',
    );
  });

  it('gave a JWT without the IGA scope, or one that has expired', async () => {
    const narrow = unsignedJwt({ scope: 'fr:idm:*', exp: Math.floor(Date.now() / 1000) + 1800 });
    const served = await servePingOne({ accessToken: narrow });
    const given = (token: string) =>
      served.env({ PINGONE_CLIENT_ID: undefined, PINGONE_CLIENT_SECRET: undefined, PINGONE_ACCESS_TOKEN: token });
    expect((await doctor(given(narrow))).line('token claims')).toBe(
      "✗ token claims: the token's scope claim (fr:idm:*) lacks fr:iga:*, which IGA and managed users need: add " +
        "them to the client's scopes and to PINGONE_SCOPES.",
    );
    const expired = unsignedJwt({ scope: 'fr:idm:* fr:iga:*', exp: 1_700_000_000 });
    expect((await doctor(given(expired))).line('token claims')).toBe(
      '✗ token claims: it expired at 2023-11-14T22:13:20.000Z: set a fresh PINGONE_ACCESS_TOKEN, or better ' +
        'PINGONE_CLIENT_ID with PINGONE_CLIENT_SECRET so Gatehouse renews its own.',
    );
  });
});

/** A JWT's shape (the doctor only decodes claims; nothing here verifies a signature). */
function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.${part('signature-not-checked')}`;
}
