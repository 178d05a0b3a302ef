import { bareId } from '../api/pingone/mapping.js';
import { ALL, GOV, NEWEST_REQUEST_FIRST, statusFilter, withQuery } from '../api/pingone/paths.js';
import { CONFIG_PATH } from '../api/pingone/policy.js';
import { accessRequestConfig, igaRequest, listOf, managedUser, managedUserList } from '../api/pingone/wire.js';
import type { Config } from '../config.js';
import { type Check, type DoctorTimeouts, type Finding, ok, problem, unchecked } from './finding.js';
import { oncePerKey } from './once.js';
import { personFinding } from './pingone-person.js';
import { igaSays, PingOneReads, type Read } from './pingone-reads.js';
import { claimsFinding, type ServiceToken, serviceToken, tokenFinding } from './pingone-token.js';

type PingOneGovernance = Extract<Config['governance'], { provider: 'pingone' }>;

/** Ping's page on IGA tokens: client credentials alone are not enough for IGA. */
const IGA_TOKEN_DOC =
  'docs.pingidentity.com/pingoneaic/identity-governance/rest-api/endpoints/rest-iga-access-token.html';

/** An address no managed user has: the users read finds nobody, and shows only that it may read. */
const NOBODY = 'doctor@gatehouse.invalid';

/** Every read the PingOne checks make, each made once and shared. */
class PingOneSession {
  private readonly once = oncePerKey();
  readonly reads: PingOneReads;

  constructor(
    readonly governance: PingOneGovernance,
    readonly timeouts: DoctorTimeouts,
  ) {
    this.reads = new PingOneReads(governance.tenantUrl, governance.auth, timeouts.requestMs);
  }

  token(): Promise<ServiceToken> {
    return this.once('token', () => serviceToken(this.governance.auth, this.timeouts.requestMs));
  }

  /**
   * Everyone's requests, where Gatehouse searches them: `/requests/search` (Ping's UI since
   * 2026-03), else the older `/requests?_action=search` on a tenant that does not serve it.
   */
  requests() {
    return this.once('requests', async () => {
      const ask = (path: string) =>
        this.reads.search(
          withQuery(`${GOV}${path}?_action=search`, { _pageSize: 1, ...NEWEST_REQUEST_FIRST }),
          listOf(igaRequest),
          { targetFilter: ALL },
        );
      const newer = await ask('/requests/search');
      if (newer.kind === 'not-found' || (newer.kind === 'refused' && newer.status === 400)) {
        return { read: await ask('/requests'), what: `POST ${GOV}/requests?_action=search`, older: true };
      }
      return { read: newer, what: `POST ${GOV}/requests/search?_action=search`, older: false };
    });
  }

  /** Someone to ask the approvals endpoints about: the service account, else the newest request's person. */
  async someone(): Promise<string | undefined> {
    if (this.governance.serviceAccountId) return this.governance.serviceAccountId;
    const { read } = await this.requests();
    const [first] = read.kind === 'answered' ? read.body.result : [];
    const user = first?.user ?? first?.requester;
    return user ? bareId(user.id) : undefined;
  }
}

export function pingOneChecks(
  governance: PingOneGovernance,
  timeouts: DoctorTimeouts,
  asUser: string | undefined,
  now: () => number = Date.now,
): Check[] {
  const session = new PingOneSession(governance, timeouts);
  const { reads } = session;
  const users = `/openidm/managed/${governance.realm}_user`;
  return [
    { subject: 'PingOne token', run: async () => tokenFinding(governance.auth, await session.token()) },
    { subject: 'token claims', run: async () => claimsFinding(await session.token(), now()) },
    {
      subject: 'IGA requests',
      run: async () => {
        const { read, what, older } = await session.requests();
        const finding = igaFinding('IGA requests', what, read);
        if (!older || finding.verdict !== 'ok') return finding;
        return ok(
          'IGA requests',
          `${what} answers (this tenant does not serve the newer /requests/search Ping's UI uses; Gatehouse searches here).`,
        );
      },
    },
    {
      subject: 'IGA rules',
      run: async () => {
        const rules = await reads.get(CONFIG_PATH, accessRequestConfig);
        if (rules.kind !== 'answered') return igaFinding('IGA rules', `GET ${CONFIG_PATH}`, rules);
        const said = Object.entries(rules.body)
          .filter(([, value]) => typeof value === 'boolean')
          .map(([name, value]) => `${name} ${value}`)
          .join(', ');
        return ok('IGA rules', `GET ${CONFIG_PATH} answers${said ? `: ${said}` : ''}.`);
      },
    },
    {
      subject: 'managed users',
      run: async () => {
        const found = await reads.get(users, managedUserList, {
          _queryFilter: `mail eq "${NOBODY}"`,
          _fields: '_id',
          _pageSize: 1,
        });
        if (found.kind === 'not-found') {
          return problem(
            'managed users',
            `GET ${users} answered 404: realm ${governance.realm} has no managed user object ${governance.realm}_user; check PINGONE_REALM.`,
          );
        }
        if (found.kind === 'refused' && found.status === 403) {
          return problem(
            'managed users',
            `IDM refused GET ${users} (${igaSays(found)}): the token needs fr:idm:* (PINGONE_SCOPES and the client's scopes) to find who a chat user is.`,
          );
        }
        if (found.kind !== 'answered') return igaFinding('managed users', `GET ${users}`, found);
        return ok('managed users', `GET ${users} answers (realm ${governance.realm}).`);
      },
    },
    { subject: 'approvals endpoint', run: () => approvalsFinding(session) },
    {
      subject: 'service account',
      run: async () => {
        const id = governance.serviceAccountId;
        if (!id) {
          return unchecked(
            'service account',
            'PINGONE_SERVICE_ACCOUNT_ID is not set, so Gatehouse cannot tell the requests and comments its token ' +
              "writes on someone's behalf from that account's own: set it to the managed-user _id the token acts as.",
          );
        }
        const found = await reads.get(`${users}/${encodeURIComponent(id)}`, managedUser);
        if (found.kind === 'not-found') {
          return problem(
            'service account',
            `PINGONE_SERVICE_ACCOUNT_ID ${id} is not a managed user of realm ${governance.realm}: set it to the _id of the account Gatehouse's token acts as.`,
          );
        }
        if (found.kind !== 'answered') return igaFinding('service account', `GET ${users}/${id}`, found);
        const user = found.body;
        const name = [user.givenName, user.sn].filter(Boolean).join(' ') || user.userName || id;
        return ok(
          'service account',
          `PINGONE_SERVICE_ACCOUNT_ID ${id} is ${name}${user.mail ? ` (${user.mail})` : ''}.`,
        );
      },
    },
    {
      subject: 'decisions as the approver',
      run: () => personFinding(governance, reads, asUser, timeouts.requestMs),
    },
  ];
}

