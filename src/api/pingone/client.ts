import type { PingOneAuth } from '../../config.js';
import { GovernanceNotFound, GovernanceRejected, GovernanceUnavailable } from '../../domain/errors.js';
import type {
  AccessGrant,
  AccessRequest,
  CatalogEntry,
  CatalogItem,
  Page,
  Principal,
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
import type { VendorHttpOptions } from '../http.js';
import { orNull, quote } from '../lookup.js';
import { PingOneHttp } from './http.js';
import { CREATE_TYPES, entryOf, onBehalfComment, toAccessRequest, toCatalogItem, toPrincipal } from './mapping.js';
import {
  accessRequestConfig,
  catalogItem,
  createAnswer,
  gatehouseGlossary,
  grant,
  type IgaCatalogItem,
  type IgaRequest,
  igaRequest,
  ignored,
  listOf,
  managedUser,
  managedUserList,
  type TargetFilter,
} from './wire.js';

export interface PingOneGovernanceOptions extends VendorHttpOptions {
  tenantUrl: string;
  realm: string;
  auth: PingOneAuth;
  /** The managed-user id Gatehouse's token acts as, so its own comments and requests read as on behalf of someone. */
  serviceAccountId?: string;
  now?: () => number;
}

const GOV = '/iga/governance';
const CONFIG_PATH = '/iga/commons/config/iga_access_request';
const POLICY_TTL_MS = 60_000;
const PAGE = 100;
/** A poll reads newest first and stops at what it saw before; this bounds a poll after a long outage. */
const MAX_CHANGE_PAGES = 50;

const STATUS_FILTERS: Partial<Record<RequestStatus, string>> = {
  pending: 'in-progress',
  submitted: 'in-progress',
};

/**
 * The Governance port over PingOne Advanced Identity Cloud IGA: managed users (`/openidm`) for
 * identity, `/iga/governance/catalog` for what can be requested, `/iga/governance/requests` with
 * `_action=validate|create` and `_action=approve|reject|comment|cancel&phaseName=…`, and the
 * `iga_access_request` configuration for the rules. Gatehouse's token is a governance
 * administrator's; decisions and comments say in their text who acted in chat.
 */
export class PingOneGovernance implements Governance {
  readonly provider = 'pingone' as const;
  private readonly http: PingOneHttp;
  private readonly portalUrl: string;
  private cachedPolicy?: { value: GovernancePolicy; until: number };

  constructor(private readonly options: PingOneGovernanceOptions) {
    this.http = new PingOneHttp(options);
    this.portalUrl = `${options.tenantUrl}/enduser/?realm=${encodeURIComponent(options.realm)}`;
  }

  async policy(): Promise<GovernancePolicy> {
    if (this.cachedPolicy && this.cachedPolicy.until > Date.now()) return this.cachedPolicy.value;
    const { body } = await this.http.get('policy', CONFIG_PATH, accessRequestConfig);
    const value: GovernancePolicy = {
      requireRequestJustification: body.requireRequestJustification ?? false,
      requireRejectReason: body.requireRejectJustification ?? false,
      requireApproveReason: body.requireApproveJustification ?? false,
      allowSelfApproval: body.allowSelfApproval ?? false,
    };
    this.cachedPolicy = { value, until: Date.now() + POLICY_TTL_MS };
    return value;
  }

  async findPrincipalsByEmail(email: string): Promise<Principal[]> {
    const { body } = await this.http.get('findPrincipalByEmail', this.usersPath(), managedUserList, {
      _queryFilter: `mail eq "${quote(email)}"`,
      _fields: '_id,userName,givenName,sn,mail,accountStatus',
      _pageSize: 10,
    });
    const wanted = email.toLowerCase();
    return body.result.map(toPrincipal).filter((principal) => principal.email.toLowerCase() === wanted);
  }

  async getPrincipal(id: string): Promise<Principal | null> {
    return orNull(async () => {
      const path = `${this.usersPath()}/${encodeURIComponent(id)}`;
      return toPrincipal((await this.http.get('getPrincipal', path, managedUser)).body);
    });
  }

  async searchCatalog(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    const words = text
      .toLowerCase()
      .split(/\s+/)
      .map((word) => word.replace(/[^\p{L}\p{N}-]/gu, ''))
      .filter(Boolean);
    const longest = [...words].sort((a, b) => b.length - a.length)[0];
    const items = await this.catalog(principal, longest ? nameContains(longest) : undefined, Math.max(limit * 4, 50));
    return items
      .map(toCatalogItem)
      .filter((item) => words.every((word) => item.name.toLowerCase().includes(word)))
      .slice(0, limit);
  }

  async getCatalogEntry(principal: Principal, entryId: string): Promise<CatalogEntry | null> {
    const item = await this.catalogItem(principal, entryId);
    if (!item) return null;
    const policy = await this.policy();
    const rules = glossaryRules(item);
    return {
      ...toCatalogItem(item),
      justificationRequired: policy.requireRequestJustification || (rules.requireJustification ?? false),
      // IGA takes an end date on any request; the item's glossary may forbid, require or cap it.
      duration: {
        allowed: rules.accessDuration !== 'none',
        required: rules.accessDuration === 'required',
        ...(rules.maxAccessDuration ? { max: rules.maxAccessDuration } : {}),
      },
    };
  }

  async createRequest(input: CreateRequestInput): Promise<AccessRequest> {
    const item = await this.catalogItem(input.requestedFor, input.entryId);
    if (!item) throw new GovernanceNotFound('createRequest', 'That catalog item');
    const now = this.now();
    const seconds = input.accessDuration ? durationSeconds(input.accessDuration) : undefined;
    const body = {
      users: [input.requestedFor.id],
      catalogs: [{ type: CREATE_TYPES[item.item.type] ?? 'application', id: item.id }],
      priority: 'low',
      accessModifier: 'add',
      ...(input.justification ? { justification: input.justification } : {}),
      ...(seconds
        ? { startDate: new Date(now).toISOString(), endDate: new Date(now + seconds * 1000).toISOString() }
        : {}),
    };
    // Validation first: its problems reach the requester before anything exists.
    const checked = await this.http.search('createRequest', `${GOV}/requests?_action=validate`, createAnswer, body);
    refuseOnErrors(checked.body.errors);
    const { body: answer } = await this.http.send(
      'createRequest',
      'POST',
      `${GOV}/requests?_action=create`,
      createAnswer,
      body,
    );
    refuseOnErrors(answer.errors);
    const created = answer.result?.[0];
    if (!created) throw new GovernanceUnavailable('createRequest', 'IGA created no request', true);
    if (input.requester.id !== input.requestedFor.id) {
      await this.act('comment', created.id, undefined, {
        comment: onBehalfComment(input.requester.displayName, input.requester.email, undefined, 'requested this.'),
      }).catch(() => undefined);
    }
    return this.toDomain(created);
  }

  async getRequest(id: string): Promise<AccessRequest | null> {
    const found = await orNull(
      async () => (await this.http.get('getRequest', `${GOV}/requests/${encodeURIComponent(id)}`, igaRequest)).body,
    );
    return found ? this.toDomain(found) : null;
  }

  async listRequests(query: RequestQuery): Promise<Page<AccessRequest>> {
    const wanted = query.status?.map((s) => STATUS_FILTERS[s]).filter((s): s is string => Boolean(s)) ?? [];
    const byStatus = wanted.length > 0 ? statusFilter([...new Set(wanted)]) : ALL;
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
      withQuery(path, {
        _pageSize: limit,
        _pagedResultsOffset: offset,
        _sortKeys: '-decision.startDate',
      }),
      listOf(igaRequest),
      { targetFilter: filter },
    );
    let items = body.result.map((request) => this.toDomain(request));
    if (query.status && query.status.length > 0) items = items.filter((r) => query.status?.includes(r.status));
    if (query.updatedSince) items = items.filter((r) => r.updated > (query.updatedSince as string));
    const more = body.result.length === limit;
    return { items, cursor: more ? String(offset + limit) : undefined };
  }

  async listPendingApprovals(approver: Principal): Promise<AccessRequest[]> {
    const path = `${GOV}/user/${encodeURIComponent(approver.id)}/approvals?_action=search&actorStatus=active`;
    const { body } = await this.http.search(
      'listPendingApprovals',
      withQuery(path, { _pageSize: 200 }),
      listOf(igaRequest),
      { targetFilter: statusFilter(['in-progress']) },
    );
    return body.result.map((request) => this.toDomain(request)).filter(isOpen);
  }

  async decide(input: DecisionInput): Promise<AccessRequest> {
    const before = await this.mustGet(input.requestId, 'decide');
    const step = before.steps.find((s) => s.status === 'pending' && (!input.taskId || s.taskId === input.taskId));
    if (!step?.taskId) {
      throw new GovernanceRejected('decide', 'This step is no longer waiting for a decision.', 409);
    }
    const verb = input.decision === 'approve' ? 'approve' : 'reject';
    const justification = onBehalfComment(
      input.approver.displayName,
      input.approver.email,
      input.via,
      input.reason ?? (verb === 'approve' ? 'approved.' : 'rejected.'),
    );
    try {
      await this.act('decide', input.requestId, step.taskId, { justification }, verb);
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) throw error;
      const after = await this.getRequest(input.requestId).catch(() => {
        throw error;
      });
      // IGA may finish a phase a moment after answering, so a phase still waiting proves nothing:
      // never send twice; a decision not visible yet stays "unknown" for the person to check.
      const again = after?.steps.find((s) => s.taskId === step.taskId);
      if (again?.decision?.decision !== input.decision) throw error;
    }
    return this.mustGet(input.requestId, 'decide');
  }

  async comment(input: CommentInput): Promise<AccessRequest> {
    await this.act('comment', input.requestId, undefined, {
      comment: onBehalfComment(input.author.displayName, input.author.email, input.via, input.text),
    });
    return this.mustGet(input.requestId, 'comment');
  }

  async cancel(input: CancelInput): Promise<AccessRequest> {
    await this.act('cancel', input.requestId, undefined, {
      comment: onBehalfComment(input.by.displayName, input.by.email, undefined, input.reason ?? 'cancelled.'),
    });
    const after = await this.getRequest(input.requestId);
    if (!after) throw new GovernanceNotFound('cancel', `Request ${input.requestId}`);
    return after;
  }

  async listAccess(principal: Principal): Promise<AccessGrant[]> {
    const grants = await Promise.all(
      ['account', 'entitlement', 'role'].map(async (grantType) => {
        const path = `${GOV}/user/${encodeURIComponent(principal.id)}/grants`;
        const { body } = await this.http.get('listAccess', path, listOf(grant), { grantType, _pageSize: 200 });
        return body.result.map<AccessGrant>((held) => ({
          id: held.id ?? entryOf(held).id,
          entry: entryOf(held),
          status: 'active',
          expiresAt: held.grantEndDate ?? undefined,
          grantedAt: held.grantStartDate ?? undefined,
        }));
      }),
    );
    return grants.flat();
  }

  async ping(): Promise<void> {
    await this.http.get('ping', CONFIG_PATH, accessRequestConfig);
  }

  circuit(): CircuitStatus {
    return this.http.circuit;
  }

  /** Requests changed since `since`, oldest first: newest-first pages, read until one goes older. */
  async listChanges(query: ChangeQuery): Promise<Page<RequestChange>> {
    // IGA's search answers whole requests with their phases in one call: nothing more to save.
    const page = await this.changedSince(query.updatedSince, ALL);
    return { items: page.items.map((request) => ({ id: request.id, updated: request.updated })) };
  }

  private async changedSince(since: string, filter: TargetFilter): Promise<Page<AccessRequest>> {
    const found: AccessRequest[] = [];
    for (let page = 0; page < MAX_CHANGE_PAGES; page++) {
      const { body } = await this.http.search(
        'listRequests',
        withQuery(`${GOV}/requests?_action=search`, {
          _pageSize: PAGE,
          _pagedResultsOffset: page * PAGE,
          _sortKeys: '-metadata.modifiedDate,-id',
        }),
        listOf(igaRequest),
        { targetFilter: filter },
      );
      const requests = body.result.map((request) => this.toDomain(request));
      const newer = requests.filter((request) => request.updated > since);
      found.push(...newer);
      if (newer.length < requests.length || body.result.length < PAGE) {
        return { items: oldestFirst(found) };
      }
    }
    this.options.logger?.warn(
      { since, read: found.length },
      'more PingOne changes than one poll reads; the oldest of them wait for the next change to be seen',
    );
    return { items: oldestFirst(found) };
  }

  private async catalog(principal: Principal, filter: TargetFilter | undefined, pageSize: number) {
    const { body } = await this.http.search(
      'searchCatalog',
      withQuery(`${GOV}/catalog?_action=search`, { userId: principal.id, _pageSize: pageSize }),
      listOf(catalogItem),
      filter ? { targetFilter: filter } : {},
    );
    return body.result;
  }

  private async catalogItem(principal: Principal, id: string): Promise<IgaCatalogItem | null> {
    // A request names an entitlement by its assignment and a role by itself, which need not be the
    // catalog item's own id: find the item by any of them.
    const names = ['id', 'assignment.id', 'entitlement.id', 'role.id'];
    const items = await this.catalog(
      principal,
      {
        operator: 'OR',
        operand: names.map((targetName) => ({ operator: 'EQUALS' as const, operand: { targetName, targetValue: id } })),
      },
      5,
    );
    return (
      items.find((item) => item.id === id) ??
      items.find((item) => [item.assignment?.id, item.entitlement?.id, item.role?.id].includes(id)) ??
      null
    );
  }

  private act(
    operation: 'decide' | 'comment' | 'cancel',
    requestId: string,
    phaseName: string | undefined,
    body: unknown,
    verb: string = operation,
  ) {
    const path = withQuery(`${GOV}/requests/${encodeURIComponent(requestId)}`, { _action: verb, phaseName });
    return this.http.send(operation, 'POST', path, ignored, body);
  }

  private async mustGet(id: string, operation: 'decide' | 'comment'): Promise<AccessRequest> {
    const request = await this.getRequest(id);
    if (!request) throw new GovernanceNotFound(operation, `Request ${id}`);
    return request;
  }

  private toDomain(request: IgaRequest): AccessRequest {
    return toAccessRequest(request, {
      serviceAccountId: this.options.serviceAccountId,
      portalUrl: this.portalUrl,
      now: this.now(),
    });
  }

  private usersPath(): string {
    return `/openidm/managed/${this.options.realm}_user`;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

/** Oldest first, each request once (offset paging over a moving list can show one twice). */
function oldestFirst(requests: AccessRequest[]): AccessRequest[] {
  const unique = new Map(requests.map((request) => [request.id, request]));
  return [...unique.values()].sort((a, b) => a.updated.localeCompare(b.updated) || a.id.localeCompare(b.id));
}

const ALL: TargetFilter = {
  operator: 'NOT',
  operand: [{ operator: 'EQUALS', operand: { targetName: 'id', targetValue: '' } }],
};

function glossaryRules(item: IgaCatalogItem) {
  for (const value of Object.values(item.glossary?.idx ?? {})) {
    const parsed = gatehouseGlossary.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return {};
}

function statusFilter(statuses: string[]): TargetFilter {
  return {
    operator: 'OR',
    operand: statuses.map((status) => ({
      operator: 'EQUALS',
      operand: { targetName: 'decision.status', targetValue: status },
    })),
  };
}

function nameContains(word: string): TargetFilter {
  return {
    operator: 'OR',
    operand: ['application.name', 'entitlement.displayName', 'assignment.name', 'role.name'].map((targetName) => ({
      operator: 'CONTAINS' as const,
      operand: { targetName, targetValue: word },
    })),
  };
}

/** Validation problems come back as 200 with `errors[]`: shown to the requester as they are. */
function refuseOnErrors(errors: { error?: string | null; message?: string | null }[] | null | undefined): void {
  const problems = (errors ?? []).map((e) => e.message ?? e.error).filter((e): e is string => Boolean(e));
  if (problems.length > 0) throw new GovernanceRejected('createRequest', problems.join('; '), 400);
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const [base, existing] = path.split('?');
  const params = new URLSearchParams(existing);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return `${base}?${params.toString()}`;
}
