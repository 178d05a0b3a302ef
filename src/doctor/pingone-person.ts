import { quote } from '../api/lookup.js';
import { toPrincipal } from '../api/pingone/mapping.js';
import { GOV, statusFilter, withQuery } from '../api/pingone/paths.js';
import { PersonGrantRefused, PingOnePersonTokens } from '../api/pingone/person-tokens.js';
import { igaRequest, listOf, managedUser, managedUserList } from '../api/pingone/wire.js';
import { readSigningKey } from '../config/signing-key.js';
import type { Config, PingOnePersonGrant } from '../config.js';
import { GovernanceProtocolError, GovernanceUnavailable } from '../domain/errors.js';
import type { Principal } from '../domain/types.js';
import { type Finding, ok, problem, unchecked } from './finding.js';
import { igaSays, type PingOneReads, type Read } from './pingone-reads.js';
import { describeError } from './runner.js';

const SUBJECT = 'decisions as the approver';

type PingOneGovernance = Extract<Config['governance'], { provider: 'pingone' }>;

/** Where the README says who may decide on PingOne, and why. */
const README =
  'README.md, "How Gatehouse uses PingOne Advanced Identity Cloud IGA" (who may decide), and ' +
  '../shared/reference/pingone.md, "Acting as a person"';

/**
 * Whether approvers' decisions from chat can be recorded as their own: IGA lets only a phase's
 * actors approve or reject (Ping's UI offers it in the actor's own view alone), so Gatehouse
 * needs a token acting as the approver, from the RFC 7523 person grant (PINGONE_PERSON_*). With
 * DOCTOR_AS_USER, the doctor asks for one such token (a token request, nothing else) and reads
 * that person's task list with it, as `/access pending` would.
 */
export async function personFinding(
  governance: PingOneGovernance,
  reads: PingOneReads,
  asUser: string | undefined,
  timeoutMs: number,
): Promise<Finding> {
  const grant = governance.personGrant;
  if (!grant) {
    return unchecked(
      SUBJECT,
      governance.adminDecides
        ? 'no person grant (PINGONE_PERSON_*): with PINGONE_ADMIN_DECIDES=true Gatehouse decides with its service ' +
            `token, which IGA refuses for phases it is no actor of unless the tenant allows it; see ${README}.`
        : 'not set up: without the person grant (PINGONE_PERSON_*) approvers are sent to PingOne to approve or ' +
            `reject; to decide from chat, create it with frodo admin generate-rfc7523-authz-grant-artefacts, see ${README}.`,
    );
  }
  const key = readSigningKey(grant.privateKey);
  if (typeof key === 'string') return problem(SUBJECT, `PINGONE_PERSON_PRIVATE_KEY ${key}`);
  const loaded = `the person grant's issuer key loads (${key.alg}, issuer ${grant.issuer}, client ${grant.clientId})`;
  if (!asUser) {
    return unchecked(
      SUBJECT,
      `${loaded}; set DOCTOR_AS_USER=<an approver's user id or e-mail> to check that PingOne gives a token acting as them.`,
    );
  }
  const person = await findPerson(reads, governance.realm, asUser);
  if ('finding' in person) return person.finding;
  const tokens = new PingOnePersonTokens(grant, { timeoutMs, now: Date.now });
  const authorizer = tokens.authorizerFor(person.principal, 'decide');
  try {
    await authorizer.headers({ method: 'POST', url: grant.tokenUrl });
  } catch (error) {
    return problem(SUBJECT, `${loaded}, but ${grantRefusal(grant, person.principal, error)}`);
  }
  const who = `${person.principal.displayName} (${person.principal.email || person.principal.id})`;
  const tasks = await reads.search(
    withQuery(`${GOV}/user/${encodeURIComponent(person.principal.id)}/tasks?_action=search`, {
      type: 'request',
      actorStatus: 'active',
      _pageSize: 1,
    }),
    listOf(igaRequest),
    { targetFilter: statusFilter(['in-progress']) },
    { authorizer },
  );
  return asPersonFinding(loaded, who, tasks);
}

