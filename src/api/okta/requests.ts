import { GovernanceNotFound } from '../../domain/errors.js';
import type { AccessRequest, Page, Principal, RequestStatus } from '../../domain/types.js';
import { isOpen } from '../../domain/types.js';
import type { ChangeQuery, RequestChange, RequestQuery } from '../governance.js';
import { quote } from '../lookup.js';
import type { OktaCatalog } from './catalog.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import { peopleIn, toAccessRequest } from './mapping.js';
import type { OktaOrns } from './orns.js';
import { REQUEST_ID, V2 } from './paths.js';
import type { OktaPrincipals } from './principals.js';
import type { OktaTasks } from './tasks.js';
import { accessRequestList, type OktaAccessRequest, type OktaTask } from './wire.js';

const STATUS_NAMES: Record<RequestStatus, string> = {
  submitted: 'SUBMITTED',
  pending: 'PENDING',
  approved: 'APPROVED',
  rejected: 'REJECTED',
  denied: 'DENIED',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
};

/** A listing's cursor that is the Tasks API's (task changes), not the request list's. */
const TASKS_CURSOR = 'tasks:';
/**
 * How long a request read whole stays at hand for the write that follows it in the same action
 * (a flow reads a request to check who may act, then writes): long enough for a slow write, short
 * enough that nothing but that write's own answer is ever composed with it.
 */
const RECENT_MS = 10_000;
const LEGACY_CAPACITY = 5_000;

/**
 * Reading requests (v2) as the domain sees them: each with its approval steps from the Tasks API,
 * the names of the people it mentions and its entry's name. A request of a legacy request type
 * (REQUEST_TYPE) has no tasks: the Tasks API covers requests made through access request conditions
 * only, so none is asked for; it and any request of an org that does not show Gatehouse its tasks
 * read as approved in Okta.
 */
export class OktaRequests {
  /** Each request as last read whole, with its tasks, for the write that follows (RECENT_MS). */
  private readonly recent = new Map<string, { request: OktaAccessRequest; tasks: OktaTask[] | null; at: number }>();
  private readonly legacy = new Set<string>();

  constructor(
    private readonly http: OktaHttp,
    private readonly deps: {
      principals: OktaPrincipals;
      catalog: OktaCatalog;
      tasks: OktaTasks;
      reads: OktaFullReads;
      portalUrl: string;
      /** Learns what each entry grants from its requests, for the calls that name resources (OktaOrns). */
      orns?: OktaOrns;
    },
  ) {}

  async get(id: string): Promise<AccessRequest | null> {
    // The request and its tasks are read at once (the task filter needs only the id): one round
    // trip, not two, before a person sees anything. A request known to be of a legacy request type
    // has no tasks to ask for; the first read of one costs a tasks call it then ignores.
    const tasksAtOnce = REQUEST_ID.test(id) && !this.legacy.has(id) ? this.deps.tasks.ofRequest(id) : undefined;
    // Settled now, so a request read that fails first leaves no unhandled rejection behind.
    tasksAtOnce?.catch(() => undefined);
    const request = await this.deps.reads.request(id);
    if (!request) return null;
    if (request.requested.resourceType === 'REQUEST_TYPE') this.rememberLegacy(id);
    const tasks =
      request.requested.resourceType === 'REQUEST_TYPE' || !tasksAtOnce
        ? await this.tasksOf(request)
        : await tasksAtOnce;
    this.keep(request, tasks);
    return this.toDomain(request, tasks);
  }

  /**
   * The request as read whole a moment ago, taken once: what a write composes its own answer
   * with, rather than reading again what the write cannot have changed. Undefined when there is
   * no such read (a write not preceded by one), so the caller reads.
   */
  takeRecent(id: string): { request: OktaAccessRequest; tasks: OktaTask[] | null } | undefined {
    const kept = this.recent.get(id);
    this.recent.delete(id);
    return kept && this.http.now() - kept.at <= RECENT_MS ? kept : undefined;
  }

  /** The open task named `taskId` in the request's recent read, if that read shows it open. */
  recentOpenTask(id: string, taskId: string | undefined): OktaTask | undefined {
    const kept = this.recent.get(id);
    if (!kept || !taskId || this.http.now() - kept.at > RECENT_MS) return undefined;
    return kept.tasks?.find((task) => task.id === taskId && task.status === 'OPEN' && task.requestId === id);
  }

  /** Requests of a legacy request type seen so far (no tasks to read), the oldest forgotten first. */
  private rememberLegacy(id: string): void {
    this.legacy.delete(id);
    this.legacy.add(id);
    if (this.legacy.size > LEGACY_CAPACITY) {
      const oldest = this.legacy.values().next();
      if (!oldest.done) this.legacy.delete(oldest.value);
    }
  }

  private keep(request: OktaAccessRequest, tasks: OktaTask[] | null): void {
    const now = this.http.now();
    // Deleted first, so the map stays in the order of reading and the oldest come first.
    this.recent.delete(request.id);
    this.recent.set(request.id, { request, tasks, at: now });
    // Only the last few seconds' reads matter: older ones go as new ones come.
    for (const [id, kept] of this.recent) {
      if (now - kept.at <= RECENT_MS) break;
      this.recent.delete(id);
    }
  }

  /** Its steps, or null when Okta handles its approvals out of Gatehouse's sight. */
  private tasksOf(request: OktaAccessRequest): Promise<OktaTask[] | null> {
    if (request.requested.resourceType === 'REQUEST_TYPE') return Promise.resolve(null);
    return this.deps.tasks.ofRequest(request.id);
  }

