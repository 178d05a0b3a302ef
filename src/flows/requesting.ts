import type { AccessGrant, AccessRequest, CatalogEntry, CatalogItem, Principal } from '../domain/types.js';
import { isOpen } from '../domain/types.js';
import { bestEffort } from '../store/index.js';
import { logRequested } from './audit.js';
import { availableActions } from './authorization.js';
import { cleanText, type FlowDeps } from './deps.js';
import {
  DuplicateRequest,
  DurationNotAllowed,
  DurationRequired,
  DurationTooLong,
  EntryNotFound,
  FlowError,
  InvalidDuration,
  JustificationRequired,
  RequestInProgress,
} from './errors.js';
import { joinReason, namesBeforeFor } from './grammar.js';
import { strandedStep, strandedView } from './stranded.js';
import {
  type CatalogEntryView,
  type CatalogItemView,
  catalogEntryView,
  catalogItemView,
  type RequestView,
  requestView,
} from './views.js';
import { describeDuration, durationSeconds, formatTime, parseDuration } from './wording.js';

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
  /**
   * Asks again for access the person holds for a limited time (the Extend button): not refused
   * because they hold it. Access held with no end is refused all the same: there is nothing to extend.
   */
  extend?: boolean;
  /**
   * The adapter can show the request form: a missing justification or duration answers `form`
   * (the entry chosen, what was typed filled in) instead of refusing.
   */
  askForMissing?: boolean;
}

/**
 * The person already holds what they asked for: nothing was requested. Time-bound access can be
 * extended (asked again with `extend`); access with no end has nothing to extend.
 */
export class AlreadyHasAccess extends FlowError {
  readonly code = 'already_has_access';
  readonly userMessage: string;
  /** Whether asking again for more time makes sense: the access ends. */
  readonly extendable: boolean;
  constructor(
    readonly entry: { id: string; name: string },
    readonly expiresAt: string | undefined,
    /** The duration asked for (ISO 8601), for an Extend button to ask again with. */
    readonly duration: string | undefined,
  ) {
    super(`already holds ${entry.id}`);
    this.extendable = expiresAt !== undefined;
    this.userMessage = expiresAt
      ? `You already have ${entry.name} (until ${formatTime(expiresAt)}), so nothing was requested. ` +
        `Need it longer? Extend asks again for ${duration ? describeDuration(duration) : 'more time'}; approvers decide as usual.`
      : `You already have ${entry.name}, with no end date, so nothing was requested: there is nothing to extend.`;
  }
}

export type RequestAccessResult =
  | { kind: 'created'; request: RequestView }
  /**
   * One entry, but the request lacks what it needs (`askForMissing`): the adapter shows the form
   * with the entry chosen and what was typed filled in. Nothing was requested.
   */
  | {
      kind: 'form';
      entry: CatalogEntryView;
      missing: ('justification' | 'duration')[];
      justification?: string;
      duration?: string;
    }
  /** The text matched several entries or none exactly: the adapter shows a form, prefilled. */
  | { kind: 'choose'; query: string; choices: CatalogItemView[]; justification?: string; duration?: string };

/**
 * `reason`: words after a "for" that the catalog showed are not part of the name ("figma for
 * design review"); the adapter adds them to the justification (grammar's `joinReason`).
 */
export type EntryMatch =
  | { kind: 'match'; entry: CatalogItemView; reason?: string }
  | { kind: 'choose'; query: string; choices: CatalogItemView[]; reason?: string };

/** Finding what to ask for in the catalog, and asking for it once however often the button is pressed. */
export class Requesting {
  constructor(private readonly deps: FlowDeps) {}

  async searchCatalog(principal: Principal, text: string, limit: number): Promise<CatalogItemView[]> {
    const entries = await this.deps.governance.searchCatalog(principal, text.trim().slice(0, 100), limit);
    return entries.map(catalogItemView);
  }

  async resolveEntry(principal: Principal, text: string): Promise<EntryMatch> {
    const { picked, query, reason } = await this.pickFromText(principal, text);
    const because = reason ? { reason } : {};
    if ('choices' in picked) return { kind: 'choose', query, choices: picked.choices.map(catalogItemView), ...because };
    return { kind: 'match', entry: catalogItemView(picked), ...because };
  }

