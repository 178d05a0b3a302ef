import { randomUUID } from 'node:crypto';
import type { GroupRecord } from '../okta/records.js';
import { SEED, seedCompany } from '../okta/seed.js';
import type { JwtBearerClient, PersonGrantArtefacts, TrustedJwtIssuer } from './jwt-bearer.js';
import {
  type AccessRequestConfig,
  type ActorRecord,
  type ApprovalPlan,
  type CallRecord,
  type CatalogRecord,
  type CreateAnswer,
  type EntitlementNames,
  type ExpiredAs,
  type Fault,
  IgaProblem,
  type ManagedUserRecord,
  type Permissions,
  type PhasePlan,
  type PhaseRecord,
  type PhaseType,
  type RequestOutcome,
  type RequestRecord,
  type SearchAfterKey,
} from './records.js';
import { catalogRecord, fullName, managedUser, person, rulesOf, stamp } from './seed.js';

// Over 400 lines because it is the tenant's one state machine (requests, phases, actors, comments,
// grants, tokens) whose transitions share private records; routes, records, search and seed are
// their own modules. Next to split: the person grant's token checks (jwt-bearer.ts has the types).

/**
 * An emulated PingOne Advanced Identity Cloud tenant (IGA access requests), seeded with the same
 * company as the Okta emulator. Each request runs its item's workflow: approval phases, and where
 * a test sets them, waits (the request is `suspended`), manual fulfillment, and provisioning that
 * takes a while (`provisioning`).
 */

export interface PingOneTenantOptions {
  now?: () => number;
  /** How long a phase waits before the request expires (default 7 days). */
  phaseTtlMs?: number;
  /** The bearer token Gatehouse uses (default the sandbox one). */
  accessToken?: string;
  /**
   * Whether an administrator (the service account) may approve or reject a phase it is no actor
   * of. Default false: Ping's UI offers approve and reject only in an actor's own view, gated by
   * that actor's permissions (RequestActionsCell.vue), so IGA is read as refusing anyone else.
   */
  adminMayDecide?: boolean;
  /** The UTC offset the tenant writes its timestamps in: `Z` (the default) or `±hh:mm`. */
  utcOffset?: string;
  /**
   * false: sort every key as text whatever `_sortType` says, as a tenant that ignores it would
   * (the reference: date fields "need to use this parameter in order to be sorted properly").
   */
  honoursSortType?: boolean;
  /**
   * false: `metadata.modifiedDate` stays at creation while phases are decided and comments added
   * (no Ping source says it moves with every change; default true, it does).
   */
  touchesModifiedDate?: boolean;
  /** Whether `/user/{id}/tasks` is served (Ping's UI's endpoint since 2024-10; default true). */
  servesTasks?: boolean;
  /** Whether the older `/user/{id}/approvals` is still served (default true). */
  servesApprovals?: boolean;
  /** Approved requests stay `provisioning` until `provision()` (default: provisioned at once). */
  deferProvisioning?: boolean;
  /**
   * Where entitlement names are written: `descriptor` (the default) at
   * `descriptor.idx./entitlement.displayName`, where Ping's UI reads and searches them first
   * (AccessRequestUtils.getNameString, CatalogApi.searchCatalogEntitlements); `entitlement` at
   * `entitlement.displayName`, where it looks after.
   */
  entitlementNames?: EntitlementNames;
  /**
   * What `_action=create` gives in `result`: the created requests whole (`requests`, the default,
   * the reference's "created requests"), only their ids (`ids`), or nothing (`none`). Ping's UI
   * reads none of it (AccessRequestApi.saveNewRequest), so no Ping source settles it.
   */
  createAnswer?: CreateAnswer;
  /**
   * `searchAfterKey` in search answers: an array (the default, as the reference's samples), a
   * string, or null (Frodo's SearchResult type allows all three).
   */
  searchAfterKey?: SearchAfterKey;
  /**
   * Whether everyone's requests are searched at `POST /requests/search?_action=search`, where Ping's
   * UI has asked since 2026-03-27 (platform-ui c751e81da; default true).
   */
  servesRequestsSearch?: boolean;
  /** Whether the older `POST /requests?_action=search` (Ping's UI until 2026-03) is still served (default true). */
  servesRequestsSearchAction?: boolean;
  /**
   * How a request whose approval ran out of time is written; no Ping source shows it (wire audit
   * P8), and Ping's UI names no `expired` status or outcome (RequestHeader.vue). `cancelled` (the
   * default, the README's assumption): `decision.status: cancelled`, `outcome: cancelled`, the phase
   * `expired`. `outcome`: `decision.status: complete`, `outcome: expired`. `status`:
   * `decision.status: expired`. In the last two the phase is closed (`complete`) with no decision,
   * so only the request's own fields say it expired.
   */
  expiredAs?: ExpiredAs;
  /**
   * IGA refuses client-credentials tokens that lack what Ping's token-modification script adds.
   * Ping's guide ("Generate an access token for the Identity Governance API") says the standard
   * service-account token "doesn't work" with IGA without that script and OAuth 2.0 provider
   * overrides; the claims it adds are not in the material we hold. So this is a model: a
   * client-credentials token carries one marker claim only when minted for a client in
   * `igaTokenScript`, and every `/iga/…` call with a client-credentials token lacking it is
   * refused (`igaTokenRefusal`), while `/openidm` still answers. The tenant's given token
   * (`accessToken`) and the person grant's tokens are not affected (the guide documents the script
   * for the service client only). Default false.
   */
  requireIgaTokenClaims?: boolean;
  /** The OAuth clients the token-modification script and provider overrides are set up for. */
  igaTokenScript?: string[];
  /**
   * How IGA refuses such a token: 403 (the default; the token is valid, it lacks what IGA needs) or
   * 401. No Ping source shows which, nor the words, which are assumed.
   */
  igaTokenRefusal?: 401 | 403;
}

