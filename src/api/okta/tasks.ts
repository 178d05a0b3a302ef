import type { Logger } from 'pino';
import {
  GovernanceAuthFailed,
  GovernanceNotFound,
  type GovernanceOperation,
  GovernanceRejected,
  GovernanceUnsupported,
} from '../../domain/errors.js';
import type { RequestChange } from '../governance.js';
import { quote } from '../lookup.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import { taskPath, V2 } from './paths.js';
import { ignored, type OktaTask, task, taskList } from './wire.js';

/** How long an org that refused the Tasks API is taken at its word before it is asked again. */
export const TASKS_RECHECK_MS = 10 * 60_000;
/** Tasks asked per page ([TasksAPI] states a default of 20 and no maximum). */
const TASKS_PAGE = 200;
/** Pages of one task listing read at once: 2,000 tasks, far beyond one request or one person's queue. */
const MAX_TASK_PAGES = 10;
/** [task-id]: 24 lowercase hexadecimal characters. Anything else a button carries is no task. */
const TASK_ID = /^[0-9a-f]{24}$/;

/** Who decides where, when Okta does not let Gatehouse see a request's approval steps. */
function decideInOkta(portalUrl: string): GovernanceUnsupported {
  return new GovernanceUnsupported(
    'decide',
    'Okta does not let Gatehouse decide this request: its approvals are handled in Okta.',
    { label: 'Decide in Okta', url: portalUrl },
  );
}

/**
 * Okta's Tasks API (Beta): a request's approval steps, who must act on them, and resolving one.
 *
 * The API is Beta and covers only requests made through access request conditions. An org that
 * answers 403 (the Beta not enabled for Gatehouse, its role or scope missing) or 404 (no such API)
 * on the task list, or 403 on one task, has no steps to show: requests are read without them
 * (`null`: approvals are handled in Okta), decisions are refused with where to make them, and the
 * org is taken at its word for TASKS_RECHECK_MS before the API is tried again, so a read costs no
 * refused call meanwhile. Such a refusal is never reported as a credentials failure or a missing
 * request. A 404 on one task, which a stale or forged button can cause, says nothing about the org.
 */
export class OktaTasks {
  private unavailableUntil = 0;
  /** Tasks asked per page; undefined once the org refused 200 (Okta's own default applies). */
  private pageSize: number | undefined = TASKS_PAGE;
  /** Whether listing tasks by `updatedAt` is refused (it is documented; a real org may differ). */
  private changesRefusedUntil = 0;

  constructor(
    private readonly http: OktaHttp,
    private readonly reads: OktaFullReads,
    private readonly deps: { portalUrl: string; logger?: Logger },
  ) {}

  /** Whether Okta shows Gatehouse tasks now, as far as it last said. */
  get available(): boolean {
    return this.http.now() >= this.unavailableUntil;
  }

  /**
   * The request's steps, a completed one read whole (once) for who decided it and when; null when
   * Okta does not show this org's tasks to Gatehouse.
   */
  ofRequest(requestId: string): Promise<OktaTask[] | null> {
    return this.reads.shared(`tasks-of:${requestId}`, () => this.readOfRequest(requestId));
  }

  private async readOfRequest(requestId: string): Promise<OktaTask[] | null> {
    if (!this.available) return null;
    let listed: OktaTask[];
    try {
      listed = await this.listAll('getRequest', `requestId eq "${quote(requestId)}"`);
    } catch (error) {
      if (!isTasksRefusal(error)) throw error;
      this.markUnavailable(error, 'list');
      return null;
    }
    const tasks = await Promise.all(listed.map((one) => this.completed(one)));
    return this.available ? tasks : null;
  }

