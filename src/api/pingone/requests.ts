import type { Logger } from 'pino';
import { GovernanceNotFound } from '../../domain/errors.js';
import type { AccessRequest, Page, RequestStatus } from '../../domain/types.js';
import type { ChangeQuery, RequestChange, RequestQuery } from '../governance.js';
import { orNull } from '../lookup.js';
import type { PingOneHttp } from './http.js';
import { toAccessRequest } from './mapping.js';
import { ALL, GOV, LATEST_CHANGE_FIRST, NEWEST_REQUEST_FIRST, statusFilter, withQuery } from './paths.js';
import { type IgaRequest, igaRequest, listOf, type TargetFilter } from './wire.js';

const PAGE = 100;
/** A poll reads newest first until a page holds nothing newer; this bounds a poll after a long outage. */
const MAX_CHANGE_PAGES = 50;

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
  constructor(
    private readonly http: PingOneHttp,
    private readonly options: PingOneRequestsOptions,
  ) {}

  async get(id: string): Promise<AccessRequest | null> {
    const found = await orNull(
      async () => (await this.http.get('getRequest', `${GOV}/requests/${encodeURIComponent(id)}`, igaRequest)).body,
    );
    return found ? this.toDomain(found) : null;
  }

  /** The request after an action on it, which must still be there. */
  async mustGet(id: string, operation: 'decide' | 'comment' | 'cancel'): Promise<AccessRequest> {
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
    const path = query.requestedFor
      ? `${GOV}/user/${encodeURIComponent(query.requestedFor)}/requests?_action=search`
      : `${GOV}/requests?_action=search`;
    const offset = Number(query.cursor ?? 0) || 0;
    const { body } = await this.http.search(
      'listRequests',
      withQuery(path, { _pageSize: limit, _pagedResultsOffset: offset, ...NEWEST_REQUEST_FIRST }),
      listOf(igaRequest),
      { targetFilter: filter },
    );
    let items = body.result.map((request) => this.toDomain(request));
    if (query.status && query.status.length > 0) items = items.filter((r) => query.status?.includes(r.status));
    if (query.updatedSince) items = items.filter(newerThan(query.updatedSince));
    const more = body.result.length === limit;
    return { items, cursor: more ? String(offset + limit) : undefined };
  }

  /** Requests changed since `since`, oldest first. */
  async changes(query: ChangeQuery): Promise<Page<RequestChange>> {
    // IGA's search answers whole requests with their phases in one call: nothing more to save.
    const page = await this.changedSince(query.updatedSince, ALL);
    return { items: page.items.map((request) => ({ id: request.id, updated: request.updated })) };
  }

  toDomain(request: IgaRequest): AccessRequest {
    return toAccessRequest(request, {
      serviceAccountId: this.options.serviceAccountId,
      portalUrl: this.options.portalUrl,
      now: this.options.now(),
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
      const { body } = await this.http.search(
        'listRequests',
        withQuery(`${GOV}/requests?_action=search`, {
          _pageSize: PAGE,
          _pagedResultsOffset: page * PAGE,
          ...LATEST_CHANGE_FIRST,
        }),
        listOf(igaRequest),
        { targetFilter: filter },
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

/** Oldest first, each request once (offset paging over a moving list can show one twice). */
function oldestFirst(requests: AccessRequest[]): AccessRequest[] {
  const unique = new Map(requests.map((request) => [request.id, request]));
  return [...unique.values()].sort((a, b) => Date.parse(a.updated) - Date.parse(b.updated) || a.id.localeCompare(b.id));
}
