import { z } from 'zod';

/**
 * The JSON the emulated org accepts and answers, written from Okta's published Governance OpenAPI
 * document ("Okta Governance API" 3.2.0, okta/okta-governance-sdk-golang governance/api/openapi.yaml;
 * the copy read is ../shared/reference/vendor/okta-governance/openapi.yaml). Each type names its
 * schema in [brackets]; field names and which fields are required follow the schema. Two APIs
 * the emulator serves are not in that document, and say where they come from instead: the Tasks
 * API (Beta, newer than 3.2.0) and the core Users API.
 *
 * The emulator's own on purpose: Gatehouse's Okta client has its wire file (src/api/okta/wire.ts),
 * and sharing one would let a mistake in it pass both sides unnoticed.
 *
 * Where the emulator answers more than a schema lists, the type says so; where it leaves out a
 * field a schema requires, the field is optional here and marked "not served".
 */

// ---- Shared pieces ----

/** [link]: only `href` is required. */
export type OktaLink = {
  href: string;
  name?: string;
  rel?: string;
  type?: string;
  method?: string;
  templated?: boolean;
  hints?: Record<string, unknown>;
  title?: string;
};

/** [principal-type] */
const principalType = z.literal('OKTA_USER');

/** [target-principal]: `externalId` (an Okta user id) and `type`, both required. */
const targetPrincipal = z.object({ externalId: z.string(), type: principalType });
export type OktaTargetPrincipal = z.infer<typeof targetPrincipal>;

/**
 * Who asked. The 3.2.0 document types `requestedBy` as [target-principal] (OKTA_USER only) and says
 * it is by default "the admin user ID requesting this operation"; one of its examples
 * (`request-get-pending-with-client-credentials`) shows `{ "type": "UNKNOWN", "externalId": "pca…" }`
 * instead. The emulator keeps to the schema and the description: a service app, which is no admin
 * user, must name the requester (submission.ts).
 */
export type OktaRequester = OktaTargetPrincipal;

/** [request-field-type] */
export const requestFieldType = z.enum(['TEXT', 'SELECT', 'MULTISELECT', 'ISO_DATE', 'DURATION', 'OKTA_USER_ID']);
export type OktaRequestFieldType = z.infer<typeof requestFieldType>;

// ---- What the emulator accepts ----

/**
 * [request-field-value]: `id` required; `value` for one value, `values` ([field-option-value]
 * strings) for MULTISELECT. `ACCESS_DURATION` and `OKTA_ACCESS_DURATION` are reserved ids.
 */
const requestFieldValue = z.object({
  id: z.string(),
  label: z.string().optional(),
  type: requestFieldType.optional(),
  value: z.string().optional(),
  values: z.array(z.string()).optional(),
});

/**
 * `POST /governance/api/v2/requests` [request-creatable-2]: `requested`
 * [request-resource-catalog-entry-creatable] (`type` CATALOG_ENTRY and `entryId`, both required) and
 * `requestedFor` are required; `requestedBy` and `requesterFieldValues` optional.
 */
export const createRequestBody = z.object({
  requested: z.object({ type: z.literal('CATALOG_ENTRY'), entryId: z.string() }),
  requestedFor: targetPrincipal,
  requestedBy: targetPrincipal.optional(),
  requesterFieldValues: z.array(requestFieldValue).optional(),
});
export type OktaCreateRequestBody = z.infer<typeof createRequestBody>;

/**
 * `PATCH /governance/api/v2/requests/{requestId}` (Beta; not in the 3.2.0 document: updaterequestv2 on
 * developer.okta.com): `status` [request-status-patchable], only CANCELED.
 */
export const updateRequestBody = z.object({ status: z.literal('CANCELED') }).strict();

/**
 * `POST /governance/api/v2/requests/{requestId}/messages` [request-message-creatable]
 * (allOf [request-message-mutable]): `message` required, 1 to 5000 characters.
 */
export const messageBody = z.object({ message: z.string().min(1).max(5000) });

/**
 * `POST /governance/api/v2/tasks/{taskId}/resolve`. Not in the 3.2.0 document: the Tasks API
 * (Beta) is documented on developer.okta.com (resolvetaskv2) and in the newer SDK's TasksAPI.md
 * (docs/okta-api-notes.md §3). An APPROVAL task, the only kind the emulator has, requires `value`
 * APPROVED or DENIED.
 */
