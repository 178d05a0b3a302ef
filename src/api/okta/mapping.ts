import type {
  AccessGrant,
  AccessRequest,
  ApprovalStep,
  CatalogEntry,
  CatalogEntryKind,
  CatalogItem,
  Decision,
  GrantStatus,
  Principal,
  PrincipalRef,
  RequestStatus,
} from '../../domain/types.js';
import {
  approvalDecisions,
  type OktaAccessRequest,
  type OktaCatalogEntry,
  type OktaGrant,
  type OktaRequestField,
  type OktaTask,
  type OktaUser,
} from './wire.js';

/** Okta JSON → domain types. The only place that knows Okta's field names and enums. */

const ACTIVE_USER_STATUSES = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'PROVISIONED']);

export function toPrincipal(user: OktaUser): Principal {
  const profile = user.profile;
  const name = profile.displayName || [profile.firstName, profile.lastName].filter(Boolean).join(' ');
  return {
    id: user.id,
    email: profile.email ?? profile.login ?? '',
    displayName: name || profile.email || profile.login || user.id,
    login: profile.login,
    // Okta's base user profile (title, department, managerId): on the same read, so no call of their own.
    managerId: profile.managerId || undefined,
    title: profile.title || undefined,
    department: profile.department || undefined,
    active: ACTIVE_USER_STATUSES.has(user.status),
  };
}

export function toPrincipalRef(user: Principal): PrincipalRef {
  return { id: user.id, displayName: user.displayName, email: user.email };
}

const KINDS: Record<string, CatalogEntryKind> = {
  application: 'app',
  group: 'group',
  'entitlement bundle': 'bundle',
  'resource collection': 'bundle',
  entitlement: 'entitlement',
};

export function toCatalogItem(entry: OktaCatalogEntry, parentName?: string): CatalogItem {
  return {
    id: entry.id,
    name: parentName && !entry.name.startsWith(parentName) ? `${parentName}: ${entry.name}` : entry.name,
    description: entry.description ?? undefined,
    kind: KINDS[(entry.label ?? '').toLowerCase()] ?? (entry.parent ? 'entitlement' : 'app'),
  };
}

export const DURATION_FIELD_IDS = new Set(['ACCESS_DURATION', 'OKTA_ACCESS_DURATION']);

/** Where the justification goes: the first free-text field of the entry's request form. */
export function justificationField(fields: OktaRequestField[]): OktaRequestField | undefined {
  return fields.find((field) => field.type === 'TEXT');
}

export function durationField(fields: OktaRequestField[]): OktaRequestField | undefined {
  return fields.find((field) => field.type === 'DURATION' || DURATION_FIELD_IDS.has(field.id));
}

/** [request-field-value] `value`: at most 1000 characters (JSON Schema maxLength: code points). */
export const JUSTIFICATION_MAX_LENGTH = 1000;

export function toCatalogEntry(item: CatalogItem, fields: OktaRequestField[]): CatalogEntry {
  const duration = durationField(fields);
  const editable = duration && !duration.readOnly;
  return {
    ...item,
    justificationRequired: Boolean(justificationField(fields)?.required),
    justificationMaxLength: JUSTIFICATION_MAX_LENGTH,
    duration: {
      allowed: Boolean(editable),
      required: Boolean(editable && duration?.required),
      max: (editable ? duration?.maximumValue : duration?.value) ?? undefined,
    },
  };
}

const STATUSES: Record<OktaAccessRequest['status'], RequestStatus> = {
  SUBMITTED: 'submitted',
  PENDING: 'pending',
  APPROVED: 'approved',
  REJECTED: 'rejected',
  DENIED: 'denied',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
};

const GRANT_STATUSES: Record<NonNullable<OktaAccessRequest['grantStatus']>, GrantStatus> = {
  PENDING: 'pending',
  GRANTED: 'granted',
  FAILED: 'failed',
  MANUAL_REQUIRED: 'manual_grant_required',
};

export interface RequestContext {
  entryName: string;
  /** Names for the Okta user ids this request mentions. */
  people: Map<string, PrincipalRef>;
  /** Its Tasks API tasks; null when Okta does not show them (approvals are then handled in Okta). */
  tasks: OktaTask[] | null;
  portalUrl: string;
}

function ref(id: string, people: Map<string, PrincipalRef>): PrincipalRef {
  return people.get(id) ?? { id };
}

/** Each approval task is one step; the request's own status closes steps Okta left open. */
function toSteps(request: OktaAccessRequest, context: RequestContext): ApprovalStep[] {
  if (!context.tasks) return decidedSteps(request, context);
  const approvals = context.tasks
    .filter((task) => task.type === 'APPROVAL' && task.requestId === request.id)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return approvals.map((task, index) => {
    const decided = task.status === 'COMPLETED' && (task.value === 'APPROVED' || task.value === 'DENIED');
    const open = task.status !== 'COMPLETED';
    let status: ApprovalStep['status'] = decided ? (task.value === 'APPROVED' ? 'approved' : 'rejected') : 'pending';
    if (open && request.status === 'EXPIRED') status = 'expired';
    else if (open && request.status === 'CANCELED') status = 'canceled';
    else if (!decided && !open) status = 'skipped';
    return {
      index: index + 1,
      taskId: task.id,
      name: task.label ?? undefined,
      status,
      startedAt: task.createdAt,
      approvers: task.assignees.map((assignee) => ref(assignee.externalId, context.people)),
      decision:
        decided && task.completedBy
          ? {
              by: ref(task.completedBy.externalId, context.people),
              decision: task.value === 'APPROVED' ? 'approve' : 'reject',
              at: task.updatedAt,
            }
          : undefined,
    };
  });
}

