import type { ApprovalRouting } from './org.js';
import type { CatalogEntryRecord, GrantRecord, RequestRecord, TaskRecord, UserRecord } from './records.js';
import type {
  OktaAccessRequest,
  OktaAccessRequestSparse,
  OktaCatalogEntry,
  OktaGrant,
  OktaTask,
  OktaTaskSparse,
  OktaUser,
} from './wire.js';

/**
 * Records as Okta answers them: the same fields plus `_links` built from `base`, the org URL as the
 * client addressed it (origin + the emulator's prefix).
 */

const link = (href: string) => ({ href, hints: {} });
const V2 = '/governance/api/v2';

export function renderUser(user: UserRecord, base: string): OktaUser {
  return {
    ...user,
    type: { id: 'oty00000000000000000' },
    profile: { ...user.profile },
    _links: { self: link(`${base}/api/v1/users/${user.id}`) },
  };
}

/**
 * [rcar-entry] `label` is "currently either Application or Resource Collection", and the document's
 * examples of access levels below an app carry none: so an app says Application, a collection
 * Resource Collection, and anything else (an access level, a request type) no label.
 */
function entryLabel(entry: CatalogEntryRecord): 'Application' | 'Resource Collection' | undefined {
  if (entry.label === 'Resource Collection') return entry.label;
  return entry.label === 'Application' && !entry.parent && !entry.requestable ? 'Application' : undefined;
}

export function renderEntry(entry: CatalogEntryRecord, base: string): OktaCatalogEntry {
  const label = entryLabel(entry);
  return {
    id: entry.id,
    name: entry.name,
    description: entry.description,
    ...(label ? { label } : {}),
    ...(entry.parent ? { parent: entry.parent } : {}),
    requestable: entry.requestable,
    _links: {
      self: link(`${base}${V2}/catalogs/default/entries/${entry.id}`),
      ...(entry.requestable
        ? { createRequest: link(`${base}${V2}/my/catalogs/default/entries/${entry.id}/requests`) }
        : {}),
      // A request type is not an entity of the management API.
      ...(entry.resource.type === 'APPLICATION'
        ? { relatedEntity: link(`${base}/api/v1/apps/${entry.resource.id}`) }
        : {}),
    },
  };
}

export function renderRequest(
  request: RequestRecord,
  routing: ApprovalRouting | undefined,
  base: string,
): OktaAccessRequest {
  return {
    ...request,
    _links: {
      catalogEntry: {
        href: `${base}${V2}/catalogs/default/entries/${request.requested.entryId}`,
        type: 'application/json',
      },
      ...(routing
        ? {
            approvalCondition: link(
              `${base}${V2}/resources/${routing.resourceId}/request-conditions/${routing.conditionId}`,
            ),
            approvalSequence: link(`${base}/next/sequences/${routing.approvalSequenceId}`),
          }
        : {}),
      self: link(`${base}${V2}/requests/${request.id}`),
    },
  };
}

/**
 * What a listed request carries [request-sparse-2]: `read-only-standard-properties` and
 * `request-minimal-read-only-fields-2`, nothing else. No requester field values, access duration,
 * scheduled revocation, approval (`requestApproval`) or risk assessment: only a read of the one
 * request has those. Named, not subtracted, so a field the records gain stays off lists.
 */
const REQUEST_SPARSE_FIELDS = [
  'id',
  'created',
  'createdBy',
  'lastUpdated',
  'lastUpdatedBy',
  'status',
  'resolved',
  'grantStatus',
  'granted',
  'revocationStatus',
  'revoked',
  'requestedBy',
  'requestedFor',
  'requested',
  '_links',
] as const satisfies readonly (keyof OktaAccessRequestSparse)[];

/** A request as lists carry it [request-sparse-2]: only the fields above that it has. */
export function renderRequestSparse(
  request: RequestRecord,
  routing: ApprovalRouting | undefined,
  base: string,
): OktaAccessRequestSparse {
  const whole = renderRequest(request, routing, base);
  return Object.fromEntries(
    REQUEST_SPARSE_FIELDS.filter((field) => whole[field] !== undefined).map((field) => [field, whole[field]]),
  ) as OktaAccessRequestSparse;
}

/**
 * A task as the list carries it (TaskSparse, closed in tasks-api.yaml): id, assignees, status,
 * label, requestId, createdAt, updatedAt, type and value; who completed it, and links, only on a
 * read of the one task.
 */
export function renderTaskSparse(task: TaskRecord): OktaTaskSparse {
  return {
    id: task.id,
    assignees: task.assignees.map((assignee) => ({ ...assignee })),
    status: task.status,
    label: task.label,
    requestId: task.requestId,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    type: task.type,
    ...(task.value === undefined ? {} : { value: task.value }),
  };
}

export function renderTask(task: TaskRecord, base: string): OktaTask {
  return {
    ...task,
    _links: { self: link(`${base}${V2}/tasks/${task.id}`), request: link(`${base}${V2}/requests/${task.requestId}`) },
  };
}

/** Where a grant's ORNs come from: the org's id and the name of the app it targets. */
export interface GrantNaming {
  orgId: string;
  /** The app's name as its ORN spells it (`salesforce` in `orn:okta:idp:<org>:apps:salesforce:<appId>`). */
  appName(appId: string): string;
}

/**
 * A grant [grant-full], with the ORNs the document requires, shaped as its examples are:
 * `orn:okta:directory:<orgId>:users:<userId>` and `orn:okta:idp:<orgId>:apps:<appName>:<appId>`.
 * No `entitlements`: the examples show them only on CUSTOM grants of entitlement values, which the
 * emulated catalog does not have (and `[]` would also fit listGrants' other oneOf branch).
 */
export function renderGrant(grant: GrantRecord, base: string, naming: GrantNaming): OktaGrant {
  const { target, targetPrincipal } = grant;
  return {
    ...grant,
    targetPrincipalOrn: `orn:okta:directory:${naming.orgId}:users:${targetPrincipal.externalId}`,
    targetResourceOrn: `orn:okta:idp:${naming.orgId}:apps:${naming.appName(target.externalId)}:${target.externalId}`,
    _links: {
      self: link(`${base}/governance/api/v1/grants/${grant.id}`),
      ...(grant.entitlementBundleId
        ? { entitlementBundle: link(`${base}/governance/api/v1/entitlement-bundles/${grant.entitlementBundleId}`) }
        : {}),
    },
  };
}