export interface CreateInput {
  users: string[];
  catalogs: { type: string; id: string }[];
  justification?: string;
  startDate?: string;
  endDate?: string;
  priority?: string;
}

/** A request with the phases of one type assigned to one person: an entry of their tasks. */
export interface Task {
  request: RequestRecord;
  phases: { phase: PhaseRecord; permissions: Permissions }[];
}

const PHASE_NAMES: Record<ApprovalPlan['approvers'], string> = {
  MANAGER: 'managerApproval',
  USERS: 'ownerApproval',
  GROUP: 'groupApproval',
};
const PHASE_LABELS: Record<ApprovalPlan['approvers'], string> = {
  MANAGER: 'Manager approval',
  USERS: 'Application owner approval',
  GROUP: 'Team approval',
};
const APPROVER = { approve: true, reject: true, reassign: true, modify: true, comment: true };
const FULFILLER = { fulfill: true, deny: true, comment: true, reassign: true };

const isApproval = (plan: PhasePlan): plan is ApprovalPlan => 'approvers' in plan;

export class PingOneTenant {
  readonly users: ManagedUserRecord[];
  readonly groups: GroupRecord[];
  readonly catalog: CatalogRecord[];
  readonly requests: RequestRecord[] = [];
  readonly calls: CallRecord[] = [];
  readonly faults: Fault[] = [];
  readonly config: AccessRequestConfig = {
    requireRequestJustification: false,
    requireRejectJustification: true,
    requireApproveJustification: false,
    allowSelfApproval: false,
    preventRequestWithViolation: false,
  };
  readonly accessToken: string;
  /** OAuth clients allowed the client-credentials grant (id → secret), and the tokens issued to them. */
  readonly oauthClients = new Map<string, string>();
  readonly issuedTokens = new Map<string, number>();
  /** Clients the token-modification script is set up for, and the tokens it marked (see requireIgaTokenClaims). */
  readonly igaTokenScript: Set<string>;
  readonly igaClaimTokens = new Set<string>();
  /** OAuth clients allowed the JWT bearer grant (RFC 7523), and the issuers whose assertions AM trusts. */
  readonly jwtBearerClients = new Map<string, JwtBearerClient>();
  readonly trustedIssuers: TrustedJwtIssuer[] = [];
  /** Tokens from the JWT bearer grant, each acting as one user until a moment. */
  readonly personTokens = new Map<string, { userId: string; until: number }>();
  /** Gatehouse's token acts as this governance administrator. */
  readonly serviceAccountId = SEED.users.service.id;
  adminMayDecide: boolean;
  utcOffset: string;
  honoursSortType: boolean;
  touchesModifiedDate: boolean;
  servesTasks: boolean;
  servesApprovals: boolean;
  deferProvisioning: boolean;
  entitlementNames: EntitlementNames;
  createAnswer: CreateAnswer;
  searchAfterKey: SearchAfterKey;
  servesRequestsSearch: boolean;
  servesRequestsSearchAction: boolean;
  expiredAs: ExpiredAs;
  requireIgaTokenClaims: boolean;
  igaTokenRefusal: 401 | 403;
  readonly now: () => number;
  private readonly phaseTtlMs: number;

