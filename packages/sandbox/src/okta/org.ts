import { randomUUID } from 'node:crypto';
import { accessDurationMs } from './access-duration.js';
import { Credentials, type ServiceApp, type ServiceAppRegistration } from './auth.js';
import type { Directory } from './catalog.js';
import { Delegates } from './delegates.js';
import { forbidden, notFound, type OktaProblem, validationFailed } from './errors.js';
import { Faults } from './faults.js';
import { hexId, oktaId } from './ids.js';
import { RateLimits, REAL_ORG_RATE_LIMITS } from './rate-limits.js';
import type {
  AccessRequestEventType,
  Actor,
  ApprovalDecision,
  ApprovalStep,
  CallRecord,
  CatalogEntryRecord,
  Decision,
  GrantOutcome,
  GrantRecord,
  GroupRecord,
  MessageRecord,
  OktaEvent,
  RequestCondition,
  RequestRecord,
  TaskRecord,
  UserRecord,
} from './records.js';
import { SEED, seedCompany, serviceAccount } from './seed.js';
import { checkSubmission } from './submission.js';
import type { OktaCreateRequestBody } from './wire.js';

// Over 400 lines because it is the org's one state machine (requests, their progress through
// approval sequences, tasks, grants, events) whose transitions share the private progress map;
// routes, rendering, records, submission, auth and rate limits are their own modules. Next to
// split: events and grants, once they no longer reach into a request's progress.

export interface OktaOrgOptions {
  /** The org's clock (epoch ms). Time-based transitions follow it, so tests can move it. */
  now?: () => number;
  /** Load the Acme company (default true); otherwise only the service account exists. */
  seed?: boolean;
  /** The SSWS token of the service account (default 'gatehouse-sandbox-okta-token'). */
  apiToken?: string;
  /** How long a PENDING request waits for approvers before it EXPIRES (default 7 days). */
  requestTtlMs?: number;
  /** Calls per minute for every endpoint family at once (a generous org for tests not about budgets). */
  rateLimitPerMinute?: number;
  /** Calls per minute by endpoint family, over REAL_ORG_RATE_LIMITS (ignored with rateLimitPerMinute). */
  rateLimits?: Partial<Record<string, number>>;
  // ── How this org differs from another (each also a public field, to change mid-test) ──
  /**
   * The Tasks API (Beta): `available` (default); `forbidden` answers 403 E0000006 on every task
   * path (the Beta not enabled for Gatehouse, or its role or scope missing); `absent` answers 404
   * E0000007 (an org without it).
   */
  tasksApi?: TasksApi;
  /**
   * The admin roles Gatehouse's credentials hold (the SSWS token's user and every service app);
   * default SUPER_ADMIN. Each governance operation needs the role of its `x-okta-iam-admin-roles`
   * (ACCESS_REQUESTS_ADMIN for catalog, requests and tasks, APP_ADMIN for grants) or SUPER_ADMIN,
   * else 403 E0000006.
   */
  adminRoles?: readonly OktaAdminRole[];
  /**
   * Whether the org publishes `access.request.update` (Okta release 2026.05.0 and later; default
   * true). An older org tells nobody when a step is decided mid-sequence, routed or granted.
   */
  updateEvents?: boolean;
  /** The `type` of the request in an event's `target[]` (default `AccessRequest`; Okta publishes none). */
  hookTargetType?: string;
  /**
   * Whether a task's change (a step decided mid-sequence, a reassignment) moves its request's
   * `lastUpdated` (default true). Okta does not say; with false, only the task's `updatedAt` moves.
   */
  taskChangesTouchRequest?: boolean;
}

export type TasksApi = 'available' | 'forbidden' | 'absent';

/** Okta's standard admin roles, as `x-okta-iam-admin-roles` names them (those the emulator checks). */
export type OktaAdminRole = 'SUPER_ADMIN' | 'ACCESS_REQUESTS_ADMIN' | 'APP_ADMIN' | 'READ_ONLY_ADMIN';

/** How far a request has come through its approval sequence; Okta keeps this out of the request object. */
interface Progress {
  entry: CatalogEntryRecord;
  condition: RequestCondition;
  /** The step whose task is open, -1 before the system has routed the request. */
  stepIndex: number;
  /** Who may decide the open step (a request type's step has no task to name them). */
  assignees: string[];
  decisions: ApprovalDecision[];
  grantIds: string[];
}