/**
 * Ping's UI reads an approver's work from `/user/{id}/tasks` (since 2024-10); Gatehouse does too,
 * and falls back to the older `/user/{id}/approvals` on a 404. Both are searches (POST, read-only).
 */
async function approvalsFinding(session: PingOneSession): Promise<Finding> {
  const subject = 'approvals endpoint';
  const id = await session.someone();
  if (!id) {
    return unchecked(
      subject,
      'not checked: no user to ask about (set PINGONE_SERVICE_ACCOUNT_ID, or run the doctor once a request exists).',
    );
  }
  const path = (source: 'tasks' | 'approvals') =>
    withQuery(`${GOV}/user/${encodeURIComponent(id)}/${source}?_action=search`, {
      ...(source === 'tasks' ? { type: 'request' } : {}),
      actorStatus: 'active',
      _pageSize: 1,
    });
  const body = { targetFilter: statusFilter(['in-progress']) };
  const [tasks, approvals] = await Promise.all([
    session.reads.search(path('tasks'), listOf(igaRequest), body),
    session.reads.search(path('approvals'), listOf(igaRequest), body),
  ]);
  const tasksPath = `${GOV}/user/{id}/tasks`;
  const approvalsPath = `${GOV}/user/{id}/approvals`;
  if (tasks.kind === 'answered') {
    const older =
      approvals.kind === 'answered' ? 'also answers' : 'does not answer (no matter: Gatehouse does not use it then)';
    return ok(subject, `${tasksPath} answers, as Ping's UI reads it; the older ${approvalsPath} ${older}.`);
  }
  if (tasks.kind === 'not-found' && approvals.kind === 'answered') {
    return ok(
      subject,
      `${tasksPath} answers 404 and the older ${approvalsPath} answers: Gatehouse reads approvals there ` +
        '(one extra call per process).',
    );
  }
  if (tasks.kind === 'not-found' && approvals.kind === 'not-found') {
    return problem(
      subject,
      `neither ${tasksPath} nor ${approvalsPath} answers (404 both): /access pending and the approvals on App Home ` +
        'will fail; check that IGA access requests are enabled in this tenant.',
    );
  }
  return igaFinding(subject, `POST ${tasksPath}?_action=search`, tasks);
}

/** A read's line: answered, or why not, with the fix for IGA's usual refusal. */
function igaFinding(subject: string, what: string, read: Read<unknown>): Finding {
  switch (read.kind) {
    case 'answered':
      return ok(subject, `${what} answers.`);
    case 'no-token':
      return unchecked(subject, 'not checked: Gatehouse got no token (see "PingOne token").');
    case 'refused':
      if (read.status === 401 || read.status === 403) {
        return problem(
          subject,
          `IGA refused Gatehouse's token at ${what} (${igaSays(read)}): the token needs fr:iga:*, and Ping's ` +
            `"Generate an access token for the Identity Governance API" (${IGA_TOKEN_DOC}) adds a token modification ` +
            'script and OAuth2 provider overrides for the client; set those up as that page says.',
        );
      }
      return problem(subject, `${what} was refused (${igaSays(read)}).`);
    case 'not-found':
      return problem(
        subject,
        `${what} answered 404: this tenant serves no Identity Governance there; IGA must be enabled (an add-on of PingOne Advanced Identity Cloud).`,
      );
    case 'rate-limited':
      return unchecked(subject, 'not checked: the tenant answered 429 (rate limited); run the doctor again shortly.');
    case 'unavailable':
      return unchecked(subject, `not checked: the tenant did not answer (${read.message}).`);
    case 'unreadable':
      return problem(subject, `${what} answered something Gatehouse cannot read (${read.message}).`);
  }
}