  constructor(options: PingOneTenantOptions = {}) {
    this.now = options.now ?? Date.now;
    this.phaseTtlMs = options.phaseTtlMs ?? 7 * 24 * 3_600_000;
    this.accessToken = options.accessToken ?? 'gatehouse-sandbox-pingone-token';
    this.adminMayDecide = options.adminMayDecide ?? false;
    this.utcOffset = options.utcOffset ?? 'Z';
    this.honoursSortType = options.honoursSortType ?? true;
    this.touchesModifiedDate = options.touchesModifiedDate ?? true;
    this.servesTasks = options.servesTasks ?? true;
    this.servesApprovals = options.servesApprovals ?? true;
    this.deferProvisioning = options.deferProvisioning ?? false;
    this.entitlementNames = options.entitlementNames ?? 'descriptor';
    this.createAnswer = options.createAnswer ?? 'requests';
    this.searchAfterKey = options.searchAfterKey ?? 'array';
    this.servesRequestsSearch = options.servesRequestsSearch ?? true;
    this.servesRequestsSearchAction = options.servesRequestsSearchAction ?? true;
    this.expiredAs = options.expiredAs ?? 'cancelled';
    this.requireIgaTokenClaims = options.requireIgaTokenClaims ?? false;
    this.igaTokenScript = new Set(options.igaTokenScript ?? []);
    this.igaTokenRefusal = options.igaTokenRefusal ?? 403;
    const company = seedCompany();
    this.users = company.users.map(managedUser);
    this.groups = company.groups;
    this.catalog = company.entries
      .filter((entry) => entry.requestable)
      .map((entry) => catalogRecord(entry, company.entries));
  }

  /** The client-credentials grant: a token for a registered client, valid `lifetimeS` seconds. */
  issueToken(clientId: string, secret: string, lifetimeS = 3600): string | null {
    if (this.oauthClients.get(clientId) !== secret) return null;
    const token = `eyJ${randomUUID().replace(/-/g, '')}`;
    this.issuedTokens.set(token, this.now() + lifetimeS * 1000);
    if (this.igaTokenScript.has(clientId)) this.igaClaimTokens.add(token);
    return token;
  }

  /**
   * Whether IGA takes this (valid) token: always, unless `requireIgaTokenClaims`; then a
   * client-credentials token only if the token-modification script marked it.
   */
  igaAccepts(token: string): boolean {
    return !this.requireIgaTokenClaims || !this.issuedTokens.has(token) || this.igaClaimTokens.has(token);
  }

  /**
   * What `frodo admin generate-rfc7523-authz-grant-artefacts` sets up: a client allowed the JWT
   * bearer grant and the issuer it trusts (`<client-id>-issuer`), with its public keys and the
   * subjects it may assert (none listed: any user of the realm).
   */
  trustPersonGrant(artefacts: PersonGrantArtefacts): void {
    this.jwtBearerClients.set(artefacts.clientId, {
      scopes: artefacts.scopes ?? ['openid', 'fr:am:*', 'fr:idm:*', 'fr:iga:*'],
      ...(artefacts.clientSecret ? { secret: artefacts.clientSecret } : {}),
    });
    this.trustedIssuers.push({
      id: `${artefacts.clientId}-issuer`,
      issuer: artefacts.issuer,
      jwkSet: { keys: artefacts.publicKeys.map((key) => ({ ...key })) },
      allowedSubjects: [...(artefacts.allowedSubjects ?? [])],
    });
  }

  /** A token acting as this user, valid `lifetimeS` seconds (the JWT bearer grant's answer). */
  issuePersonToken(userId: string, lifetimeS = 3600): string {
    const token = `eyJ${randomUUID().replace(/-/g, '')}`;
    this.personTokens.set(token, { userId, until: this.now() + lifetimeS * 1000 });
    return token;
  }

  acceptsToken(token: string): boolean {
    return this.actorOf(token) !== undefined;
  }

  /** Whom a token acts as: the service account for Gatehouse's own tokens, the user for a person's. */
  actorOf(token: string): string | undefined {
    if (token === this.accessToken) return this.serviceAccountId;
    const until = this.issuedTokens.get(token);
    if (until !== undefined && until > this.now()) return this.serviceAccountId;
    const person = this.personTokens.get(token);
    return person && person.until > this.now() ? person.userId : undefined;
  }

  user(id: string): ManagedUserRecord | undefined {
    return this.users.find((user) => user._id === id);
  }

  request(id: string): RequestRecord | undefined {
    this.applyClock();
    return this.requests.find((request) => request.id === id);
  }

  /** An administrator renames an entitlement (its display name), as IGA's admin UI allows. */
  renameEntitlement(catalogId: string, displayName: string): void {
    const entitlement = this.catalog.find((candidate) => candidate.id === catalogId)?.entitlement;
    if (!entitlement) throw new Error(`No entitlement ${catalogId}`);
    entitlement.displayName = displayName;
  }

