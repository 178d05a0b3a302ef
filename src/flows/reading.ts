import type { GovernancePolicy } from '../api/governance.js';
import type { AccessRequest, Principal } from '../domain/types.js';
import { withAttributions } from './attribution.js';
import { OutsideDecisions } from './audit.js';
import { availableActions, canView } from './authorization.js';
import type { FlowDeps } from './deps.js';
import { NoRequestNamed, RequestNotFound } from './errors.js';
import { looksLikeAnId, requestsByName } from './naming.js';
import { explainStranded, strandedStep, strandedView } from './stranded.js';
import { type AccessView, accessView, type RequestView, requestView } from './views.js';

export interface RequestSnapshot {
  /** Without buttons: for a channel or anyone not on the request. */
  view: RequestView;
  as(viewer: { id: string }): RequestView;
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

  constructor(private readonly deps: FlowDeps) {
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
    const policy = await governance.policy();
    return explainStranded({
      view: requestView(attributed, []),
      as: (viewer) => requestView(attributed, availableActions(attributed, asPrincipal(viewer), policy), viewer),
    });
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
    if (found && canView(found, principal)) {
      const request = await withAttributions(store, found);
      return shownTo(request, principal, await governance.policy());
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

  async pendingApprovals(principal: Principal): Promise<RequestList> {
    const requests = await this.deps.governance.listPendingApprovals(principal);
    return this.list('Waiting for your decision', requests, principal);
  }

  /** What the person holds: time-bound access that ends soonest first, then access with no end, by name. */
  async myAccess(principal: Principal): Promise<AccessView[]> {
    const held = (await this.deps.governance.listAccess(principal)).map(accessView);
    return held.sort(
      (a, b) =>
        (a.expiresAt ?? '\uffff').localeCompare(b.expiresAt ?? '\uffff') || a.entry.name.localeCompare(b.entry.name),
    );
  }

  private async list(title: string, requests: AccessRequest[], viewer: Principal): Promise<RequestList> {
    const policy = await this.deps.governance.policy();
    const newestFirst = [...requests].sort((a, b) => b.created.localeCompare(a.created));
    return { title, items: newestFirst.map((r) => shownTo(r, viewer, policy)) };
  }
}

/** The request as `viewer` sees it: their buttons, and why nobody can act on it when its step is stranded. */
function shownTo(request: AccessRequest, viewer: Principal, policy: GovernancePolicy): RequestView {
  const view = requestView(request, availableActions(request, viewer, policy), viewer);
  const stranded = strandedStep(request, policy);
  return stranded ? strandedView(view, stranded.index, viewer.id) : view;
}

function asPrincipal(ref: { id: string }): Principal {
  return { id: ref.id, email: '', displayName: '', active: true };
}
