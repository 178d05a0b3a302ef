import type { Logger } from 'pino';
import { GovernanceNotFound, type GovernanceOperation, GovernanceRejected } from '../../domain/errors.js';
import type { AccessRequest, Page, RequestStatus } from '../../domain/types.js';
import type { ChangeQuery, RequestChange, RequestQuery } from '../governance.js';
import { orNull } from '../lookup.js';
import { FirstThatAnswers } from './first-that-answers.js';
import type { PingOneHttp } from './http.js';
import { closedUnread, toAccessRequest } from './mapping.js';
import { ALL, GOV, LATEST_CHANGE_FIRST, NEWEST_REQUEST_FIRST, statusFilter, withQuery } from './paths.js';
import { type IgaRequest, igaRequest, listOf, type TargetFilter } from './wire.js';

const PAGE = 100;
/** A poll reads newest first until a page holds nothing newer; this bounds a poll after a long outage. */
const MAX_CHANGE_PAGES = 50;
/** Requests already logged as closed in a way Gatehouse cannot read; forgotten when this many. */
const UNREAD_REMEMBERED = 1_000;
/** Pages of open requests a poll lists: 1,000 open at once, beyond which the oldest rely on dates. */
const OPEN_PAGES = 10;
/** IGA statuses of a request still open: in progress, or waiting at a wait phase. */
const OPEN_STATUSES = ['in-progress', 'suspended'];

/**
 * Where everyone's requests are searched: Ping's UI has asked `/requests/search?_action=search`
 * since 2026-03-27 (platform-ui c751e81da; AccessRequestApi.getRequests), `/requests?_action=search`
 * before. A tenant that answers the newer with a 404 (or a 400, reading `search` as a request id)
 * is searched at the older one for the rest of the process.
 */
const SEARCH_PATHS = [`${GOV}/requests/search`, `${GOV}/requests`] as const;
type SearchPath = (typeof SEARCH_PATHS)[number];

/** The tenant refuses the query as asked (400). */
const refused = (error: unknown) => error instanceof GovernanceRejected && error.status === 400;
/** The tenant has no such search: no endpoint (404), or `search` read as a request id (400). */
const notServed = (error: unknown) => error instanceof GovernanceNotFound || refused(error);

/** IGA statuses that may read as these; each request is mapped and checked again after the search. */
const STATUS_FILTERS: Partial<Record<RequestStatus, string[]>> = {
  // A request waiting at a wait phase (`suspended`) may not be decided yet.
  pending: ['in-progress', 'suspended'],
  submitted: ['in-progress'],
};

export interface PingOneRequestsOptions {
  /** The managed-user id Gatehouse's token acts as, so its own comments and requests read as on behalf of someone. */
  serviceAccountId?: string;
  portalUrl: string;
  now: () => number;
  logger?: Logger;
}

/**
 * Reading requests: one, a person's or everyone's, and those changed since a poll; IGA answers
 * each whole, with its phases and comments.
 */
export class PingOneRequests {
  private readonly searchPath: FirstThatAnswers<SearchPath>;
  private readonly unreadLogged = new Set<string>();
  /** The requests open at the last poll, so one that closed is seen whatever its date says. */
  private openAtLastPoll = new Set<string>();
  private readonly reading = new Map<string, Promise<IgaRequest | null>>();

  constructor(
    private readonly http: PingOneHttp,
    private readonly options: PingOneRequestsOptions,
  ) {
    const logger = options.logger;
    this.searchPath = new FirstThatAnswers<SearchPath>([...SEARCH_PATHS], notServed, (from, to) =>
      logger?.warn(
        { from, to },
        'PingOne does not serve the newer request search; searching the older one from now on',
      ),
    );
  }

  /** One request, whole; reads of it made at the same time (two platforms' syncs of one change) share one call. */
  async get(id: string): Promise<AccessRequest | null> {
    const found = await this.read(id);
    return found ? this.toDomain(found) : null;
  }

  /**
   * One request as IGA wrote it, read afresh and still there: for an action that sends back what
   * it read (a forward sends the phase's actors with their permissions).
   */
  async mustRead(id: string, operation: GovernanceOperation): Promise<IgaRequest> {
    this.reading.delete(id);
    const found = await this.read(id);
    if (!found) throw new GovernanceNotFound(operation, `Request ${id}`);
    return found;
  }

