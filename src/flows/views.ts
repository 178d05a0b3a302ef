import type { Failure } from '../domain/failure.js';
import type {
  AccessGrant,
  AccessRequest,
  CatalogEntry,
  CatalogItem,
  Decision,
  Principal,
  StepStatus,
} from '../domain/types.js';
import { currentStep, isOpen } from '../domain/types.js';
import type { Action } from './authorization.js';
import { MAX_TEXT_LENGTH } from './deps.js';
import { describeDuration, nameOf } from './wording.js';

/**
 * Platform-neutral view models: what a person should see, already worded, with no Slack or Teams
 * notions. Adapters render these (Block Kit, Adaptive Cards) and escape every text field that
 * came from a user (names, justifications, comments) for their platform.
 */

export interface PersonView {
  id: string;
  name: string;
  email?: string;
}

export interface StepView {
  index: number;
  /** The backend's task for this step: buttons carry it so a stale click never lands on a later step. */
  taskId?: string;
  name?: string;
  status: StepStatus;
  startedAt?: string;
  approvers: PersonView[];
  decision?: { decision: Decision; by: PersonView; at: string; reason?: string };
}

export interface RequestView {
  id: string;
  status: AccessRequest['status'];
  /** "Pending approval", "Approved", … */
  statusLabel: string;
  entry: { id: string; name: string };
  requestedFor: PersonView;
  requester: PersonView;
  justification?: string;
  /** "4 hours", when the access is time-bound. */
  duration?: string;
  /** The same as an ISO 8601 duration, to ask for it again. */
  accessDuration?: string;
  created: string;
  updated: string;
  /** When the request itself expires if nobody acts (open requests only). */
  expiresAt?: string;
  /** "step 1 of 2" while open; `total` is absent when the backend does not reveal later steps. */
  currentStep?: { index: number; total?: number; name?: string };
  steps: StepView[];
  /** The decision that closed the request, if one did. */
  outcome?: { decision: Decision; by: PersonView; at: string; reason?: string };
  comments: { id: string; author: PersonView; text: string; created: string }[];
  grantStatus?: AccessRequest['grantStatus'];
  revocationStatus?: AccessRequest['revocationStatus'];
  revocationScheduled?: string;
  /** The backend's page for this request, as whoever the view is for should open it. */
  portalUrl?: string;
  /**
   * Set when approvals are not seen or made in chat: the governance system handles them (open
   * requests also say so in `statusLabel`), and `url` is where an approver decides.
   */
  approvalsHandledIn?: { system: string; url?: string };
  /** Closed in that system in a way Gatehouse cannot read: say so, never "cancelled" or "rejected". */
  closedUnreadIn?: string;
  /**
   * Set while nobody may decide the open step from chat: its every approver is the requester or
   * the person it is for, and self-approval is refused (`stranded.ts`). `note` says so, worded for
   * whoever this view is for; `statusLabel` says it in short.
   */
  stranded?: { step: number; note: string };
  /** When the open step began to wait (or the request was made): "waiting since …" on an approver's card. */
  waitingSince?: string;
  /** Who is asking, from the directory, for an approver to decide without opening a portal. */
  requesterContext?: RequesterContext;
  /** The backend's assessment of the grant, where it has one (Okta's risk rules); unset: not assessed. */
  risk?: RiskView;
  /**
   * Set when the person looking at this decides it as someone's delegate: whose approval it is
   * ("for Bob Martinez").
   */
  onBehalfOf?: PersonView;
  /** What the person looking at this may do now. */
  actions: Action[];
}

/** Someone appointed to decide a person's approvals while they are away. */
export interface DelegationView {
  delegate: PersonView;
  /** When the appointment starts (ISO 8601); unset: it already runs. */
  from?: string;
  /** When it ends (ISO 8601); unset: until the person ends it. */
  until?: string;
  note?: string;
}

/** What deciding several approvals in one action came to: one result per item, in the order asked. */
export interface SeveralDecided {
  results: (
    | { requestId: string; ok: true; request: RequestView }
    | { requestId: string; ok: false; failure: Failure; entryName?: string }
  )[];
}

export interface RequesterContext {
  title?: string;
  department?: string;
  manager?: PersonView;
}

export interface RiskView {
  /** Each separation-of-duties rule the grant would break; empty: none found. */
  conflicts: { rule: string; description?: string }[];
  /** Approving needs a written reason (a risky grant). */
  approveNeedsReason: boolean;
}

const STATUS_LABELS: Record<AccessRequest['status'], string> = {
  submitted: 'Submitted',
  pending: 'Pending approval',
  approved: 'Approved',
  rejected: 'Rejected',
  denied: 'Denied',
  canceled: 'Cancelled',
  expired: 'Expired',
};