export const resolveTaskBody = z.object({ value: z.enum(['APPROVED', 'DENIED']) });

// ---- What the emulator answers ----

/**
 * A user of the core Users API (`/api/v1/users`), Okta's management API, which is not in the
 * governance document: the fields of Okta's published user object that the emulator keeps.
 */
export type OktaUser = {
  id: string;
  status:
    | 'STAGED'
    | 'PROVISIONED'
    | 'ACTIVE'
    | 'RECOVERY'
    | 'PASSWORD_EXPIRED'
    | 'LOCKED_OUT'
    | 'SUSPENDED'
    | 'DEPROVISIONED';
  created: string;
  activated: string | null;
  statusChanged: string | null;
  lastLogin: string | null;
  lastUpdated: string;
  type: { id: string };
  profile: {
    login: string;
    email: string;
    firstName: string | null;
    lastName: string | null;
    [attribute: string]: unknown;
  };
  _links: { self: OktaLink };
};

/**
 * A catalog entry [rcar-entry]: `id`, `name`, `requestable` and `_links` [rcar-entry-links] (`self`
 * required) are required. `label` is "currently either Application or Resource Collection"; the
 * document's examples of access levels below an app have none.
 */
export type OktaCatalogEntry = {
  id: string;
  name: string;
  description?: string;
  label?: 'Application' | 'Resource Collection';
  parent?: string;
  requestable: boolean;
  _links: {
    self: OktaLink;
    logo?: OktaLink[];
    parent?: OktaLink;
    createRequest?: OktaLink;
    submittedRequest?: OktaLink;
    pendingRequest?: OktaLink;
    relatedEntity?: OktaLink;
  };
};

/**
 * A field a request must or may carry [request-field] (in [catalog-entry-request-fields]): `id`,
 * `type` and `required` are required; `value`, `maximumValue` apply to DURATION fields only.
 */
export type OktaRequestField = {
  id: string;
  type: OktaRequestFieldType;
  required: boolean;
  choices?: string[];
  label?: string;
  value?: string;
  maximumValue?: string;
  readOnly?: boolean;
};

/** [request-status] */
export type OktaRequestStatus = 'SUBMITTED' | 'REJECTED' | 'PENDING' | 'APPROVED' | 'DENIED' | 'CANCELED' | 'EXPIRED';

/**
 * [request-approval-2]: `type` [approval-provider-type] and `providerName` required. The decision
 * object [request-approval-decision] names the decider `deciderId` and `deciderName` and the
 * decision APPROVE, DENY or CANCEL [approval-decision-enum]; every example of a decided request in
 * the same document says `userId`, `userName`, APPROVED and DENIED instead. The emulator answers as
 * the schema says (the spec guard holds it to the schema); Gatehouse's client reads both.
 */
export type OktaRequestApproval = {
  type: 'OKTA' | 'EXTERNAL';
  providerName: string;
  providerDescription?: string;
  externalRequestId?: string;
  status?: 'APPROVED' | 'DENIED';
  decided?: string;
  decisions?: {
    deciderId: string;
    deciderName?: string;
    decision: 'APPROVE' | 'DENY' | 'CANCEL';
    decided: string;
    originalDeciderId?: string;
    originalDeciderFullName?: string;
    originalDeciderEmail?: string;
    deciderDelegated?: boolean;
    deciderEscalated?: boolean;
  }[];
};

/**
 * A request [request-full-2]; the create answer (202) is [request-submission-full], the same
 * fields with `status` SUBMITTED. Required: `id`, `created`, `createdBy`, `lastUpdated`,
 * `lastUpdatedBy`, `status`, `requestedBy`, `requestedFor`, `requested` and `_links`
 * [request-links-2] (`self` required).
 */
