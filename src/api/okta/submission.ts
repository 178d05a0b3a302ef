import type { Logger } from 'pino';
import { durationSeconds } from '../../domain/duration.js';
import { GovernanceRejected, GovernanceUnavailable } from '../../domain/errors.js';
import { characterCount } from '../../domain/text.js';
import type { AccessRequest } from '../../domain/types.js';
import type { CreateRequestInput } from '../governance.js';
import { quote } from '../lookup.js';
import type { OktaCatalog } from './catalog.js';
import type { OktaHttp } from './http.js';
import {
  durationField,
  justificationField,
  JUSTIFICATION_MAX_LENGTH as MAX_FIELD_VALUE_LENGTH,
  toOktaDuration,
} from './mapping.js';
import { entryPath, V2 } from './paths.js';
import type { OktaRequests } from './requests.js';
import { accessRequest, accessRequestList, type OktaAccessRequest, type OktaCreateRequestBody } from './wire.js';

/**
 * Creating a request: the entry's request form filled from what chat knows (justification, access
 * duration), refused when the form asks for more, and created exactly once.
 */
export class OktaSubmission {
  constructor(
    private readonly http: OktaHttp,
    private readonly deps: {
      catalog: OktaCatalog;
      requests: OktaRequests;
      portalUrl: string;
      logger?: Logger;
    },
  ) {}

  /**
   * One person's action across three rate-limit families (the catalog's form, the requests, the
   * tasks): checked before anything is spent, so it is not stopped half-way, and a retry after a
   * refusal is answered what the refused try had read (VendorHttp.action).
   */
  create(input: CreateRequestInput): Promise<AccessRequest> {
    const plan = {
      operation: 'createRequest' as const,
      key: `createRequest:${input.requester.id}:${input.requestedFor.id}:${input.entryId}`,
      calls: [
        `${entryPath(input.entryId)}/users/${encodeURIComponent(input.requestedFor.id)}/request-fields`,
        // The create, then the request read back with its tasks.
        `${V2}/requests`,
        `${V2}/requests`,
        `${V2}/tasks`,
      ],
    };
    return this.http.action(plan, () => this.createOnce(input));
  }

  private async createOnce(input: CreateRequestInput): Promise<AccessRequest> {
    const fields = await this.deps.catalog.requestFieldsFor(input.requestedFor.id, input.entryId);
    if (!fields) {
      throw new GovernanceRejected(
        'createRequest',
        'Okta does not let you request this: it is not in your catalog. Ask your IT team if you need it.',
        403,
      );
    }
    const values: NonNullable<OktaCreateRequestBody['requesterFieldValues']> = [];
    const text = justificationField(fields);
    if (input.justification && text) {
      // Okta's own limit, told before anything is sent ([request-field-value] value: maxLength 1000).
      const length = characterCount(input.justification);
      if (length > MAX_FIELD_VALUE_LENGTH) {
        throw new GovernanceRejected(
          'createRequest',
          `Okta takes a reason of at most ${MAX_FIELD_VALUE_LENGTH.toLocaleString('en')} characters; yours has ${length.toLocaleString('en')}. Shorten it and ask again.`,
          400,
        );
      }
      values.push({ id: text.id, value: input.justification });
    }
    const duration = durationField(fields);
    if (input.accessDuration && duration && !duration.readOnly) {
      const value = toOktaDuration(durationSeconds(input.accessDuration) ?? 0);
      if (!value) {
        throw new GovernanceRejected(
          'createRequest',
          'Okta takes a duration in one unit: whole days (up to 999), hours (up to 99) or minutes (up to 99), for example 3d, 36h or 90m. Ask again with one of those.',
          400,
        );
      }
      values.push({ id: duration.id, value });
    }
    const unanswerable = fields.filter(
      (field) => field.required && !field.readOnly && !values.some((v) => v.id === field.id),
    );
    const blocking = unanswerable.filter((field) => field !== text && field !== duration);
    if (blocking.length > 0) {
      throw new GovernanceRejected(
        'createRequest',
        `This item asks for ${blocking.map((field) => `"${field.label ?? field.id}"`).join(', ')}, which Gatehouse cannot fill in from chat yet. Request it in Okta.`,
        400,
        undefined,
        { label: 'Request in Okta', url: this.deps.portalUrl },
      );
    }
    const body: OktaCreateRequestBody = {
      requested: { type: 'CATALOG_ENTRY', entryId: input.entryId },
      requestedFor: { type: 'OKTA_USER', externalId: input.requestedFor.id },
      requestedBy: { type: 'OKTA_USER', externalId: input.requester.id },
      requesterFieldValues: values,
    };
    const startedAt = new Date(this.http.now() - 5_000).toISOString();
    const send = () => this.http.send('createRequest', 'POST', `${V2}/requests`, accessRequest, body);
    let created: OktaAccessRequest;
    try {
      created = (await send()).body;
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) throw error;
      // Check first: a request Okta did create must not be created twice. If even the check
      // fails, the outcome stays unknown and is reported as such.
      const landed = await this.findCreated(input, startedAt).catch(() => {
        throw error;
      });
      created = landed ?? (await send()).body;
    }
    // Okta answers SUBMITTED; what the request settled into (waiting for a step, or approved at
    // once) is what the person is told, so it is read, with its steps. The request exists whatever
    // that read meets (a spent budget, an outage): the person is told it was made, as Okta answered
    // it, never "nothing was changed" (a retry would make it twice); the notifier shows the rest.
    const settled = await this.deps.requests.get(created.id).catch((error: unknown) => {
      this.deps.logger?.warn({ err: error, requestId: created.id }, 'request created; reading it back failed');
      return null;
    });
    return settled ?? this.deps.requests.toDomain(created, []);
  }

  private async findCreated(input: CreateRequestInput, since: string): Promise<OktaAccessRequest | undefined> {
    const { body } = await this.http.get('createRequest', `${V2}/requests`, accessRequestList, {
      filter: `requestedFor eq "${quote(input.requestedFor.id)}" AND lastUpdated gt "${since}"`,
      limit: 200,
    });
    return body.data.find(
      (request) => request.requested.entryId === input.entryId && Date.parse(request.created) >= Date.parse(since),
    );
  }
}
