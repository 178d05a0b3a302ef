import type { GovernancePolicy } from '../api/governance.js';
import { type AccessRequest, currentStep, isOpen, type Principal, type PrincipalRef } from '../domain/types.js';
import { withAttributions } from './attribution.js';
import { OutsideDecisions } from './audit.js';
import { availableActions, canView, decidesOpenStep, delegatorOn, isParty, type Standing } from './authorization.js';
import { CardContext, type CardContextParts } from './card-context.js';
import type { Delegations } from './delegating.js';
import type { FlowDeps } from './deps.js';
import { NoRequestNamed, RequestNotFound } from './errors.js';
import { looksLikeAnId, requestsByName } from './naming.js';
import { explainStranded, strandedStep, strandedView } from './stranded.js';
import { type AccessView, accessView, type PersonView, type RequestView, requestView } from './views.js';
import { nameOf } from './wording.js';

export interface RequestSnapshot {
  /** Without buttons: for a channel or anyone not on the request. */
  view: RequestView;
  as(viewer: { id: string }): RequestView;
  /**
   * Delegates deciding for an approver of the open step (the backend's appointments covering now):
   * the notifier sends each one the card, drawn `as(delegate)`.
   */
  delegates?: { delegate: PersonView; for: PersonView }[];
}

/** Reads a request by way of `read`, or answers it from a reading it already holds. */
export type ReadThrough = (read: () => Promise<AccessRequest | null>) => Promise<AccessRequest | null>;

export interface RequestList {
  title: string;
  items: RequestView[];
}

/**
 * Decisions older than this when a snapshot first shows them are not announced: a comment on a
 * request approved last month does not log that approval as news.
 */
const OUTSIDE_DECISIONS_WINDOW_MS = 60 * 60_000;

/** What a person may see: one request, their requests, what waits for them, what they hold. */
export class Reading {
  private readonly outside: OutsideDecisions;

  constructor(
    private readonly deps: FlowDeps,
    private readonly context: CardContext = new CardContext(deps),
    private readonly delegations?: Delegations,
  ) {
    this.outside = new OutsideDecisions(deps);
  }

  /**
   * The request as it stands, ready to be shown to anyone it concerns: `as(viewer)` adds the buttons
   * that person may press. Used for messages sent on the system's initiative, so there is no chat
   * identity to check; every button is re-checked when pressed. `seen` is the request as a flow
   * just read it (after its own write), which spares reading it again; otherwise the request is
   * read through `through` when given (the notifier hands out a reading another platform's sync
   * already took, or keeps this one for them).
   */
  async snapshot(requestId: string, seen?: AccessRequest, through?: ReadThrough): Promise<RequestSnapshot | null> {
    const { governance, store } = this.deps;
    const read = () => governance.getRequest(requestId);
    const request = seen ?? (await (through ? through(read) : read()));
    if (!request) return null;
    const attributed = await withAttributions(store, request);
    // Every change, wherever it was made, is drawn from a snapshot: decisions made in the
    // governance system's own portal get their audit line here, at no extra read.
    const since = new Date(this.deps.now() - OUTSIDE_DECISIONS_WINDOW_MS).toISOString();
    await this.outside
      .seen(attributed, since)
      .catch((err: unknown) => this.deps.logger.warn({ err, requestId }, 'decisions made outside chat not audited'));
    const [policy, parts, delegates] = await Promise.all([
      governance.policy(),
      this.context.of(attributed),
      this.delegatesOnOpenStep(attributed),
    ]);
    const canForward = Boolean(governance.forward);
    const snapshot = explainStranded({
      view: requestView(attributed, []),
      as: (viewer) => {
        const standing: Standing = {
          canForward,
          delegators: delegates.filter((d) => d.delegate.id === viewer.id).map((d) => d.for),
        };
        const view = requestView(
          attributed,
          availableActions(attributed, asPrincipal(viewer), policy, standing),
          viewer,
        );
        return forApprover(attributed, view, viewer, standing, parts);
      },
    });
    return delegates.length > 0
      ? { ...snapshot, delegates: delegates.map((d) => ({ delegate: person(d.delegate), for: person(d.for) })) }
      : snapshot;
  }

  /** Who decides for an approver of the open step now, where the backend has delegates; none when unknown. */
  private async delegatesOnOpenStep(request: AccessRequest): Promise<{ delegate: PrincipalRef; for: PrincipalRef }[]> {
    const step = currentStep(request);
    if (!step || !this.delegations || request.approvalsHandledIn) return [];
    return this.delegations.delegatesOf(step.approvers.filter((approver) => !isParty(request, approver)));
  }

  async status(principal: Principal, requestId?: string): Promise<RequestView | RequestList> {
    const { governance, store } = this.deps;
    if (!requestId) {
      const open = await governance.listRequests({ requestedFor: principal.id, status: ['pending', 'submitted'] });
      return this.list('Your open requests', open.items, principal);
    }
    // "Absent" and "not yours" get the same answer, so ids cannot be probed for existence.
    const id = requestId.trim();
    const found = /\s/.test(id) ? null : await governance.getRequest(id);
    const standing = found ? await this.standingOn(found, principal) : {};
    if (found && canView(found, principal, standing)) {
      const request = await withAttributions(store, found);
      return this.withContext(
        request,
        principal,
        standing,
        shownTo(request, principal, await governance.policy(), standing),
      );
    }
    // Not a request of theirs by id: an app's name ("status figma"), among their own requests.
    const named = await requestsByName(governance, principal, id, { openOnly: false });
    if (named.length === 0) throw looksLikeAnId(id) ? new RequestNotFound(id) : new NoRequestNamed(id, false);
    if (named.length === 1 && named[0]) {
      return shownTo(await withAttributions(store, named[0]), principal, await governance.policy());
    }
    return this.list(`Your requests for ${id}`, named, principal);
  }