  /** The approval tasks waiting on this person, across requests. */
  async openFor(assigneeId: string): Promise<OktaTask[]> {
    const unlisted = () =>
      new GovernanceUnsupported(
        'listPendingApprovals',
        'Okta does not let Gatehouse see approval tasks in this org, so what waits for you is not listed here: find it in Okta.',
        { label: 'Open Okta', url: this.deps.portalUrl },
      );
    if (!this.available) throw unlisted();
    try {
      return await this.listAll(
        'listPendingApprovals',
        `assigneeId eq "${quote(assigneeId)}" and status eq "OPEN" and type eq "APPROVAL"`,
      );
    } catch (error) {
      if (!isTasksRefusal(error)) throw error;
      this.markUnavailable(error, 'list');
      throw unlisted();
    }
  }

  /**
   * The request's open task: the one named when a card names it, else any open one. `known` is the
   * named task as a read of its request showed it open a moment ago: not read again, since Okta
   * refuses to resolve a task that is no longer open.
   */
  async open(requestId: string, taskId?: string, known?: OktaTask): Promise<OktaTask> {
    if (known && known.id === taskId && known.requestId === requestId && known.status === 'OPEN') return known;
    const named = taskId ? await this.named(taskId) : undefined;
    const candidates = named ? [named] : await this.ofRequest(requestId);
    if (!candidates) throw decideInOkta(this.deps.portalUrl);
    const open = candidates.find(
      (candidate) =>
        candidate.requestId === requestId && candidate.status === 'OPEN' && (!taskId || candidate.id === taskId),
    );
    if (!open) throw new GovernanceRejected('decide', 'This approval step is no longer open in Okta.', 409);
    return open;
  }

  async get(taskId: string): Promise<OktaTask> {
    return (await this.http.get('decide', taskPath(taskId), task)).body;
  }

  /** Resolves the task; Okta's answer, the task as it now stands, when it answered one. */
  async resolve(taskId: string, value: 'APPROVED' | 'DENIED'): Promise<OktaTask | undefined> {
    try {
      const { body } = await this.http.send('decide', 'POST', `${taskPath(taskId)}/resolve`, ignored, { value });
      // Okta answers the resolved task, with who completed it: no need to read it once more for that.
      const answered = task.safeParse(body);
      if (!answered.success || answered.data.id !== taskId) return undefined;
      this.reads.rememberTask(answered.data);
      return answered.data;
    } catch (error) {
      // Reading tasks is allowed, resolving them not (tasks.manage or the role missing): say where to decide.
      if (error instanceof GovernanceAuthFailed && error.status === 403) {
        this.deps.logger?.warn(
          { status: 403, vendorCode: error.vendorCode },
          'Okta refused to resolve a task (needs okta.accessRequests.tasks.manage and Access Requests Admin); people are sent to Okta to decide',
        );
        throw decideInOkta(this.deps.portalUrl);
      }
      if (error instanceof GovernanceNotFound) {
        throw new GovernanceRejected('decide', 'This approval step is no longer open in Okta.', 409);
      }
      // Okta refuses a task already completed with a 400 (decided in Okta since the card was drawn),
      // but a 400 can mean other things: the task is read again, and Okta's own words stand unless it
      // is no longer open.
      if (error instanceof GovernanceRejected && error.status === 400) {
        const now = await this.get(taskId).catch(() => undefined);
        if (now && now.status !== 'OPEN') {
          throw new GovernanceRejected('decide', 'This approval step is no longer open in Okta.', 409);
        }
      }
      throw error;
    }
  }

  /**
   * Requests whose tasks changed after `since` (a step decided, reassigned or opened), oldest first,
   * from the page `after` names: what a poll adds to requests' own `lastUpdated`, which Okta does not
   * say moves when only a task changes (and before release 2026.05 no event tells of it). Null when
   * Okta does not show tasks, or refuses this listing.
   */
  async changedSince(since: string, after?: string): Promise<{ items: RequestChange[]; cursor?: string } | null> {
    const now = this.http.now();
    if (!this.available || now < this.changesRefusedUntil) return null;
    try {
      const { body, nextCursor } = await this.page('listChanges', {
        filter: `updatedAt gt "${quote(since)}"`,
        orderBy: 'updatedAt asc',
        after,
      });
      return {
        items: body.data.map((changed) => ({ id: changed.requestId, updated: changed.updatedAt })),
        cursor: nextCursor,
      };
    } catch (error) {
      if (isTasksRefusal(error)) {
        this.markUnavailable(error, 'list');
        return null;
      }
      if (!(error instanceof GovernanceRejected)) throw error;
      // A poll must not fail on what only adds to it: requests' own changes are still read.
      this.changesRefusedUntil = now + TASKS_RECHECK_MS;
      this.deps.logger?.warn(
        { err: error },
        'Okta refused to list tasks by updatedAt; polls read requests only, so a step decided mid-sequence may wait for the request to change',
      );
      return null;
    }
  }