/** Links a request gains once the system matched its condition and sequence. */
export interface ApprovalRouting {
  resourceId: string;
  conditionId: string;
  approvalSequenceId: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** [request-message-mutable] `message`: 1 to 5000 characters. */
const MAX_MESSAGE_LENGTH = 5000;
const SYSTEM_ACTOR = { id: 'system', type: 'SystemPrincipal', displayName: 'Okta System' };

const iso = (ms: number) => new Date(ms).toISOString();
const clone = <T>(value: T): T => structuredClone(value);

/**
 * The emulated Okta org: its state, the access-request lifecycle, and the handles tests use to look
 * inside and to misbehave on purpose. The HTTP plugin is a thin layer over these methods.
 *
 * "System actions" (routing a SUBMITTED request, provisioning an APPROVED one) run on the next tick
 * and, so tests never race them, whenever state is read. Clock-driven changes (expiry, revocation)
 * are applied lazily from `now()` in the same way.
 */
export class OktaOrg {
  readonly now: () => number;
  readonly apiToken: string;
  readonly requestTtlMs: number;
  readonly faults = new Faults();
  /** Every HTTP call answered, oldest first. */
  readonly calls: CallRecord[] = [];
  readonly credentials: Credentials;
  readonly rateLimits: RateLimits;
  /** The read-only view catalog rules and validation use. */
  readonly directory: Directory;
  /** Delegate appointments (Delegates and Principal Settings APIs): a step opened while someone is away is their delegate's. */
  readonly delegates: Delegates;
  /** See OktaOrgOptions: each may be changed while the org runs. */
  tasksApi: TasksApi;
  adminRoles: readonly OktaAdminRole[];
  updateEvents: boolean;
  hookTargetType: string;
  taskChangesTouchRequest: boolean;

  private readonly userList: UserRecord[];
  private readonly groupList: GroupRecord[];
  private readonly entryList: CatalogEntryRecord[];
  private readonly requestList: RequestRecord[] = [];
  private readonly taskList: TaskRecord[] = [];
  private readonly grantList: GrantRecord[];
  private readonly messageList: MessageRecord[] = [];
  private readonly eventList: OktaEvent[] = [];
  private readonly progress = new Map<string, Progress>();
  private readonly grantOutcomes = new Map<string, GrantOutcome>();
  private readonly listeners = new Set<(event: OktaEvent) => void>();
  private systemHeld = false;
  /** When held system actions were let go; they cannot have happened earlier than that. */
  private systemReleasedAt = Number.NEGATIVE_INFINITY;
  private tickScheduled = false;
  /** The earliest expiry or revocation due (0: not known yet), so a read skips the scan before it. */
  private nextDue = 0;

  constructor(options: OktaOrgOptions = {}) {
    this.now = options.now ?? Date.now;
    this.apiToken = options.apiToken ?? SEED.apiToken;
    this.requestTtlMs = options.requestTtlMs ?? 7 * DAY_MS;
    this.tasksApi = options.tasksApi ?? 'available';
    this.adminRoles = options.adminRoles ?? ['SUPER_ADMIN'];
    this.updateEvents = options.updateEvents ?? true;
    this.hookTargetType = options.hookTargetType ?? 'AccessRequest';
    this.taskChangesTouchRequest = options.taskChangesTouchRequest ?? true;
    const perFamily = { ...REAL_ORG_RATE_LIMITS, ...options.rateLimits };
    const flat = options.rateLimitPerMinute;
    this.rateLimits = new RateLimits((family) => flat ?? perFamily[family] ?? perFamily.other ?? 600, this.now);
    this.credentials = new Credentials(this.now);
    this.delegates = new Delegates(this.now);
    const company =
      options.seed === false ? { users: [serviceAccount()], groups: [], entries: [], grants: [] } : seedCompany();
    this.userList = company.users;
    this.groupList = company.groups;
    this.entryList = company.entries;
    this.grantList = company.grants;
    this.credentials.addApiToken(this.apiToken, SEED.users.service.id);
    this.directory = {
      user: (id) => this.userList.find((user) => user.id === id),
      entries: () => this.entryList,
      childrenOf: (parentId) => this.childIndex().get(parentId) ?? [],
      groups: () => this.groupList,
    };
  }

  // ── Looking inside (settled copies) ───────────────────────────────────────────────────────────

  get users(): readonly UserRecord[] {
    return clone(this.userList);
  }

  get groups(): readonly GroupRecord[] {
    return clone(this.groupList);
  }

  get entries(): readonly CatalogEntryRecord[] {
    return clone(this.entryList);
  }

  get requests(): readonly RequestRecord[] {
    this.settle();
    return clone(this.requestList);
  }

  get tasks(): readonly TaskRecord[] {
    this.settle();
    return clone(this.taskList);
  }

