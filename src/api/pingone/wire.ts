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
  application: named.nullish(),
  entitlement: named.nullish(),
  assignment: named.nullish(),
  role: named.nullish(),
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

/** `{ result, searchAfterKey, totalCount, resultCount }`. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({
    result: z.array(item),
    totalCount: z.number().nullish(),
    resultCount: z.number().nullish(),
    searchAfterKey: z.array(z.unknown()).nullish(),
  });
}

/** `_action=create|validate`: what was created, and what stood in the way. */
export const createAnswer = z.object({
  result: z.array(igaRequest).nullish(),
  errors: z.array(z.object({ userId: optionalText, error: optionalText, message: optionalText }).loose()).nullish(),
});

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
  application: named.nullish(),
  entitlement: named.nullish(),
  assignment: named.nullish(),
  role: named.nullish(),
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
  application: named.nullish(),
  entitlement: named.nullish(),
  assignment: named.nullish(),
  role: named.nullish(),
  ...grantDates,
});

/** Answers whose body Gatehouse does not read (the request is read afresh after an action). */
export const ignored = z.unknown();

/** A search filter node: `{ operator, operand }`, leaves `{ targetName, targetValue }`. */
export type TargetFilter =
  | { operator: 'AND' | 'OR'; operand: TargetFilter[] }
  | { operator: 'NOT'; operand: TargetFilter[] }
  | { operator: 'EQUALS' | 'CONTAINS'; operand: { targetName: string; targetValue: string } };
