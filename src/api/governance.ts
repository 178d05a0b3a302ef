import type {
  AccessGrant,
  AccessRequest,
  CatalogEntry,
  CatalogItem,
  Decision,
  DelegateAppointment,
  Page,
  Principal,
  RequestStatus,
  RiskAssessment,
} from '../domain/types.js';

// Whose turn a call through the port spends is part of calling it: flows say when a read is for
// nobody waiting (a card's context drawn by the notifier), the clients spend by it.
export { currentPriority, type Priority, withPriority } from './priority.js';

/**
 * The one interface every governance backend implements (Okta, PingOne). Flows depend on this and
 * nothing else; implementations parse vendor JSON at their edge and throw the typed errors of
 * src/domain/errors.ts.
 */
export interface Governance {
  readonly provider: 'okta' | 'pingone';

  /** Rules the backend imposes on decisions, read from its configuration where it has one. */
  policy(): Promise<GovernancePolicy>;

  findPrincipalsByEmail(email: string): Promise<Principal[]>;
  getPrincipal(id: string): Promise<Principal | null>;

  /** Entries the principal may request, best match first. Empty text lists the first `limit` entries. */
  searchCatalog(principal: Principal, text: string, limit: number): Promise<CatalogItem[]>;
  getCatalogEntry(principal: Principal, entryId: string): Promise<CatalogEntry | null>;

  createRequest(input: CreateRequestInput): Promise<AccessRequest>;
  getRequest(id: string): Promise<AccessRequest | null>;
  listRequests(query: RequestQuery): Promise<Page<AccessRequest>>;
  /**
   * Which requests changed after `updatedSince`, oldest change first: ids and times, and the request
   * itself where the backend's search answered it whole, so a poll costs its pages and its syncs
   * read only what the search left out.
   */
  listChanges(query: ChangeQuery): Promise<Page<RequestChange>>;
  /** Open requests whose current step names this principal as an approver. */
  listPendingApprovals(approver: Principal): Promise<AccessRequest[]>;

  decide(input: DecisionInput): Promise<AccessRequest>;
  comment(input: CommentInput): Promise<AccessRequest>;
  cancel(input: CancelInput): Promise<AccessRequest>;

  listAccess(principal: Principal): Promise<AccessGrant[]>;

  /**
   * Whether the person holds `entry` now, for the warning before they ask for it again: cheaper
   * than listAccess (one read where nothing is held). Absent: the flow reads listAccess.
   */
  holds?(principal: Principal, entry: CatalogEntry): Promise<AccessGrant | null>;

  /**
   * What granting `entryId` to `principal` would risk (Okta's risk-rule assessment). Absent where
   * the backend has no such assessment (PingOne); the card then says nothing of risk.
   */
  assessRisk?(input: RiskInput): Promise<RiskAssessment>;

  /**
   * Hands the open step an approver was asked to decide to someone else (Okta reassigns the task,
   * PingOne reassigns the phase). Absent where the backend cannot; the flow says so.
   */
  forward?(input: ForwardInput): Promise<AccessRequest>;

  /** Who decides a person's approvals while they are away. Absent where the backend has no delegates. */
  delegation?: Delegation;

  /** Cheap reachability check for /readyz; throws a governance error when unreachable. */
  ping(): Promise<void>;

  /** Whether calls flow, or are refused at once after repeated failures (for /readyz). */
  circuit?(): CircuitStatus;
}

/** `open`: the backend kept failing and calls are refused without trying it until a cooldown ends. */
export type CircuitStatus = 'closed' | 'open' | 'half-open';

export interface GovernancePolicy {
  requireRequestJustification: boolean;
  requireRejectReason: boolean;
  requireApproveReason: boolean;
  allowSelfApproval: boolean;
}

export interface CreateRequestInput {
  requester: Principal;
  requestedFor: Principal;
  entryId: string;
  justification?: string;
  /** ISO 8601 duration (`PT4H`, `P7D`). */
  accessDuration?: string;
}

export interface RequestQuery {
  requestedFor?: string;
  status?: RequestStatus[];
  updatedSince?: string;
  cursor?: string;
  limit?: number;
}

export interface ChangeQuery {
  updatedSince: string;
  cursor?: string;
  limit?: number;
}

/** A request that changed, and when: what a poll needs to queue its sync. */
export interface RequestChange {
  id: string;
  updated: string;
  /**
   * The request as the change search answered it, whole (PingOne's search answers requests with
   * their phases and comments); unset where the listing leaves out what a card shows (Okta's).
   */
  request?: AccessRequest;
}

export interface DecisionInput {
  requestId: string;
  /** The approval task being decided, so a decision never lands on a later step by accident. */
  taskId?: string;
  approver: Principal;
  decision: Decision;
  reason?: string;
  /** Where the decision was made ("Slack", "Teams"), for the audit trail when the API cannot attribute it. */
  via?: string;
}

export interface CommentInput {
  requestId: string;
  author: Principal;
  text: string;
  via?: string;
}

export interface CancelInput {
  requestId: string;
  by: Principal;
  reason?: string;
}

export interface RiskInput {
  principal: Principal;
  entryId: string;
}

export interface ForwardInput {
  requestId: string;
  /** The step's task, so a forward never lands on a later step by accident. */
  taskId?: string;
  /** The approver handing the step on; the backend checks they may. */
  by: Principal;
  to: Principal;
  reason?: string;
  via?: string;
}

/** Okta's governance delegates: one current appointment per person, set and ended by the person. */
export interface Delegation {
  /** The person's appointment, if any (ended ones are not returned). */
  current(delegator: Principal): Promise<DelegateAppointment | null>;
  /** Appoints `delegate` from now (or `startsAt`) until `endsAt`, replacing any appointment. */
  appoint(input: {
    delegator: Principal;
    delegate: Principal;
    startsAt?: string;
    endsAt?: string;
    note?: string;
  }): Promise<DelegateAppointment>;
  /** Ends the person's appointment; nothing to end is not an error. */
  end(delegator: Principal): Promise<void>;
  /** People who appointed `delegate` and whose appointment covers now: whose cards the delegate gets. */
  delegatorsOf(delegate: Principal): Promise<DelegateAppointment[]>;
}
