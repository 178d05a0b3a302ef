import { LRUCache } from 'lru-cache';
import {
  GovernanceNotFound,
  GovernanceRejected,
  GovernanceUnavailable,
  GovernanceUnsupported,
} from '../../domain/errors.js';
import type {
  AccessGrant,
  AccessRequest,
  CatalogEntry,
  CatalogItem,
  Page,
  Principal,
  PrincipalRef,
  RequestStatus,
} from '../../domain/types.js';
import { isOpen } from '../../domain/types.js';
import { durationSeconds } from '../../flows/wording.js';
import type {
  CancelInput,
  ChangeQuery,
  CircuitStatus,
  CommentInput,
  CreateRequestInput,
  DecisionInput,
  Governance,
  GovernancePolicy,
  RequestChange,
  RequestQuery,
} from '../governance.js';
import { orNull, quote } from '../lookup.js';
import { OktaHttp, type OktaHttpOptions } from './http.js';
import {
  durationField,
  justificationField,
  peopleIn,
  toAccessGrant,
  toAccessRequest,
  toCatalogEntry,
  toCatalogItem,
  toOktaDuration,
  toPrincipal,
} from './mapping.js';
import {
  accessRequest,
  accessRequestList,
  catalogEntry,
  catalogEntryList,
  grantList,
  ignored,
  type OktaAccessRequest,
  type OktaCatalogEntry,
  type OktaCreateRequestBody,
  type OktaTask,
  oktaUser,
  oktaUserList,
  requestFieldList,
  task,
  taskList,
} from './wire.js';

export interface OktaGovernanceOptions extends OktaHttpOptions {
  /** Where people finish what chat cannot do (Okta's end-user dashboard by default). */
  portalUrl?: string;
  /** Okta's tasks carry no reason; Gatehouse asks for one on reject unless told not to. */
  rejectReasonRequired?: boolean;
  /** Some teams want every approval explained too; off by default, as in Okta's own flows. */
  approveReasonRequired?: boolean;
}

const STATUS_NAMES: Record<RequestStatus, string> = {
  submitted: 'SUBMITTED',
  pending: 'PENDING',
  approved: 'APPROVED',
  rejected: 'REJECTED',
  denied: 'DENIED',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
};

const NAME_TTL_MS = 10 * 60_000;
/** Children fetched for at most this many parent apps per search, to bound type-ahead cost. */
const MAX_PARENTS_EXPANDED = 5;
const V2 = '/governance/api/v2';

/**
 * The Governance port over Okta Identity Governance: users API for identity, catalog v2 for what
 * can be requested, requests v2 for the requests themselves, and the Tasks API for approval steps
 * and decisions. Decisions are made with Gatehouse's admin credentials on behalf of the approver
 * Gatehouse has verified; a request message records who decided and where.
 */
export class OktaGovernance implements Governance {
  readonly provider = 'okta' as const;
  private readonly http: OktaHttp;
  private readonly portalUrl: string;
  private readonly names = new LRUCache<string, PrincipalRef>({ max: 5000, ttl: NAME_TTL_MS });
  private readonly entryNames = new LRUCache<string, string>({ max: 5000, ttl: NAME_TTL_MS });

  constructor(private readonly options: OktaGovernanceOptions) {
    this.http = new OktaHttp(options);
    this.portalUrl = options.portalUrl ?? `${options.orgUrl}/enduser/catalog`;
  }

  async policy(): Promise<GovernancePolicy> {
    return {
      requireRequestJustification: false,
      requireRejectReason: this.options.rejectReasonRequired ?? true,
      requireApproveReason: this.options.approveReasonRequired ?? false,
      allowSelfApproval: false,
    };
  }

  async findPrincipalsByEmail(email: string): Promise<Principal[]> {
    const { body } = await this.http.get('findPrincipalByEmail', '/api/v1/users', oktaUserList, {
      search: `profile.email eq "${quote(email)}"`,
      limit: 10,
    });
    const wanted = email.toLowerCase();
    return body.map(toPrincipal).filter((principal) => principal.email.toLowerCase() === wanted);
  }

  async getPrincipal(id: string): Promise<Principal | null> {
    return orNull(async () => {
      const { body } = await this.http.get('getPrincipal', `/api/v1/users/${encodeURIComponent(id)}`, oktaUser);
      const principal = toPrincipal(body);
      this.names.set(id, { id, displayName: principal.displayName, email: principal.email });
      return principal;
    });
  }

