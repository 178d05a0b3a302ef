import type {
  AccessGrant,
  AccessRequest,
  CatalogEntry,
  CatalogItem,
  Page,
  Principal,
  RiskAssessment,
} from '../../domain/types.js';
import type {
  CancelInput,
  ChangeQuery,
  CircuitStatus,
  CommentInput,
  CreateRequestInput,
  DecisionInput,
  ForwardInput,
  Governance,
  GovernancePolicy,
  RequestChange,
  RequestQuery,
  RiskInput,
} from '../governance.js';
import { OktaAccess } from './access.js';
import { OktaCancellation } from './cancellation.js';
import type { OktaCatalog } from './catalog.js';
import { OktaDecisions } from './decisions.js';
import { OktaDelegation } from './delegation.js';
import { OktaForwarding } from './forwarding.js';
import { OktaFullReads } from './full-reads.js';
import { OktaHttp, type OktaHttpOptions } from './http.js';
import { OktaMessages } from './messages.js';
import { OktaOrns } from './orns.js';
import { END_USER_CATALOG, V2 } from './paths.js';
import { OktaPrincipals } from './principals.js';
import { OktaCatalogRecentForms } from './recent-forms.js';
import { OktaRequests } from './requests.js';
import { OktaRisk } from './risk.js';
import { OktaSubmission } from './submission.js';
import { OktaTasks } from './tasks.js';
import { accessRequestList } from './wire.js';

export interface OktaGovernanceOptions extends OktaHttpOptions {
  /** Where people finish what chat cannot do (Okta's end-user catalog by default: paths.ts says why not a request's page). */
  portalUrl?: string;
  /** Okta's tasks carry no reason; Gatehouse asks for one on reject unless told not to. */
  rejectReasonRequired?: boolean;
  /** Some teams want every approval explained too; off by default, as in Okta's own flows. */
  approveReasonRequired?: boolean;
  /** How long a person's catalog, read whole, is searched before it is read afresh in the background. */
  catalogFreshMs?: number;
  /** The org's id (`00o…`), which Okta's resource names carry; read from the org's public metadata when unset. */
  orgId?: string;
}

/**
 * The Governance port over Okta Identity Governance: users API for identity, catalog v2 for what
 * can be requested, requests v2 for the requests themselves, and the Tasks API for approval steps
 * and decisions. Decisions are made with Gatehouse's admin credentials on behalf of the approver
 * Gatehouse has verified; a request message records who decided and where.
 *
 * Each part of the port is one collaborator over the same transport (and so the same rate limits
 * and circuit): principals, catalog, requests and their tasks, submission, decisions, messages,
 * access.
 */
export class OktaGovernance implements Governance {
  readonly provider = 'okta' as const;
  private readonly http: OktaHttp;
  private readonly portalUrl: string;
  private readonly principals: OktaPrincipals;
  private readonly catalog: OktaCatalog;
  private readonly requests: OktaRequests;
  private readonly submission: OktaSubmission;
  private readonly decisions: OktaDecisions;
  private readonly messages: OktaMessages;
  private readonly access: OktaAccess;
  private readonly cancellation: OktaCancellation;
  private readonly risk: OktaRisk;
  private readonly forwarding: OktaForwarding;
  /** Governance delegates (Beta): who decides a person's approvals while they are away. */
  readonly delegation: OktaDelegation;