  private read(id: string): Promise<IgaRequest | null> {
    let read = this.reading.get(id);
    if (!read) {
      read = orNull(
        async () => (await this.http.get('getRequest', `${GOV}/requests/${encodeURIComponent(id)}`, igaRequest)).body,
      ).finally(() => this.reading.delete(id));
      this.reading.set(id, read);
    }
    return read;
  }

  /**
   * The request after an action on it, which must still be there. Read afresh: a read already in
   * flight began before the action and would answer what came before it.
   */
  async mustGet(id: string, operation: GovernanceOperation): Promise<AccessRequest> {
    this.reading.delete(id);
    const request = await this.get(id);
    if (!request) throw new GovernanceNotFound(operation, `Request ${id}`);
    return request;
  }

  async list(query: RequestQuery): Promise<Page<AccessRequest>> {
    const wanted = (query.status ?? []).map((s) => STATUS_FILTERS[s]);
    // A status with no IGA counterpart to search by (approved) is found by mapping every request.
    const byStatus =
      wanted.length > 0 && wanted.every((statuses) => statuses !== undefined)
        ? statusFilter([...new Set(wanted.flat() as string[])])
        : ALL;
    // A user's list holds every request they may view; theirs are the ones for them.
    const filter: TargetFilter = query.requestedFor
      ? {
          operator: 'AND',
          operand: [
            byStatus,
            { operator: 'EQUALS', operand: { targetName: 'user.id', targetValue: query.requestedFor } },
          ],
        }
      : byStatus;
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
    if (query.updatedSince && !query.requestedFor) return this.changedSince(query.updatedSince, filter);
    const offset = Number(query.cursor ?? 0) || 0;
    const page = { _pageSize: limit, _pagedResultsOffset: offset, ...NEWEST_REQUEST_FIRST };
    const { body } = query.requestedFor
      ? await this.search(`${GOV}/user/${encodeURIComponent(query.requestedFor)}/requests`, page, filter)
      : await this.searchPath.ask((path) => this.search(path, page, filter));
    let items = body.result.map((request) => this.toDomain(request));
    if (query.status && query.status.length > 0) items = items.filter((r) => query.status?.includes(r.status));
    if (query.updatedSince) items = items.filter(newerThan(query.updatedSince));
    const more = body.result.length === limit;
    return { items, cursor: more ? String(offset + limit) : undefined };
  }

  /**
   * Requests changed since `since`, oldest first. No Ping source says `metadata.modifiedDate` moves
   * with every change; where it does not, a request decided in Ping sorts as old and may sit past
   * the page a poll reads. So each poll also lists the open requests (one call for up to 100): an
   * open one whose phases or comments moved shows it in its own dates, and one that was open at the
   * last poll and is not any more has closed, however its date reads.
   */
  async changes(query: ChangeQuery): Promise<Page<RequestChange>> {
    // IGA's search answers whole requests with their phases in one call: each change carries its
    // request, so the syncs a poll queues read nothing more.
    // One after the other: the first finds which search path the tenant serves, once.
    const page = await this.changedSince(query.updatedSince, ALL);
    const open = await this.openNow();
    const changed = new Map<string, RequestChange>(page.items.map((request) => [request.id, changeOf(request)]));
    for (const request of open?.items.filter(newerThan(query.updatedSince)) ?? []) {
      if (!changed.has(request.id)) changed.set(request.id, changeOf(request));
    }
    if (open) {
      const stillOpen = new Set(open.items.map((request) => request.id));
      const at = new Date(this.options.now()).toISOString();
      // Closed since the last poll and not found by date: no search answered it, so its sync reads it.
      for (const id of this.openAtLastPoll) {
        if (!stillOpen.has(id) && !changed.has(id)) changed.set(id, { id, updated: at });
      }
      // A list cut short says nothing of what lies past it: only a whole list sets the baseline.
      this.openAtLastPoll = open.complete ? stillOpen : new Set([...this.openAtLastPoll, ...stillOpen]);
    }
    const items = [...changed.values()];
    return { items: items.sort((a, b) => Date.parse(a.updated) - Date.parse(b.updated) || a.id.localeCompare(b.id)) };
  }

