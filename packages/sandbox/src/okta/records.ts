import type { OktaRequestFieldType } from './wire.js';

/**
 * What the emulated org holds. Records that Okta returns keep Okta's field names, so answering is
 * adding `_links`; configuration Okta keeps out of these objects (request conditions, approval
 * sequences, who belongs to which group) lives beside them.
 *
 * Type aliases rather than interfaces: a user's profile on the wire (wire.ts) takes any attribute
 * (an index signature), which only aliases satisfy implicitly.
 */

export type UserStatus = 'ACTIVE' | 'SUSPENDED' | 'STAGED' | 'PROVISIONED' | 'DEPROVISIONED' | 'LOCKED_OUT';

export type UserRecord = {
  id: string;
  status: UserStatus;
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  profile: {
    login: string;
    email: string;
    firstName: string;
    lastName: string;
    displayName?: string;
    title?: string;
    department?: string;
    managerId?: string;
    manager?: string;
  };
};

export type GroupRecord = {
  id: string;
  name: string;
  description: string;
  memberIds: string[];
};

/** Who decides one step of an approval sequence. */
export type ApprovalStep =
  | { approvers: 'MANAGER' }
  | { approvers: 'USERS'; userIds: string[] }
  | { approvers: 'GROUP'; groupId: string };

export type AccessDurationSettings =
  | { type: 'ADMIN_FIXED_DURATION'; duration: string }
  | { type: 'REQUESTER_SPECIFIED_DURATION'; maximumDuration: string; required: boolean };

/** Okta's request condition: who may request, what they must say, how long access lasts and who approves. */
export type RequestCondition = {
  id: string;
  approvalSequenceId: string;
  requesters: { type: 'EVERYONE' } | { type: 'GROUPS'; groupIds: string[] };
  justification: { fieldId: string; required: boolean };
  accessDuration?: AccessDurationSettings;
  approvalSequence: ApprovalStep[];
};

/**
 * What kind of thing an entry grants, as the seed describes it (the PingOne emulator's seed reads it
 * too). Not what Okta answers as `label`: render.ts says what the document does (Application for an
 * app, nothing for an access level below it).
 */
export type EntryLabel = 'Application' | 'Group' | 'Entitlement Bundle' | 'Resource Collection';
export type GrantOutcome = 'GRANTED' | 'FAILED' | 'MANUAL_REQUIRED';
/**
 * [resource-type-3]: an app, or a legacy request type (Okta Access Requests' own request types,
 * approved in Okta's Access Requests app: no Tasks API tasks, no grant record).
 */
export type ResourceType = 'APPLICATION' | 'REQUEST_TYPE';
/** [access-scope-type] */
export type AccessScopeType = 'APPLICATION' | 'GROUP' | 'ENTITLEMENT_BUNDLE' | 'REQUEST_TYPE';

/** A grant an approved request of this entry creates. [target-resource] `type` is APPLICATION only. */
export type GrantTemplate = {
  grantType: 'ENTITLEMENT-BUNDLE' | 'CUSTOM' | 'POLICY';
  target: { externalId: string; type: 'APPLICATION' };
  entitlementBundleId?: string;
};

export type CatalogEntryRecord = {
  id: string;
  name: string;
  description: string;
  label: EntryLabel;
  parent?: string;
  requestable: boolean;
  resource: { id: string; type: ResourceType };
  accessScope: { id: string; type: AccessScopeType };
  /** Present on requestable entries only. */
  condition?: RequestCondition;
  grants: GrantTemplate[];
  /** How provisioning ends once approved; most end GRANTED. */
  grantOutcome: GrantOutcome;
};

export type RequestStatus = 'SUBMITTED' | 'PENDING' | 'APPROVED' | 'REJECTED' | 'DENIED' | 'CANCELED' | 'EXPIRED';
export type GrantStatus = 'PENDING' | 'GRANTED' | 'FAILED' | 'MANUAL_REQUIRED';
export type RevocationStatus = 'PENDING' | 'REVOKED' | 'FAILED';
export type Decision = 'APPROVED' | 'DENIED';

export type PrincipalRef = {
  type: 'OKTA_USER' | 'UNKNOWN';
  externalId: string;
};

export type RequesterFieldValue = {
  id: string;
  label: string;
  type: OktaRequestFieldType;
  value: string;
};

