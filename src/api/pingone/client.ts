import type { GovernanceConfig } from '../../config.js';
import type { AccessGrant, AccessRequest, CatalogEntry, CatalogItem, Page, Principal } from '../../domain/types.js';
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
} from '../governance.js';
import type { VendorHttpOptions } from '../http.js';
import { PingOneAccess } from './access.js';
import { PingOneActions } from './actions.js';
import { PingOneApprovals } from './approvals.js';
import type { PingOneCatalog } from './catalog.js';
import { PingOneHttp } from './http.js';
import { PingOnePersonTokens } from './person-tokens.js';
import { CONFIG_PATH, PingOnePolicy } from './policy.js';
import { PingOnePortal } from './portal.js';
import { PingOnePrincipals } from './principals.js';
import { PingOneCatalogRecentItems } from './recent-items.js';
import { PingOneRequests } from './requests.js';
import { PingOneSubmission } from './submission.js';
import { accessRequestConfig } from './wire.js';

/** The PingOne configuration (tenant, realm, credentials, person grant), over the transport's options. */
export interface PingOneGovernanceOptions
  extends VendorHttpOptions,
    Omit<Extract<GovernanceConfig, { provider: 'pingone' }>, 'provider'> {
  /** How long a person's catalog, read whole, is searched before it is read afresh in the background. */
  catalogFreshMs?: number;
}

/**
 * The Governance port over PingOne Advanced Identity Cloud IGA: managed users (`/openidm`) for
 * identity, `/iga/governance/catalog` for what can be requested, `/iga/governance/requests` with
 * `_action=validate|create` and `_action=approve|reject|comment|cancel&phaseName=…`, and the
 * `iga_access_request` configuration for the rules. Gatehouse's own token is a governance
 * administrator's, for reads and requests; approvals and rejections go with a token acting as the
 * approver (the person grant, RFC 7523), as do comments and cancellations where it is set up.
 *
 * Each part of the port is one collaborator over the same transport (and so the same circuit):
 * policy, principals, catalog, requests, approvals, submission, actions, access.
 */
export class PingOneGovernance implements Governance {
  readonly provider = 'pingone' as const;
  private readonly http: PingOneHttp;
  private readonly rules: PingOnePolicy;
  private readonly principals: PingOnePrincipals;
  private readonly catalog: PingOneCatalog;
  private readonly requests: PingOneRequests;
  private readonly approvals: PingOneApprovals;
  private readonly submission: PingOneSubmission;
  private readonly actions: PingOneActions;
  private readonly access: PingOneAccess;

  constructor(options: PingOneGovernanceOptions) {
    this.http = new PingOneHttp(options);
    const portal = new PingOnePortal(options.tenantUrl, options.realm);
    const portalUrl = portal.home;
    const now = this.http.now;
    this.rules = new PingOnePolicy(this.http);
    this.principals = new PingOnePrincipals(this.http, options.realm);
    this.catalog = new PingOneCatalogRecentItems(this.http, this.rules, now, {
      freshMs: options.catalogFreshMs,
      logger: options.logger,
    });
    this.requests = new PingOneRequests(this.http, {
      serviceAccountId: options.serviceAccountId,
      portalUrl,
      now,
      logger: options.logger,
    });
    this.approvals = new PingOneApprovals(this.http, this.requests, options.logger);
    this.actions = new PingOneActions(this.http, this.requests, {
      portal,
      persons: options.personGrant
        ? new PingOnePersonTokens(options.personGrant, {
            timeoutMs: options.timeoutMs ?? 10_000,
            now,
            logger: options.logger,
          })
        : undefined,
      adminDecides: options.adminDecides,
      logger: options.logger,
    });
    if (!options.personGrant) {
      options.logger?.warn(
        { adminDecides: Boolean(options.adminDecides) },
        options.adminDecides
          ? 'PingOne: no person grant (PINGONE_PERSON_*), so approvals and rejections go with the service token, as PINGONE_ADMIN_DECIDES allows'
          : 'PingOne: no person grant (PINGONE_PERSON_*), so approvers are sent to PingOne to approve or reject',
      );
    }
    this.submission = new PingOneSubmission(this.http, {
      catalog: this.catalog,
      requests: this.requests,
      actions: this.actions,
      now,
    });
    this.access = new PingOneAccess(this.http);
  }

  policy(): Promise<GovernancePolicy> {
    return this.rules.read();
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
    return this.approvals.pendingFor(approver);
  }

  decide(input: DecisionInput): Promise<AccessRequest> {
    return this.actions.decide(input);
  }

  comment(input: CommentInput): Promise<AccessRequest> {
    return this.actions.comment(input);
  }

  cancel(input: CancelInput): Promise<AccessRequest> {
    return this.actions.cancel(input);
  }

  /** Hands the phase waiting now from one of its approvers to someone else (`_action=reassign`). */
  forward(input: ForwardInput): Promise<AccessRequest> {
    return this.actions.forward(input);
  }

  listAccess(principal: Principal): Promise<AccessGrant[]> {
    return this.access.held(principal);
  }

  holds(principal: Principal, entry: CatalogEntry): Promise<AccessGrant | null> {
    return this.access.holds(principal, entry);
  }

  async ping(): Promise<void> {
    await this.http.get('ping', CONFIG_PATH, accessRequestConfig);
  }

  circuit(): CircuitStatus {
    return this.http.circuit;
  }
}
