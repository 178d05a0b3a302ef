import type { Logger } from 'pino';
import type { Governance } from '../api/governance.js';
import { GovernanceUnavailable, storeOutageIn } from '../domain/errors.js';
import type { AccessRequest, CatalogEntry, CatalogItem, Decision, Principal } from '../domain/types.js';
import { isOpen } from '../domain/types.js';
import type { Store } from '../store/index.js';
import { rememberDecision, withAttributions } from './attribution.js';
import { assertCanCancel, assertCanComment, assertCanDecide, availableActions, canView } from './authorization.js';
import { DecisionClaim } from './decision-claim.js';
import {
  AlreadyDecided,
  DecisionInProgress,
  DecisionOutcomeUnknown,
  DecisionUnconfirmed,
  DuplicateRequest,
  DurationNotAllowed,
  DurationRequired,
  DurationTooLong,
  EntryNotFound,
  InvalidDuration,
  JustificationRequired,
  NotAllowedToCancel,
  NotAllowedToComment,
  NotAnApprover,
  RequestInProgress,
  RequestNotFound,
  TextInvalid,
} from './errors.js';
import { type ChatIdentity, IdentityResolver } from './identity.js';
import { PersonalLimit, type PersonalLimitOptions } from './limits.js';
import { type Outcome, outcomeOf } from './outcome.js';
import {
  type AccessView,
  accessView,
  type CatalogEntryView,
  type CatalogItemView,
  catalogEntryView,
  catalogItemView,
  type PersonView,
  principalView,
  type RequestView,
  requestView,
} from './views.js';
import { durationSeconds, parseDuration } from './wording.js';

export const MAX_TEXT_LENGTH = 2000;
const CREATE_CLAIM_TTL_MS = 24 * 60 * 60_000;

export interface RequestAccessInput {
  /** A catalog entry chosen in a form. */
  entryId?: string;
  /** What the person typed after "request". */
  text?: string;
  justification?: string;
  /** What the person typed after "for": "4h", "2 days", "PT4H". */
  duration?: string;
  /** A stable id of this submission (Slack view id, Teams activity id) so a retry creates nothing new. */
  idempotencyKey?: string;
}

export type RequestAccessResult =
  | { kind: 'created'; request: RequestView }
  /** The text matched several entries or none exactly: the adapter shows a form, prefilled. */
  | { kind: 'choose'; query: string; choices: CatalogItemView[]; justification?: string; duration?: string };

export type EntryMatch =
  | { kind: 'match'; entry: CatalogItemView }
  | { kind: 'choose'; query: string; choices: CatalogItemView[] };

export interface RequestSnapshot {
  /** Without buttons: for a channel or anyone not on the request. */
  view: RequestView;
  as(viewer: { id: string }): RequestView;
}

export interface DecideInput {
  requestId: string;
  /** The approval task the button was rendered for. */
  taskId?: string;
  decision: Decision;
  reason?: string;
}

export interface RequestList {
  title: string;
  items: RequestView[];
}

export interface FlowsOptions {
  /** The per-person rate limit (PERSONAL_LIMITS in memory unless told otherwise). */
  personalLimit?: PersonalLimitOptions;
}

/**
 * The platform-neutral core: every user-facing operation of Gatehouse, with every rule, written
 * once against the Governance port. Adapters translate chat input into these calls and render the
 * views that come back.
 */
export class Flows {
  private readonly identity: IdentityResolver;
  private readonly limit: PersonalLimit;

  constructor(
    private readonly governance: Governance,
    private readonly store: Store,
    private readonly logger: Logger,
    options: FlowsOptions = {},
  ) {
    this.identity = new IdentityResolver(governance, store);
    this.limit = new PersonalLimit(options.personalLimit);
  }

  /**
   * Runs work done on Gatehouse's own initiative with a person's identity (the notifier redrawing
   * someone's App Home after a change): the flows it calls are not counted against that person.
   */
  unmetered<T>(work: () => Promise<T>): Promise<T> {
    return this.limit.unmetered(work);
  }

