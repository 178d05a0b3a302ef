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

export function renderEntry(entry: CatalogEntryRecord, base: string): OktaCatalogEntry {
  const related =
    entry.resource.type === 'GROUP'
      ? `${base}/api/v1/groups/${entry.resource.id}`
      : `${base}/api/v1/apps/${entry.resource.id}`;
  return {
    id: entry.id,
    name: entry.name,
    description: entry.description,
    label: entry.label,
    ...(entry.parent ? { parent: entry.parent } : {}),
    requestable: entry.requestable,
    _links: {
      self: link(`${base}${V2}/catalogs/default/entries/${entry.id}`),
      ...(entry.requestable
        ? { createRequest: link(`${base}${V2}/my/catalogs/default/entries/${entry.id}/requests`) }
        : {}),
      relatedEntity: link(related),
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
 * A request as lists carry it [request-sparse-2]: no requester field values, access duration,
 * scheduled revocation or approval details (only a read of the one request has those).
 */
export function renderRequestSparse(
  request: RequestRecord,
  routing: ApprovalRouting | undefined,
  base: string,
): OktaAccessRequestSparse {
  const {
    requesterFieldValues: _values,
    accessDuration: _duration,
    revocationScheduled: _scheduled,
    ...sparse
  } = renderRequest(request, routing, base);
  return sparse;
}

/** A task as the list carries it (TaskSparse): who completed it is only on a read of the one task. */
export function renderTaskSparse(task: TaskRecord, base: string): OktaTaskSparse {
  const { completedBy: _completedBy, ...sparse } = renderTask(task, base);
  return sparse;
}

export function renderTask(task: TaskRecord, base: string): OktaTask {
  return {
    ...task,
    _links: { self: link(`${base}${V2}/tasks/${task.id}`), request: link(`${base}${V2}/requests/${task.requestId}`) },
  };
}

export function renderGrant(grant: GrantRecord, base: string): OktaGrant {
  return { ...grant, _links: { self: link(`${base}/governance/api/v1/grants/${grant.id}`) } };
}