  /** The requests that match, settled, cloned after filtering (a large org is not copied whole per read). */
  findRequests(wanted: (request: RequestRecord) => boolean): RequestRecord[] {
    this.settle();
    return clone(this.requestList.filter(wanted));
  }

  /** The tasks that match, settled, cloned after filtering. */
  findTasks(wanted: (task: TaskRecord) => boolean): TaskRecord[] {
    this.settle();
    return clone(this.taskList.filter(wanted));
  }

  /** The grants that match, settled, cloned after filtering. */
  findGrants(wanted: (grant: GrantRecord) => boolean): GrantRecord[] {
    this.settle();
    return clone(this.grantList.filter(wanted));
  }

  get grants(): readonly GrantRecord[] {
    this.settle();
    return clone(this.grantList);
  }

  /** One request, settled, or undefined. */
  request(id: string): RequestRecord | undefined {
    this.settle();
    const found = this.requestList.find((candidate) => candidate.id === id);
    return found && clone(found);
  }

  /** One task, settled, or undefined. */
  task(id: string): TaskRecord | undefined {
    this.settle();
    const found = this.taskList.find((candidate) => candidate.id === id);
    return found && clone(found);
  }

  get messages(): readonly MessageRecord[] {
    this.settle();
    return clone(this.messageList);
  }

  get events(): readonly OktaEvent[] {
    this.settle();
    return clone(this.eventList);
  }

  /** Where a request's approval was routed, for its `approvalCondition` / `approvalSequence` links. */
  routingOf(requestId: string): ApprovalRouting | undefined {
    const request = this.requestList.find((candidate) => candidate.id === requestId);
    const progress = this.progress.get(requestId);
    if (!request || !progress || request.status === 'SUBMITTED' || request.status === 'REJECTED') return undefined;
    return {
      resourceId: request.requested.resourceId,
      conditionId: progress.condition.id,
      approvalSequenceId: progress.condition.approvalSequenceId,
    };
  }

  /** What a call on a Tasks API path meets before its route, when this org does not serve it to Gatehouse. */
  tasksRefusal(): OktaProblem | undefined {
    if (this.tasksApi === 'forbidden') return forbidden();
    if (this.tasksApi === 'absent') return notFound();
    return undefined;
  }

  /** Whether Gatehouse's credentials hold a role that lets them do what `scope` names. */
  permits(scope: string): boolean {
    const needed = ROLE_FOR_SCOPE.find(([prefix]) => scope.startsWith(prefix))?.[1];
    return !needed || this.adminRoles.includes('SUPER_ADMIN') || this.adminRoles.includes(needed);
  }

  /** An app's name as its ORN spells it: its catalog entry's name, lower-case letters and digits. */
  appNameOf(appId: string): string {
    const app = this.entryList.find((entry) => !entry.parent && entry.resource.id === appId);
    return (app?.name ?? 'app').toLowerCase().replace(/[^a-z0-9]/g, '') || 'app';
  }

  // ── What the admin API does ───────────────────────────────────────────────────────────────────

  /** `POST /governance/api/v2/requests`: checked now, routed by the system on the next tick. */
  createRequest(body: OktaCreateRequestBody, actor: Actor): RequestRecord {
    this.settle();
    const submission = checkSubmission(body, actor, this.directory);
    const at = iso(this.now());
    const { entry } = submission;
    const request: RequestRecord = {
      id: oktaId('req'),
      created: at,
      createdBy: actor.externalId,
      lastUpdated: at,
      lastUpdatedBy: actor.externalId,
      status: 'SUBMITTED',
      ...(submission.accessDuration ? { accessDuration: submission.accessDuration } : {}),
      requestedBy: submission.requestedBy,
      requestedFor: { type: 'OKTA_USER', externalId: submission.requestedFor.id },
      requested: {
        entryId: entry.id,
        resourceId: entry.resource.id,
        resourceType: entry.resource.type,
        accessScopeId: entry.accessScope.id,
        accessScopeType: entry.accessScope.type,
      },
      requesterFieldValues: submission.requesterFieldValues,
    };
    this.requestList.push(request);
    this.nextDue = Math.min(this.nextDue, Date.parse(at) + this.requestTtlMs);
    this.progress.set(request.id, {
      entry,
      condition: submission.condition,
      stepIndex: -1,
      assignees: [],
      decisions: [],
      grantIds: [],
    });
    this.publish('access.request.create', request, actorOf(actor), 'Access request created');
    this.scheduleTick();
    return clone(request);
  }

