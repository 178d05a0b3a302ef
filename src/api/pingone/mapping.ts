import type {
  AccessRequest,
  ApprovalStep,
  CatalogEntryKind,
  CatalogItem,
  Comment,
  GrantStatus,
  Principal,
  PrincipalRef,
  RequestStatus,
  StepStatus,
} from '../../domain/types.js';
import { approvalLink, myRequestLink } from './portal.js';
import type { IgaCatalogItem, IgaPhase, IgaRequest, IgaUser, ManagedUser } from './wire.js';

/** IGA names people `managed/user/<uuid>` in actors and comments, and `<uuid>` elsewhere. */
export function bareId(id: string): string {
  return id.replace(/^managed\/(?:[a-z]+_)?user\//, '');
}

export function personRef(user: IgaUser): PrincipalRef {
  const name = [user.givenName, user.sn].filter(Boolean).join(' ').trim();
  return { id: bareId(user.id), displayName: name || user.userName || undefined, email: user.mail ?? undefined };
}

export function toPrincipal(user: ManagedUser): Principal {
  const name = [user.givenName, user.sn].filter(Boolean).join(' ').trim();
  return {
    id: user._id,
    email: user.mail ?? '',
    displayName: name || user.userName || user.mail || user._id,
    login: user.userName ?? undefined,
    active: (user.accountStatus ?? 'active').toLowerCase() === 'active',
  };
}

type Named = { id: string; name?: string | null; displayName?: string | null } | null | undefined;

interface Parts {
  application?: Named;
  entitlement?: Named;
  assignment?: Named;
  role?: Named;
  descriptor?: { idx?: { '/entitlement'?: { displayName?: string | null } | null } | null } | null;
}

/**
 * What was asked for, as one catalog entry: an application, an entitlement of one, or a role. An
 * entitlement's name is read where Ping's UI reads it, `descriptor.idx./entitlement.displayName`,
 * then at `entitlement.displayName` (AccessRequestUtils.getNameString).
 */
export function entryOf(parts: Parts): { id: string; name: string } {
  const app = parts.application;
  const appName = app?.name ?? app?.displayName ?? app?.id ?? '';
  const entitlement = parts.assignment ?? parts.entitlement;
  if (entitlement) {
    const name =
      parts.descriptor?.idx?.['/entitlement']?.displayName ||
      parts.entitlement?.displayName ||
      entitlement.displayName ||
      entitlement.name ||
      entitlement.id;
    return { id: entitlement.id, name: appName ? `${appName} — ${name}` : name };
  }
  if (parts.role) return { id: parts.role.id, name: parts.role.name ?? parts.role.displayName ?? parts.role.id };
  return { id: app?.id ?? 'unknown', name: appName || 'Unknown item' };
}

const KINDS: Record<string, CatalogEntryKind> = {
  accountGrant: 'app',
  entitlementGrant: 'entitlement',
  roleMembership: 'group',
};

/** The `catalogs[].type` a create body names for a catalog item type. */
export const CREATE_TYPES: Record<string, string> = {
  accountGrant: 'application',
  entitlementGrant: 'entitlement',
  roleMembership: 'role',
};

export function toCatalogItem(item: IgaCatalogItem): CatalogItem {
  const entry = entryOf(item);
  const description = item.entitlement?.description ?? item.role?.description ?? item.application?.description;
  return {
    id: item.id,
    name: entry.name,
    kind: KINDS[item.item.type] ?? 'bundle',
    description: description ?? undefined,
  };
}

/** Gatehouse's own comments say who acted in chat: "Bob Lee <bob@acme.example> (Slack): …". */
const ON_BEHALF = /^(.{1,200}?) <([^<>\s]+@[^<>\s]+)> \(([A-Za-z]+)\): ([\s\S]*)$/;

export function onBehalfComment(name: string, email: string, via: string | undefined, text: string): string {
  // A name is the person's to choose: without these characters it cannot pose as the marker.
  const safeName =
    name
      .replace(/[<>()\r\n]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 200) || 'Someone';
  const safeEmail = email.replace(/[<>\s]/g, '');
  return `${safeName} <${safeEmail}> (${(via ?? 'chat').replace(/[^A-Za-z]/g, '') || 'chat'}): ${text}`;
}

/** `context.portalUrl` is the realm's end-user UI (PingOnePortal.home), below which each request has its pages. */
export function toAccessRequest(
  request: IgaRequest,
  context: { serviceAccountId?: string; portalUrl?: string; now: number },
): AccessRequest {
  const decision = request.decision;
  // Waits and fulfillment tasks are phases too, but nobody approves them: they are not steps.
  const phases = (decision.phases ?? []).filter(isApproval);
  const active = decision.actors?.active ?? [];
  const inactive = decision.actors?.inactive ?? [];
  const comments = decision.comments ?? [];
  const status = requestStatus(request, phases);
  const isService = (user: IgaUser | null | undefined) =>
    !user || user.id.toUpperCase() === 'SYSTEM' || bareId(user.id) === context.serviceAccountId;
  // Requests Gatehouse files are IGA's "requested by" its own token, which is nobody in chat: a
  // requester with no mail (a service client) reads as the person the access is for.
  const asRequester = (user: IgaUser | null | undefined) => isService(user) || !user?.mail;
  const beneficiary = request.user ? personRef(request.user) : { id: 'unknown' };

  const steps: ApprovalStep[] = phases.map((phase, index) => {
    const phaseDecision = verdict(phase.decision);
    const stepStatus = phaseStatus(phase.status, phaseDecision, status);
    const actors = (stepStatus === 'pending' ? active : [...active, ...inactive]).filter(
      (actor) => actor.phase === phase.name && actor.permissions?.approve !== false,
    );
    const approvers = dedupe(actors.map(personRef));
    const by = phase.completedBy ? personRef(phase.completedBy) : undefined;
    const reason = phaseDecision ? reasonFor(comments, phaseDecision, phase.completionDate) : undefined;
    return {
      index: index + 1,
      // Actions name the phase, so a stale click never lands on a later one.
      taskId: phase.name,
      name: phase.displayName ?? phase.name,
      status: stepStatus,
      startedAt: phase.startDate ?? undefined,
      approvers,
      decision:
        phaseDecision && by
          ? {
              by,
              decision: phaseDecision,
              at: phase.completionDate ?? decision.completionDate ?? '',
              reason: reason ? (ON_BEHALF.exec(reason)?.[4] ?? reason) : undefined,
            }
          : undefined,
    };
  });

  const common = request.request?.common;
  const created = decision.startDate ?? request.metadata?.createdDate ?? '';
  const endsAt = common?.endDate ?? undefined;
  const grantStatus = status === 'approved' ? grantStatusOf(request) : undefined;
  const current = phases.find((phase) => phaseStatus(phase.status, verdict(phase.decision), status) === 'pending');
  return {
    id: request.id,
    status,
    requester: asRequester(request.requester) ? beneficiary : personRef(request.requester as IgaUser),
    requestedFor: beneficiary,
    entry: entryOf(request),
    justification: common?.justification ?? undefined,
    accessDuration: endsAt ? isoBetween(common?.startDate ?? created, endsAt) : undefined,
    created: utc(created),
    updated: utc(laterOf(request.metadata?.modifiedDate, latest(request)) ?? created),
    expiresAt: current?.events?.expiration?.date ?? decision.deadline ?? undefined,
    steps,
    comments: comments
      .map((c, index) => ({ c, index }))
      .filter(({ c }) => (c.action ?? 'comment').toLowerCase() === 'comment' && c.comment)
      .map(({ c, index }) => toComment(c.comment as string, c.user, c.timeStamp, index, isService(c.user))),
    grantStatus,
    revocationStatus:
      grantStatus === 'granted' && endsAt ? (context.now >= Date.parse(endsAt) ? 'revoked' : 'pending') : undefined,
    revocationScheduled: grantStatus === 'granted' ? endsAt : undefined,
    // The request's own pages, not the UI's home: the requester's, and the approver's apart.
    ...(context.portalUrl
      ? {
          portalUrl: myRequestLink(context.portalUrl, request.id),
          approvalUrl: approvalLink(context.portalUrl, request.id),
        }
      : {}),
    ...(closedUnread(request) ? { closedUnreadIn: 'PingOne' } : {}),
  };
}

/** The justification given with a phase's decision: the comment of that action nearest its completion. */
function reasonFor(
  comments: IgaRequest['decision']['comments'] & object,
  decision: 'approve' | 'reject',
  completed: string | null | undefined,
): string | undefined {
  const at = Date.parse(completed ?? '');
  const candidates = comments.filter((c) =>
    (c.action ?? '').toLowerCase().startsWith(decision === 'approve' ? 'approv' : 'reject'),
  );
  if (candidates.length === 0) return undefined;
  if (Number.isNaN(at)) return candidates.length === 1 ? (candidates[0]?.comment ?? undefined) : undefined;
  const nearest = candidates
    .map((c) => ({ c, distance: Math.abs(Date.parse(c.timeStamp) - at) }))
    .filter(({ distance }) => distance <= 60_000)
    .sort((a, b) => a.distance - b.distance)[0];
  return nearest?.c.comment ?? undefined;
}

function toComment(
  text: string,
  user: IgaUser | null | undefined,
  created: string,
  index: number,
  byService: boolean,
): Comment {
  const behalf = byService ? ON_BEHALF.exec(text) : null;
  if (behalf) {
    const [, name, email, , said] = behalf;
    return { id: `c${index}`, author: { id: `mail:${email}`, displayName: name, email }, text: said ?? '', created };
  }
  return { id: `c${index}`, author: user ? personRef(user) : { id: 'unknown' }, text, created };
}

/**
 * Whether a phase is an approval step. With a `type`, only `request` is (`scheduled` waits and
 * `fulfillment` tasks are not; Ping's UI fixtures, Tasks.test.js). Without one, every phase is,
 * except one named like Ping's waits (`waitTask-…`): an untyped phase is more safely shown as a
 * step nobody is asked to act on than hidden as one nobody could decide.
 */
function isApproval(phase: IgaPhase): boolean {
  const type = (phase.type ?? '').toLowerCase();
  return type ? type === 'request' : !/^waitTask/i.test(phase.name);
}

function isFulfilling(request: IgaRequest): boolean {
  return (request.decision.phases ?? []).some(
    (p) => (p.type ?? '').toLowerCase() === 'fulfillment' && (p.status ?? '').toLowerCase() === 'in-progress',
  );
}

/**
 * IGA's word that the request itself ran out of time. How IGA writes that is unconfirmed (wire
 * audit P8), and Ping's UI names no such value: its statuses are `in-progress, suspended,
 * provisioning, complete, cancelled` and its outcomes `provisioned, not provisioned, denied,
 * pending, cancelled, fulfilled` (platform-ui RequestHeader.vue). So each plausible way is read:
 * `decision.status: expired`, `decision.outcome: expired`, and (requestStatus) a closed request
 * whose approval phase expired.
 */
function saysExpired(request: IgaRequest): boolean {
  return request.decision.status.toLowerCase() === 'expired' || lower(request.decision.outcome) === 'expired';
}

const expiredPhase = (phase: IgaPhase) => lower(phase.status) === 'expired';

function lower(value: string | null | undefined): string {
  return (value ?? '').toLowerCase();
}

/**
 * A request IGA completed without an end Gatehouse can read: no decision, no expiry, nothing
 * provisioned or cancelled. It is shown as cancelled (closed, nothing granted), never as a
 * rejection nobody made.
 */
export function closedUnread(request: IgaRequest): boolean {
  const state = request.decision.status.toLowerCase();
  if (state !== 'complete' && state !== 'completed') return false;
  const approvals = (request.decision.phases ?? []).filter(isApproval);
  if (saysExpired(request) || approvals.some(expiredPhase)) return false;
  return completedAs(request, approvals) === undefined;
}

function requestStatus(request: IgaRequest, approvals: IgaPhase[]): RequestStatus {
  const state = request.decision.status.toLowerCase();
  if (saysExpired(request)) return 'expired';
  if (state === 'cancelled' || state === 'canceled') {
    return (request.decision.phases ?? []).some(expiredPhase) ? 'expired' : 'canceled';
  }
  if (state === 'complete' || state === 'completed') {
    if (approvals.some(rejectedByDecision)) return 'rejected';
    const ended = completedAs(request, approvals);
    if (ended === 'approved') return 'approved';
    // An approval ran out of time: whatever the summary then says, nobody decided.
    if (approvals.some(expiredPhase)) return 'expired';
    // Otherwise, with no end Gatehouse can read (closedUnread): closed, not anyone's rejection.
    return ended ?? 'canceled';
  }
  // Still running: in progress, suspended at a wait, or provisioning what was approved.
  if (state === 'provisioning') return 'approved';
  if (approvals.some((p) => lower(p.status) === 'in-progress')) return 'pending';
  const approved = approvals.some((p) => verdict(p.decision) === 'approve');
  if (verdict(request.decision.decision) === 'approve' || (isFulfilling(request) && approved)) return 'approved';
  return 'pending';
}

/** A phase rejected by a decision made on it, not closed by running out of time. */
const rejectedByDecision = (phase: IgaPhase) => verdict(phase.decision) === 'reject' && !expiredPhase(phase);

/** How a completed request ended, when IGA says: rejected, approved (or provisioned), cancelled. */
function completedAs(request: IgaRequest, approvals: IgaPhase[]): 'rejected' | 'approved' | 'canceled' | undefined {
  const { decision, outcome } = request.decision;
  // Any approval rejected means rejected, whatever the summary fields say (they may be null).
  if (verdict(decision) === 'reject' || approvals.some(rejectedByDecision)) return 'rejected';
  const result = lower(outcome);
  if (result === 'cancelled' || result === 'canceled') return 'canceled';
  if (verdict(decision) === 'approve' || result === 'provisioned' || result === 'fulfilled') return 'approved';
  const decided = approvals.filter((p) => p.decision);
  if (decided.length > 0 && decided.every((p) => verdict(p.decision) === 'approve')) return 'approved';
  return undefined;
}

/** An approved request's access: provisioned, failed, waiting on a person to fulfil it, or not yet. */
function grantStatusOf(request: IgaRequest): GrantStatus {
  const state = request.decision.status.toLowerCase();
  if (state === 'complete' || state === 'completed') return grantOf(request.decision.outcome);
  return isFulfilling(request) ? 'manual_grant_required' : 'pending';
}

function verdict(value: string | null | undefined): 'approve' | 'reject' | undefined {
  const v = (value ?? '').toLowerCase();
  if (v.startsWith('approv')) return 'approve';
  if (v.startsWith('reject') || v.startsWith('deny') || v.startsWith('denied')) return 'reject';
  return undefined;
}

function phaseStatus(
  status: string | null | undefined,
  decided: 'approve' | 'reject' | undefined,
  request: RequestStatus,
): StepStatus {
  const s = (status ?? '').toLowerCase();
  // Ran out of time, whatever decision the expiry then wrote on it.
  if (s === 'expired') return 'expired';
  if (decided === 'approve') return 'approved';
  if (decided === 'reject') return 'rejected';
  if (s === 'in-progress' || s === 'pending') {
    if (request === 'canceled') return 'canceled';
    if (request === 'expired') return 'expired';
    return request === 'pending' ? 'pending' : 'skipped';
  }
  if (s === 'cancelled' || s === 'canceled') return 'canceled';
  // Closed with nobody's decision on it when the request expired.
  if ((s === 'complete' || s === 'completed') && request === 'expired') return 'expired';
  return 'waiting';
}

function grantOf(outcome: string | null | undefined): GrantStatus {
  const o = (outcome ?? '').toLowerCase();
  if (o === 'provisioned' || o === 'fulfilled') return 'granted';
  // `denied`: a fulfillment task refused what the approvers allowed.
  if (o === 'not provisioned' || o === 'failed' || o === 'denied') return 'failed';
  return 'pending';
}

function dedupe(people: PrincipalRef[]): PrincipalRef[] {
  const seen = new Map<string, PrincipalRef>();
  for (const person of people) if (!seen.has(person.id)) seen.set(person.id, person);
  return [...seen.values()];
}

/** The last moment anything happened to a request, when IGA gives no modification date. */
function latest(request: IgaRequest): string | undefined {
  const moments = [
    request.decision.startDate,
    request.decision.completionDate,
    ...(request.decision.phases ?? []).flatMap((p) => [p.startDate, p.completionDate]),
    ...(request.decision.comments ?? []).map((c) => c.timeStamp),
  ].filter((m): m is string => Boolean(m) && !Number.isNaN(Date.parse(m as string)));
  return moments.sort((a, b) => Date.parse(a) - Date.parse(b)).at(-1);
}

/** An instant in UTC (`…Z`), so times compare as text wherever they are kept; IGA may write any offset. */
function utc(value: string): string {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

function laterOf(a: string | null | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** An ISO 8601 duration for the time between two instants, in the largest whole unit. */
export function isoBetween(start: string, end: string): string | undefined {
  const seconds = Math.round((Date.parse(end) - Date.parse(start)) / 1000);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  if (seconds % 86_400 === 0) return `P${seconds / 86_400}D`;
  if (seconds % 3_600 === 0) return `PT${seconds / 3_600}H`;
  if (seconds % 60 === 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}