  /**
   * Where every flow a person starts begins: their rate limit first, then who they are in the
   * governance system, then the flow; nothing reaches the governance system before the first two.
   */
  private act<V>(flow: string, actor: ChatIdentity, run: (principal: Principal) => Promise<V>): Promise<Outcome<V>> {
    return outcomeOf(this.logger, flow, async () => {
      await this.limit.take(actor);
      return run(await this.identity.resolve(actor));
    });
  }

  whoAmI(actor: ChatIdentity): Promise<Outcome<PersonView>> {
    return this.act('whoAmI', actor, async (principal) => principalView(principal));
  }

  searchCatalog(actor: ChatIdentity, text: string, limit = 25): Promise<Outcome<CatalogItemView[]>> {
    return this.act('searchCatalog', actor, async (principal) => {
      const entries = await this.governance.searchCatalog(principal, text.trim().slice(0, 100), limit);
      return entries.map(catalogItemView);
    });
  }

  /**
   * Which entry typed text names, without writing anything: one entry, or the candidates for a form.
   * Adapters call this first when they must open a form within a deadline (Slack's trigger_id).
   */
  resolveEntry(actor: ChatIdentity, text: string): Promise<Outcome<EntryMatch>> {
    return this.act('resolveEntry', actor, async (principal) => {
      const picked = await this.pickEntry(principal, text);
      if ('choices' in picked)
        return { kind: 'choose', query: text.trim(), choices: picked.choices.map(catalogItemView) };
      return { kind: 'match', entry: catalogItemView(picked) };
    });
  }

  /** One entry with the rules a request for it must follow (justification, duration), for a form. */
  describeEntry(actor: ChatIdentity, entryId: string): Promise<Outcome<CatalogEntryView>> {
    return this.act('describeEntry', actor, async (principal) => {
      const entry = await this.governance.getCatalogEntry(principal, entryId);
      if (!entry) throw new EntryNotFound(entryId);
      const policy = await this.governance.policy();
      return catalogEntryView({
        ...entry,
        justificationRequired: entry.justificationRequired || policy.requireRequestJustification,
      });
    });
  }

  /** Whether deciding this way needs a written reason, so an adapter knows to ask before it calls decide. */
  async reasonRequired(decision: Decision): Promise<boolean> {
    try {
      const policy = await this.governance.policy();
      return decision === 'reject' ? policy.requireRejectReason : policy.requireApproveReason;
    } catch (err) {
      // Asking for a reason that turns out optional costs a sentence; the decision re-checks anyway.
      this.logger.warn({ err }, 'decision policy unavailable; asking for a reason');
      return true;
    }
  }

  /**
   * The request as it stands, ready to be shown to anyone it concerns: `as(viewer)` adds the buttons
   * that person may press. Used for messages sent on the system's initiative, so there is no chat
   * identity to check; every button is re-checked when pressed.
   */
  async snapshot(requestId: string): Promise<RequestSnapshot | null> {
    const request = await this.governance.getRequest(requestId);
    if (!request) return null;
    const attributed = await withAttributions(this.store, request);
    const policy = await this.governance.policy();
    return {
      view: requestView(attributed, []),
      as: (viewer) => requestView(attributed, availableActions(attributed, asPrincipal(viewer), policy)),
    };
  }

  requestAccess(actor: ChatIdentity, input: RequestAccessInput): Promise<Outcome<RequestAccessResult>> {
    return this.act('requestAccess', actor, async (principal) => {
      const picked = input.entryId ? { id: input.entryId } : await this.pickEntry(principal, input.text ?? '');
      if ('choices' in picked) {
        if (picked.choices.length === 0) throw new EntryNotFound(input.text ?? '');
        return {
          kind: 'choose',
          query: input.text ?? '',
          choices: picked.choices.map(catalogItemView),
          justification: input.justification,
          duration: input.duration,
        };
      }
      const entry = await this.governance.getCatalogEntry(principal, picked.id);
      if (!entry) throw new EntryNotFound(input.entryId ?? input.text ?? picked.id);
      const justification = cleanText('justification', input.justification);
      const accessDuration = checkDuration(entry, input.duration);
      const policy = await this.governance.policy();
      if ((entry.justificationRequired || policy.requireRequestJustification) && !justification) {
        throw new JustificationRequired(entry.name);
      }
      return {
        kind: 'created',
        request: await this.createOnce(principal, entry, justification, accessDuration, input),
      };
    });
  }

