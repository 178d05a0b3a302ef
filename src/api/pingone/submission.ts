import { durationSeconds } from '../../domain/duration.js';
import { GovernanceNotFound, GovernanceRejected, GovernanceUnavailable } from '../../domain/errors.js';
import type { AccessRequest } from '../../domain/types.js';
import type { CreateRequestInput } from '../governance.js';
import type { PingOneActions } from './actions.js';
import type { PingOneCatalog } from './catalog.js';
import type { PingOneHttp } from './http.js';
import { CREATE_TYPES, entryOf, onBehalfComment } from './mapping.js';
import { GOV } from './paths.js';
import { approvalLink, myRequestLink } from './portal.js';
import type { PingOneRequests } from './requests.js';
import { createAnswer, createdOf, type IgaCatalogItem } from './wire.js';

/** How far before its own clock Gatehouse looks for a request it just created (the tenant's clock may differ). */
const CLOCK_SKEW_MS = 60_000;
/** The person's newest requests the look-back reads. */
const LOOK_BACK = 20;

/**
 * Creating a request: validated first (`_action=validate`), then created; time-bound access
 * becomes a start and end date from the moment of asking.
 */
export class PingOneSubmission {
  constructor(
    private readonly http: PingOneHttp,
    private readonly deps: {
      catalog: PingOneCatalog;
      requests: PingOneRequests;
      actions: PingOneActions;
      now: () => number;
    },
  ) {}

  async create(input: CreateRequestInput): Promise<AccessRequest> {
    const item = await this.deps.catalog.item(input.requestedFor, input.entryId);
    if (!item) throw new GovernanceNotFound('createRequest', 'That catalog item');
    const now = this.deps.now();
    const seconds = input.accessDuration ? durationSeconds(input.accessDuration) : undefined;
    const body = {
      users: [input.requestedFor.id],
      catalogs: [{ type: CREATE_TYPES[item.item.type] ?? 'application', id: item.id }],
      priority: 'low',
      accessModifier: 'add',
      ...(input.justification ? { justification: input.justification } : {}),
      ...(seconds
        ? { startDate: new Date(now).toISOString(), endDate: new Date(now + seconds * 1000).toISOString() }
        : {}),
    };
    // Validation first: its problems reach the requester before anything exists.
    const checked = await this.http.search('createRequest', `${GOV}/requests?_action=validate`, createAnswer, body);
    refuseOnErrors(checked.body.errors);
    const { body: answer } = await this.http.send(
      'createRequest',
      'POST',
      `${GOV}/requests?_action=create`,
      createAnswer,
      body,
    );
    refuseOnErrors(answer.errors);
    const created = await this.created(answer.result ?? [], input, item, now - CLOCK_SKEW_MS);
    if (input.requester.id !== input.requestedFor.id) {
      await this.deps.actions
        .act('comment', created.id, undefined, {
          comment: onBehalfComment(input.requester.displayName, input.requester.email, undefined, 'requested this.'),
        })
        .catch(() => undefined);
    }
    return created;
  }

  /**
   * The request IGA just created, however its answer names it: whole (the reference's "created
   * requests"), by id only (read once), or not at all (found among the person's newest requests).
   * Once IGA has said it created one, a failure to read it back is no reason to tell the person it
   * failed: the request is shown as submitted, as far as Gatehouse knows it.
   */
  private async created(
    result: unknown[],
    input: CreateRequestInput,
    item: IgaCatalogItem,
    since: number,
  ): Promise<AccessRequest> {
    const said = createdOf(result[0]);
    if (said && 'request' in said) return this.deps.requests.toDomain(said.request);
    if (said) {
      const read = await this.deps.requests.get(said.id).catch(() => null);
      return read ?? this.submitted(said.id, input, item);
    }
    const found = await this.findCreated(input, item, since).catch(() => undefined);
    if (found) return found;
    throw new GovernanceUnavailable(
      'createRequest',
      result.length > 0 ? 'IGA created a request without naming it, and it was not found' : 'IGA created no request',
      true,
    );
  }

  /**
   * The newest request for this person and item created since `since`: flows refuse a second open
   * request for the same item, so it is the one just made.
   */
  private async findCreated(
    input: CreateRequestInput,
    item: IgaCatalogItem,
    since: number,
  ): Promise<AccessRequest | undefined> {
    const names = [item.id, entryOf(item).id];
    const { items } = await this.deps.requests.list({ requestedFor: input.requestedFor.id, limit: LOOK_BACK });
    return items.find((request) => names.includes(request.entry.id) && Date.parse(request.created) >= since);
  }

  private submitted(id: string, input: CreateRequestInput, item: IgaCatalogItem): AccessRequest {
    const at = new Date(this.deps.now()).toISOString();
    return {
      id,
      status: 'submitted',
      requester: refOf(input.requester),
      requestedFor: refOf(input.requestedFor),
      entry: entryOf(item),
      justification: input.justification,
      accessDuration: input.accessDuration,
      created: at,
      updated: at,
      steps: [],
      comments: [],
      portalUrl: myRequestLink(this.deps.requests.portalUrl, id),
      approvalUrl: approvalLink(this.deps.requests.portalUrl, id),
    };
  }
}

function refOf(person: CreateRequestInput['requester']) {
  return { id: person.id, displayName: person.displayName, email: person.email };
}

/** Validation problems come back as 200 with `errors[]`: shown to the requester as they are. */
function refuseOnErrors(errors: { error?: string | null; message?: string | null }[] | null | undefined): void {
  const problems = (errors ?? []).map((e) => e.message ?? e.error).filter((e): e is string => Boolean(e));
  if (problems.length > 0) throw new GovernanceRejected('createRequest', problems.join('; '), 400);
}