  /** Every open request, up to OPEN_PAGES pages; undefined when the tenant would not list them. */
  private async openNow(): Promise<{ items: AccessRequest[]; complete: boolean } | undefined> {
    const items: AccessRequest[] = [];
    try {
      for (let page = 0; page < OPEN_PAGES; page++) {
        const at = { _pageSize: PAGE, _pagedResultsOffset: page * PAGE, ...NEWEST_REQUEST_FIRST };
        const { body } = await this.searchPath.ask((path) => this.search(path, at, statusFilter(OPEN_STATUSES)));
        items.push(...body.result.map((request) => this.toDomain(request)));
        if (body.result.length < PAGE) return { items, complete: true };
      }
    } catch (error) {
      // What only adds to a poll must not fail it: the changes by date still go through.
      this.options.logger?.warn(
        { err: error },
        'PingOne did not list open requests; this poll reads changes by date only',
      );
      return undefined;
    }
    return { items, complete: false };
  }

  /** Ping's end-user UI, where a request is shown to its people. */
  get portalUrl(): string {
    return this.options.portalUrl;
  }

  toDomain(request: IgaRequest): AccessRequest {
    if (closedUnread(request) && !this.unreadLogged.has(request.id)) {
      if (this.unreadLogged.size >= UNREAD_REMEMBERED) this.unreadLogged.clear();
      this.unreadLogged.add(request.id);
      const { status, decision, outcome } = request.decision;
      this.options.logger?.warn(
        { requestId: request.id, status, decision: decision ?? null, outcome: outcome ?? null },
        'PingOne closed a request with no decision or outcome Gatehouse can read: shown as cancelled, not as rejected',
      );
    }
    return toAccessRequest(request, {
      serviceAccountId: this.options.serviceAccountId,
      portalUrl: this.options.portalUrl,
      now: this.options.now(),
    });
  }

  private search(path: string, query: Record<string, string | number>, filter: TargetFilter) {
    return this.http.search('listRequests', withQuery(path, { _action: 'search', ...query }), listOf(igaRequest), {
      targetFilter: filter,
    });
  }

  /**
   * Newest-first pages, read on while a page holds anything newer than `since`. Order alone is not
   * trusted: a tenant that sorts dates as text (no `_sortType`, mixed UTC offsets) or a list moving
   * under offset paging can put a newer request after an older one, so a page that reaches back
   * past `since` is followed by one more read to see nothing newer hides behind it. A quiet poll
   * costs one call, a poll that found changes one more.
   */
  private async changedSince(since: string, filter: TargetFilter): Promise<Page<AccessRequest>> {
    const found: AccessRequest[] = [];
    for (let page = 0; page < MAX_CHANGE_PAGES; page++) {
      const at = { _pageSize: PAGE, _pagedResultsOffset: page * PAGE };
      const { body } = await this.searchPath.ask((path) =>
        this.search(path, { ...at, ...LATEST_CHANGE_FIRST }, filter),
      );
      const newer = body.result.map((request) => this.toDomain(request)).filter(newerThan(since));
      found.push(...newer);
      if (newer.length === 0 || body.result.length < PAGE) return { items: oldestFirst(found) };
    }
    this.options.logger?.warn(
      { since, read: found.length },
      'more PingOne changes than one poll reads; the oldest of them wait for the next change to be seen',
    );
    return { items: oldestFirst(found) };
  }
}

/** Compared as instants: IGA may write a date in any UTC offset, where text comparison misleads. */
function newerThan(since: string): (request: AccessRequest) => boolean {
  const from = Date.parse(since);
  return (request) => Date.parse(request.updated) > from;
}

function changeOf(request: AccessRequest): RequestChange {
  return { id: request.id, updated: request.updated, request };
}

/** Oldest first, each request once (offset paging over a moving list can show one twice). */
function oldestFirst(requests: AccessRequest[]): AccessRequest[] {
  const unique = new Map(requests.map((request) => [request.id, request]));
  return [...unique.values()].sort((a, b) => Date.parse(a.updated) - Date.parse(b.updated) || a.id.localeCompare(b.id));
}
