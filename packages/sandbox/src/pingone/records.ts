/**
 * The emulated PingOne AIC tenant's records, with IGA's field names (the API reference, and the
 * shapes Ping's own UI reads: Tasks.test.js, AccessRequestUtils.js, RequestHeader.vue). Fields
 * that are not IGA's are marked so, and never leave the tenant.
 */

export interface IgaPerson {
  id: string;
  userName: string;
  givenName: string;
  sn: string;
  mail: string;
}

export interface ManagedUserRecord extends IgaPerson {
  _id: string;
  accountStatus: 'active' | 'inactive';
  managerId?: string;
}

export interface CatalogRecord {
  id: string;
  item: { type: 'accountGrant' | 'entitlementGrant' | 'roleMembership' };
  application?: { id: string; name: string; description?: string };
  /**
   * The entitlement, its name kept here; served at `descriptor.idx./entitlement.displayName` or at
   * `entitlement.displayName`, as the tenant's `entitlementNames` says.
   */
  entitlement?: { id: string; displayName: string; description?: string };
  assignment?: { id: string; name: string };
  role?: { id: string; name: string; description?: string };
  /**
   * Organisation-defined glossary attributes (IGA lets each company add its own); Gatehouse reads
   * three, when present: whether a justification is required, and whether and how long access may
   * be time-bound.
   */
  glossary: { idx: Record<string, GatehouseGlossary> };
  /** Not IGA's: who may request it, and its workflow's phases, kept beside the item. */
  requesterGroupIds?: string[];
  phases: PhasePlan[];
  outcome: 'provisioned' | 'not provisioned' | null;
}

export interface GatehouseGlossary {
  requireJustification?: boolean;
  accessDuration?: 'none' | 'optional' | 'required';
  maxAccessDuration?: string;
}

/** Who decides one approval phase. */
export type ApprovalPlan =
  | { approvers: 'MANAGER' }
  | { approvers: 'USERS'; userIds: string[] }
  | { approvers: 'GROUP'; groupId: string };

/**
 * One phase of a request type's workflow: an approval, a wait (IGA's "Wait Until Start Date":
 * until `until`, or the request's start date), or a manual fulfillment by these people.
 */
export type PhasePlan = ApprovalPlan | { kind: 'wait'; until?: string } | { kind: 'fulfillment'; userIds: string[] };

/** What an actor may do on their phase; Ping's UI offers exactly the actions set here. */
export type Permissions = Partial<
  Record<'approve' | 'reject' | 'fulfill' | 'deny' | 'reassign' | 'modify' | 'comment', boolean>
>;

export interface ActorRecord extends IgaPerson {
  phase: string;
  permissions: Permissions;
}

export type PhaseType = 'request' | 'scheduled' | 'fulfillment';

export interface PhaseRecord {
  name: string;
  displayName: string;
  /** `request` is an approval; `scheduled` a wait; `fulfillment` a manual fulfillment task. */
  type: PhaseType;
  status: 'in-progress' | 'complete' | 'expired' | 'cancelled';
  decision: 'approve' | 'reject' | 'fulfill' | 'deny' | null;
  startDate: string;
  completionDate: string | null;
  completedBy: IgaPerson | null;
  events: { expiration?: { date: string }; scheduled?: { date: string } };
}

export interface CommentRecord {
  timeStamp: string;
  user: IgaPerson;
  comment: string;
  action: 'comment' | 'approve' | 'reject' | 'cancel' | 'fulfill' | 'deny' | 'reassign';
}

/** Where a tenant writes entitlement names (see PingOneTenantOptions.entitlementNames). */
export type EntitlementNames = 'descriptor' | 'entitlement';

/** What `_action=create` gives in `result` (see PingOneTenantOptions.createAnswer). */
export type CreateAnswer = 'requests' | 'ids' | 'none';

/** How `searchAfterKey` is written in search answers (see PingOneTenantOptions.searchAfterKey). */
export type SearchAfterKey = 'array' | 'string' | 'null';

export type RequestOutcome =
  | 'provisioned'
  | 'not provisioned'
  | 'fulfilled'
  | 'denied'
  | 'cancelled'
  | 'expired'
  | null;

/** How the tenant writes a request whose approval ran out of time (see PingOneTenantOptions.expiredAs). */
export type ExpiredAs = 'cancelled' | 'outcome' | 'status';

export interface RequestRecord {
  id: string;
  requestType: 'applicationGrant' | 'entitlementGrant' | 'roleGrant';
  requester: IgaPerson;
  user: IgaPerson;
  request: {
    common: { justification?: string; startDate?: string; endDate?: string; isDraft: false; priority: string };
  };
  application?: CatalogRecord['application'];
  entitlement?: CatalogRecord['entitlement'];
  assignment?: CatalogRecord['assignment'];
  role?: CatalogRecord['role'];
  decision: {
    /**
     * `suspended`: waiting at a wait phase; `provisioning`: approved, access being provisioned;
     * `expired` only on a tenant told to write expiry so (`expiredAs: 'status'`).
     */
    status: 'in-progress' | 'suspended' | 'provisioning' | 'complete' | 'cancelled' | 'expired';
    decision: 'approved' | 'rejected' | null;
    outcome: RequestOutcome;
    startDate: string;
    completionDate: string | null;
    deadline: string | null;
    comments: CommentRecord[];
    phases: PhaseRecord[];
    actors: { active: ActorRecord[]; inactive: ActorRecord[] };
  };
  metadata: { createdDate: string; modifiedDate: string };
  /** Not IGA's: the phases still to come and how provisioning ends. */
  plan: { catalogId: string; phases: PhasePlan[]; outcome: CatalogRecord['outcome'] };
}

export interface AccessRequestConfig {
  requireRequestJustification: boolean;
  requireRejectJustification: boolean;
  requireApproveJustification: boolean;
  allowSelfApproval: boolean;
  preventRequestWithViolation: boolean;
}

export interface CallRecord {
  method: string;
  path: string;
  /** The `_action` query parameter, when there is one. */
  action?: string;
  /** The `phaseName` an action named, when it did. */
  phaseName?: string;
  /** Every query parameter sent (`_sortKeys`, `_sortType`, `actorStatus`…). */
  query: Record<string, string>;
  status: number;
}

export interface Fault {
  method?: string;
  path?: RegExp;
  action?: string;
  status: number;
  times: number;
  /** Do the work, then answer with the error (the caller cannot know it landed). */
  afterWrite?: boolean;
}

export class IgaProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