  decide(actor: ChatIdentity, input: DecideInput): Promise<Outcome<{ request: RequestView; decision: Decision }>> {
    return this.act('decide', actor, async (approver) => {
      const reason = cleanText('reason', input.reason);
      const [request, policy] = await Promise.all([
        this.visibleTo(input.requestId, approver, () => new NotAnApprover(input.requestId)),
        this.governance.policy(),
      ]);
      const step = assertCanDecide(request, approver, input.decision, reason, policy, input.taskId);
      const claim = new DecisionClaim(this.store, this.logger, request.id, step);
      if (!(await claim.take())) {
        const now = await this.mustGet(request.id);
        const decided = now.steps.find((s) => s.index === step.index)?.decision;
        if (decided) throw new AlreadyDecided(request.id, decided.decision, decided.by, decided.at);
        if (!(await claim.takeOver())) throw new DecisionInProgress(`claim ${claim.key} held`);
      }
      const by = { id: approver.id, displayName: approver.displayName, email: approver.email };
      const attribution = { by, decision: input.decision, reason, via: surface(actor) };
      // Remembered before the write, so a concurrent click that sees the decision land names the
      // person rather than the service account the backend may credit. It only shows once the
      // backend reports a matching decision, and is forgotten if the write fails.
      await rememberDecision(this.store, request.id, step.index, { ...attribution, at: new Date().toISOString() });
      const written = await this.writeDecision(
        { requestId: request.id, taskId: step.taskId, approver, decision: input.decision, reason, via: surface(actor) },
        step.index,
        claim,
      );
      const at = written.steps.find((s) => s.index === step.index)?.decision?.at ?? new Date().toISOString();
      // The backend has the decision: what follows only names who made it, and must not undo the answer.
      const decided = await rememberDecision(this.store, request.id, step.index, { ...attribution, at })
        .then(() => withAttributions(this.store, written))
        .catch((err) => {
          if (!storeOutageIn(err)) throw err;
          this.logger.warn({ err, requestId: request.id }, 'decision recorded; its attribution not kept');
          return written;
        });
      this.logger.info(
        {
          audit: 'decision',
          requestId: request.id,
          step: step.index,
          approver: approver.id,
          decision: input.decision,
          via: surface(actor),
        },
        `${input.decision === 'approve' ? 'approved' : 'rejected'} in ${surface(actor)} by ${approver.displayName}`,
      );
      return { request: requestView(decided, availableActions(decided, approver, policy)), decision: input.decision };
    });
  }

  comment(actor: ChatIdentity, requestId: string, text: string): Promise<Outcome<RequestView>> {
    return this.act('comment', actor, async (author) => {
      const body = cleanText('comment', text);
      if (!body) throw new TextInvalid('comment', 'is empty');
      const request = await this.visibleTo(requestId, author, () => new NotAllowedToComment());
      assertCanComment(request, author);
      const updated = await this.governance.comment({ requestId, author, text: body, via: surface(actor) });
      this.logger.info({ audit: 'comment', requestId, author: author.id, via: surface(actor) }, 'comment added');
      return requestView(updated, availableActions(updated, author, await this.governance.policy()));
    });
  }

  cancel(actor: ChatIdentity, requestId: string, reason?: string): Promise<Outcome<RequestView>> {
    return this.act('cancel', actor, async (by) => {
      const request = await this.visibleTo(requestId, by, () => new NotAllowedToCancel());
      assertCanCancel(request, by);
      const updated = await this.governance.cancel({ requestId, by, reason: cleanText('reason', reason) });
      this.logger.info({ audit: 'cancel', requestId, by: by.id, via: surface(actor) }, 'request cancelled');
      return requestView(updated, []);
    });
  }