function person(ref: { id: string; displayName?: string; email?: string }): PersonView {
  return { id: ref.id, name: nameOf(ref), email: ref.email };
}

/** "Pending approval — approvals are handled in Okta": what an open request says when chat cannot see its steps. */
function statusLabel(request: AccessRequest): string {
  if (request.closedUnreadIn) return `Closed in ${request.closedUnreadIn}`;
  const label = STATUS_LABELS[request.status];
  const elsewhere = request.approvalsHandledIn;
  return elsewhere && isOpen(request) ? `${label} — approvals are handled in ${elsewhere.system}` : label;
}

/**
 * `viewer` is whom the view is drawn for: the request's own people get the backend's page for the
 * request, anyone else (an approver, a channel: no viewer) its approval page where it has one.
 */
export function requestView(request: AccessRequest, actions: Action[] = [], viewer?: { id: string }): RequestView {
  const step = currentStep(request);
  const steps = request.steps.map<StepView>((s) => ({
    index: s.index,
    taskId: s.taskId,
    name: s.name,
    status: s.status,
    startedAt: s.startedAt,
    approvers: s.approvers.map(person),
    decision: s.decision && {
      decision: s.decision.decision,
      by: person(s.decision.by),
      at: s.decision.at,
      reason: s.decision.reason,
    },
  }));
  const closing = ['approved', 'rejected', 'denied'].includes(request.status)
    ? [...steps].reverse().find((s) => s.decision)?.decision
    : undefined;
  return {
    id: request.id,
    status: request.status,
    statusLabel: statusLabel(request),
    entry: request.entry,
    requestedFor: person(request.requestedFor),
    requester: person(request.requester),
    justification: request.justification,
    duration: request.accessDuration ? describeDuration(request.accessDuration) : undefined,
    accessDuration: request.accessDuration,
    created: request.created,
    updated: request.updated,
    expiresAt: step ? request.expiresAt : undefined,
    currentStep: step ? { index: step.index, total: request.totalSteps, name: step.name } : undefined,
    steps,
    outcome: closing,
    comments: request.comments.map((c) => ({ id: c.id, author: person(c.author), text: c.text, created: c.created })),
    grantStatus: request.grantStatus,
    revocationStatus: request.revocationStatus,
    revocationScheduled: request.revocationScheduled,
    portalUrl: portalLink(request, viewer),
    ...(request.approvalsHandledIn ? { approvalsHandledIn: { ...request.approvalsHandledIn } } : {}),
    ...(request.closedUnreadIn ? { closedUnreadIn: request.closedUnreadIn } : {}),
    actions,
  };
}

function portalLink(request: AccessRequest, viewer: { id: string } | undefined): string | undefined {
  const own = viewer && (viewer.id === request.requester.id || viewer.id === request.requestedFor.id);
  return own ? request.portalUrl : (request.approvalUrl ?? request.portalUrl);
}

export interface CatalogItemView {
  id: string;
  name: string;
  description?: string;
  kind: CatalogItem['kind'];
}

export function catalogItemView(item: CatalogItem): CatalogItemView {
  return { id: item.id, name: item.name, description: item.description, kind: item.kind };
}

export interface CatalogEntryView extends CatalogItemView {
  justificationRequired: boolean;
  /** The longest justification this entry's request takes, in characters: the backend's limit or Gatehouse's. */
  justificationMaxLength: number;
  duration: { allowed: boolean; required: boolean; max?: string; maxLabel?: string };
}

export function catalogEntryView(entry: CatalogEntry): CatalogEntryView {
  return {
    ...catalogItemView(entry),
    justificationRequired: entry.justificationRequired,
    justificationMaxLength: Math.min(entry.justificationMaxLength ?? MAX_TEXT_LENGTH, MAX_TEXT_LENGTH),
    duration: {
      ...entry.duration,
      maxLabel: entry.duration.max ? describeDuration(entry.duration.max) : undefined,
    },
  };
}

export interface AccessView {
  entry: { id: string; name: string };
  status: AccessGrant['status'];
  expiresAt?: string;
  grantedAt?: string;
  /** What could not be read about this access (where its dates come from instead), worded for the person. */
  caveat?: string;
}

export function accessView(grant: AccessGrant): AccessView {
  return {
    entry: grant.entry,
    status: grant.status,
    expiresAt: grant.expiresAt,
    grantedAt: grant.grantedAt,
    ...(grant.caveat ? { caveat: grant.caveat } : {}),
  };
}

export function principalView(principal: Principal): PersonView {
  return { id: principal.id, name: principal.displayName || principal.email, email: principal.email };
}