  async describeEntry(principal: Principal, entryId: string): Promise<CatalogEntryView> {
    const entry = await this.deps.governance.getCatalogEntry(principal, entryId);
    if (!entry) throw new EntryNotFound(entryId);
    const policy = await this.deps.governance.policy();
    return catalogEntryView({
      ...entry,
      justificationRequired: entry.justificationRequired || policy.requireRequestJustification,
    });
  }

  async requestAccess(principal: Principal, input: RequestAccessInput, via?: string): Promise<RequestAccessResult> {
    const found: { picked: { id: string } | { choices: CatalogItem[] }; query: string; reason?: string } = input.entryId
      ? { picked: { id: input.entryId }, query: input.entryId }
      : await this.pickFromText(principal, input.text ?? '');
    const picked = found.picked;
    const typedReason = joinReason(found.reason, input.justification);
    if ('choices' in picked) {
      if (picked.choices.length === 0) throw new EntryNotFound(input.text ?? '');
      return {
        kind: 'choose',
        query: found.query,
        choices: picked.choices.map(catalogItemView),
        justification: typedReason,
        duration: input.duration,
      };
    }
    const { governance } = this.deps;
    // Both before a form can open within Slack's 3 s: asked together.
    const [entry, policy] = await Promise.all([governance.getCatalogEntry(principal, picked.id), governance.policy()]);
    if (!entry) throw new EntryNotFound(input.entryId ?? input.text ?? picked.id);
    const justification = cleanText('justification', typedReason);
    const justificationRequired = entry.justificationRequired || policy.requireRequestJustification;
    if (input.askForMissing) {
      const missing = [
        ...(justificationRequired && !justification ? (['justification'] as const) : []),
        ...(entry.duration.required && !input.duration?.trim() ? (['duration'] as const) : []),
      ];
      if (missing.length > 0) {
        const asked = input.duration ? parseDuration(input.duration) : undefined;
        return {
          kind: 'form',
          entry: catalogEntryView({ ...entry, justificationRequired }),
          missing,
          ...(justification ? { justification } : {}),
          ...(asked ? { duration: asked } : {}),
        };
      }
    }
    const accessDuration = checkDuration(entry, input.duration);
    if (justificationRequired && !justification) {
      throw new JustificationRequired(entry.name);
    }
    const request = await this.createOnce(principal, entry, justification, accessDuration, input, via);
    // Announced on a retry too: if the first attempt died before its messages went out, they go now.
    this.deps.changes.publish({ kind: 'requested', request });
    const view = requestView(request, availableActions(request, principal, policy), principal);
    // Told now, not when the request expires: nobody but the requester could approve its open step.
    const stranded = strandedStep(request, policy);
    return { kind: 'created', request: stranded ? strandedView(view, stranded.index, principal.id) : view };
  }

  /**
   * What typed text names: the whole text first ("Tableau for Q4 Reporting" may be a name); when
   * that names no one entry, the words before a "for" may, the rest being the reason ("figma for
   * design review"). Costs a catalog search per reading tried, and only when the whole text fails.
   */
  private async pickFromText(
    principal: Principal,
    text: string,
  ): Promise<{ picked: CatalogItem | { choices: CatalogItem[] }; query: string; reason?: string }> {
    const query = text.trim();
    const whole = await this.pickEntry(principal, query);
    if (!('choices' in whole)) return { picked: whole, query };
    let fallback: { picked: { choices: CatalogItem[] }; query: string; reason: string } | undefined;
    for (const reading of namesBeforeFor(query)) {
      const picked = await this.pickEntry(principal, reading.what);
      if (!('choices' in picked)) return { picked, query: reading.what, reason: reading.reason };
      fallback ??= picked.choices.length > 0 ? { picked, query: reading.what, reason: reading.reason } : undefined;
    }
    // Nothing matched the whole text: candidates for the words before "for" beat an empty form.
    if (whole.choices.length === 0 && fallback) return fallback;
    return { picked: whole, query };
  }