  /** The phases requests for this item go through from now on. */
  setWorkflow(catalogId: string, phases: PhasePlan[]): void {
    const item = this.catalog.find((candidate) => candidate.id === catalogId);
    if (!item) throw new Error(`No catalog item ${catalogId}`);
    item.phases = [...phases];
  }

  /** What a person may request: items open to everyone or to a group they belong to. */
  catalogFor(userId: string): CatalogRecord[] {
    return this.catalog.filter(
      (item) =>
        !item.requesterGroupIds ||
        item.requesterGroupIds.some((groupId) => this.groups.find((g) => g.id === groupId)?.memberIds.includes(userId)),
    );
  }

  /** `_action=validate`: the problems, one per user × item, creating nothing. */
  validate(input: CreateInput): { userId: string; error: string; message: string }[] {
    const errors: { userId: string; error: string; message: string }[] = [];
    for (const userId of input.users) {
      const user = this.user(userId);
      if (!user) {
        errors.push({ userId, error: 'userNotFound', message: `No user ${userId}.` });
        continue;
      }
      if (user.accountStatus !== 'active') {
        errors.push({ userId, error: 'userInactive', message: `${fullName(user)}'s account is not active.` });
      }
      for (const wanted of input.catalogs) {
        const item = this.catalogFor(userId).find((candidate) => candidate.id === wanted.id);
        if (!item) {
          errors.push({
            userId,
            error: 'itemNotRequestable',
            message: `That item cannot be requested for ${fullName(user)}.`,
          });
        }
      }
      const rules = input.catalogs.map((wanted) => rulesOf(this.catalog.find((c) => c.id === wanted.id)));
      const needsWhy = this.config.requireRequestJustification || rules.some((r) => r?.requireJustification);
      if (needsWhy && !input.justification?.trim()) {
        errors.push({ userId, error: 'justificationRequired', message: 'A justification is required.' });
      }
      if (input.endDate && rules.some((r) => r?.accessDuration === 'none')) {
        errors.push({
          userId,
          error: 'endDateNotAllowed',
          message: 'This item cannot be requested for a limited time.',
        });
      }
      if (!input.endDate && rules.some((r) => r?.accessDuration === 'required')) {
        errors.push({ userId, error: 'endDateRequired', message: 'This item needs an end date.' });
      }
      if (input.endDate && Number.isNaN(Date.parse(input.endDate))) {
        errors.push({ userId, error: 'invalidEndDate', message: 'The end date is not a date.' });
      }
    }
    return errors;
  }

  create(
    input: CreateInput,
    actorId: string,
  ): { result: RequestRecord[]; errors: ReturnType<PingOneTenant['validate']> } {
    const errors = this.validate(input);
    if (errors.length > 0) return { result: [], errors };
    const requester = person(this.mustUser(actorId));
    const result: RequestRecord[] = [];
    for (const userId of input.users) {
      for (const wanted of input.catalogs) {
        const item = this.catalog.find((candidate) => candidate.id === wanted.id) as CatalogRecord;
        const at = this.stamp(this.now());
        const record: RequestRecord = {
          id: randomUUID(),
          requestType:
            item.item.type === 'accountGrant'
              ? 'applicationGrant'
              : item.item.type === 'roleMembership'
                ? 'roleGrant'
                : 'entitlementGrant',
          requester,
          user: person(this.mustUser(userId)),
          request: {
            common: {
              isDraft: false,
              priority: input.priority ?? 'low',
              ...(input.justification ? { justification: input.justification } : {}),
              ...(input.startDate ? { startDate: input.startDate } : {}),
              ...(input.endDate ? { endDate: input.endDate } : {}),
            },
          },
          ...(item.application ? { application: item.application } : {}),
          ...(item.entitlement ? { entitlement: item.entitlement } : {}),
          ...(item.assignment ? { assignment: item.assignment } : {}),
          ...(item.role ? { role: item.role } : {}),
          decision: {
            status: 'in-progress',
            decision: null,
            outcome: null,
            startDate: at,
            completionDate: null,
            deadline: null,
            comments: [],
            phases: [],
            actors: { active: [], inactive: [] },
          },
          metadata: { createdDate: at, modifiedDate: at },
          plan: { catalogId: item.id, phases: [...item.phases], outcome: item.outcome },
        };
        this.requests.push(record);
        this.advance(record);
        result.push(record);
      }
    }
    return { result, errors: [] };
  }