  /**
   * `POST /governance/api/v2/tasks/{id}/resolve`. Okta's admin API lets an admin resolve any task,
   * assignee or not; the decision is recorded as the caller's.
   */
  resolveTask(taskId: string, value: Decision, actor: Actor): TaskRecord {
    this.settle();
    const task = this.openTask(taskId);
    const request = this.requestOf(task);
    const at = iso(this.now());
    task.status = 'COMPLETED';
    task.value = value;
    task.completedBy = { externalId: actor.externalId, type: actor.type };
    task.updatedAt = at;
    // A delegate deciding the task of the approver they stand in for: the decision says so.
    const original =
      task.isDelegated &&
      task.originalAssigneeId &&
      task.assignees.some((assignee) => assignee.externalId === actor.externalId)
        ? this.directory.user(task.originalAssigneeId)
        : undefined;
    this.decideStep(request, value, actor, at, original);
    return clone(task);
  }

  /** The open step decided: the request closes, or its next step opens. */
  private decideStep(request: RequestRecord, value: Decision, actor: Actor, at: string, onBehalfOf?: UserRecord): void {
    const progress = this.progressOf(request);
    progress.decisions.push({
      deciderId: actor.externalId,
      deciderName: actor.displayName,
      decision: value === 'APPROVED' ? 'APPROVE' : 'DENY',
      decided: at,
      // [request-approval-decision]: set only when a delegate decided (as the document's example shows).
      ...(onBehalfOf
        ? {
            deciderDelegated: true,
            originalDeciderId: onBehalfOf.id,
            originalDeciderFullName: displayNameOf(onBehalfOf),
            originalDeciderEmail: onBehalfOf.profile.email,
          }
        : {}),
    });
    const steps = progress.condition.approvalSequence;
    const closes = value === 'DENIED' || progress.stepIndex + 1 >= steps.length;
    // Whether a step decided mid-sequence moves the request itself is not published (a request type
    // has no task that could show it instead).
    if (closes || this.taskChangesTouchRequest || !hasTasks(request)) this.touch(request, actor);

    if (value === 'DENIED') {
      request.status = 'DENIED';
      request.resolved = at;
      request.requestApproval = this.approval('DENIED', progress, at);
      this.publish('access.request.resolve', request, actorOf(actor), 'Access request denied');
    } else if (!closes) {
      this.openStep(request, progress, progress.stepIndex + 1);
    } else {
      request.status = 'APPROVED';
      request.resolved = at;
      request.grantStatus = 'PENDING';
      request.requestApproval = this.approval('APPROVED', progress, at);
      this.publish('access.request.resolve', request, actorOf(actor), 'Access request approved');
      this.scheduleTick();
    }
  }

  /** `PATCH /governance/api/v2/tasks/{id}`: replaces the assignees of an open task. */
  reassignTask(taskId: string, assigneeIds: string[], actor: Actor): TaskRecord {
    this.settle();
    const task = this.openTask(taskId);
    task.assignees = assigneeIds.map((externalId) => ({ externalId, type: 'OKTA_USER' }));
    task.updatedAt = iso(this.now());
    const request = this.requestOf(task);
    this.progressOf(request).assignees = [...assigneeIds];
    if (this.taskChangesTouchRequest) this.touch(request, actor);
    this.publish('access.request.update', request, actorOf(actor), 'Access request task reassigned');
    return clone(task);
  }

  /** `POST /governance/api/v2/requests/{id}/messages`: a comment authored by the caller. */
  postMessage(requestId: string, message: string, actor: Actor): MessageRecord {
    this.settle();
    const request = this.requestList.find((candidate) => candidate.id === requestId);
    if (!request) throw notFound();
    // Counted as JSON Schema counts maxLength: code points, so an emoji is one character.
    const length = [...message].length;
    if (length < 1 || length > MAX_MESSAGE_LENGTH) {
      throw validationFailed([
        {
          errorSummary: `message must be between 1 and ${MAX_MESSAGE_LENGTH} characters (was ${length})`,
          reason: 'INVALID_VALUE',
          location: '/message',
          locationType: 'body',
        },
      ]);
    }
    const record: MessageRecord = {
      requestId,
      message,
      author: { type: actor.type, externalId: actor.externalId },
      created: iso(this.now()),
    };
    this.messageList.push(record);
    return clone(record);
  }

  // ── Test controls ────────────────────────────────────────────────────────────────────────────

  /** Runs pending system actions and clock-driven changes now. Reads do this by themselves. */
  settle(): void {
    if (!this.systemHeld) this.runSystemActions();
    this.applyClock();
  }

