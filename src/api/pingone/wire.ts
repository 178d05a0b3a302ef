import { z } from 'zod';

/**
 * PingOne Advanced Identity Cloud IGA JSON, as far as Gatehouse reads it (see
 * ../shared/reference/pingone.md). Unknown fields are kept out; values whose full set is not
 * documented (phase decisions, outcomes) stay strings and are read case-insensitively.
 */

const text = z.string();
const optionalText = z.string().nullish();

/** A person as IGA embeds them in requests, actors and comments (`id` may be `managed/user/<uuid>`). */
export const igaUser = z.object({
  id: text,
  userName: optionalText,
  givenName: optionalText,
  sn: optionalText,
  mail: optionalText,
});
export type IgaUser = z.infer<typeof igaUser>;

export const actor = igaUser.extend({
  phase: optionalText,
  permissions: z.record(z.string(), z.boolean()).nullish(),
  decision: optionalText,
});

const dated = z.object({ date: optionalText }).nullish();

/**
 * One phase of a request's workflow. `type` says what kind (Ping's UI fixtures): `request` is an
 * approval, `scheduled` a wait (until `events.scheduled.date`), `fulfillment` a manual fulfillment.
 */
export const phase = z.object({
  name: text,
  displayName: optionalText,
  type: optionalText,
  status: optionalText,
  decision: optionalText,
  startDate: optionalText,
  completionDate: optionalText,
  completedBy: igaUser.nullish(),
  events: z.object({ expiration: dated, scheduled: dated }).nullish(),
});
export type IgaPhase = z.infer<typeof phase>;

export const comment = z.object({
  timeStamp: text,
  user: igaUser.nullish(),
  comment: z.string().nullish(),
  action: optionalText,
});

const named = z.object({ id: text, name: optionalText, displayName: optionalText, description: optionalText });

/**
 * IGA's display data for an item. Ping's UI reads and searches an entitlement's name at
 * `descriptor.idx./entitlement.displayName` first, `entitlement.displayName` after
 * (AccessRequestUtils.getNameString, CatalogApi.searchCatalogEntitlements).
 */
const descriptor = z
  .object({ idx: z.object({ '/entitlement': z.object({ displayName: optionalText }).nullish() }).nullish() })
  .nullish();

/** What a request, a catalog item or a grant is of: an application, an entitlement of one, or a role. */
const itemParts = {
  application: named.nullish(),
  entitlement: named.nullish(),
  assignment: named.nullish(),
  role: named.nullish(),
  descriptor,
};

export const igaRequest = z.object({
  id: text,
  requestType: optionalText,
  requester: igaUser.nullish(),
  user: igaUser.nullish(),
  request: z
    .object({
      common: z
        .object({
          justification: optionalText,
          startDate: optionalText,
          endDate: optionalText,
          isDraft: z.boolean().nullish(),
        })
        .nullish(),
    })
    .nullish(),
  ...itemParts,
  decision: z.object({
    status: text,
    decision: optionalText,
    outcome: optionalText,
    startDate: optionalText,
    completionDate: optionalText,
    deadline: optionalText,
    comments: z.array(comment).nullish(),
    phases: z.array(phase).nullish(),
    actors: z.object({ active: z.array(actor).nullish(), inactive: z.array(actor).nullish() }).nullish(),
  }),
  metadata: z.object({ createdDate: optionalText, modifiedDate: optionalText }).nullish(),
});
export type IgaRequest = z.infer<typeof igaRequest>;

/**
 * `{ result, searchAfterKey, totalCount, resultCount }`. The reference's samples give
 * `searchAfterKey` as an array; Frodo types it `string | string[] | null`: all are taken (unread).
 */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    result: z.array(item),
    totalCount: z.number().nullish(),
    resultCount: z.number().nullish(),
    searchAfterKey: z.union([z.string(), z.array(z.unknown())]).nullish(),
  });
}

/**
 * `_action=create|validate`: what was created, and what stood in the way. The reference says
 * `result` holds "created requests"; Ping's UI reads none of it, so each item is read as a whole
 * request if it is one, otherwise for its id (see createdOf).
 */
export const createAnswer = z.object({
  result: z.array(z.unknown()).nullish(),
  errors: z.array(z.object({ userId: optionalText, error: optionalText, message: optionalText }).loose()).nullish(),
});

/** An id as IGA's API (`id`) or CREST (`_id`) writes it. */
const idOnly = z.union([z.object({ id: text }), z.object({ _id: text }).transform(({ _id }) => ({ id: _id }))]);

/**
 * What one item of a create answer tells: the request whole (its decision, who it is for and what
 * for), only its id, or nothing to find it by.
 */
export function createdOf(item: unknown): { request: IgaRequest } | { id: string } | undefined {
  const whole = igaRequest.safeParse(item);
  const request = whole.success ? whole.data : undefined;
  if (request?.user && (request.application || request.entitlement || request.assignment || request.role)) {
    return { request };
  }
  const id = idOnly.safeParse(item);
  return id.success && id.data.id ? { id: id.data.id } : undefined;
}

/**
 * Glossary attributes a company may define on catalog items, which Gatehouse follows when present:
 * `requireJustification`, `accessDuration` (none | optional | required) and `maxAccessDuration`.
 */
export const gatehouseGlossary = z.object({
  requireJustification: z.boolean().nullish(),
  accessDuration: z.enum(['none', 'optional', 'required']).nullish(),
  maxAccessDuration: optionalText,
});

export const catalogItem = z.object({
  id: text,
  item: z.object({ type: text }),
  glossary: z.object({ idx: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  ...itemParts,
});
export type IgaCatalogItem = z.infer<typeof catalogItem>;

export const managedUser = z.object({
  _id: text,
  userName: optionalText,
  givenName: optionalText,
  sn: optionalText,
  mail: optionalText,
  accountStatus: optionalText,
});
export type ManagedUser = z.infer<typeof managedUser>;

export const managedUserList = z.object({ result: z.array(managedUser) });

/** `iga_access_request`: the switches Gatehouse's flows follow. */
export const accessRequestConfig = z.object({
  requireRequestJustification: z.boolean().nullish(),
  requireRejectJustification: z.boolean().nullish(),
  requireApproveJustification: z.boolean().nullish(),
  allowSelfApproval: z.boolean().nullish(),
});

const grantDates = { grantStartDate: optionalText, grantEndDate: optionalText };

/**
 * A grant. Ping's own grant views read its dates at `item.decision.accessRequest`; the top-level
 * pair is kept in case a tenant answers so, the reference being silent on the shape.
 */
export const grant = z.object({
  id: optionalText,
  item: z
    .object({
      type: text,
      decision: z.object({ accessRequest: z.object(grantDates).nullish() }).nullish(),
    })
    .nullish(),
  ...itemParts,
  ...grantDates,
});

/** Answers whose body Gatehouse does not read (the request is read afresh after an action). */
export const ignored = z.unknown();

/** A search filter node: `{ operator, operand }`, leaves `{ targetName, targetValue }`. */
export type TargetFilter =
  | { operator: 'AND' | 'OR'; operand: TargetFilter[] }
  | { operator: 'NOT'; operand: TargetFilter[] }
  | { operator: 'EQUALS' | 'CONTAINS'; operand: { targetName: string; targetValue: string } };
