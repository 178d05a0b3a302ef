import type { OktaAuth } from '../config.js';
import { type Finding, ok, problem, unchecked } from './finding.js';
import { oktaSays, type Probe, rateLimitOf } from './okta-probe.js';

/** The API families Gatehouse calls, each with one cheap read that needs what every call of it needs. */
export type FamilyName = 'users' | 'catalog' | 'requests' | 'tasks' | 'grants';

export interface Family {
  name: FamilyName;
  subject: string;
  /** The read the doctor makes (a GET of at most one item). */
  path: string;
  /** What Gatehouse does with this family, for the fix lines. */
  usedFor: string;
  /** The OAuth scope the read needs (a `.manage` scope includes it). */
  scope: string;
  /**
   * The admin roles Okta's governance document names for the operation (`x-okta-iam-admin-roles`,
   * packages/sandbox/vendor/okta-governance/openapi.yaml); test/doctor holds these to it.
   */
  roles: readonly string[];
  /** The document's operationId, or where the figure comes from when the document has none. */
  operation: string;
}

export const FAMILIES: Readonly<Record<FamilyName, Family>> = {
  users: {
    name: 'users',
    subject: 'users API',
    path: '/api/v1/users',
    usedFor: 'to find who a chat user is',
    scope: 'okta.users.read',
    // The core users API is not in the governance document; Okta's help page for the Access
    // Requests Administrator role says it may "View all users".
    roles: [],
    operation: 'listUsers',
  },
  catalog: {
    name: 'catalog',
    subject: 'catalog API',
    path: '/governance/api/v2/catalogs/default/entries',
    usedFor: 'to show what people may request',
    scope: 'okta.accessRequests.catalog.read',
    roles: ['ACCESS_REQUESTS_ADMIN'],
    operation: 'listAllDefaultEntriesV2',
  },
  requests: {
    name: 'requests',
    subject: 'requests API',
    path: '/governance/api/v2/requests',
    usedFor: 'to read, create and poll access requests',
    scope: 'okta.accessRequests.request.read',
    roles: ['ACCESS_REQUESTS_ADMIN'],
    operation: 'listAllRequestsV2',
  },
  tasks: {
    name: 'tasks',
    subject: 'Tasks API',
    path: '/governance/api/v2/tasks',
    usedFor: 'to read approval steps and record decisions',
    scope: 'okta.accessRequests.tasks.read',
    // Beta, and absent from Okta's published document (Gatehouse's own fragment, tasks-api.yaml, names none).
    roles: [],
    operation: 'listAllTasksV2',
  },
  grants: {
    name: 'grants',
    subject: 'grants API',
    path: '/governance/api/v1/grants',
    usedFor: 'for /access mine (what a person holds)',
    scope: 'okta.governance.entitlements.read',
    roles: ['APP_ADMIN'],
    operation: 'listGrants',
  },
};

/** Okta's names for the role codes the document uses, as the Admin Console shows them. */
const ROLE_NAMES: Record<string, string> = {
  ACCESS_REQUESTS_ADMIN: 'Access Requests Administrator',
  APP_ADMIN: 'Application Administrator',
};

export function roleList(roles: readonly string[]): string {
  return roles.map((role) => `${ROLE_NAMES[role] ?? role} (${role})`).join(' or ');
}

/**
 * One family's line from its read. A refusal of the credentials themselves (401, no token, no
 * answer) is the credentials check's to report; here it only says the family was not checked.
 */
export function familyFinding(family: Family, result: Probe<unknown>, auth: OktaAuth): Finding {
  const { subject } = family;
  switch (result.kind) {
    case 'answered': {
      const limit = rateLimitOf(result.headers);
      return ok(subject, `GET ${family.path} answers${limit ? ` (${limit} calls a minute)` : ''}.`);
    }
    case 'no-token':
      return unchecked(subject, 'not checked: Gatehouse got no access token (see "Okta credentials").');
    case 'unreachable':
      return unchecked(subject, 'not checked: the org did not answer (see "Okta org").');
    case 'rate-limited':
      return unchecked(
        subject,
        `not checked: Okta answered 429, this family's rate limit is spent for now; run the doctor again in ${Math.ceil(result.retryAfterMs / 1000)} s.`,
      );
    case 'unreadable':
      return problem(
        subject,
        `GET ${family.path} answered something Gatehouse cannot read (${result.message}); is OKTA_ORG_URL your Okta org?`,
      );
    case 'refused':
      return refusal(family, result, auth);
  }
}