  /** One entry when the text names it unambiguously; otherwise the candidates to choose from. */
  private async pickEntry(principal: Principal, text: string): Promise<CatalogItem | { choices: CatalogItem[] }> {
    const { governance } = this.deps;
    const query = text.trim();
    if (!query) return { choices: await governance.searchCatalog(principal, '', 25) };
    const matches = await governance.searchCatalog(principal, query.slice(0, 100), 25);
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
    via?: string,
  ): Promise<AccessRequest> {
    const { governance, store, logger } = this.deps;
    const resultKey = input.idempotencyKey && `request:created:${input.idempotencyKey}`;
    const claimKey = input.idempotencyKey && `request:create:${input.idempotencyKey}`;
    if (claimKey && resultKey) {
      if (!(await store.claim(claimKey, CREATE_CLAIM_TTL_MS))) {
        const existingId = await store.get(resultKey);
        const existing = existingId ? await governance.getRequest(existingId) : null;
        if (existing) return existing;
        throw new RequestInProgress('request creation already in flight');
      }
    }
    try {
      await this.mayAsk(principal, entry, accessDuration, input);
    } catch (error) {
      // Nothing was created: the same submission (an Extend pressed on the answer that replaced
      // the form, say) must be free to go again, not told for a day that it is in flight.
      if (claimKey) await store.delete(claimKey).catch(() => undefined);
      throw error;
    }
    const created = await governance.createRequest({
      requester: principal,
      requestedFor: principal,
      entryId: entry.id,
      justification,
      accessDuration,
    });
    // The request exists now: losing our note of it only costs a retry its answer, and saying
    // "nothing was changed" would be false.
    if (resultKey) {
      await bestEffort(store.set(resultKey, created.id, { ttlMs: CREATE_CLAIM_TTL_MS }), {
        logger,
        lost: 'request created; its idempotency result not kept',
        context: { requestId: created.id },
      });
    }
    logRequested(logger, created, principal, via);
    return created;
  }

  /** Refuses a second open request for the entry, and one for access already held (unless extending it). */
  private async mayAsk(
    principal: Principal,
    entry: CatalogEntry,
    accessDuration: string | undefined,
    input: RequestAccessInput,
  ): Promise<void> {
    const [open, holding] = await Promise.all([
      this.deps.governance.listRequests({ requestedFor: principal.id, status: ['pending', 'submitted'] }),
      this.heldNow(principal, entry),
    ]);
    const duplicate = open.items.find((request) => request.entry.id === entry.id && isOpen(request));
    if (duplicate) throw new DuplicateRequest(duplicate);
    if (holding && !(input.extend && holding.expiresAt)) {
      throw new AlreadyHasAccess(
        { id: entry.id, name: entry.name },
        holding.expiresAt,
        accessDuration ?? heldFor(holding),
      );
    }
    // Extending time-bound access asks for more time, never silently for access with no end.
    if (input.extend && holding && !accessDuration && entry.duration.allowed) {
      throw new DurationRequired(entry.name, entry.duration.max);
    }
  }

  /**
   * What the person holds, to warn before asking for it again. A backend that cannot say right now
   * does not stop the request: the warning is a courtesy, the approvers still decide.
   */
  private async heldNow(principal: Principal, entry: CatalogEntry): Promise<AccessGrant | undefined> {
    const { governance } = this.deps;
    try {
      // The backend's own one-entry read where it has one: listing everything held costs a call per app on Okta.
      if (governance.holds) return (await governance.holds(principal, entry)) ?? undefined;
      const held = await governance.listAccess(principal);
      return held.find((grant) => grant.entry.id === entry.id && grant.status === 'active');
    } catch (err) {
      this.deps.logger.warn({ err }, 'held access not read; requesting without the already-has-it check');
      return undefined;
    }
  }
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

/** How long held access was granted for (grant to end), for Extend to ask the same again. */
function heldFor(holding: AccessGrant): string | undefined {
  if (!holding.grantedAt || !holding.expiresAt) return undefined;
  const seconds = Math.round((Date.parse(holding.expiresAt) - Date.parse(holding.grantedAt)) / 1000);
  if (!(seconds > 0)) return undefined;
  // Whole hours, or whole days from a day up: what the entry's rules and the backends take.
  const hours = Math.max(1, Math.round(seconds / 3_600));
  return hours >= 24 ? `P${Math.round(hours / 24)}D` : `PT${hours}H`;
}
