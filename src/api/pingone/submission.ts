import { durationSeconds } from '../../domain/duration.js';
import { GovernanceNotFound, GovernanceRejected, GovernanceUnavailable } from '../../domain/errors.js';
import type { AccessRequest } from '../../domain/types.js';
import type { CreateRequestInput } from '../governance.js';
import type { PingOneActions } from './actions.js';
import type { PingOneCatalog } from './catalog.js';
import type { PingOneHttp } from './http.js';
import { CREATE_TYPES, onBehalfComment } from './mapping.js';
import { GOV } from './paths.js';
import type { PingOneRequests } from './requests.js';
import { createAnswer } from './wire.js';

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
    const created = answer.result?.[0];
    if (!created) throw new GovernanceUnavailable('createRequest', 'IGA created no request', true);
    if (input.requester.id !== input.requestedFor.id) {
      await this.deps.actions
        .act('comment', created.id, undefined, {
          comment: onBehalfComment(input.requester.displayName, input.requester.email, undefined, 'requested this.'),
        })
        .catch(() => undefined);
    }
    return this.deps.requests.toDomain(created);
  }
}

/** Validation problems come back as 200 with `errors[]`: shown to the requester as they are. */
function refuseOnErrors(errors: { error?: string | null; message?: string | null }[] | null | undefined): void {
  const problems = (errors ?? []).map((e) => e.message ?? e.error).filter((e): e is string => Boolean(e));
  if (problems.length > 0) throw new GovernanceRejected('createRequest', problems.join('; '), 400);
}
