import type { AccessRequest, CatalogEntry, CatalogItem, Principal } from '../domain/types.js';
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
  InvalidDuration,
  JustificationRequired,
  RequestInProgress,
} from './errors.js';
import { strandedStep, strandedView } from './stranded.js';
import {
  type CatalogEntryView,
  type CatalogItemView,
  catalogEntryView,
  catalogItemView,
  type RequestView,
  requestView,
} from './views.js';
import { durationSeconds, parseDuration } from './wording.js';

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

/** Finding what to ask for in the catalog, and asking for it once however often the button is pressed. */
export class Requesting {
  constructor(private readonly deps: FlowDeps) {}

  async searchCatalog(principal: Principal, text: string, limit: number): Promise<CatalogItemView[]> {
    const entries = await this.deps.governance.searchCatalog(principal, text.trim().slice(0, 100), limit);
    return entries.map(catalogItemView);
  }

  async resolveEntry(principal: Principal, text: string): Promise<EntryMatch> {
    const picked = await this.pickEntry(principal, text);
    if ('choices' in picked)
      return { kind: 'choose', query: text.trim(), choices: picked.choices.map(catalogItemView) };
    return { kind: 'match', entry: catalogItemView(picked) };
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
    const { governance } = this.deps;
    const entry = await governance.getCatalogEntry(principal, picked.id);
    if (!entry) throw new EntryNotFound(input.entryId ?? input.text ?? picked.id);
    const justification = cleanText('justification', input.justification);
    const accessDuration = checkDuration(entry, input.duration);
    const policy = await governance.policy();
    if ((entry.justificationRequired || policy.requireRequestJustification) && !justification) {
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
    if (input.idempotencyKey && resultKey) {
      if (!(await store.claim(`request:create:${input.idempotencyKey}`, CREATE_CLAIM_TTL_MS))) {
        const existingId = await store.get(resultKey);
        const existing = existingId ? await governance.getRequest(existingId) : null;
        if (existing) return existing;
        throw new RequestInProgress('request creation already in flight');
      }
    }
    const open = await governance.listRequests({ requestedFor: principal.id, status: ['pending', 'submitted'] });
    const duplicate = open.items.find((request) => request.entry.id === entry.id && isOpen(request));
    if (duplicate) throw new DuplicateRequest(duplicate);
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