  /** Every task the filter matches, page after page (at most MAX_TASK_PAGES of them). */
  private async listAll(operation: 'getRequest' | 'listPendingApprovals', filter: string): Promise<OktaTask[]> {
    const all: OktaTask[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < MAX_TASK_PAGES; pages += 1) {
      const { body, nextCursor } = await this.page(operation, { filter, after });
      all.push(...body.data);
      if (!nextCursor) return all;
      after = nextCursor;
    }
    this.deps.logger?.warn({ operation, tasks: all.length }, 'more Okta tasks match than Gatehouse reads at once');
    return all;
  }

  /**
   * One page of tasks. Okta documents a default of 20 and no maximum for `limit`
   * ([TasksAPI]); Gatehouse asks 200 a page, and an org that refuses that (400) is asked without
   * `limit` from then on, its own page size followed through the cursor.
   */
  private async page(operation: GovernanceOperation, query: { filter: string; orderBy?: string; after?: string }) {
    const ask = () => this.http.get(operation, `${V2}/tasks`, taskList, { ...query, limit: this.pageSize });
    try {
      return await ask();
    } catch (error) {
      if (!(error instanceof GovernanceRejected && error.status === 400) || this.pageSize === undefined) throw error;
      this.pageSize = undefined;
      try {
        const answer = await ask();
        this.deps.logger?.warn(
          { err: error },
          "Okta refused 200 tasks a page; tasks are read at the org's own page size from now on",
        );
        return answer;
      } catch (again) {
        // Refused without `limit` too: the page size was not what Okta minded (a filter, say).
        this.pageSize = TASKS_PAGE;
        throw again;
      }
    }
  }

  /** A task a card names, or undefined when Okta has no such task (the request's list then decides). */
  private async named(taskId: string): Promise<OktaTask | undefined> {
    if (!TASK_ID.test(taskId) || !this.available) return undefined;
    try {
      return await this.get(taskId);
    } catch (error) {
      if (error instanceof GovernanceNotFound) return undefined;
      if (!isTasksRefusal(error)) throw error;
      this.markUnavailable(error, 'one task');
      return undefined;
    }
  }

  /** A listed task with who decided it; as listed when that read is refused. */
  private async completed(listed: OktaTask): Promise<OktaTask> {
    try {
      return await this.reads.completeTask(listed);
    } catch (error) {
      if (!isTasksRefusal(error)) throw error;
      if (error instanceof GovernanceAuthFailed) this.markUnavailable(error, 'one task');
      return listed;
    }
  }

  private markUnavailable(error: GovernanceAuthFailed | GovernanceNotFound, what: 'list' | 'one task'): void {
    const wasAvailable = this.available;
    this.unavailableUntil = this.http.now() + TASKS_RECHECK_MS;
    if (!wasAvailable) return;
    this.deps.logger?.warn(
      { status: error instanceof GovernanceAuthFailed ? error.status : 404, read: what, recheckMs: TASKS_RECHECK_MS },
      'Okta does not let Gatehouse use its Tasks API (Beta not enabled, or the Access Requests Admin role or okta.accessRequests.tasks.* scopes missing): requests show no approval steps and are decided in Okta',
    );
  }
}

/** A refusal of the Tasks API itself: 403 (forbidden) or 404 (not there); never 401, which is the credentials. */
function isTasksRefusal(error: unknown): error is GovernanceAuthFailed | GovernanceNotFound {
  return (error instanceof GovernanceAuthFailed && error.status === 403) || error instanceof GovernanceNotFound;
}