  async searchCatalog(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    const words = text
      .toLowerCase()
      .split(/\s+/)
      .filter((word) => /[a-z0-9]/.test(word));
    // Okta's `match` takes one 3–50 character term and searches top-level entries only. Try the
    // longest words in turn until one finds entries matching every word, children included: the
    // longest word can be someone else's ("workspace" finds Google Workspace for "slack workspace admin").
    const terms = [...new Set(words.filter((word) => word.length >= 3))]
      .sort((a, b) => b.length - a.length)
      .slice(0, 3);
    if (terms.length === 0)
      return (await this.matchingIn(principal, await this.topLevelEntries(principal), words)).slice(0, limit);
    for (const term of terms) {
      const top = await this.topLevelEntries(principal, term.slice(0, 50));
      if (top.length === 0) continue;
      const matching = await this.matchingIn(principal, top, words);
      if (matching.length > 0) return matching.slice(0, limit);
    }
    return [];
  }

  /** The requestable entries among `top` and its apps' children that hold every typed word. */
  private async matchingIn(principal: Principal, top: OktaCatalogEntry[], words: string[]): Promise<CatalogItem[]> {
    // In a large catalog the term alone matches hundreds of apps ("beacon" in "beacon 12"): expand
    // first the apps whose names hold the most of the typed words.
    const wordsIn = (name: string) => words.filter((word) => name.toLowerCase().includes(word)).length;
    const parents = top
      .filter((entry) => !entry.requestable)
      .map((entry) => ({ entry, score: wordsIn(entry.name) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, MAX_PARENTS_EXPANDED)
      .map(({ entry }) => entry);
    const children = await Promise.all(
      parents.map(async (parent) => {
        const page = await this.http.get('searchCatalog', this.userEntriesPath(principal), catalogEntryList, {
          filter: `parent eq "${quote(parent.id)}"`,
          limit: 200,
        });
        return page.body.data.filter((child) => child.requestable).map((child) => toCatalogItem(child, parent.name));
      }),
    );
    const all = [...top.filter((entry) => entry.requestable).map((entry) => toCatalogItem(entry)), ...children.flat()];
    for (const item of all) this.entryNames.set(item.id, item.name);
    return all.filter((item) =>
      words.every((word) => `${item.name} ${item.description ?? ''}`.toLowerCase().includes(word)),
    );
  }

  private userEntriesPath(principal: Principal): string {
    return `${V2}/catalogs/default/user/${encodeURIComponent(principal.id)}/entries`;
  }

  private async topLevelEntries(principal: Principal, match?: string) {
    const { body } = await this.http.get('searchCatalog', this.userEntriesPath(principal), catalogEntryList, {
      filter: 'not(parent pr)',
      match,
      limit: 200,
    });
    return body.data;
  }

  async getCatalogEntry(principal: Principal, entryId: string): Promise<CatalogEntry | null> {
    const found = await orNull(async () => {
      const entryPath = `${V2}/catalogs/default/entries/${encodeURIComponent(entryId)}`;
      const [{ body: entry }, fields] = await Promise.all([
        this.http.get('getCatalogEntry', entryPath, catalogEntry),
        this.requestFieldsFor(principal.id, entryId),
      ]);
      if (!fields || !entry.requestable) return null;
      const parentName = entry.parent ? await this.entryName(entry.parent) : undefined;
      const item = toCatalogItem(entry, parentName);
      this.entryNames.set(item.id, item.name);
      return toCatalogEntry(item, fields);
    });
    return found ?? null;
  }

  async createRequest(input: CreateRequestInput): Promise<AccessRequest> {
    const fields = await this.requestFields(input.requestedFor.id, input.entryId);
    const values: NonNullable<OktaCreateRequestBody['requesterFieldValues']> = [];
    const text = justificationField(fields);
    if (input.justification && text) values.push({ id: text.id, value: input.justification });
    const duration = durationField(fields);
    if (input.accessDuration && duration && !duration.readOnly) {
      values.push({ id: duration.id, value: toOktaDuration(durationSeconds(input.accessDuration) ?? 0) });
    }
    const unanswerable = fields.filter(
      (field) => field.required && !field.readOnly && !values.some((v) => v.id === field.id),
    );
    const blocking = unanswerable.filter((field) => field !== text && field !== duration);
    if (blocking.length > 0) {
      throw new GovernanceRejected(
        'createRequest',
        `This item asks for ${blocking.map((field) => `"${field.label ?? field.id}"`).join(', ')}, which Gatehouse cannot fill in from chat yet. Request it in Okta: ${this.portalUrl}`,
        400,
      );
    }
    const body: OktaCreateRequestBody = {
      requested: { type: 'CATALOG_ENTRY', entryId: input.entryId },
      requestedFor: { type: 'OKTA_USER', externalId: input.requestedFor.id },
      requestedBy: { type: 'OKTA_USER', externalId: input.requester.id },
      requesterFieldValues: values,
    };
    const startedAt = new Date(Date.now() - 5_000).toISOString();
    const send = () => this.http.send('createRequest', 'POST', `${V2}/requests`, accessRequest, body);
    let created: OktaAccessRequest;
    try {
      created = (await send()).body;
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) throw error;
      // Check first: a request Okta did create must not be created twice. If even the check
      // fails, the outcome stays unknown and is reported as such.
      const landed = await this.findCreated(input, startedAt).catch(() => {
        throw error;
      });
      created = landed ?? (await send()).body;
    }
    return (await this.getRequest(created.id)) ?? this.mapRequest(created, []);
  }

  async getRequest(id: string): Promise<AccessRequest | null> {
    const request = await orNull(
      async () => (await this.http.get('getRequest', `${V2}/requests/${encodeURIComponent(id)}`, accessRequest)).body,
    );
    if (!request) return null;
    return this.mapRequest(request, await this.tasksOf(request.id));
  }

  async listRequests(query: RequestQuery): Promise<Page<AccessRequest>> {
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
    const requests = pages.flatMap((page) => page.body.data);
    // Steps matter only while a request is open; closed ones are listed without reading their tasks.
    const items = await Promise.all(
      requests.map(async (request) =>
        this.mapRequest(request, request.status === 'PENDING' ? await this.tasksOf(request.id) : []),
      ),
    );
    return { items, cursor: statuses.length === 1 ? pages[0]?.nextCursor : undefined };
  }

  async listChanges(query: ChangeQuery): Promise<Page<RequestChange>> {
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

  async listPendingApprovals(approver: Principal): Promise<AccessRequest[]> {
    const { body } = await this.http.get('listPendingApprovals', `${V2}/tasks`, taskList, {
      filter: `assigneeId eq "${quote(approver.id)}" and status eq "OPEN" and type eq "APPROVAL"`,
      limit: 200,
    });
    const requestIds = [...new Set(body.data.map((open) => open.requestId))];
    const requests = await Promise.all(requestIds.map((id) => this.getRequest(id)));
    return requests.filter((request): request is AccessRequest => request !== null && isOpen(request));
  }

  async decide(input: DecisionInput): Promise<AccessRequest> {
    const open = await this.openTask(input.requestId, input.taskId);
    const value = input.decision === 'approve' ? 'APPROVED' : 'DENIED';
    const resolve = () =>
      this.http.send('decide', 'POST', `${V2}/tasks/${encodeURIComponent(open.id)}/resolve`, ignored, { value });
    try {
      await resolve();
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) throw error;
      // Check first: resend only when Okta shows the task still open.
      const after = await this.http
        .get('decide', `${V2}/tasks/${encodeURIComponent(open.id)}`, task)
        .then((read) => read.body)
        .catch(() => {
          throw error;
        });
      if (after.status === 'OPEN') await resolve();
      else if (after.value !== value) throw error;
    }
    const verb = input.decision === 'approve' ? 'Approved' : 'Rejected';
    // The note is not part of what the request reads back (Okta lists no comments): both at once.
    const [, decided] = await Promise.all([
      this.postMessage(
        input.requestId,
        `${verb}${input.via ? ` in ${input.via}` : ''} by ${input.approver.displayName} (${input.approver.email})${input.reason ? `: ${input.reason}` : '.'}`,
      ),
      this.mustGet(input.requestId, 'decide'),
    ]);
    return decided;
  }

  async comment(input: CommentInput): Promise<AccessRequest> {
    await this.http.send('comment', 'POST', `${V2}/requests/${encodeURIComponent(input.requestId)}/messages`, ignored, {
      message: `${input.author.displayName}${input.via ? ` (${input.via})` : ''}: ${input.text}`,
    });
    return this.mustGet(input.requestId, 'comment');
  }

  async cancel(_input: CancelInput): Promise<AccessRequest> {
    throw new GovernanceUnsupported(
      'cancel',
      `Okta has no API to cancel a request, so Gatehouse cannot do it for you. Cancel it in Okta: ${this.portalUrl}`,
    );
  }

  async listAccess(principal: Principal): Promise<AccessGrant[]> {
    const { body } = await this.http.get('listAccess', `${V2}/requests`, accessRequestList, {
      filter: `requestedFor eq "${quote(principal.id)}" AND grantStatus eq "GRANTED"`,
      limit: 200,
    });
    const held = body.data.filter((request) => request.revocationStatus !== 'REVOKED' && request.requested.resourceId);
    // Okta answers grants one resource at a time; ask once per resource the person was granted.
    const byResource = new Map(
      held.map((request) => [`${request.requested.resourceType}:${request.requested.resourceId}`, request]),
    );
    const grants = await Promise.all(
      [...byResource.values()].map(async (request) => {
        const page = await this.http.get('listAccess', '/governance/api/v1/grants', grantList, {
          filter: [
            `target.externalId eq "${quote(request.requested.resourceId ?? '')}"`,
            `target.type eq "${quote(request.requested.resourceType ?? 'APPLICATION')}"`,
            `targetPrincipal.externalId eq "${quote(principal.id)}"`,
            'targetPrincipal.type eq "OKTA_USER"',
          ].join(' AND '),
        });
        const entry = { id: request.requested.entryId, name: await this.entryName(request.requested.entryId) };
        return page.body.data
          .filter((grant) => grant.status === 'ACTIVE')
          .map((grant) => ({
            ...toAccessGrant(grant, entry, request.granted ?? undefined),
            expiresAt: request.revocationScheduled ?? grant.scheduleSettings?.expirationDate ?? undefined,
          }));
      }),
    );
    return grants.flat();
  }

  async ping(): Promise<void> {
    await this.http.get('ping', `${V2}/requests`, accessRequestList, { limit: 1 });
  }

  circuit(): CircuitStatus {
    return this.http.circuit;
  }

  private async mustGet(id: string, operation: 'decide' | 'comment'): Promise<AccessRequest> {
    const request = await this.getRequest(id);
    if (!request) throw new GovernanceNotFound(operation, `Request ${id}`);
    return request;
  }

  private async requestFields(userId: string, entryId: string) {
    const path = `${V2}/catalogs/default/entries/${encodeURIComponent(entryId)}/users/${encodeURIComponent(userId)}/request-fields`;
    return (await this.http.get('getCatalogEntry', path, requestFieldList)).body.data;
  }

  /** Request fields, or null when Okta says this person may not request the entry. */
  private async requestFieldsFor(userId: string, entryId: string) {
    try {
      return await this.requestFields(userId, entryId);
    } catch (error) {
      if (error instanceof GovernanceRejected) return null;
      throw error;
    }
  }

  private async tasksOf(requestId: string): Promise<OktaTask[]> {
    const { body } = await this.http.get('getRequest', `${V2}/tasks`, taskList, {
      filter: `requestId eq "${quote(requestId)}"`,
      limit: 200,
    });
    return body.data;
  }

  private async openTask(requestId: string, taskId?: string): Promise<OktaTask> {
    const candidates = taskId
      ? [(await this.http.get('decide', `${V2}/tasks/${encodeURIComponent(taskId)}`, task)).body]
      : await this.tasksOf(requestId);
    const open = candidates.find((candidate) => candidate.requestId === requestId && candidate.status === 'OPEN');
    if (!open) throw new GovernanceRejected('decide', 'This approval step is no longer open in Okta.', 409);
    return open;
  }

  private async postMessage(requestId: string, message: string): Promise<void> {
    try {
      await this.http.send('comment', 'POST', `${V2}/requests/${encodeURIComponent(requestId)}/messages`, ignored, {
        message,
      });
    } catch (error) {
      // The decision stands without its note; the audit log still names the approver.
      this.options.logger?.warn({ err: error, requestId }, 'could not record the decision note in Okta');
    }
  }

  private async findCreated(input: CreateRequestInput, since: string): Promise<OktaAccessRequest | undefined> {
    const { body } = await this.http.get('createRequest', `${V2}/requests`, accessRequestList, {
      filter: `requestedFor eq "${quote(input.requestedFor.id)}" AND lastUpdated gt "${since}"`,
      limit: 200,
    });
    return body.data.find(
      (request) => request.requested.entryId === input.entryId && Date.parse(request.created) >= Date.parse(since),
    );
  }

  private async mapRequest(request: OktaAccessRequest, tasks: OktaTask[]): Promise<AccessRequest> {
    const ids = peopleIn(request, tasks);
    await Promise.all(ids.filter((id) => !this.names.has(id)).map((id) => this.getPrincipal(id).catch(() => null)));
    const people = new Map(ids.map((id) => [id, this.names.get(id) ?? { id }]));
    return toAccessRequest(request, {
      entryName: await this.entryName(request.requested.entryId),
      people,
      tasks,
      portalUrl: this.portalUrl,
    });
  }

  private async entryName(entryId: string): Promise<string> {
    const cached = this.entryNames.get(entryId);
    if (cached) return cached;
    const entry = await orNull(
      async () =>
        (
          await this.http.get(
            'getCatalogEntry',
            `${V2}/catalogs/default/entries/${encodeURIComponent(entryId)}`,
            catalogEntry,
          )
        ).body,
    );
    if (!entry) return entryId;
    const parent = entry.parent ? await this.entryName(entry.parent) : undefined;
    const name = toCatalogItem(entry, parent).name;
    this.entryNames.set(entryId, name);
    return name;
  }
}

/** Escapes a value for a double-quoted Okta filter literal. */