  /** approve / reject on the named phase (the approval in progress), by `actorId`. */
  decide(
    id: string,
    verb: 'approve' | 'reject',
    phaseName: string | undefined,
    actorId: string,
    justification?: string,
  ): void {
    const request = this.mustOpen(id);
    const phase = this.phaseInProgress(request, phaseName);
    if (phase.type !== 'request') throw new IgaProblem(400, `Phase ${phase.name} is not an approval task.`);
    if (!this.config.allowSelfApproval && actorId === request.user.id) {
      throw new IgaProblem(403, 'Self-approval is not allowed.');
    }
    this.mustAct(request, phase, actorId, verb);
    const required =
      verb === 'reject' ? this.config.requireRejectJustification : this.config.requireApproveJustification;
    if (required && !justification?.trim()) throw new IgaProblem(400, `A justification is required to ${verb}.`);
    this.complete(request, phase, verb, actorId, justification);
    if (verb === 'reject') this.close(request, 'rejected', 'not provisioned');
    else this.advance(request);
    this.touch(request);
  }

  /** A fulfillment phase's actor completes it (`fulfill`) or refuses it (`deny`). */
  fulfill(id: string, verb: 'fulfill' | 'deny', actorId: string, comment?: string): void {
    const request = this.mustOpen(id);
    const phase = this.phaseInProgress(request, undefined);
    if (phase.type !== 'fulfillment') throw new IgaProblem(400, `Phase ${phase.name} is not a fulfillment task.`);
    this.mustAct(request, phase, actorId, verb);
    this.complete(request, phase, verb, actorId, comment);
    if (verb === 'deny') this.close(request, 'approved', 'denied');
    else this.advance(request);
    this.touch(request);
  }

  /** Provisioning of an approved request ends (with the item's outcome unless told). */
  provision(id: string, outcome: RequestOutcome = null): void {
    const request = this.request(id);
    if (request?.decision.status !== 'provisioning') throw new IgaProblem(400, `Request ${id} is not provisioning.`);
    this.close(request, 'approved', outcome ?? request.plan.outcome ?? 'provisioned');
    this.touch(request);
  }

  /** A comment, by the administrator or by someone who may view the request (assumed: no Ping source says who may). */
  comment(id: string, actorId: string, text: string): void {
    const request = this.request(id);
    if (!request) throw new IgaProblem(404, `No request ${id}.`);
    if (actorId !== this.serviceAccountId && !this.mayView(request, actorId)) {
      throw new IgaProblem(403, `User ${actorId} is not authorized to comment on request ${id}.`);
    }
    if (!text.trim()) throw new IgaProblem(400, 'A comment needs text.');
    request.decision.comments.push({
      timeStamp: this.stamp(this.now()),
      user: person(this.mustUser(actorId)),
      comment: text,
      action: 'comment',
    });
    this.touch(request);
  }

  /**
   * Cancel, by the administrator (Ping's admin view offers it) or by the person who asked or the
   * one it is for (the end user's own view offers it; which of them IGA allows is assumed).
   */
  cancel(id: string, actorId: string, text?: string): void {
    // Ping's UI offers cancel on a suspended request too.
    const request = this.mustOpen(id, ['in-progress', 'suspended']);
    if (actorId !== this.serviceAccountId && request.requester.id !== actorId && request.user.id !== actorId) {
      throw new IgaProblem(403, `User ${actorId} is not authorized to cancel request ${id}.`);
    }
    const at = this.stamp(this.now());
    if (text)
      request.decision.comments.push({
        timeStamp: at,
        user: person(this.mustUser(actorId)),
        comment: text,
        action: 'cancel',
      });
    for (const phase of request.decision.phases) if (phase.status === 'in-progress') phase.status = 'cancelled';
    request.decision.status = 'cancelled';
    request.decision.outcome = 'cancelled';
    request.decision.completionDate = at;
    this.retireActors(request);
    this.touch(request);
  }