  /**
   * The request after a write, which must still be there. Read afresh: a read of it already in
   * flight (a sync's, a poll's) began before the write and would answer what came before it.
   */
  async mustGet(id: string, operation: 'decide' | 'comment' | 'cancel'): Promise<AccessRequest> {
    this.deps.reads.forgetInFlight(id);
    const request = await this.get(id);
    if (!request) throw new GovernanceNotFound(operation, `Request ${id}`);
    return request;
  }

  async list(query: RequestQuery): Promise<Page<AccessRequest>> {
    const statuses = query.status && query.status.length > 0 ? query.status : [undefined];
    const pages = await Promise.all(
      statuses.map((status) => {
        const clauses = [
          query.requestedFor && `requestedFor eq "${quote(query.requestedFor)}"`,
          status && `status eq "${STATUS_NAMES[status]}"`,
          query.updatedSince && `lastUpdated gt "${quote(query.updatedSince)}"`,
        ].filter(Boolean);
        return this.http.get('listRequests', `${V2}/requests`, accessRequestList, {
          filter: clauses.length > 0 ? clauses.join(' AND ') : undefined,
          limit: Math.min(Math.max(query.limit ?? 50, 1), 200),
          after: statuses.length === 1 ? query.cursor : undefined,
          orderBy: query.updatedSince ? 'lastUpdated asc' : 'created desc',
        });
      }),
    );
    const listed = pages.flatMap((page) => page.body.data);
    // List items are sparse: the reason and duration each one shows come from its own read
    // (shared, and kept). Steps matter only while a request is open; closed ones are listed
    // without reading their tasks.
    const items = await Promise.all(
      listed.map(async (item) => {
        const [request, tasks] = await Promise.all([
          // Who decided is read from the request only where its tasks cannot tell.
          this.deps.reads.complete(item, { decisions: this.closedTasks(item) === null }),
          item.status === 'PENDING' ? this.tasksOf(item) : this.closedTasks(item),
        ]);
        return this.toDomain(request, tasks);
      }),
    );
    return { items, cursor: statuses.length === 1 ? pages[0]?.nextCursor : undefined };
  }

  /** A closed request listed: its steps are not read, but whether chat could ever see them is said. */
  private closedTasks(item: OktaAccessRequest): OktaTask[] | null {
    return item.requested.resourceType === 'REQUEST_TYPE' || !this.deps.tasks.available ? null : [];
  }

  /**
   * What changed after `updatedSince`: requests whose `lastUpdated` moved, page by page, then, after
   * the last page of those, the requests whose tasks changed (Okta does not say that a step decided
   * mid-sequence moves its request's `lastUpdated`, and before release 2026.05 no event says it
   * happened). One more call per poll when nothing changed. Task changes come last so that a poll
   * stopped half-way has not moved its cursor past request changes it has not read yet.
   */
  async changes(query: ChangeQuery): Promise<Page<RequestChange>> {
    if (query.cursor?.startsWith(TASKS_CURSOR)) {
      return this.taskChanges(query.updatedSince, [], query.cursor.slice(TASKS_CURSOR.length));
    }
    const { body, nextCursor } = await this.http.get('listChanges', `${V2}/requests`, accessRequestList, {
      filter: `lastUpdated gt "${quote(query.updatedSince)}"`,
      limit: Math.min(Math.max(query.limit ?? 100, 1), 200),
      after: query.cursor,
      orderBy: 'lastUpdated asc',
    });
    const items = body.data.map((request) => ({ id: request.id, updated: request.lastUpdated }));
    if (nextCursor) return { items, cursor: nextCursor };
    return this.taskChanges(query.updatedSince, items);
  }

  /** `seen` followed by the requests whose tasks changed, less those `seen` already names as recent. */
  private async taskChanges(since: string, seen: RequestChange[], after?: string): Promise<Page<RequestChange>> {
    const changed = await this.deps.tasks.changedSince(since, after);
    if (!changed) return { items: seen };
    // One change per request: its latest task change, unless the request's own change is as recent.
    const latest = new Map<string, RequestChange>();
    for (const item of changed.items) {
      const known = latest.get(item.id);
      if (!known || Date.parse(item.updated) > Date.parse(known.updated)) latest.set(item.id, item);
    }
    const listed = new Map(seen.map((item) => [item.id, Date.parse(item.updated)]));
    const added = [...latest.values()].filter((item) => !((listed.get(item.id) ?? -1) >= Date.parse(item.updated)));
    return { items: [...seen, ...added], cursor: changed.cursor && `${TASKS_CURSOR}${changed.cursor}` };
  }

  async pendingFor(approver: Principal): Promise<AccessRequest[]> {
    const open = await this.deps.tasks.openFor(approver.id);
    const requestIds = [...new Set(open.map((task) => task.requestId))];
    const requests = await Promise.all(requestIds.map((id) => this.get(id)));
    return requests.filter((request): request is AccessRequest => request !== null && isOpen(request));
  }

  async toDomain(request: OktaAccessRequest, tasks: OktaTask[] | null): Promise<AccessRequest> {
    this.deps.orns?.learn(request);
    const people = await this.deps.principals.refs(peopleIn(request, tasks));
    return toAccessRequest(request, {
      entryName: await this.deps.catalog.entryName(request.requested.entryId),
      people,
      tasks,
      portalUrl: this.deps.portalUrl,
    });
  }
}
