import { z } from 'zod';

/**
 * Okta's JSON, as documented in the Okta Identity Governance OpenAPI spec (okta-governance-sdk-golang
 * governance/api/openapi.yaml) and the core users API. Only fields Gatehouse reads are required;
 * everything else passes through (`loose`) so Okta adding fields never breaks us. The Okta
 * emulator (@gatehouse/sandbox) has its own wire types, written from the spec, not these.
 */

const link = z.object({ href: z.string() }).loose();
const links = z.record(z.string(), z.union([link, z.array(link)])).optional();

export const oktaUser = z
  .object({
    id: z.string(),
    status: z.string(),
    profile: z
      .object({
        login: z.string().optional(),
        email: z.string().optional(),
        firstName: z.string().nullish(),
        lastName: z.string().nullish(),
        displayName: z.string().nullish(),
        title: z.string().nullish(),
        department: z.string().nullish(),
        managerId: z.string().nullish(),
        manager: z.string().nullish(),
      })
      .loose(),
  })
  .loose();
export type OktaUser = z.infer<typeof oktaUser>;

export const oktaUserList = z.array(oktaUser);

export const principalRef = z.object({ type: z.string(), externalId: z.string() }).loose();

export const catalogEntry = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullish(),
    /** "Application" or "Resource Collection" per the spec; none on the access levels below an app. */
    label: z.string().nullish(),
    parent: z.string().nullish(),
    requestable: z.boolean(),
    _links: links,
  })
  .loose();
export type OktaCatalogEntry = z.infer<typeof catalogEntry>;

export const catalogEntryList = z.object({ data: z.array(catalogEntry), _links: links }).loose();

export const requestFieldType = z.enum(['TEXT', 'SELECT', 'MULTISELECT', 'ISO_DATE', 'DURATION', 'OKTA_USER_ID']);

export const requestField = z
  .object({
    id: z.string(),
    type: z.union([requestFieldType, z.string()]),
    required: z.boolean().default(true),
    label: z.string().nullish(),
    choices: z.array(z.string()).nullish(),
    value: z.string().nullish(),
    maximumValue: z.string().nullish(),
    readOnly: z.boolean().nullish(),
  })
  .loose();
export type OktaRequestField = z.infer<typeof requestField>;

export const requestFieldList = z.object({ data: z.array(requestField) }).loose();

export const requestStatus = z.enum(['SUBMITTED', 'PENDING', 'APPROVED', 'REJECTED', 'DENIED', 'CANCELED', 'EXPIRED']);
export const grantStatus = z.enum(['PENDING', 'GRANTED', 'FAILED', 'MANUAL_REQUIRED']);
export const revocationStatus = z.enum(['PENDING', 'REVOKED', 'FAILED']);

export const requesterFieldValue = z
  .object({
    id: z.string(),
    label: z.string().nullish(),
    type: z.string().nullish(),
    value: z.string().nullish(),
    values: z.array(z.string()).nullish(),
  })
  .loose();

export const accessRequest = z
  .object({
    id: z.string(),
    created: z.string(),
    createdBy: z.string().nullish(),
    lastUpdated: z.string(),
    lastUpdatedBy: z.string().nullish(),
    status: requestStatus,
    resolved: z.string().nullish(),
    grantStatus: grantStatus.nullish(),
    granted: z.string().nullish(),
    revocationStatus: revocationStatus.nullish(),
    revoked: z.string().nullish(),
    revocationScheduled: z.string().nullish(),
    accessDuration: z.string().nullish(),
    requestedBy: principalRef.nullish(),
    requestedFor: principalRef,
    requested: z
      .object({
        entryId: z.string(),
        resourceId: z.string().nullish(),
        resourceType: z.string().nullish(),
        accessScopeId: z.string().nullish(),
        accessScopeType: z.string().nullish(),
      })
      .loose(),
    requesterFieldValues: z.array(requesterFieldValue).nullish(),
    /**
     * [request-approval-2], on a read of one request once the approval system decided. Kept
     * unparsed here, so a shape Gatehouse does not expect never fails the read: mapping.ts reads
     * its decisions with `approvalDecisions`.
     */
    requestApproval: z.unknown().optional(),
    _links: links,
  })
  .loose();
export type OktaAccessRequest = z.infer<typeof accessRequest>;