  /**
   * `_action=reassign&phaseName=…` with `{updatedActors, comment}`, as Ping's UI forwards a request
   * (RequestModal.vue: `updatedActors: [{ id: 'managed/user/<id>', permissions }]`). The one who
   * forwards must be an actor of the phase in progress allowed to reassign (Ping's UI offers forward
   * on the approver's own view); their place goes to the new actors, with the permissions sent,
   * and the phase's other actors keep their places and their own permissions whether the list
   * names them or not. The administrator may forward too (Ping's admin view offers it): the list is
   * the phase's actors then, those it names already acting keep their places and permissions, the
   * others leave. Which of the two IGA does for whom is not shown by Ping's material; a list of
   * the phase's actors with the caller replaced reads the same both ways. Who forwarded is kept as
   * a comment of action `reassign` (assumed: no Ping source shows how IGA records it). Roles as
   * new actors are Ping's too; this emulator takes users only.
   */
  reassign(id: string, phaseName: string | undefined, actorId: string, updatedActors: unknown, text?: string): void {
    const request = this.mustOpen(id);
    const phase = this.phaseInProgress(request, phaseName);
    if (phase.type === 'scheduled') throw new IgaProblem(400, `Phase ${phase.name} cannot be reassigned.`);
    const actor = request.decision.actors.active.find(
      (a) => a.id === `managed/user/${actorId}` && a.phase === phase.name,
    );
    const admin = actorId === this.serviceAccountId;
    if (!admin && !actor?.permissions.reassign) {
      throw new IgaProblem(
        403,
        `User ${actorId} is not authorized to reassign ${phase.name} on request ${request.id}.`,
      );
    }
    const incoming = this.newActors(updatedActors, phase.type === 'request' ? APPROVER : FULFILLER);
    const listed = (a: ActorRecord) => incoming.some(({ user }) => a.id === `managed/user/${user._id}`);
    const leaving = admin
      ? request.decision.actors.active.filter((a) => a.phase === phase.name && !listed(a))
      : request.decision.actors.active.filter((a) => a === actor);
    const staying = request.decision.actors.active.filter((a) => a.phase === phase.name && !leaving.includes(a));
    const fresh = incoming.filter(({ user }) => !staying.some((a) => a.id === `managed/user/${user._id}`));
    if (fresh.length === 0) throw new IgaProblem(400, 'The new actors already act on this phase.');
    request.decision.actors.active = request.decision.actors.active.filter((a) => !leaving.includes(a));
    request.decision.actors.inactive.push(...leaving);
    for (const { user, permissions } of fresh) this.assign(request, phase.name, [user], permissions);
    request.decision.comments.push({
      timeStamp: this.stamp(this.now()),
      user: person(this.mustUser(actorId)),
      comment: text ?? '',
      action: 'reassign',
    });
    this.touch(request);
  }

  private newActors(
    updatedActors: unknown,
    fallback: Permissions,
  ): { user: ManagedUserRecord; permissions: Permissions }[] {
    if (!Array.isArray(updatedActors) || updatedActors.length === 0) {
      throw new IgaProblem(400, 'updatedActors must list at least one actor.');
    }
    return updatedActors.map((entry: unknown) => {
      const { id, permissions } = (entry ?? {}) as { id?: unknown; permissions?: unknown };
      const match = typeof id === 'string' ? /^managed\/user\/([^/]+)$/.exec(id) : null;
      if (!match) throw new IgaProblem(400, `Actor ${String(id)} is not a user (managed/user/<id>).`);
      const user = this.user(match[1] as string);
      if (user?.accountStatus !== 'active') throw new IgaProblem(400, `No active user ${match[1]}.`);
      const granted = permissions && typeof permissions === 'object' ? (permissions as Permissions) : { ...fallback };
      return { user, permissions: granted };
    });
  }

  /** A phase ran out of time (the portal's expiry), as if its deadline passed now. */
  expire(id: string): void {
    const request = this.mustOpen(id);
    const phase = request.decision.phases.find((p) => p.status === 'in-progress');
    if (phase) phase.events.expiration = { date: this.stamp(this.now() - 1) };
    this.applyClock();
  }

  /** Requests this person may view: theirs, asked by them, or assigned to them to act on. */
  requestsOf(userId: string): RequestRecord[] {
    this.applyClock();
    return this.requests.filter((r) => this.mayView(r, userId));
  }

  private mayView(request: RequestRecord, userId: string): boolean {
    const actor = `managed/user/${userId}`;
    return (
      request.user.id === userId ||
      request.requester.id === userId ||
      [...request.decision.actors.active, ...request.decision.actors.inactive].some((a) => a.id === actor)
    );
  }

  /** This person's tasks of one type: assigned now (actorStatus=active) or before (inactive). */
  tasksOf(userId: string, actorStatus: 'active' | 'inactive', type: PhaseType): Task[] {
    this.applyClock();
    const actor = `managed/user/${userId}`;
    return this.requests.flatMap((request) => {
      const phases = request.decision.actors[actorStatus]
        .filter((a) => a.id === actor)
        .map((a) => ({ phase: request.decision.phases.find((p) => p.name === a.phase), permissions: a.permissions }))
        .filter((entry): entry is Task['phases'][number] => entry.phase?.type === type);
      return phases.length > 0 ? [{ request, phases }] : [];
    });
  }

  /** Requests whose approvals are assigned to this person now (actorStatus=active) or before (inactive). */
  approvalsOf(userId: string, actorStatus: 'active' | 'inactive'): RequestRecord[] {
    return this.tasksOf(userId, actorStatus, 'request').map((task) => task.request);
  }

