/**
 * The platform-neutral vocabulary of Gatehouse. Vendor clients map their JSON into these types at
 * the edge (src/api); flows and adapters only ever see these.
 */

export interface Principal {
  id: string;
  email: string;
  displayName: string;
  login?: string;
  /** The governance system may know a person's manager: shown on approval cards, and where reminders escalate. */
  managerId?: string;
  /** From the directory, for the approver's card: who is asking. */
  title?: string;
  department?: string;
  active: boolean;
}

/**
 * What the backend says granting an entry to a person would risk (Okta's risk-rule assessment):
 * each separation-of-duties rule the grant would break. No conflicts: nothing found.
 */
export interface RiskAssessment {
  conflicts: RiskConflict[];
}

export interface RiskConflict {
  /** The rule's name as administrators wrote it ("Process and Approve Payment"). */
  rule: string;
  description?: string;
  /** The backend's kind of rule, `SEPARATION_OF_DUTIES` for Okta's. */
  type: string;
}

/** Someone appointed to decide a person's approvals while they are away (Okta's governance delegates). */
export interface DelegateAppointment {
  id?: string;
  delegator: PrincipalRef;
  delegate: PrincipalRef;
  /** When the appointment starts and ends (ISO 8601); unset: from now, until ended. */
  startsAt?: string;
  endsAt?: string;
  note?: string;
}

/** A pointer to a person as a request or a decision names them (the full Principal is not always known). */
export interface PrincipalRef {
  id: string;
  displayName?: string;
  email?: string;
}

export type CatalogEntryKind = 'app' | 'group' | 'bundle' | 'entitlement';

export interface DurationRule {
  /** Whether the requester may ask for time-bound access at all. */
  allowed: boolean;
  /** Whether the requester must choose a duration (the entry only grants time-bound access). */
  required: boolean;
  /** ISO 8601 duration, e.g. `P7D`: the longest access the entry grants. */
  max?: string;
}

/** What a catalog search returns: enough to pick from. */
export interface CatalogItem {
  id: string;
  name: string;
  description?: string;
  kind: CatalogEntryKind;
}

/** One entry with the rules a request for it must follow, as they apply to one requester. */
export interface CatalogEntry extends CatalogItem {
  /** Whether the requester must explain why. */
  justificationRequired: boolean;
  /** The longest justification the backend takes, in characters (code points); unset: no limit of its own. */
  justificationMaxLength?: number;
  duration: DurationRule;
}

/** One enum for both backends' request lifecycles (Okta v2 `status`, PingOne request status). */
export type RequestStatus = 'submitted' | 'pending' | 'approved' | 'rejected' | 'denied' | 'canceled' | 'expired';

export type GrantStatus = 'pending' | 'granted' | 'failed' | 'manual_grant_required';
export type RevocationStatus = 'pending' | 'revoked' | 'failed';

export type Decision = 'approve' | 'reject';

export interface StepDecision {
  by: PrincipalRef;
  decision: Decision;
  at: string;
  reason?: string;
}

export type StepStatus = 'waiting' | 'pending' | 'approved' | 'rejected' | 'skipped' | 'expired' | 'canceled';

export interface ApprovalStep {
  /** 1-based position in the approval sequence. */
  index: number;
  /** The backend's id for this step's approval task, when it has one. */
  taskId?: string;
  name?: string;
  status: StepStatus;
  /** When this step started waiting for its approvers, when the backend says. */
  startedAt?: string;
  approvers: PrincipalRef[];
  decision?: StepDecision;
}

/**
 * Where a request's approvals are handled when it cannot be done in chat: the backend does not show
 * Gatehouse this request's approval steps (an API the org lacks or withholds, or a kind of request
 * approved elsewhere). Its steps are then unknown, nobody is asked from chat, and its approvers decide
 * in `system` itself, at `url`.
 */
export interface ApprovalsElsewhere {
  /** The governance system as people know it ("Okta"). */
  system: string;
  /** Where to go to decide. */
  url?: string;
}

export interface Comment {
  id: string;
  author: PrincipalRef;
  text: string;
  created: string;
}

export interface AccessRequest {
  id: string;
  status: RequestStatus;
  requestedFor: PrincipalRef;
  requester: PrincipalRef;
  entry: { id: string; name: string };
  justification?: string;
  /** ISO 8601 duration asked for, when the access is time-bound. */
  accessDuration?: string;
  created: string;
  updated: string;
  /** When a still-pending request expires if nobody acts. */
  expiresAt?: string;
  /** Steps known so far, in order. A backend may only reveal a step once it starts. */
  steps: ApprovalStep[];
  /** How many steps the approval sequence has, when the backend says. */
  totalSteps?: number;
  comments: Comment[];
  grantStatus?: GrantStatus;
  revocationStatus?: RevocationStatus;
  revocationScheduled?: string;
  /** A link to the request in the governance system's own portal: the page its requester follows it on. */
  portalUrl?: string;
  /**
   * Where an approver opens this request to decide it in that portal, when the backend has such a
   * page apart from `portalUrl` (PingOne: its approval page; Okta documents none, so it is unset).
   */
  approvalUrl?: string;
  /** Set when approvals cannot be seen or made from chat: say so, and where they are made. */
  approvalsHandledIn?: ApprovalsElsewhere;
  /**
   * The system that closed this request in a way Gatehouse cannot read (no decision, grant,
   * cancellation or expiry it recognises). Its status is then `canceled` for the rules (closed,
   * nothing granted), but people are told it closed there, never that anyone cancelled or rejected it.
   */
  closedUnreadIn?: string;
}

export interface AccessGrant {
  id: string;
  entry: { id: string; name: string };
  status: 'active' | 'scheduled' | 'expired' | 'inactive';
  /** When time-bound access ends. */
  expiresAt?: string;
  grantedAt?: string;
  /** What could not be read about this access, worded for the person (the dates' source, say). */
  caveat?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  cursor?: string;
}

export function isOpen(request: AccessRequest): boolean {
  return request.status === 'pending' || request.status === 'submitted';
}

/** The step that is waiting for a decision now, if any. */
export function currentStep(request: AccessRequest): ApprovalStep | undefined {
  if (!isOpen(request)) return undefined;
  return request.steps.find((step) => step.status === 'pending');
}
