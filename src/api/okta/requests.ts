import { GovernanceNotFound } from '../../domain/errors.js';
import type { AccessRequest, Page, Principal, RequestStatus } from '../../domain/types.js';
import { isOpen } from '../../domain/types.js';
import type { ChangeQuery, RequestChange, RequestQuery } from '../governance.js';
import { quote } from '../lookup.js';
import type { OktaCatalog } from './catalog.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import { peopleIn, toAccessRequest } from './mapping.js';
import { V2 } from './paths.js';
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

/**
 * Reading requests (v2) as the domain sees them: each with its approval steps from the Tasks API,
 * the names of the people it mentions and its entry's name.
 */
export class OktaRequests {
  constructor(
    private readonly http: OktaHttp,
    private readonly deps: {
      principals: OktaPrincipals;
      catalog: OktaCatalog;
      tasks: OktaTasks;
      reads: OktaFullReads;
      portalUrl: string;
    },
  ) {}

  async get(id: string): Promise<AccessRequest | null> {
    const request = await this.deps.reads.request(id);
    if (!request) return null;
    return this.toDomain(request, await this.deps.tasks.ofRequest(request.id));
  }

  /** The request after a write, which must still be there. */
  async mustGet(id: string, operation: 'decide' | 'comment' | 'cancel'): Promise<AccessRequest> {
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
          this.deps.reads.complete(item),
          item.status === 'PENDING' ? this.deps.tasks.ofRequest(item.id) : [],
        ]);
        return this.toDomain(request, tasks);
      }),
    );
    return { items, cursor: statuses.length === 1 ? pages[0]?.nextCursor : undefined };
  }

  async changes(query: ChangeQuery): Promise<Page<RequestChange>> {
    const { body, nextCursor } = await this.http.get('listChanges', `${V2}/requests`, accessRequestList, {
      filter: `lastUpdated gt "${quote(query.updatedSince)}"`,
      limit: Math.min(Math.max(query.limit ?? 100, 1), 200),
      after: query.cursor,
      orderBy: 'lastUpdated asc',
    });
    return {
      items: body.data.map((request) => ({ id: request.id, updated: request.lastUpdated })),
      cursor: nextCursor,
    };
  }

  async pendingFor(approver: Principal): Promise<AccessRequest[]> {
    const open = await this.deps.tasks.openFor(approver.id);
    const requestIds = [...new Set(open.map((task) => task.requestId))];
    const requests = await Promise.all(requestIds.map((id) => this.get(id)));
    return requests.filter((request): request is AccessRequest => request !== null && isOpen(request));
  }

  async toDomain(request: OktaAccessRequest, tasks: OktaTask[]): Promise<AccessRequest> {
    const people = await this.deps.principals.refs(peopleIn(request, tasks));
    return toAccessRequest(request, {
      entryName: await this.deps.catalog.entryName(request.requested.entryId),
      people,
      tasks,
      portalUrl: this.deps.portalUrl,
    });
  }
}