export type OktaAccessRequest = {
  id: string;
  created: string;
  createdBy: string;
  lastUpdated: string;
  lastUpdatedBy: string;
  status: OktaRequestStatus;
  resolved?: string | null;
  /** [request-grant-status] */
  grantStatus?: 'PENDING' | 'GRANTED' | 'FAILED' | 'MANUAL_REQUIRED';
  granted?: string | null;
  /** [request-revocation-status] */
  revocationStatus?: 'PENDING' | 'REVOKED' | 'FAILED';
  revoked?: string | null;
  /** [request-duration]: an ISO 8601 duration in one unit (P40D, PT65H, PT90M). */
  accessDuration?: string;
  revocationScheduled?: string;
  requestedBy: OktaRequester;
  requestedFor: OktaTargetPrincipal;
  /**
   * [requested]. `resourceType` [resource-type-3] is APPLICATION or REQUEST_TYPE and
   * `accessScopeType` [access-scope-type] ENTITLEMENT_BUNDLE, GROUP, APPLICATION or REQUEST_TYPE.
   */
  requested: {
    entryId?: string;
    resourceId?: string;
    resourceType?: 'APPLICATION' | 'REQUEST_TYPE';
    accessScopeId?: string;
    accessScopeType?: 'ENTITLEMENT_BUNDLE' | 'GROUP' | 'APPLICATION' | 'REQUEST_TYPE';
  };
  /** [request-field-values]: echoed with their `label` and `type`. */
  requesterFieldValues?: {
    id: string;
    label?: string;
    type?: OktaRequestFieldType;
    value?: string;
    values?: string[];
  }[];
  requestApproval?: OktaRequestApproval;
  _links: {
    self: OktaLink;
    catalogEntry?: OktaLink;
    approvalCondition?: OktaLink;
    approvalSequence?: OktaLink;
  };
};

/** A list item [request-sparse-2]: the request without what only a read of it carries. */
export type OktaAccessRequestSparse = Omit<
  OktaAccessRequest,
  'requesterFieldValues' | 'accessDuration' | 'revocationScheduled' | 'requestApproval'
>;

/**
 * A task (`TaskFull` of the Tasks API, Beta; not in the 3.2.0 document, see resolveTaskBody).
 * Required: `id`, `requestId`, `status`, `type`, `label`, `assignees`, `createdAt`, `updatedAt`.
 */
export type OktaTask = {
  id: string;
  requestId: string;
  status: 'OPEN' | 'COMPLETED' | 'ASSIGNING' | 'LOCKED';
  type: 'QUESTION' | 'APPROVAL' | 'TODO';
  label: string;
  value?: string | null;
  assignees: OktaTargetPrincipal[];
  /**
   * [task-completed-by] is an OKTA_USER. Who Okta records when a service app resolves a task is not
   * published; the emulator names the app's `pca…` principal (UNKNOWN), as Okta's requests do.
   */
  completedBy?: { externalId: string; type: 'OKTA_USER' | 'UNKNOWN' };
  isEscalated?: boolean;
  isDelegated?: boolean;
  originalAssigneeId?: string | null;
  createdAt: string;
  updatedAt: string;
  _links?: { self: OktaLink; request?: OktaLink };
};

/** A list item (`TaskSparse`): id, assignees, status, label, requestId, createdAt, updatedAt, type, value; nothing else. */
export type OktaTaskSparse = Pick<
  OktaTask,
  'id' | 'assignees' | 'status' | 'label' | 'requestId' | 'createdAt' | 'updatedAt' | 'type' | 'value'
>;

/**
 * A grant [grant-full]. Required: `id`, `created`, `createdBy`, `lastUpdated`, `lastUpdatedBy`,
 * `grantType` [grant-type], `action` [grant-action], `actor` [grant-actor], `status`
 * [grant-status], `target` [target-resource], `targetPrincipal` [target-principal-full], `_links`
 * [resource-grant-links], and the ORNs `targetPrincipalOrn` and `targetResourceOrn`. `target.type`
 * [resource-type-2] is APPLICATION only. `entitlements` only with `include=full_entitlements`
 * ([grant-full-with-entitlements]), which the emulator does not serve.
 */
export type OktaGrant = {
  id: string;
  created: string;
  createdBy: string;
  lastUpdated: string;
  lastUpdatedBy: string;
  grantType: 'CUSTOM' | 'ENTITLEMENT-BUNDLE' | 'POLICY' | 'ENTITLEMENT';
  entitlementBundleId?: string;
  action: 'ALLOW' | 'DENY';
  actor: 'API' | 'ACCESS_REQUEST' | 'NONE' | 'ADMIN';
  status: 'ACTIVE' | 'SCHEDULED' | 'INACTIVE' | 'EXPIRED';
  target: { externalId: string; type: 'APPLICATION' };
  targetPrincipal: OktaTargetPrincipal;
  targetPrincipalOrn: string;
  targetResourceOrn: string;
  /** [schedule-settings-writeable] */
  scheduleSettings?: { expirationDate?: string; timeZone?: string };
  _links: { self: OktaLink; entitlementBundle?: OktaLink };
};