  all(): RequestRecord[] {
    this.applyClock();
    return this.requests;
  }

  /** Waits whose date came resume their request; phases whose expiration passed expire it (as `expiredAs` says). */
  applyClock(): void {
    const now = this.now();
    for (const request of this.requests) {
      const phase = request.decision.phases.find((p) => p.status === 'in-progress');
      if (!phase) continue;
      if (request.decision.status === 'suspended') {
        if (now < Date.parse(phase.events.scheduled?.date ?? '')) continue;
        phase.status = 'complete';
        phase.completionDate = this.stamp(now);
        request.decision.status = 'in-progress';
        this.advance(request);
        this.touch(request);
        continue;
      }
      const expiry = phase.events.expiration?.date;
      if (request.decision.status !== 'in-progress' || !expiry || now < Date.parse(expiry)) continue;
      this.expireNow(request, phase, now);
    }
  }

  /** The request ends because `phase` ran out of time, written as this tenant writes expiry (`expiredAs`). */
  private expireNow(request: RequestRecord, phase: PhaseRecord, now: number): void {
    const at = this.stamp(now);
    if (this.expiredAs === 'cancelled') {
      phase.status = 'expired';
      request.decision.status = 'cancelled';
      request.decision.outcome = 'cancelled';
    } else {
      phase.status = 'complete';
      phase.completionDate = at;
      request.decision.status = this.expiredAs === 'status' ? 'expired' : 'complete';
      request.decision.outcome = this.expiredAs === 'outcome' ? 'expired' : null;
    }
    request.decision.completionDate = at;
    this.retireActors(request);
    this.touch(request);
  }

  /** Opens the next phase of the request's workflow, or ends it approved when none is left. */
  private advance(request: RequestRecord): void {
    for (let plan = request.plan.phases.shift(); plan; plan = request.plan.phases.shift()) {
      if (isApproval(plan)) {
        this.openApproval(request, plan);
        return;
      }
      // IGA records the decision once the last approval is made; what follows carries it out.
      if (!request.plan.phases.some(isApproval)) request.decision.decision = 'approved';
      if (plan.kind === 'fulfillment') {
        this.openFulfillment(request, plan.userIds);
        return;
      }
      if (this.openWait(request, plan.until ?? request.request.common.startDate)) return;
    }
    const fulfilled = request.decision.phases.some((p) => p.type === 'fulfillment' && p.decision === 'fulfill');
    if (this.deferProvisioning && !fulfilled) {
      request.decision.status = 'provisioning';
      request.decision.decision = 'approved';
      return;
    }
    this.close(request, 'approved', fulfilled ? 'fulfilled' : request.plan.outcome);
  }

  private openApproval(request: RequestRecord, plan: ApprovalPlan): void {
    const name = `${PHASE_NAMES[plan.approvers]}${request.decision.phases.length + 1}`;
    const phase = this.openPhase(request, name, PHASE_LABELS[plan.approvers], 'request');
    const approvers = this.approversFor(plan, request.user.id);
    if (approvers.length === 0) {
      // Nobody can decide (a contractor with no manager): the workflow rejects at once.
      phase.status = 'complete';
      phase.decision = 'reject';
      phase.completionDate = phase.startDate;
      phase.completedBy = { id: 'SYSTEM', userName: 'system', givenName: 'System', sn: '', mail: '' };
      this.close(request, 'rejected', 'not provisioned');
      return;
    }
    this.assign(request, name, approvers, APPROVER);
  }

  private openFulfillment(request: RequestRecord, userIds: string[]): void {
    const name = `fulfillmentTask-${request.decision.phases.length + 1}`;
    this.openPhase(request, name, 'Fulfill access', 'fulfillment');
    const fulfillers = userIds
      .map((id) => this.user(id))
      .filter((user): user is ManagedUserRecord => user?.accountStatus === 'active');
    if (fulfillers.length === 0) throw new Error(`Nobody active can fulfil ${request.plan.catalogId}`);
    this.assign(request, name, fulfillers, FULFILLER);
  }

  /** A wait until `until`: the request is suspended meanwhile. False when the date has already come. */
  private openWait(request: RequestRecord, until: string | undefined): boolean {
    if (!until) return false;
    const name = `waitTask-${request.decision.phases.length + 1}`;
    const phase = this.openPhase(request, name, 'Wait Until Start Date', 'scheduled');
    phase.events = { scheduled: { date: until } };
    if (Date.parse(until) <= this.now()) {
      phase.status = 'complete';
      phase.completionDate = phase.startDate;
      return false;
    }
    request.decision.status = 'suspended';
    return true;
  }

