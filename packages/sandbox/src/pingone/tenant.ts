import { randomUUID } from 'node:crypto';
import type { CatalogEntryRecord, GroupRecord, UserRecord } from '../okta/records.js';
import { SEED, seedCompany } from '../okta/seed.js';

/**
 * An emulated PingOne Advanced Identity Cloud tenant (IGA access requests), seeded with the same
 * company as the Okta emulator: the same people (same ids and emails), the same catalog (same ids
 * and names) and the same approval rules, expressed as IGA phases. Records keep IGA's field names.
 */

export interface IgaPerson {
  id: string;
  userName: string;
  givenName: string;
  sn: string;
  mail: string;
}

export interface ManagedUserRecord extends IgaPerson {
  _id: string;
  accountStatus: 'active' | 'inactive';
  managerId?: string;
}

export interface CatalogRecord {
  id: string;
  item: { type: 'accountGrant' | 'entitlementGrant' | 'roleMembership' };
  application?: { id: string; name: string; description?: string };
  entitlement?: { id: string; displayName: string; description?: string };
  assignment?: { id: string; name: string };
  role?: { id: string; name: string; description?: string };
  /**
   * Organisation-defined glossary attributes (IGA lets each company add its own); Gatehouse reads
   * three, when present: whether a justification is required, and whether and how long access may
   * be time-bound.
   */
  glossary: { idx: Record<string, GatehouseGlossary> };
  /** Not IGA's: who may request it, and who approves, kept beside the item. */
  requesterGroupIds?: string[];
  phases: PhasePlan[];
  outcome: 'provisioned' | 'not provisioned' | null;
}

export interface GatehouseGlossary {
  requireJustification?: boolean;
  accessDuration?: 'none' | 'optional' | 'required';
  maxAccessDuration?: string;
}

/** Who decides one phase. */
export type PhasePlan =
  | { approvers: 'MANAGER' }
  | { approvers: 'USERS'; userIds: string[] }
  | { approvers: 'GROUP'; groupId: string };

export interface ActorRecord extends IgaPerson {
  phase: string;
  permissions: { approve: boolean; reject: boolean; reassign: boolean; modify: boolean; comment: boolean };
}

export interface PhaseRecord {
  name: string;
  displayName: string;
  type: 'request';
  status: 'in-progress' | 'complete' | 'expired' | 'cancelled';
  decision: 'approve' | 'reject' | null;
  startDate: string;
  completionDate: string | null;
  completedBy: IgaPerson | null;
  events: { expiration: { date: string } };
}

export interface CommentRecord {
  timeStamp: string;
  user: IgaPerson;
  comment: string;
  action: 'comment' | 'approve' | 'reject' | 'cancel';
}

export interface RequestRecord {
  id: string;
  requestType: 'applicationGrant' | 'entitlementGrant' | 'roleGrant';
  requester: IgaPerson;
  user: IgaPerson;
  request: {
    common: { justification?: string; startDate?: string; endDate?: string; isDraft: false; priority: string };
  };
  application?: CatalogRecord['application'];
  entitlement?: CatalogRecord['entitlement'];
  assignment?: CatalogRecord['assignment'];
  role?: CatalogRecord['role'];
  decision: {
    status: 'in-progress' | 'complete' | 'cancelled';
    decision: 'approved' | 'rejected' | null;
    outcome: 'provisioned' | 'not provisioned' | 'cancelled' | null;
    startDate: string;
    completionDate: string | null;
    deadline: string | null;
    comments: CommentRecord[];
    phases: PhaseRecord[];
    actors: { active: ActorRecord[]; inactive: ActorRecord[] };
  };
  metadata: { createdDate: string; modifiedDate: string };
  /** Not IGA's: the phases still to come and how provisioning ends. */
  plan: { catalogId: string; phases: PhasePlan[]; outcome: CatalogRecord['outcome'] };
}

export interface AccessRequestConfig {
  requireRequestJustification: boolean;
  requireRejectJustification: boolean;
  requireApproveJustification: boolean;
  allowSelfApproval: boolean;
  preventRequestWithViolation: boolean;
}