function asPersonFinding(loaded: string, who: string, tasks: Read<unknown>): Finding {
  switch (tasks.kind) {
    case 'answered':
      return ok(
        SUBJECT,
        `${loaded}; PingOne gave a token acting as ${who}, and IGA answered their task list with it: their ` +
          'approvals and rejections from chat are recorded as theirs.',
      );
    case 'refused':
      return problem(
        SUBJECT,
        `${loaded}; PingOne gave a token acting as ${who}, but IGA refused it (${igaSays(tasks)}): the person ` +
          "grant's scopes (PINGONE_PERSON_SCOPES) must include fr:iga:*, and the client must be allowed them.",
      );
    case 'not-found':
      return ok(
        SUBJECT,
        `${loaded}; PingOne gave a token acting as ${who} (their task list answered 404, as on a tenant with only /approvals).`,
      );
    default:
      return unchecked(
        SUBJECT,
        `${loaded}; PingOne gave a token acting as ${who}, but their task list could not be read (${tasks.kind}).`,
      );
  }
}

/** The user DOCTOR_AS_USER names: a managed-user id, or an e-mail found among the realm's users. */
async function findPerson(
  reads: PingOneReads,
  realm: string,
  asUser: string,
): Promise<{ principal: Principal } | { finding: Finding }> {
  const users = `/openidm/managed/${realm}_user`;
  if (asUser.includes('@')) {
    const found = await reads.get(users, managedUserList, {
      _queryFilter: `mail eq "${quote(asUser)}"`,
      _fields: '_id,userName,givenName,sn,mail,accountStatus',
      _pageSize: 2,
    });
    if (found.kind !== 'answered') {
      return {
        finding: unchecked(SUBJECT, `not checked: DOCTOR_AS_USER ${asUser} could not be looked up (${found.kind}).`),
      };
    }
    const matches = found.body.result.filter((user) => user.mail?.toLowerCase() === asUser.toLowerCase());
    const [only] = matches;
    if (!only || matches.length > 1) {
      return {
        finding: problem(
          SUBJECT,
          `DOCTOR_AS_USER ${asUser} matches ${matches.length === 0 ? 'no' : 'several'} managed users of realm ${realm}: give their _id instead.`,
        ),
      };
    }
    return { principal: toPrincipal(only) };
  }
  const found = await reads.get(`${users}/${encodeURIComponent(asUser)}`, managedUser);
  if (found.kind === 'not-found') {
    return { finding: problem(SUBJECT, `DOCTOR_AS_USER ${asUser} is not a managed user of realm ${realm}.`) };
  }
  if (found.kind !== 'answered') {
    return { finding: unchecked(SUBJECT, `not checked: DOCTOR_AS_USER ${asUser} could not be read (${found.kind}).`) };
  }
  return { principal: toPrincipal(found.body) };
}

/** OAuth's error codes for the JWT bearer grant (RFC 7523 §3.1, RFC 6749 §5.2), as things to check. */
function grantRefusal(grant: PingOnePersonGrant, person: Principal, error: unknown): string {
  if (error instanceof PersonGrantRefused) {
    const head = `PingOne refused a token acting as ${person.displayName} (HTTP ${error.status}${error.oauthError ? ` ${error.oauthError}` : ''})`;
    switch (error.oauthError) {
      case 'invalid_client':
        return `${head}: PINGONE_PERSON_CLIENT_ID ${grant.clientId} is not a client of the realm${grant.clientSecret ? ', or PINGONE_PERSON_CLIENT_SECRET is not its secret' : ''}.`;
      case 'unauthorized_client':
        return `${head}: the client ${grant.clientId} may not use the JWT bearer grant (urn:ietf:params:oauth:grant-type:jwt-bearer).`;
      case 'invalid_scope':
        return `${head}: the client may not ask for ${grant.scopes.join(' ')} (PINGONE_PERSON_SCOPES).`;
      case 'invalid_grant':
        return (
          `${head}: the tenant did not accept the assertion; check that PINGONE_PERSON_ISSUER is the trusted JWT ` +
          "issuer's iss, that its JWK set holds the public half of PINGONE_PERSON_PRIVATE_KEY (and PINGONE_PERSON_KEY_ID its kid), " +
          "that its allowed subjects include this person (or are empty), and this machine's clock."
        );
      default:
        return `${head}.`;
    }
  }
  if (error instanceof GovernanceUnavailable || error instanceof GovernanceProtocolError) {
    return `the token endpoint ${grant.tokenUrl} did not give a token (${error.message}).`;
  }
  return `asking for a token failed (${describeError(error)}).`;
}