  status(actor: ChatIdentity, requestId?: string): Promise<Outcome<RequestView | RequestList>> {
    return this.act('status', actor, async (principal) => {
      if (!requestId) {
        const open = await this.governance.listRequests({
          requestedFor: principal.id,
          status: ['pending', 'submitted'],
        });
        return this.list('Your open requests', open.items, principal);
      }
      // "Absent" and "not yours" get the same answer, so ids cannot be probed for existence.
      const id = requestId.trim();
      const found = await this.governance.getRequest(id);
      if (!found || !canView(found, principal)) throw new RequestNotFound(id);
      const request = await withAttributions(this.store, found);
      return requestView(request, availableActions(request, principal, await this.governance.policy()));
    });
  }

  myRequests(actor: ChatIdentity, limit = 20): Promise<Outcome<RequestList>> {
    return this.act('myRequests', actor, async (principal) => {
      const page = await this.governance.listRequests({ requestedFor: principal.id, limit });
      return this.list('Your requests', page.items, principal);
    });
  }

  pendingApprovals(actor: ChatIdentity): Promise<Outcome<RequestList>> {
    return this.act('pendingApprovals', actor, async (principal) => {
      const requests = await this.governance.listPendingApprovals(principal);
      return this.list('Waiting for your decision', requests, principal);
    });
  }

  myAccess(actor: ChatIdentity): Promise<Outcome<AccessView[]>> {
    return this.act('myAccess', actor, async (principal) => {
      return (await this.governance.listAccess(principal)).map(accessView);
    });
  }

  private async list(title: string, requests: AccessRequest[], viewer: Principal): Promise<RequestList> {
    const policy = await this.governance.policy();
    const newestFirst = [...requests].sort((a, b) => b.created.localeCompare(a.created));
    return { title, items: newestFirst.map((r) => requestView(r, availableActions(r, viewer, policy))) };
  }

  /**
   * The request, for someone acting on it. One they take no part in (neither requester, subject nor
   * approver) is refused with `refusal`, exactly as one that does not exist, so a forged id in a
   * button cannot tell whether a request exists, nor anything about it.
   */
  private async visibleTo(requestId: string, actor: Principal, refusal: () => Error): Promise<AccessRequest> {
    const request = await this.governance.getRequest(requestId);
    if (!request || !canView(request, actor)) throw refusal();
    return withAttributions(this.store, request);
  }

  private async mustGet(requestId: string): Promise<AccessRequest> {
    const request = await this.governance.getRequest(requestId);
    if (!request) throw new RequestNotFound(requestId);
    return withAttributions(this.store, request);
  }

  /** One entry when the text names it unambiguously; otherwise the candidates to choose from. */
  private async pickEntry(principal: Principal, text: string): Promise<CatalogItem | { choices: CatalogItem[] }> {
    const query = text.trim();
    if (!query) return { choices: await this.governance.searchCatalog(principal, '', 25) };
    const matches = await this.governance.searchCatalog(principal, query.slice(0, 100), 25);
    const exact = matches.filter((entry) => entry.name.toLowerCase() === query.toLowerCase());
    if (exact.length === 1 && exact[0]) return exact[0];
    if (matches.length === 1 && matches[0]) return matches[0];
    // "salesforce sales user" names one entry even if another's description mentions users.
    const words = query.toLowerCase().split(/\s+/);
    const byName = matches.filter((entry) => words.every((word) => entry.name.toLowerCase().includes(word)));
    if (byName.length === 1 && byName[0]) return byName[0];
    return { choices: matches };
  }