  private openPhase(request: RequestRecord, name: string, displayName: string, type: PhaseType): PhaseRecord {
    const at = this.now();
    const phase: PhaseRecord = {
      name,
      displayName,
      type,
      status: 'in-progress',
      decision: null,
      startDate: this.stamp(at),
      completionDate: null,
      completedBy: null,
      events: { expiration: { date: this.stamp(at + this.phaseTtlMs) } },
    };
    request.decision.phases.push(phase);
    return phase;
  }

  private assign(request: RequestRecord, phase: string, people: ManagedUserRecord[], permissions: Permissions): void {
    request.decision.actors.active.push(
      ...people.map((user) => ({
        ...person(user),
        id: `managed/user/${user._id}`,
        phase,
        permissions: { ...permissions },
      })),
    );
  }

  /**
   * Only the phase's actors act on it, each as their permissions allow; the service account too
   * where `adminMayDecide`. The refusal's wording is assumed: no Ping source shows it.
   */
  private mustAct(
    request: RequestRecord,
    phase: PhaseRecord,
    actorId: string,
    verb: 'approve' | 'reject' | 'fulfill' | 'deny',
  ): void {
    const actor = request.decision.actors.active.find(
      (a) => a.id === `managed/user/${actorId}` && a.phase === phase.name,
    );
    if (actor?.permissions[verb]) return;
    if (!actor && actorId === this.serviceAccountId && this.adminMayDecide) return;
    throw new IgaProblem(403, `User ${actorId} is not authorized to ${verb} ${phase.name} on request ${request.id}.`);
  }

  private complete(
    request: RequestRecord,
    phase: PhaseRecord,
    verb: 'approve' | 'reject' | 'fulfill' | 'deny',
    actorId: string,
    comment: string | undefined,
  ): void {
    const at = this.stamp(this.now());
    const actor = person(this.mustUser(actorId));
    if (comment) request.decision.comments.push({ timeStamp: at, user: actor, comment, action: verb });
    phase.status = 'complete';
    phase.decision = verb;
    phase.completionDate = at;
    phase.completedBy = actor;
    this.retireActors(request, phase.name);
  }

  private phaseInProgress(request: RequestRecord, phaseName: string | undefined): PhaseRecord {
    const phase = request.decision.phases.find((p) => p.status === 'in-progress');
    if (!phase || (phaseName && phase.name !== phaseName)) {
      throw new IgaProblem(400, `Phase ${phaseName ?? '(none)'} is not in progress on request ${request.id}.`);
    }
    return phase;
  }

  /** Who the phase is assigned to; whether one of them may approve their own request is checked when they act. */
  private approversFor(plan: ApprovalPlan, beneficiaryId: string): ManagedUserRecord[] {
    const ids =
      plan.approvers === 'MANAGER'
        ? [this.user(beneficiaryId)?.managerId]
        : plan.approvers === 'USERS'
          ? plan.userIds
          : (this.groups.find((g) => g.id === plan.groupId)?.memberIds ?? []);
    return ids
      .map((id) => (id ? this.user(id) : undefined))
      .filter((user): user is ManagedUserRecord => Boolean(user) && user?.accountStatus === 'active');
  }

  private close(request: RequestRecord, decision: 'approved' | 'rejected', outcome: RequestOutcome): void {
    request.decision.status = 'complete';
    request.decision.decision = decision;
    request.decision.outcome = decision === 'approved' ? outcome : 'not provisioned';
    request.decision.completionDate = this.stamp(this.now());
    this.retireActors(request);
  }

  private retireActors(request: RequestRecord, phase?: string): void {
    const leaving = request.decision.actors.active.filter((a) => !phase || a.phase === phase);
    request.decision.actors.active = request.decision.actors.active.filter((a) => !leaving.includes(a));
    request.decision.actors.inactive.push(...leaving);
  }

  private touch(request: RequestRecord): void {
    if (!this.touchesModifiedDate) return;
    request.metadata.modifiedDate = this.stamp(Math.max(this.now(), Date.parse(request.metadata.modifiedDate) + 1));
  }

  private stamp(ms: number): string {
    return stamp(ms, this.utcOffset);
  }

  private mustOpen(id: string, open: RequestRecord['decision']['status'][] = ['in-progress']): RequestRecord {
    const request = this.request(id);
    if (!request) throw new IgaProblem(404, `No request ${id}.`);
    if (!open.includes(request.decision.status))
      throw new IgaProblem(400, `Request ${id} is already ${request.decision.status}.`);
    return request;
  }

  private mustUser(id: string): ManagedUserRecord {
    const user = this.user(id);
    if (!user) throw new IgaProblem(404, `No user ${id}.`);
    return user;
  }
}