  /** While held, SUBMITTED requests stay SUBMITTED and approved ones stay grantStatus PENDING. */
  holdSystemActions(hold: boolean): void {
    if (this.systemHeld && !hold) this.systemReleasedAt = this.now();
    this.systemHeld = hold;
    if (!hold) this.scheduleTick();
  }

  /** Adds people (a former employee, DEPROVISIONED, whose address someone now has, say). */
  addUsers(users: readonly UserRecord[]): void {
    this.userList.push(...clone(users));
  }

  /** Adds catalog entries (a benchmark's large catalog, say). */
  addEntries(entries: readonly CatalogEntryRecord[]): void {
    this.entryList.push(...entries);
    this.children = undefined;
  }

  private children: Map<string, CatalogEntryRecord[]> | undefined;

  private childIndex(): Map<string, CatalogEntryRecord[]> {
    if (!this.children) {
      this.children = new Map();
      for (const entry of this.entryList) {
        if (!entry.parent) continue;
        const siblings = this.children.get(entry.parent);
        if (siblings) siblings.push(entry);
        else this.children.set(entry.parent, [entry]);
      }
    }
    return this.children;
  }

  /** Makes provisioning of an entry end this way from now on (e.g. FAILED). */
  setGrantOutcome(entryId: string, outcome: GrantOutcome): void {
    if (!this.entryList.some((entry) => entry.id === entryId)) throw new Error(`no catalog entry ${entryId}`);
    this.grantOutcomes.set(entryId, outcome);
  }

  /** Expires a SUBMITTED or PENDING request now, as if its time ran out. */
  expireRequest(id: string): RequestRecord {
    const request = this.openRequest(id, 'expire');
    this.expire(request, this.now());
    return clone(request);
  }

  /** The requester cancels in the Okta dashboard. */
  cancelRequest(id: string, byUserId?: string): RequestRecord {
    const request = this.openRequest(id, 'cancel');
    return this.cancel(request, this.actorFor(byUserId ?? request.requestedFor.externalId));
  }

  /**
   * `PATCH /governance/api/v2/requests/{id}` with `status: CANCELED` (Beta, updaterequestv2):
   * "You can't cancel a request if any of its tasks have been resolved."
   */
  cancelRequestAs(id: string, actor: Actor): RequestRecord {
    this.settle();
    const request = this.requestList.find((candidate) => candidate.id === id);
    if (!request) throw notFound();
    const resolved = this.taskList.some((task) => task.requestId === id && task.status === 'COMPLETED');
    if (resolved || !['SUBMITTED', 'PENDING'].includes(request.status)) {
      // The document gives no error for this; a validation failure on `status` is our reading.
      throw validationFailed([
        {
          errorSummary: resolved
            ? `Request ${id} cannot be canceled: one of its tasks has been resolved`
            : `Request ${id} cannot be canceled: it is ${request.status}`,
          reason: 'INVALID_VALUE',
          location: '/status',
          locationType: 'body',
        },
      ]);
    }
    return this.cancel(request, actor);
  }

  private cancel(request: RequestRecord, by: Actor): RequestRecord {
    const at = this.now();
    request.status = 'CANCELED';
    request.resolved = iso(at);
    this.touch(request, by);
    this.closeTasks(request, at);
    this.publish('access.request.cancel', request, actorOf(by), 'Access request canceled');
    return clone(request);
  }

  /**
   * An approver decides in Okta's own apps (not through this API): the open task resolved as that
   * user, or, for a request type, which has none, its open step decided in the Access Requests app.
   */
  decideInOkta(requestId: string, userId: string, value: Decision): RequestRecord {
    this.settle();
    const request = this.openRequest(requestId, 'decide');
    const task = this.taskList.find((candidate) => candidate.requestId === requestId && candidate.status === 'OPEN');
    if (task) {
      this.resolveTaskAs(task.id, userId, value);
      return clone(request);
    }
    if (!this.progressOf(request).assignees.includes(userId)) {
      throw new Error(`user ${userId} may not decide the open step of request ${requestId}`);
    }
    this.decideStep(request, value, this.actorFor(userId), iso(this.now()));
    return clone(request);
  }

  /** Who may decide the open step of a request now (none once it is closed or not yet routed). */
  openStepAssignees(requestId: string): string[] {
    this.settle();
    const request = this.requestList.find((candidate) => candidate.id === requestId);
    if (request?.status !== 'PENDING') return [];
    return [...this.progressOf(request).assignees];
  }