/**
 * [request-approval-decision]: `deciderId`, `decision` and `decided` required. The document's own
 * examples name the decider `userId`/`userName` and say APPROVED/DENIED; its schema, which the spec
 * guard holds answers to, says `deciderId`/`deciderName` and APPROVE/DENY/CANCEL.
 */
export type ApprovalDecision = {
  deciderId: string;
  deciderName: string;
  decision: 'APPROVE' | 'DENY' | 'CANCEL';
  decided: string;
  deciderDelegated?: boolean;
  originalDeciderId?: string;
  originalDeciderFullName?: string;
  originalDeciderEmail?: string;
};

export type RequestApproval = {
  type: 'OKTA';
  providerName: string;
  status: Decision;
  decided: string;
  decisions: ApprovalDecision[];
};

export type RequestRecord = {
  id: string;
  created: string;
  createdBy: string;
  lastUpdated: string;
  lastUpdatedBy: string;
  status: RequestStatus;
  resolved?: string;
  grantStatus?: GrantStatus;
  granted?: string;
  revocationStatus?: RevocationStatus;
  revoked?: string;
  revocationScheduled?: string;
  accessDuration?: string;
  /** [target-principal]: always a user (a service app names one: submission.ts). */
  requestedBy: { type: 'OKTA_USER'; externalId: string };
  requestedFor: { type: 'OKTA_USER'; externalId: string };
  requested: {
    entryId: string;
    resourceId: string;
    resourceType: ResourceType;
    accessScopeId: string;
    accessScopeType: AccessScopeType;
  };
  requesterFieldValues: RequesterFieldValue[];
  requestApproval?: RequestApproval;
};

export type TaskStatus = 'OPEN' | 'COMPLETED' | 'ASSIGNING' | 'LOCKED';

export type TaskRecord = {
  id: string;
  requestId: string;
  status: TaskStatus;
  type: 'APPROVAL';
  label: string;
  value?: Decision;
  assignees: { externalId: string; type: 'OKTA_USER' }[];
  completedBy?: PrincipalRef;
  /** Assigned to the delegate of the approver the step named (TaskFull `isDelegated`, `originalAssigneeId`). */
  isDelegated?: boolean;
  originalAssigneeId?: string;
  createdAt: string;
  updatedAt: string;
};

export type GrantRecordStatus = 'ACTIVE' | 'EXPIRED' | 'INACTIVE' | 'SCHEDULED';

export type GrantRecord = {
  id: string;
  grantType: GrantTemplate['grantType'];
  entitlementBundleId?: string;
  action: 'ALLOW';
  actor: 'ACCESS_REQUEST' | 'ADMIN';
  status: GrantRecordStatus;
  created: string;
  createdBy: string;
  lastUpdated: string;
  lastUpdatedBy: string;
  target: { externalId: string; type: 'APPLICATION' };
  targetPrincipal: { externalId: string; type: 'OKTA_USER' };
  scheduleSettings?: { expirationDate: string };
};

/** A request comment posted through the API (Okta has no API to read them back). */
export type MessageRecord = {
  requestId: string;
  message: string;
  author: PrincipalRef;
  created: string;
};

export type AccessRequestEventType =
  | 'access.request.create'
  | 'access.request.resolve'
  | 'access.request.cancel'
  | 'access.request.reject'
  | 'access.request.expire'
  | 'access.request.update';

/** A System Log event, as an event hook would deliver it. */
export type OktaEvent = {
  uuid: string;
  eventType: AccessRequestEventType;
  published: string;
  displayMessage: string;
  actor: { id: string; type: string; displayName: string };
  /** The request; its `type` string is not published by Okta (OktaOrgOptions.hookTargetType). */
  target: { id: string; type: string; displayName: string }[];
  outcome: { result: 'SUCCESS' };
};

/** One HTTP call the emulator answered (status 0 when the connection was reset instead). */
export type CallRecord = {
  method: string;
  /** Below the plugin's prefix, without the query string. */
  path: string;
  status: number;
};

/** Who is calling: the SSWS token's user, or a service app's principal for OAuth tokens. */
export type Actor = {
  externalId: string;
  type: 'OKTA_USER' | 'UNKNOWN';
  displayName: string;
};