export interface CallRecord {
  method: string;
  path: string;
  /** The `_action` query parameter, when there is one. */
  action?: string;
  /** The `phaseName` an action named, when it did. */
  phaseName?: string;
  status: number;
}

export interface Fault {
  method?: string;
  path?: RegExp;
  action?: string;
  status: number;
  times: number;
  /** Do the work, then answer with the error (the caller cannot know it landed). */
  afterWrite?: boolean;
}

export interface PingOneTenantOptions {
  now?: () => number;
  /** How long a phase waits before the request expires (default 7 days). */
  phaseTtlMs?: number;
  /** The bearer token Gatehouse uses (default the sandbox one). */
  accessToken?: string;
}

export interface CreateInput {
  users: string[];
  catalogs: { type: string; id: string }[];
  justification?: string;
  startDate?: string;
  endDate?: string;
  priority?: string;
}

export class IgaProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const PHASE_NAMES: Record<PhasePlan['approvers'], string> = {
  MANAGER: 'managerApproval',
  USERS: 'ownerApproval',
  GROUP: 'groupApproval',
};
const PHASE_LABELS: Record<PhasePlan['approvers'], string> = {
  MANAGER: 'Manager approval',
  USERS: 'Application owner approval',
  GROUP: 'Team approval',
};

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
  /** Gatehouse's token acts as this governance administrator. */
  readonly serviceAccountId = SEED.users.service.id;
  private readonly now: () => number;
  private readonly phaseTtlMs: number;

  constructor(options: PingOneTenantOptions = {}) {
    this.now = options.now ?? Date.now;
    this.phaseTtlMs = options.phaseTtlMs ?? 7 * 24 * 3_600_000;
    this.accessToken = options.accessToken ?? 'gatehouse-sandbox-pingone-token';
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
    return token;
  }

  acceptsToken(token: string): boolean {
    if (token === this.accessToken) return true;
    const until = this.issuedTokens.get(token);
    return until !== undefined && until > this.now();
  }

  user(id: string): ManagedUserRecord | undefined {
    return this.users.find((user) => user._id === id);
  }

  request(id: string): RequestRecord | undefined {
    this.applyClock();
    return this.requests.find((request) => request.id === id);
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
        const at = iso(this.now());
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
        this.openNextPhase(record);
        result.push(record);
      }
    }
    return { result, errors: [] };
  }

  /** approve / reject on the named phase (the one in progress), by `actorId`. */
  decide(
    id: string,
    verb: 'approve' | 'reject',
    phaseName: string | undefined,
    actorId: string,
    justification?: string,
  ): void {
    const request = this.mustOpen(id);
    const phase = request.decision.phases.find((p) => p.status === 'in-progress');
    if (!phase || (phaseName && phase.name !== phaseName)) {
      throw new IgaProblem(400, `Phase ${phaseName ?? '(none)'} is not in progress on request ${id}.`);
    }
    const isAdmin = actorId === this.serviceAccountId;
    if (!this.config.allowSelfApproval && actorId === request.user.id) {
      throw new IgaProblem(403, 'Self-approval is not allowed.');
    }
    if (
      !isAdmin &&
      !request.decision.actors.active.some((a) => a.id === `managed/user/${actorId}` && a.phase === phase.name)
    ) {
      throw new IgaProblem(403, 'You are not an approver of this phase.');
    }
    const required =
      verb === 'reject' ? this.config.requireRejectJustification : this.config.requireApproveJustification;
    if (required && !justification?.trim()) throw new IgaProblem(400, `A justification is required to ${verb}.`);
    const at = iso(this.now());
    const actor = person(this.mustUser(actorId));
    if (justification)
      request.decision.comments.push({ timeStamp: at, user: actor, comment: justification, action: verb });
    phase.status = 'complete';
    phase.decision = verb;
    phase.completionDate = at;
    phase.completedBy = actor;
    this.retireActors(request, phase.name);
    if (verb === 'reject') this.close(request, 'rejected', 'not provisioned');
    else this.openNextPhase(request);
    this.touch(request);
  }

  comment(id: string, actorId: string, text: string): void {
    const request = this.request(id);
    if (!request) throw new IgaProblem(404, `No request ${id}.`);
    if (!text.trim()) throw new IgaProblem(400, 'A comment needs text.');
    request.decision.comments.push({
      timeStamp: iso(this.now()),
      user: person(this.mustUser(actorId)),
      comment: text,
      action: 'comment',
    });
    this.touch(request);
  }

  cancel(id: string, actorId: string, text?: string): void {
    const request = this.mustOpen(id);
    const at = iso(this.now());
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

  /** A phase ran out of time (the portal's expiry), as if its deadline passed now. */
  expire(id: string): void {
    const request = this.mustOpen(id);
    const phase = request.decision.phases.find((p) => p.status === 'in-progress');
    if (phase) phase.events.expiration.date = iso(this.now() - 1);
    this.applyClock();
  }

  /** Requests this person may view: theirs, asked by them, or assigned to them to decide. */
  requestsOf(userId: string): RequestRecord[] {
    this.applyClock();
    const actor = `managed/user/${userId}`;
    return this.requests.filter(
      (r) =>
        r.user.id === userId ||
        r.requester.id === userId ||
        [...r.decision.actors.active, ...r.decision.actors.inactive].some((a) => a.id === actor),
    );
  }

  /** Requests assigned to this person now (actorStatus=active) or before (inactive). */
  approvalsOf(userId: string, actorStatus: 'active' | 'inactive'): RequestRecord[] {
    this.applyClock();
    return this.requests.filter((r) => r.decision.actors[actorStatus].some((a) => a.id === `managed/user/${userId}`));
  }

  all(): RequestRecord[] {
    this.applyClock();
    return this.requests;
  }

  /** Phases whose expiration passed end their request as expired (cancelled, phase expired). */
  applyClock(): void {
    const now = this.now();
    for (const request of this.requests) {
      if (request.decision.status !== 'in-progress') continue;
      const phase = request.decision.phases.find((p) => p.status === 'in-progress');
      if (!phase || now < Date.parse(phase.events.expiration.date)) continue;
      phase.status = 'expired';
      request.decision.status = 'cancelled';
      request.decision.outcome = 'cancelled';
      request.decision.completionDate = iso(now);
      this.retireActors(request);
      this.touch(request);
    }
  }

  private openNextPhase(request: RequestRecord): void {
    const plan = request.plan.phases.shift();
    if (!plan) {
      this.close(request, 'approved', request.plan.outcome);
      return;
    }
    const index = request.decision.phases.length + 1;
    const name = `${PHASE_NAMES[plan.approvers]}${index}`;
    const at = this.now();
    request.decision.phases.push({
      name,
      displayName: PHASE_LABELS[plan.approvers],
      type: 'request',
      status: 'in-progress',
      decision: null,
      startDate: iso(at),
      completionDate: null,
      completedBy: null,
      events: { expiration: { date: iso(at + this.phaseTtlMs) } },
    });
    const approvers = this.approversFor(plan, request.user.id);
    if (approvers.length === 0) {
      // Nobody can decide (a contractor with no manager): the workflow rejects at once.
      const phase = request.decision.phases.at(-1) as PhaseRecord;
      phase.status = 'complete';
      phase.decision = 'reject';
      phase.completionDate = iso(at);
      phase.completedBy = { id: 'SYSTEM', userName: 'system', givenName: 'System', sn: '', mail: '' };
      this.close(request, 'rejected', 'not provisioned');
      return;
    }
    request.decision.actors.active.push(
      ...approvers.map((user) => ({
        ...person(user),
        id: `managed/user/${user._id}`,
        phase: name,
        permissions: { approve: true, reject: true, reassign: true, modify: true, comment: true },
      })),
    );
  }

  /** Who the phase is assigned to; whether one of them may approve their own request is checked when they act. */
  private approversFor(plan: PhasePlan, beneficiaryId: string): ManagedUserRecord[] {
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

  private close(
    request: RequestRecord,
    decision: 'approved' | 'rejected',
    outcome: RequestRecord['decision']['outcome'],
  ): void {
    request.decision.status = 'complete';
    request.decision.decision = decision;
    request.decision.outcome = decision === 'approved' ? outcome : 'not provisioned';
    request.decision.completionDate = iso(this.now());
    this.retireActors(request);
  }

  private retireActors(request: RequestRecord, phase?: string): void {
    const leaving = request.decision.actors.active.filter((a) => !phase || a.phase === phase);
    request.decision.actors.active = request.decision.actors.active.filter((a) => !leaving.includes(a));
    request.decision.actors.inactive.push(...leaving);
  }

  private touch(request: RequestRecord): void {
    request.metadata.modifiedDate = iso(Math.max(this.now(), Date.parse(request.metadata.modifiedDate) + 1));
  }

  private mustOpen(id: string): RequestRecord {
    const request = this.request(id);
    if (!request) throw new IgaProblem(404, `No request ${id}.`);
    if (request.decision.status !== 'in-progress')
      throw new IgaProblem(400, `Request ${id} is already ${request.decision.status}.`);
    return request;
  }

  private mustUser(id: string): ManagedUserRecord {
    const user = this.user(id);
    if (!user) throw new IgaProblem(404, `No user ${id}.`);
    return user;
  }
}

function managedUser(user: UserRecord): ManagedUserRecord {
  return {
    _id: user.id,
    id: user.id,
    userName: user.profile.login,
    givenName: user.profile.firstName,
    sn: user.profile.lastName,
    mail: user.profile.email,
    accountStatus: user.status === 'ACTIVE' ? 'active' : 'inactive',
    managerId: user.profile.managerId,
  };
}

function person(user: ManagedUserRecord): IgaPerson {
  return { id: user._id, userName: user.userName, givenName: user.givenName, sn: user.sn, mail: user.mail };
}

function fullName(user: ManagedUserRecord): string {
  return `${user.givenName} ${user.sn}`.trim();
}

function catalogRecord(entry: CatalogEntryRecord, all: CatalogEntryRecord[]): CatalogRecord {
  const condition = entry.condition;
  const phases = (condition?.approvalSequence ?? []) as PhasePlan[];
  const outcome =
    entry.grantOutcome === 'GRANTED' ? 'provisioned' : entry.grantOutcome === 'FAILED' ? 'not provisioned' : null;
  const requesterGroupIds = condition?.requesters.type === 'GROUPS' ? condition.requesters.groupIds : undefined;
  const duration = condition?.accessDuration;
  const rules: GatehouseGlossary = {
    requireJustification: condition?.justification.required ?? false,
    accessDuration:
      !duration || duration.type === 'ADMIN_FIXED_DURATION' ? 'none' : duration.required ? 'required' : 'optional',
    ...(duration?.type === 'REQUESTER_SPECIFIED_DURATION' ? { maxAccessDuration: duration.maximumDuration } : {}),
  };
  const kind =
    entry.label === 'Group' ? '/role' : entry.label === 'Entitlement Bundle' ? '/entitlement' : '/application';
  const base = {
    id: entry.id,
    phases,
    outcome,
    glossary: { idx: { [kind]: rules } },
    ...(requesterGroupIds ? { requesterGroupIds } : {}),
  } as const;
  if (entry.label === 'Group') {
    return {
      ...base,
      item: { type: 'roleMembership' },
      role: { id: entry.id, name: entry.name, description: entry.description },
    };
  }
  if (entry.label === 'Entitlement Bundle') {
    const parent = all.find((candidate) => candidate.id === entry.parent);
    const [, short] = entry.name.split(' — ');
    return {
      ...base,
      item: { type: 'entitlementGrant' },
      application: { id: parent?.resource.id ?? entry.resource.id, name: parent?.name ?? entry.name },
      entitlement: { id: entry.id, displayName: short ?? entry.name, description: entry.description },
      assignment: { id: entry.id, name: entry.name },
    };
  }
  return {
    ...base,
    item: { type: 'accountGrant' },
    application: { id: entry.id, name: entry.name, description: entry.description },
  };
}

function rulesOf(item: CatalogRecord | undefined): GatehouseGlossary | undefined {
  return item ? Object.values(item.glossary.idx)[0] : undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