  /** An assignee decides in the Okta portal (not through this API): completedBy is that user. */
  resolveTaskAs(taskId: string, userId: string, value: Decision): TaskRecord {
    this.settle();
    const task = this.taskList.find((candidate) => candidate.id === taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    if (!task.assignees.some((assignee) => assignee.externalId === userId)) {
      throw new Error(`user ${userId} is not an assignee of task ${taskId}`);
    }
    return this.resolveTask(taskId, value, this.actorFor(userId));
  }

  /** Registers an OAuth service app that authenticates with private_key_jwt. */
  registerServiceApp(registration: ServiceAppRegistration): ServiceApp {
    return this.credentials.registerServiceApp(registration);
  }

  /** An SSWS token acting as this user (admins other than the service account). */
  createApiToken(userId: string): string {
    if (!this.directory.user(userId)) throw new Error(`no user ${userId}`);
    const token = `ssws-${randomUUID()}`;
    this.credentials.addApiToken(token, userId);
    return token;
  }

  /** Called for every System Log event as it is published; returns the way to stop listening. */
  onEvent(listener: (event: OktaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  actorFor(userId: string): Actor {
    const user = this.directory.user(userId);
    if (!user) throw new Error(`no user ${userId}`);
    return { externalId: user.id, type: 'OKTA_USER', displayName: displayNameOf(user) };
  }

  // ── The lifecycle ────────────────────────────────────────────────────────────────────────────

  private scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    setImmediate(() => {
      this.tickScheduled = false;
      this.settle();
    });
  }

  private runSystemActions(): void {
    for (const request of this.requestList) {
      if (request.status === 'SUBMITTED') this.route(request);
    }
    for (const request of this.requestList) {
      if (request.status === 'APPROVED' && request.grantStatus === 'PENDING') this.provision(request);
    }
  }

  /**
   * When a system action happened: right after the write that caused it, however late it is applied,
   * so moving a test's clock between a write and the next read does not shift it.
   */
  private systemTime(causedAt: string): number {
    return Math.max(Date.parse(causedAt), this.systemReleasedAt);
  }

  /** SUBMITTED → PENDING with the first step's task, or APPROVED when the sequence has no steps. */
  private route(request: RequestRecord): void {
    const progress = this.progressOf(request);
    const atMs = this.systemTime(request.created);
    const at = iso(atMs);
    if (progress.condition.approvalSequence.length === 0) {
      request.status = 'APPROVED';
      request.resolved = at;
      request.grantStatus = 'PENDING';
      request.lastUpdated = at;
      this.publish('access.request.resolve', request, SYSTEM_ACTOR, 'Access request approved', atMs);
      return;
    }
    request.status = 'PENDING';
    request.lastUpdated = at;
    this.openStep(request, progress, 0, atMs);
    if (request.status === 'PENDING') {
      this.publish('access.request.update', request, SYSTEM_ACTOR, 'Access request pending approval', atMs);
    }
  }

  /** Opens one step's task; a step nobody can approve rejects the request, as a system refusal. */
  private openStep(request: RequestRecord, progress: Progress, stepIndex: number, atMs = this.now()): void {
    const steps = progress.condition.approvalSequence;
    const step = steps[stepIndex] as ApprovalStep;
    const assignees = this.approversFor(step, request);
    const at = iso(atMs);
    progress.stepIndex = stepIndex;
    progress.assignees = assignees;
    if (assignees.length === 0) {
      request.status = 'REJECTED';
      request.resolved = at;
      request.lastUpdated = at;
      // Okta would apply the sequence's fallback settings; rejecting gives clients a REJECTED to handle.
      const why = step.approvers === 'MANAGER' ? 'the requester has no manager' : 'no active approver';
      this.publish('access.request.reject', request, SYSTEM_ACTOR, `Access request rejected: ${why}`, atMs);
      return;
    }
    // Okta's Tasks API covers requests made through access request conditions only: a request type's
    // steps are decided in the Access Requests app (decideInOkta).
    if (!hasTasks(request)) {
      if (stepIndex > 0)
        this.publish('access.request.update', request, SYSTEM_ACTOR, 'Access request moved to the next step');
      return;
    }
    // An approver away hands the step to their delegate (one approver: the task says whose it was).
    const delegated = assignees.map((id) => {
      const delegate = this.delegates.delegateOf(id, atMs);
      return delegate &&
        delegate !== request.requestedFor.externalId &&
        this.directory.user(delegate)?.status === 'ACTIVE'
        ? delegate
        : id;
    });
    const handedOn = assignees.length === 1 && delegated[0] !== assignees[0];
    this.taskList.push({
      id: hexId(),
      requestId: request.id,
      status: 'OPEN',
      type: 'APPROVAL',
      label: `Approve access to ${progress.entry.name} (step ${stepIndex + 1} of ${steps.length})`,
      assignees: [...new Set(delegated)].map((externalId) => ({ externalId, type: 'OKTA_USER' })),
      ...(handedOn ? { isDelegated: true, originalAssigneeId: assignees[0] } : {}),
      createdAt: at,
      updatedAt: at,
    });
    if (delegated.some((id, index) => id !== assignees[index])) progress.assignees = [...new Set(delegated)];
    if (stepIndex > 0)
      this.publish('access.request.update', request, SYSTEM_ACTOR, 'Access request moved to the next step');
  }

  private approversFor(step: ApprovalStep, request: RequestRecord): string[] {
    const active = (id: string | undefined) => (id && this.directory.user(id)?.status === 'ACTIVE' ? [id] : []);
    switch (step.approvers) {
      case 'MANAGER':
        return active(this.directory.user(request.requestedFor.externalId)?.profile.managerId);
      case 'USERS':
        return step.userIds.flatMap(active);
      case 'GROUP':
        return (this.groupList.find((group) => group.id === step.groupId)?.memberIds ?? []).flatMap(active);
    }
  }

  /** grantStatus PENDING → GRANTED (with grants and, for timed access, a scheduled revocation), FAILED or MANUAL_REQUIRED. */
  private provision(request: RequestRecord): void {
    const progress = this.progressOf(request);
    const outcome = this.grantOutcomes.get(progress.entry.id) ?? progress.entry.grantOutcome;
    const now = this.systemTime(request.resolved ?? request.lastUpdated);
    const at = iso(now);
    request.grantStatus = outcome;
    request.lastUpdated = at;
    if (outcome !== 'GRANTED') {
      this.publish('access.request.update', request, SYSTEM_ACTOR, `Access request grant ${outcome}`, now);
      return;
    }
    request.granted = at;
    const durationMs = request.accessDuration ? accessDurationMs(request.accessDuration) : undefined;
    const expiresAt = durationMs === undefined ? undefined : iso(now + durationMs);
    if (expiresAt) {
      request.revocationScheduled = expiresAt;
      this.nextDue = Math.min(this.nextDue, Date.parse(expiresAt));
      request.revocationStatus = 'PENDING';
    }
    for (const template of progress.entry.grants) {
      const grant: GrantRecord = {
        id: oktaId('0gg'),
        grantType: template.grantType,
        ...(template.entitlementBundleId ? { entitlementBundleId: template.entitlementBundleId } : {}),
        action: 'ALLOW',
        actor: 'ACCESS_REQUEST',
        status: 'ACTIVE',
        created: at,
        createdBy: request.createdBy,
        lastUpdated: at,
        lastUpdatedBy: request.createdBy,
        target: { ...template.target },
        targetPrincipal: { externalId: request.requestedFor.externalId, type: 'OKTA_USER' },
        ...(expiresAt ? { scheduleSettings: { expirationDate: expiresAt } } : {}),
      };
      this.grantList.push(grant);
      progress.grantIds.push(grant.id);
    }
    this.publish('access.request.update', request, SYSTEM_ACTOR, 'Access request granted', now);
  }

  private applyClock(): void {
    const now = this.now();
    if (now < this.nextDue) return;
    let next = Number.POSITIVE_INFINITY;
    for (const request of this.requestList) {
      if (request.status === 'PENDING' || request.status === 'SUBMITTED') {
        const deadline = Date.parse(request.created) + this.requestTtlMs;
        if (now >= deadline) this.expire(request, deadline);
        else next = Math.min(next, deadline);
      }
      if (request.revocationStatus === 'PENDING' && request.revocationScheduled) {
        const due = Date.parse(request.revocationScheduled);
        if (now >= due) this.revoke(request, due);
        else next = Math.min(next, due);
      }
    }
    this.nextDue = next;
  }

  private expire(request: RequestRecord, atMs: number): void {
    request.status = 'EXPIRED';
    request.resolved = iso(atMs);
    request.lastUpdated = iso(atMs);
    this.closeTasks(request, atMs);
    this.publish('access.request.expire', request, SYSTEM_ACTOR, 'Access request expired', atMs);
  }

  private revoke(request: RequestRecord, atMs: number): void {
    const at = iso(atMs);
    request.revocationStatus = 'REVOKED';
    request.revoked = at;
    request.lastUpdated = at;
    const grantIds = new Set(this.progressOf(request).grantIds);
    for (const grant of this.grantList) {
      if (grantIds.has(grant.id) && grant.status === 'ACTIVE') {
        grant.status = 'EXPIRED';
        grant.lastUpdated = at;
      }
    }
    this.publish('access.request.update', request, SYSTEM_ACTOR, 'Access request access revoked', atMs);
  }

  /** Okta has no "closed" task status: a task nobody will act on any more is COMPLETED without a value. */
  private closeTasks(request: RequestRecord, atMs: number): void {
    for (const task of this.taskList) {
      if (task.requestId === request.id && task.status === 'OPEN') {
        task.status = 'COMPLETED';
        task.updatedAt = iso(atMs);
      }
    }
  }

  /** A task that can still be decided: 404 when unknown, 400 once completed. */
  private openTask(taskId: string): TaskRecord {
    const task = this.taskList.find((candidate) => candidate.id === taskId);
    if (!task) throw notFound();
    if (task.status !== 'OPEN') {
      throw validationFailed([
        {
          errorSummary: 'Task is already completed',
          reason: 'INVALID_VALUE',
          location: '/path/taskId',
          locationType: 'path',
        },
      ]);
    }
    return task;
  }

  private openRequest(id: string, verb: string): RequestRecord {
    this.settle();
    const request = this.requestList.find((candidate) => candidate.id === id);
    if (!request) throw new Error(`no request ${id}`);
    if (request.status !== 'PENDING' && request.status !== 'SUBMITTED') {
      throw new Error(`cannot ${verb} request ${id}: it is ${request.status}`);
    }
    return request;
  }

  private approval(status: Decision, progress: Progress, decided: string): RequestRecord['requestApproval'] {
    return {
      type: 'OKTA',
      providerName: 'Okta Access Requests',
      status,
      decided,
      decisions: clone(progress.decisions),
    };
  }

  private touch(request: RequestRecord, actor: Actor): void {
    request.lastUpdated = iso(this.now());
    request.lastUpdatedBy = actor.externalId;
  }

  private requestOf(task: TaskRecord): RequestRecord {
    const request = this.requestList.find((candidate) => candidate.id === task.requestId);
    if (!request) throw new Error(`task ${task.id} lost its request`);
    return request;
  }

  private progressOf(request: RequestRecord): Progress {
    const progress = this.progress.get(request.id);
    if (!progress) throw new Error(`request ${request.id} lost its progress`);
    return progress;
  }

  private publish(
    eventType: AccessRequestEventType,
    request: RequestRecord,
    actor: OktaEvent['actor'],
    displayMessage: string,
    atMs = this.now(),
  ): void {
    // Okta release 2026.05.0 added `access.request.update`; an org before it has no such event.
    if (eventType === 'access.request.update' && !this.updateEvents) return;
    const entry = this.progress.get(request.id)?.entry;
    const event: OktaEvent = {
      uuid: randomUUID(),
      eventType,
      published: iso(atMs),
      displayMessage,
      actor,
      target: [{ id: request.id, type: this.hookTargetType, displayName: entry?.name ?? request.id }],
      outcome: { result: 'SUCCESS' },
    };
    this.eventList.push(event);
    for (const listener of this.listeners) {
      try {
        listener(clone(event));
      } catch {
        // A listener's failure is its own business; the org carries on.
      }
    }
  }
}

/** Which role each governance scope's operations need besides SUPER_ADMIN (x-okta-iam-admin-roles). */
const ROLE_FOR_SCOPE: readonly [string, OktaAdminRole][] = [
  ['okta.accessRequests.', 'ACCESS_REQUESTS_ADMIN'],
  // Delegates and principal settings: SUPER_ADMIN only (x-okta-iam-admin-roles).
  ['okta.governance.delegates.', 'SUPER_ADMIN'],
  ['okta.governance.principalSettings.', 'SUPER_ADMIN'],
  ['okta.governance.', 'APP_ADMIN'],
];

/** Whether a request's steps are Tasks API tasks: not for a legacy request type's. */
function hasTasks(request: RequestRecord): boolean {
  return request.requested.resourceType !== 'REQUEST_TYPE';
}

function actorOf(actor: Actor): OktaEvent['actor'] {
  return {
    id: actor.externalId,
    type: actor.type === 'OKTA_USER' ? 'User' : 'PublicClientApp',
    displayName: actor.displayName,
  };
}

export function displayNameOf(user: UserRecord): string {
  return user.profile.displayName ?? `${user.profile.firstName} ${user.profile.lastName}`;
}

export function createOktaOrg(options: OktaOrgOptions = {}): OktaOrg {
  return new OktaOrg(options);
}