  private async createOnce(
    principal: Principal,
    entry: CatalogEntry,
    justification: string | undefined,
    accessDuration: string | undefined,
    input: RequestAccessInput,
  ): Promise<RequestView> {
    const policy = await this.governance.policy();
    const view = (request: AccessRequest) => requestView(request, availableActions(request, principal, policy));
    const resultKey = input.idempotencyKey && `request:created:${input.idempotencyKey}`;
    if (input.idempotencyKey && resultKey) {
      if (!(await this.store.claim(`request:create:${input.idempotencyKey}`, CREATE_CLAIM_TTL_MS))) {
        const existingId = await this.store.get(resultKey);
        const existing = existingId ? await this.governance.getRequest(existingId) : null;
        if (existing) return view(existing);
        throw new RequestInProgress('request creation already in flight');
      }
    }
    const open = await this.governance.listRequests({ requestedFor: principal.id, status: ['pending', 'submitted'] });
    const duplicate = open.items.find((request) => request.entry.id === entry.id && isOpen(request));
    if (duplicate) throw new DuplicateRequest(duplicate);
    const created = await this.governance.createRequest({
      requester: principal,
      requestedFor: principal,
      entryId: entry.id,
      justification,
      accessDuration,
    });
    // The request exists now: losing our note of it only costs a retry its answer, and saying
    // "nothing was changed" would be false.
    if (resultKey) {
      await this.store.set(resultKey, created.id, { ttlMs: CREATE_CLAIM_TTL_MS }).catch((err) => {
        if (!storeOutageIn(err)) throw err;
        this.logger.warn({ err, requestId: created.id }, 'request created; its idempotency result not kept');
      });
    }
    this.logger.info(
      { audit: 'request', requestId: created.id, entry: entry.id, by: principal.id },
      'access requested',
    );
    return view(created);
  }

  /**
   * Records a decision. When the backend cannot say whether it landed, the request is read back
   * rather than retried: a decision is confirmed, or reported as not recorded, never lost or doubled.
   */
  private async writeDecision(
    input: Parameters<Governance['decide']>[0],
    stepIndex: number,
    claim: DecisionClaim,
  ): Promise<AccessRequest> {
    try {
      return await this.governance.decide(input);
    } catch (error) {
      if (error instanceof GovernanceUnavailable && error.outcomeUnknown) {
        const after = await this.governance.getRequest(input.requestId).catch(() => null);
        const landed = after?.steps.find((s) => s.index === stepIndex)?.decision;
        // We hold the claim for this step, so a matching decision is ours (the backend may credit its service account).
        if (after && landed?.decision === input.decision) return after;
        if (after) {
          await claim.release();
          throw new DecisionUnconfirmed(`decision on ${input.requestId} not recorded`, { cause: error });
        }
        // Still unknown: the claim stays, marked, so a click that finds the step still open once
        // the backend answers again may write; meanwhile the notifier shows the step if it landed.
        await claim.unconfirmed();
        throw new DecisionOutcomeUnknown(`decision on ${input.requestId} unconfirmed`, { cause: error });
      }
      await claim.release();
      throw error;
    }
  }
}

function asPrincipal(ref: { id: string }): Principal {
  return { id: ref.id, email: '', displayName: '', active: true };
}

function surface(actor: ChatIdentity): string {
  return actor.platform === 'slack' ? 'Slack' : 'Teams';
}

function cleanText(field: string, text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > MAX_TEXT_LENGTH)
    throw new TextInvalid(field, `is too long (at most ${MAX_TEXT_LENGTH} characters)`);
  return trimmed;
}

function checkDuration(entry: CatalogEntry, text: string | undefined): string | undefined {
  const asked = text?.trim();
  if (!asked) {
    if (entry.duration.required) throw new DurationRequired(entry.name, entry.duration.max);
    return undefined;
  }
  const iso = parseDuration(asked);
  // A duration too large to count is refused, never waved past the entry's maximum.
  if (!iso || durationSeconds(iso) === undefined) throw new InvalidDuration(asked);
  if (!entry.duration.allowed) throw new DurationNotAllowed(entry.name);
  const max = entry.duration.max && durationSeconds(entry.duration.max);
  if (max && (durationSeconds(iso) ?? Number.POSITIVE_INFINITY) > max)
    throw new DurationTooLong(entry.name, entry.duration.max ?? '');
  return iso;
}
