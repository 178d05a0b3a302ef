import { accessDurationMs } from './access-duration.js';
import {
  ACCESS_DURATION_ALIAS,
  ACCESS_DURATION_FIELD,
  conditionFor,
  type Directory,
  requestFields,
} from './catalog.js';
import { type OktaErrorCause, validationFailed } from './errors.js';
import type { Actor, CatalogEntryRecord, RequestCondition, RequesterFieldValue, UserRecord } from './records.js';
import type { OktaCreateRequestBody } from './wire.js';

/** A create-request body that passed Okta's checks, resolved against the org. */
export interface Submission {
  entry: CatalogEntryRecord;
  condition: RequestCondition;
  requestedFor: UserRecord;
  requestedBy: { type: 'OKTA_USER'; externalId: string };
  requesterFieldValues: RequesterFieldValue[];
  accessDuration?: string;
}

const MAX_FIELD_VALUE_LENGTH = 1000;

const cause = (errorSummary: string, reason: string, location: string): OktaErrorCause => ({
  errorSummary,
  reason,
  location,
  locationType: 'body',
});

/** Applies the checks Okta makes synchronously on `POST /governance/api/v2/requests`, in its order. */
export function checkSubmission(body: OktaCreateRequestBody, actor: Actor, directory: Directory): Submission {
  const entry = directory.entries().find((candidate) => candidate.id === body.requested.entryId);
  if (!entry) {
    throw validationFailed([
      cause(`Catalog entry ${body.requested.entryId} was not found`, 'IDENTIFIER_NOT_FOUND', '/requested/entryId'),
    ]);
  }
  const requestedFor = directory.user(body.requestedFor.externalId);
  if (!requestedFor) {
    throw validationFailed([
      cause(`User ${body.requestedFor.externalId} was not found`, 'IDENTIFIER_NOT_FOUND', '/requestedFor/externalId'),
    ]);
  }
  if (body.requestedBy && !directory.user(body.requestedBy.externalId)) {
    throw validationFailed([
      cause(`User ${body.requestedBy.externalId} was not found`, 'IDENTIFIER_NOT_FOUND', '/requestedBy/externalId'),
    ]);
  }
  // `requestedBy` "is the admin user ID requesting this operation" by default, and [target-principal]
  // is a user: a service app (client credentials) is no user, so it must say who asks. (One example
  // in the document shows an UNKNOWN `pca…` requester instead; the schema and the text say otherwise.)
  if (!body.requestedBy && actor.type !== 'OKTA_USER') {
    throw validationFailed([
      cause(
        'requestedBy is required when the caller is not an Okta user (client credentials)',
        'REQUIRED_PROPERTY_MISSING',
        '/requestedBy',
      ),
    ]);
  }
  const condition = conditionFor(entry, requestedFor, directory);
  if (!condition) {
    throw validationFailed([
      cause(
        `Catalog entry ${entry.id} is not requestable by user ${requestedFor.id}`,
        'IDENTIFIER_NOT_FOUND',
        '/requested/entryId',
      ),
    ]);
  }

  const fields = requestFields(condition);
  const values: RequesterFieldValue[] = [];
  let accessDuration: string | undefined;
  for (const [index, given] of (body.requesterFieldValues ?? []).entries()) {
    const id = given.id === ACCESS_DURATION_ALIAS ? ACCESS_DURATION_FIELD : given.id;
    const field = fields.find((candidate) => candidate.id === id);
    if (!field) {
      throw validationFailed([
        cause(
          `Requester field ${given.id} is not a field of this request`,
          'IDENTIFIER_NOT_FOUND',
          `/requesterFieldValues/${index}/id`,
        ),
      ]);
    }
    const value = given.value ?? given.values?.join('\n') ?? '';
    if (value === '') continue;
    // [request-field-value] `value`: maxLength 1000, counted as JSON Schema counts: code points.
    const length = [...(given.value ?? '')].length;
    if (length > MAX_FIELD_VALUE_LENGTH) {
      throw validationFailed([
        cause(
          `value must be at most ${MAX_FIELD_VALUE_LENGTH} characters (was ${length})`,
          'INVALID_VALUE',
          `/requesterFieldValues/${index}/value`,
        ),
      ]);
    }
    if (field.type === 'DURATION') {
      accessDuration = checkDuration(field, value, `/requesterFieldValues/${index}/value`);
      if (field.readOnly) continue;
    }
    values.push({
      id,
      label: field.type === 'DURATION' ? 'Access duration' : (field.label ?? id),
      type: field.type,
      value,
    });
  }

  const missing = fields.filter((field) => field.required && !values.some((value) => value.id === field.id));
  if (missing.length > 0) {
    throw validationFailed(
      missing.map((field) =>
        cause(
          `Requester field ${field.id} (${field.label ?? field.type}) is required`,
          'REQUIRED_PROPERTY_MISSING',
          '/requesterFieldValues',
        ),
      ),
      'Request missing required fields',
    );
  }

  const fixed =
    condition.accessDuration?.type === 'ADMIN_FIXED_DURATION' ? condition.accessDuration.duration : undefined;
  return {
    entry,
    condition,
    requestedFor,
    requestedBy: body.requestedBy ?? { type: 'OKTA_USER', externalId: actor.externalId },
    requesterFieldValues: values,
    ...((accessDuration ?? fixed) ? { accessDuration: accessDuration ?? fixed } : {}),
  };
}

function checkDuration(
  field: { value?: string | null; maximumValue?: string | null; readOnly?: boolean | null },
  value: string,
  location: string,
): string {
  if (field.readOnly) {
    if (value !== field.value) {
      throw validationFailed([
        cause(`ACCESS_DURATION is fixed by the administrator at ${field.value}`, 'INVALID_VALUE', location),
      ]);
    }
    return value;
  }
  const requested = accessDurationMs(value);
  if (requested === undefined) {
    throw validationFailed([
      cause(
        `ACCESS_DURATION "${value}" must be an ISO 8601 duration in a single unit of days, hours or minutes, such as P4D, PT65H or PT90M`,
        'STRING_FORMAT_INVALID',
        location,
      ),
    ]);
  }
  const maximum = field.maximumValue ? accessDurationMs(field.maximumValue) : undefined;
  if (maximum !== undefined && requested > maximum) {
    throw validationFailed([
      cause(`ACCESS_DURATION ${value} exceeds the maximum of ${field.maximumValue}`, 'INVALID_VALUE', location),
    ]);
  }
  return value;
}