  async myRequests(principal: Principal, limit: number): Promise<RequestList> {
    const page = await this.deps.governance.listRequests({ requestedFor: principal.id, limit });
    return this.list('Your requests', page.items, principal);
  }

  /**
   * What waits for the person's decision: their own approvals, and those of anyone who appointed
   * them their delegate (each labelled whose it is), with the context an approver's card carries.
   */
  async pendingApprovals(principal: Principal): Promise<RequestList> {
    const { governance } = this.deps;
    const standing = await this.standingOf(principal);
    const delegators = standing.delegators ?? [];
    const [own, ...theirs] = await Promise.all([
      governance.listPendingApprovals(principal),
      ...delegators.map((delegator) => governance.listPendingApprovals(asPrincipal(delegator))),
    ]);
    const seen = new Set<string>();
    // A delegator's approval of the delegate's own request is not the delegate's to decide, nor one
    // of the delegator's own requests (a delegate never decides for an approver who is its party).
    const forThem = theirs.flatMap((requests, i) =>
      requests.filter((request) => {
        const delegator = delegators[i];
        return !isParty(request, principal) && !(delegator && isParty(request, delegator));
      }),
    );
    const requests = [...(own ?? []), ...forThem].filter((r) => !seen.has(r.id) && seen.add(r.id));
    const policy = await governance.policy();
    const newestFirst = requests.sort((a, b) => b.created.localeCompare(a.created));
    const items = await Promise.all(
      newestFirst.map((request) =>
        this.withContext(request, principal, standing, shownTo(request, principal, policy, standing)),
      ),
    );
    return { title: 'Waiting for your decision', items };
  }

  /** What the person holds: time-bound access that ends soonest first, then access with no end, by name. */
  async myAccess(principal: Principal): Promise<AccessView[]> {
    const held = (await this.deps.governance.listAccess(principal)).map(accessView);
    return held.sort(
      (a, b) =>
        (a.expiresAt ?? '\uffff').localeCompare(b.expiresAt ?? '\uffff') || a.entry.name.localeCompare(b.entry.name),
    );
  }

  /** The approver's context on a view of an open request they are asked to decide; the view as it was otherwise. */
  private async withContext(
    request: AccessRequest,
    viewer: Principal,
    standing: Standing,
    view: RequestView,
  ): Promise<RequestView> {
    if (!isOpen(request) || !decidesOpenStep(request, viewer, standing) || isParty(request, viewer)) return view;
    return forApprover(request, view, viewer, standing, await this.context.of(request));
  }

  /** What the backend lets this person do on this request beyond its own rules (forward; decide as a delegate). */
  private standingOn(request: AccessRequest, principal: Principal): Promise<Standing> {
    return this.delegations
      ? this.delegations.standingOn(request, principal)
      : Promise.resolve({ canForward: Boolean(this.deps.governance.forward) });
  }

  /** What the backend lets this person do on any request (forward; decide as a delegate). */
  private async standingOf(principal: Principal): Promise<Standing> {
    const canForward = Boolean(this.deps.governance.forward);
    return this.delegations
      ? { canForward, delegators: await this.delegations.delegatorsOf(principal) }
      : { canForward };
  }

  private async list(title: string, requests: AccessRequest[], viewer: Principal): Promise<RequestList> {
    const policy = await this.deps.governance.policy();
    const newestFirst = [...requests].sort((a, b) => b.created.localeCompare(a.created));
    return { title, items: newestFirst.map((r) => shownTo(r, viewer, policy)) };
  }
}

/** The request as `viewer` sees it: their buttons, and why nobody can act on it when its step is stranded. */
function shownTo(
  request: AccessRequest,
  viewer: Principal,
  policy: GovernancePolicy,
  standing?: Standing,
): RequestView {
  const view = requestView(request, availableActions(request, viewer, policy, standing), viewer);
  const stranded = strandedStep(request, policy);
  return stranded ? strandedView(view, stranded.index, viewer.id) : view;
}

/**
 * The card's context for an approver of the open step (not for the request's own people, nor
 * anyone else), and whose approval it is when they decide it as a delegate.
 */
function forApprover(
  request: AccessRequest,
  view: RequestView,
  viewer: { id: string },
  standing: Standing,
  parts: CardContextParts,
): RequestView {
  const step = currentStep(request);
  if (!step || isParty(request, viewer) || !decidesOpenStep(request, viewer, standing)) return view;
  const direct = step.approvers.some((approver) => approver.id === viewer.id);
  const delegator = direct ? undefined : delegatorOn(request, step, standing);
  return { ...view, ...parts, ...(delegator ? { onBehalfOf: person(delegator) } : {}) };
}

function person(ref: PrincipalRef): PersonView {
  return { id: ref.id, name: nameOf(ref), email: ref.email };
}

function asPrincipal(ref: { id: string; displayName?: string; email?: string }): Principal {
  return { id: ref.id, email: ref.email ?? '', displayName: ref.displayName ?? '', active: true };
}
