import { BudgetYield } from '../budget.js';
import { orNull } from '../lookup.js';
import { currentPriority, PRIORITIES, type Priority } from '../priority.js';
import type { OktaHttp } from './http.js';
import { requestPath, taskPath } from './paths.js';
import { accessRequest, type OktaAccessRequest, type OktaTask, task } from './wire.js';

/** [rcar-request-id]: `req` and letters or digits, 20 characters in all. */
const REQUEST_ID = /^req[0-9a-zA-Z]{17}$/;

/** Enough for every request and step a busy org shows in chat at once; the oldest go first. */
const CAPACITY = 5_000;

/**
 * Okta's lists are sparse: a request listed carries no requester field values (the reason), no
 * access duration, no scheduled revocation and no approval decisions, and a task listed carries no
 * `completedBy` (who decided). Those come only from reading the one request or task. Such reads are
 * kept here and shared by every caller, so each costs its call once:
 *
 * - a request read is kept against its `lastUpdated`: a listed item with the same stamp needs no
 *   new read. Once the stamp moves, only what never changes once asked (the reason and the
 *   duration) is reused; what may have changed with it (the decisions, the scheduled revocation) is
 *   read again when the list shows it can be there, and is otherwise left out rather than reused;
 * - a completed task never changes again, so it is kept for good.
 *
 * Concurrent reads of one thing share one call.
 */
export class OktaFullReads {
  private readonly requests = new Bounded<string, OktaAccessRequest>();
  private readonly tasks = new Bounded<string, OktaTask>();
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly http: OktaHttp) {}

  /** The request read whole, or null if Okta no longer has it. Every read passes through here. */
  async request(id: string): Promise<OktaAccessRequest | null> {
    // What a person typed is not sent as a path unless it is shaped like a request id
    // [rcar-request-id]: anything else cannot be one, so it is not found, for no call.
    if (!REQUEST_ID.test(id)) return null;
    const read = await this.shared(`request:${id}`, () =>
      orNull(async () => (await this.http.get('getRequest', requestPath(id), accessRequest)).body),
    );
    if (read) this.requests.set(id, read);
    return read;
  }

  /**
   * A listed request with what only its own read carries. A new read only when the list shows it
   * changed and something that may change with it can be there now: the decisions once it is
   * decided, the scheduled revocation while granted access awaits it.
   */
  async complete(listed: OktaAccessRequest, shows: { decisions: boolean }): Promise<OktaAccessRequest> {
    const known = this.requests.get(listed.id);
    if (known?.lastUpdated === listed.lastUpdated) return { ...listed, ...fullOnly(known) };
    if (known && !mayCarryChanges(listed, shows.decisions)) return { ...listed, ...askedOnly(known) };
    const read = await this.request(listed.id);
    return read ? { ...listed, ...fullOnly(read) } : listed;
  }

  /** A listed task with who completed it, read once per completed task. */
  async completeTask(listed: OktaTask): Promise<OktaTask> {
    if (listed.status !== 'COMPLETED' || listed.completedBy) return listed;
    const known = this.tasks.get(listed.id);
    if (known) return known;
    const read = await this.shared(
      `task:${listed.id}`,
      async () => (await this.http.get('getRequest', taskPath(listed.id), task)).body,
    );
    if (read.status === 'COMPLETED') this.tasks.set(read.id, read);
    return read;
  }

  /** A task Okta answered whole (a resolve's answer): kept as a read of it would be. */
  rememberTask(answered: OktaTask): void {
    if (answered.status === 'COMPLETED' && answered.completedBy) this.tasks.set(answered.id, answered);
  }

  /**
   * The open tasks of a request Okta has just cancelled: Okta closes them undecided (it refuses to
   * cancel once any task is resolved), so nobody completed them and there is nothing to read later.
   */
  rememberClosedUndecided(open: OktaTask[], at: string): void {
    for (const one of open) {
      if (one.status === 'OPEN') this.tasks.set(one.id, { ...one, status: 'COMPLETED', value: null, updatedAt: at });
    }
  }

  /** A request Okta answered whole (a create's or a cancel's answer): kept as a read of it would be. */
  rememberRequest(answered: OktaAccessRequest): void {
    this.requests.set(answered.id, answered);
  }

  /** Reads of this request (and its tasks) started from now on do not join one already under way. */
  forgetInFlight(requestId: string): void {
    this.inFlight.delete(`request:${requestId}`);
    this.inFlight.delete(`tasks-of:${requestId}`);
  }

  /**
   * Concurrent reads of one thing (two platforms' syncs of one change) share one call. The call
   * spends the budget at the priority of whoever started it: if that work gave way (BudgetYield),
   * nothing was sent, and a joiner of a higher priority reads again at its own rather than be told
   * "busy" for someone else's turn.
   */
  shared<T>(key: string, read: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key) as Promise<T> | undefined;
    if (!running) return this.lead(key, read);
    return running.catch((error: unknown) => {
      // Through shared() again: several such joiners share one read at their turn, not one each.
      if (error instanceof BudgetYield && outranks(currentPriority(), error.priority)) return this.shared(key, read);
      throw error;
    });
  }

  private lead<T>(key: string, read: () => Promise<T>): Promise<T> {
    const call = read().finally(() => {
      // A read started since (after a write, or at a higher priority) is not forgotten with this one.
      if (this.inFlight.get(key) === call) this.inFlight.delete(key);
    });
    this.inFlight.set(key, call);
    return call;
  }
}

/** Whether `a` comes before `b` in the budget (a person before the syncs, the syncs before background work). */
function outranks(a: Priority, b: Priority): boolean {
  return PRIORITIES.indexOf(a) < PRIORITIES.indexOf(b);
}

/** What a request read carries that its list item does not. */
function fullOnly(request: OktaAccessRequest): Partial<OktaAccessRequest> {
  return {
    ...askedOnly(request),
    revocationScheduled: request.revocationScheduled,
    requestApproval: request.requestApproval,
  };
}

/** What the requester asked (the reason, the duration): fixed when the request is made. */
function askedOnly(request: OktaAccessRequest): Partial<OktaAccessRequest> {
  return {
    requesterFieldValues: request.requesterFieldValues,
    accessDuration: request.accessDuration,
    revocationScheduled: undefined,
    requestApproval: undefined,
  };
}

/**
 * Whether a request as listed may carry, on its own read, what changes after it is made and is
 * shown: who decided it ([request-approval-2], once APPROVED or DENIED; shown only where its tasks
 * cannot say, so otherwise not worth a call of a 30-a-minute budget), and when granted access is to
 * be revoked ([request-revocation-scheduled-date-time], while GRANTED and its revocation PENDING).
 */
function mayCarryChanges(listed: OktaAccessRequest, decisionsShown: boolean): boolean {
  const decided = decisionsShown && (listed.status === 'APPROVED' || listed.status === 'DENIED');
  const revocationDue = listed.grantStatus === 'GRANTED' && listed.revocationStatus === 'PENDING';
  return decided || revocationDue;
}

/** A Map that forgets its oldest entries past CAPACITY. */
class Bounded<K, V> {
  private readonly entries = new Map<K, V>();

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > CAPACITY) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}