/**
 * [request-approval-decision]: the schema names the decider `deciderId`/`deciderName` and the
 * decision APPROVE, DENY or CANCEL; the same document's examples say `userId`/`userName` and
 * APPROVED/DENIED. Both are read.
 */
export const approvalDecisions = z
  .object({
    decisions: z
      .array(
        z
          .object({
            deciderId: z.string().nullish(),
            deciderName: z.string().nullish(),
            userId: z.string().nullish(),
            userName: z.string().nullish(),
            decision: z.string(),
            decided: z.string().nullish(),
          })
          .loose(),
      )
      .nullish(),
  })
  .loose();

export const accessRequestList = z.object({ data: z.array(accessRequest), _links: links }).loose();

export const createRequestBody = z.object({
  requested: z.object({ type: z.literal('CATALOG_ENTRY'), entryId: z.string() }),
  requestedFor: z.object({ type: z.literal('OKTA_USER'), externalId: z.string() }),
  requestedBy: z.object({ type: z.literal('OKTA_USER'), externalId: z.string() }).optional(),
  requesterFieldValues: z
    .array(z.object({ id: z.string(), value: z.string().optional(), values: z.array(z.string()).optional() }))
    .optional(),
});
export type OktaCreateRequestBody = z.infer<typeof createRequestBody>;

export const taskStatus = z.enum(['OPEN', 'COMPLETED', 'ASSIGNING', 'LOCKED']);

export const task = z
  .object({
    id: z.string(),
    requestId: z.string(),
    status: taskStatus,
    type: z.string(),
    label: z.string().nullish(),
    value: z.string().nullish(),
    assignees: z.array(principalRef),
    completedBy: principalRef.nullish(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .loose();
export type OktaTask = z.infer<typeof task>;

export const taskList = z.object({ data: z.array(task), _links: links }).loose();

export const resolveTaskBody = z.object({ value: z.enum(['APPROVED', 'DENIED']) });

export const messageBody = z.object({ message: z.string().min(1) });

export const grant = z
  .object({
    id: z.string(),
    grantType: z.string(),
    status: z.string(),
    action: z.string().nullish(),
    actor: z.string().nullish(),
    created: z.string().nullish(),
    target: z.object({ externalId: z.string(), type: z.string() }).loose(),
    targetPrincipal: principalRef,
    scheduleSettings: z.object({ expirationDate: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type OktaGrant = z.infer<typeof grant>;

export const grantList = z.object({ data: z.array(grant), _links: links }).loose();

/** Anything: for answers whose body we do not read (201 with an empty body). */
export const ignored = z.unknown();

/**
 * [risk-assessment-response]: each risk rule the grant would break. `ruleName` is required by the
 * schema of one conflict (`rule-conflict`), `description` and `type` (only SEPARATION_OF_DUTIES so
 * far) are not; `data` holds at most 200.
 */
export const riskAssessment = z
  .object({
    data: z.array(
      z
        .object({
          ruleId: z.string().nullish(),
          ruleName: z.string(),
          description: z.string().nullish(),
          type: z.string().nullish(),
        })
        .loose(),
    ),
  })
  .loose();

/** [potential-risk-assessment-request]: the person and the resource, both as ORNs. */
export const riskAssessmentBody = z.object({ principalOrn: z.string(), resourceOrn: z.string().optional() });

/** Okta's public org metadata (`/.well-known/okta-organization`): the org's id, which its ORNs name. */
export const orgMetadata = z.object({ id: z.string().regex(/^00o[0-9a-zA-Z]+$/) }).loose();

/**
 * [delegate-appointment]: who stands in for whom, when, and why. The document requires `delegator`,
 * yet its own example of a principal-settings answer leaves it out: optional here.
 */
export const delegateAppointment = z
  .object({
    id: z.string().optional(),
    delegator: z.object({ externalId: z.string() }).loose().nullish(),
    delegate: z.object({ externalId: z.string() }).loose(),
    startTime: z.string().nullish(),
    endTime: z.string().nullish(),
    note: z.string().nullish(),
  })
  .loose();
export type OktaDelegateAppointment = z.infer<typeof delegateAppointment>;

/** [delegate-appointment-list] */
export const delegateAppointmentList = z.object({ data: z.array(delegateAppointment), _links: links }).loose();

/** [principal-settings]: the person's appointments, at most one. */
export const principalSettings = z
  .object({ delegates: z.object({ appointments: z.array(delegateAppointment).nullish() }).loose() })
  .loose();