  constructor(private readonly options: OktaGovernanceOptions) {
    this.http = new OktaHttp(options);
    this.portalUrl = options.portalUrl ?? `${options.orgUrl}${END_USER_CATALOG}`;
    const portalUrl = this.portalUrl;
    const reads = new OktaFullReads(this.http);
    const tasks = new OktaTasks(this.http, reads, { portalUrl, logger: options.logger });
    const orns = new OktaOrns(this.http, options.orgId);
    this.principals = new OktaPrincipals(this.http);
    this.catalog = new OktaCatalogRecentForms(this.http, { freshMs: options.catalogFreshMs, logger: options.logger });
    this.requests = new OktaRequests(this.http, {
      principals: this.principals,
      catalog: this.catalog,
      tasks,
      reads,
      portalUrl,
      orns,
    });
    this.submission = new OktaSubmission(this.http, {
      catalog: this.catalog,
      requests: this.requests,
      portalUrl,
      logger: options.logger,
    });
    this.messages = new OktaMessages(this.http, options.logger);
    this.decisions = new OktaDecisions({ tasks, messages: this.messages, requests: this.requests });
    this.access = new OktaAccess(this.http, { catalog: this.catalog, reads, logger: options.logger });
    this.cancellation = new OktaCancellation(
      this.http,
      { requests: this.requests, messages: this.messages, portalUrl },
      reads,
    );
    this.risk = new OktaRisk(this.http, orns, options.logger);
    this.delegation = new OktaDelegation(this.http, this.principals);
    this.forwarding = new OktaForwarding(this.http, {
      tasks,
      messages: this.messages,
      requests: this.requests,
      portalUrl,
    });
  }

  async policy(): Promise<GovernancePolicy> {
    return {
      requireRequestJustification: false,
      requireRejectReason: this.options.rejectReasonRequired ?? true,
      requireApproveReason: this.options.approveReasonRequired ?? false,
      allowSelfApproval: false,
    };
  }

  findPrincipalsByEmail(email: string): Promise<Principal[]> {
    return this.principals.findByEmail(email);
  }

  getPrincipal(id: string): Promise<Principal | null> {
    return this.principals.get(id);
  }

  searchCatalog(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    return this.catalog.search(principal, text, limit);
  }

  getCatalogEntry(principal: Principal, entryId: string): Promise<CatalogEntry | null> {
    return this.catalog.entry(principal, entryId);
  }

  createRequest(input: CreateRequestInput): Promise<AccessRequest> {
    return this.submission.create(input);
  }

  getRequest(id: string): Promise<AccessRequest | null> {
    return this.requests.get(id);
  }

  listRequests(query: RequestQuery): Promise<Page<AccessRequest>> {
    return this.requests.list(query);
  }

  listChanges(query: ChangeQuery): Promise<Page<RequestChange>> {
    return this.requests.changes(query);
  }

  listPendingApprovals(approver: Principal): Promise<AccessRequest[]> {
    return this.requests.pendingFor(approver);
  }

  decide(input: DecisionInput): Promise<AccessRequest> {
    return this.decisions.decide(input);
  }

  async comment(input: CommentInput): Promise<AccessRequest> {
    // Okta reads no comment back: a message changes nothing the request shows, so the read that
    // came just before it (who may comment) is the request after it too. Taken before the post,
    // which may wait on the budget longer than a read stays at hand.
    const recent = this.requests.takeRecent(input.requestId);
    await this.messages.comment(input);
    if (recent) return this.requests.toDomain(recent.request, recent.tasks);
    return this.requests.mustGet(input.requestId, 'comment');
  }

  cancel(input: CancelInput): Promise<AccessRequest> {
    return this.cancellation.cancel(input);
  }

  listAccess(principal: Principal): Promise<AccessGrant[]> {
    return this.access.held(principal);
  }

  holds(principal: Principal, entry: CatalogEntry): Promise<AccessGrant | null> {
    return this.access.holds(principal, entry.id);
  }

  /**
   * Okta's risk assessment of granting the entry (Beta). GovernanceUnsupported when there is none to
   * give: the org refuses it, or the entry is not a bundle whose request this process has read.
   */
  assessRisk(input: RiskInput): Promise<RiskAssessment> {
    return this.risk.assess(input);
  }

  /** Hands the open step from one of its approvers to someone else (the Tasks API's reassign). */
  forward(input: ForwardInput): Promise<AccessRequest> {
    return this.forwarding.forward(input);
  }

  async ping(): Promise<void> {
    await this.http.get('ping', `${V2}/requests`, accessRequestList, { limit: 1 });
  }

  circuit(): CircuitStatus {
    return this.http.circuit;
  }
}