function refusal(family: Family, result: Extract<Probe<unknown>, { kind: 'refused' }>, auth: OktaAuth): Finding {
  const { subject } = family;
  const said = oktaSays(result);
  if (result.status === 401) return unchecked(subject, `not checked: Okta refused the credentials (${said}).`);
  if (family.name === 'tasks' && (result.status === 403 || result.status === 404)) {
    return problem(subject, `${said} at GET ${family.path}: ${tasksUnavailable(auth)}`);
  }
  if (result.status === 403)
    return problem(subject, `${said} at GET ${family.path}: ${forbiddenFix(family, result.headers, auth)}`);
  if (result.status === 404) {
    return problem(
      subject,
      `${said} at GET ${family.path}: this org does not serve it, and Gatehouse calls it ${family.usedFor}; ` +
        'Gatehouse needs Okta Identity Governance with Access Requests (the new experience, catalog v2).',
    );
  }
  if (result.status >= 500) {
    return unchecked(subject, `not checked: Okta answered ${said}; run the doctor again, or check status.okta.com.`);
  }
  return problem(subject, `Okta refused GET ${family.path} (${said}), which Gatehouse makes ${family.usedFor}.`);
}

function tasksUnavailable(auth: OktaAuth): string {
  const scope = FAMILIES.tasks.scope;
  const missingScope = auth.kind === 'private_key_jwt' && !hasScope(auth.scopes, scope);
  const first = missingScope
    ? `the token lacks ${scope}: grant it to the service app (Okta API Scopes) and add it to OKTA_SCOPES. If it still fails, `
    : '';
  return (
    `${first}the Tasks API (Beta) is not available to this ${auth.kind === 'ssws' ? 'token' : 'app'}, so Gatehouse cannot ` +
    'read approval steps or record decisions: approvals must be made in Okta. Ask Okta to enable the Tasks API ' +
    '(Beta) for the org, and check that requests use access request conditions (requests of a REQUEST_TYPE have no tasks).'
  );
}

function forbiddenFix(family: Family, headers: Headers, auth: OktaAuth): string {
  const roles = family.roles.length > 0 ? roleList(family.roles) : undefined;
  const documented =
    family.roles.length > 0 ? ` (Okta's document: ${family.operation} needs ${family.roles.join(', ')})` : '';
  const scopeRefused = /insufficient_scope/i.test(headers.get('www-authenticate') ?? '');
  if (auth.kind === 'private_key_jwt' && (scopeRefused || !hasScope(auth.scopes, family.scope))) {
    return (
      `the token lacks the scope ${family.scope}, which Gatehouse needs ${family.usedFor}: grant it to the service ` +
      'app (Admin Console > Applications > the app > Okta API Scopes) and add it to OKTA_SCOPES.'
    );
  }
  const who =
    auth.kind === 'ssws'
      ? "the admin who created OKTA_API_TOKEN (an API token acts with its creator's roles)"
      : `the service app ${auth.clientId} (Admin Console > Applications > the app > Admin roles)`;
  if (!roles) {
    return `Okta does not let ${who} make this read, which Gatehouse needs ${family.usedFor}: give it a role that may.`;
  }
  return `give ${who} the role ${roles}${documented}; Gatehouse needs it ${family.usedFor}.`;
}

/** A `.manage` scope includes its `.read`. */
export function hasScope(granted: readonly string[], scope: string): boolean {
  return granted.includes(scope) || granted.includes(scope.replace(/\.read$/, '.manage'));
}