/**
 * Without tasks, the decisions Okta recorded on the request ([request-approval-2], once decided):
 * each one a decided step, so a closed request still says who decided it and when. Nothing is
 * invented for a request still open.
 */
function decidedSteps(request: OktaAccessRequest, context: RequestContext): ApprovalStep[] {
  return approvalDecisionsOf(request).map((decision, index) => ({
    index: index + 1,
    status: decision.decision === 'approve' ? 'approved' : 'rejected',
    approvers: [ref(decision.by, context.people)],
    decision: {
      by: ref(decision.by, context.people),
      decision: decision.decision,
      at: decision.at ?? request.resolved ?? request.lastUpdated,
    },
  }));
}

/** The approve and deny decisions on a request, whichever of the document's two spellings Okta uses. */
function approvalDecisionsOf(request: OktaAccessRequest): { by: string; decision: Decision; at?: string }[] {
  const parsed = approvalDecisions.safeParse(request.requestApproval);
  if (!parsed.success) return [];
  return (parsed.data.decisions ?? []).flatMap((decision) => {
    const by = decision.deciderId ?? decision.userId;
    const verdict = DECISIONS[decision.decision.toUpperCase()];
    return by && verdict ? [{ by, decision: verdict, at: decision.decided ?? undefined }] : [];
  });
}

/** [approval-decision-enum] APPROVE, DENY (CANCEL is no decision), and the examples' APPROVED, DENIED. */
const DECISIONS: Record<string, Decision | undefined> = {
  APPROVE: 'approve',
  APPROVED: 'approve',
  DENY: 'reject',
  DENIED: 'reject',
};

/** Where approvals are made when chat cannot see them: Okta, with Gatehouse's link to it. */
export function approvalsInOkta(portalUrl: string): { system: string; url: string } {
  return { system: 'Okta', url: portalUrl };
}

export function toAccessRequest(request: OktaAccessRequest, context: RequestContext): AccessRequest {
  const justification = request.requesterFieldValues?.find((field) => field.type === 'TEXT' && field.value)?.value;
  const requester = request.requestedBy?.type === 'OKTA_USER' ? request.requestedBy.externalId : request.createdBy;
  return {
    id: request.id,
    status: STATUSES[request.status],
    requestedFor: ref(request.requestedFor.externalId, context.people),
    requester: ref(requester ?? request.requestedFor.externalId, context.people),
    entry: { id: request.requested.entryId, name: context.entryName },
    justification: justification ?? undefined,
    accessDuration: request.accessDuration ?? undefined,
    created: request.created,
    updated: request.lastUpdated,
    steps: toSteps(request, context),
    comments: [],
    grantStatus: request.grantStatus ? GRANT_STATUSES[request.grantStatus] : undefined,
    revocationStatus: request.revocationStatus
      ? (request.revocationStatus.toLowerCase() as AccessRequest['revocationStatus'])
      : undefined,
    revocationScheduled: request.revocationScheduled ?? undefined,
    portalUrl: context.portalUrl,
    ...(context.tasks ? {} : { approvalsHandledIn: approvalsInOkta(context.portalUrl) }),
  };
}

/** The Okta user ids a request mentions, to look their names up once. */
export function peopleIn(request: OktaAccessRequest, tasks: OktaTask[] | null): string[] {
  const ids = new Set<string>([request.requestedFor.externalId]);
  if (request.requestedBy?.type === 'OKTA_USER') ids.add(request.requestedBy.externalId);
  if (!tasks) for (const decision of approvalDecisionsOf(request)) ids.add(decision.by);
  for (const task of tasks ?? []) {
    for (const assignee of task.assignees) ids.add(assignee.externalId);
    if (task.completedBy) ids.add(task.completedBy.externalId);
  }
  return [...ids];
}

export function toAccessGrant(grant: OktaGrant, entry: { id: string; name: string }, granted?: string): AccessGrant {
  const status = grant.status.toLowerCase();
  return {
    id: grant.id,
    entry,
    status: status === 'active' || status === 'scheduled' || status === 'expired' ? status : 'inactive',
    expiresAt: grant.scheduleSettings?.expirationDate ?? undefined,
    grantedAt: granted ?? grant.created ?? undefined,
  };
}

/**
 * A duration as Okta takes it ([request-duration]): one unit only, days, hours or minutes (P40D,
 * PT65H, PT90M; not P1DT2H, not weeks), in at most five characters. The largest unit that divides
 * it exactly and fits; undefined when no such form says exactly this long.
 */
export function toOktaDuration(seconds: number): string | undefined {
  const forms = [
    seconds % 86_400 === 0 && `P${seconds / 86_400}D`,
    seconds % 3_600 === 0 && `PT${seconds / 3_600}H`,
    seconds % 60 === 0 && `PT${seconds / 60}M`,
  ];
  return forms.find((form): form is string => typeof form === 'string' && form.length <= 5 && seconds > 0);
}
