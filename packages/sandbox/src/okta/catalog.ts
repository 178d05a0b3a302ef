import type { CatalogEntryRecord, GroupRecord, RequestCondition, UserRecord } from './records.js';
import type { OktaRequestField } from './wire.js';

/** The part of the org the catalog rules read. */
export interface Directory {
  user(id: string): UserRecord | undefined;
  entries(): readonly CatalogEntryRecord[];
  /** The entries directly below `parentId` (an index: catalogs run to tens of thousands). */
  childrenOf(parentId: string): readonly CatalogEntryRecord[];
  groups(): readonly GroupRecord[];
}

export const ACCESS_DURATION_FIELD = 'ACCESS_DURATION';
/** Okta's newer name for the same reserved field; accepted on input. */
export const ACCESS_DURATION_ALIAS = 'OKTA_ACCESS_DURATION';
export const JUSTIFICATION_LABEL = 'What is the business justification for this request?';

/** Requestable entries carry a condition; this is the one that applies to the user, if any. */
export function conditionFor(
  entry: CatalogEntryRecord,
  user: UserRecord,
  directory: Directory,
): RequestCondition | undefined {
  const condition = entry.condition;
  if (!entry.requestable || !condition || user.status !== 'ACTIVE') return undefined;
  if (condition.requesters.type === 'EVERYONE') return condition;
  const allowed = new Set(condition.requesters.groupIds);
  return directory.groups().some((group) => allowed.has(group.id) && group.memberIds.includes(user.id))
    ? condition
    : undefined;
}

export function mayRequest(entry: CatalogEntryRecord, user: UserRecord, directory: Directory): boolean {
  return conditionFor(entry, user, directory) !== undefined;
}

/** A user sees what they may request, and the parents (apps) leading to it. */
export function isVisibleTo(entry: CatalogEntryRecord, user: UserRecord, directory: Directory): boolean {
  if (mayRequest(entry, user, directory)) return true;
  return directory.childrenOf(entry.id).some((child) => isVisibleTo(child, user, directory));
}

/** The fields a request must or may carry, from the condition's approval sequence. */
export function requestFields(condition: RequestCondition): OktaRequestField[] {
  const fields: OktaRequestField[] = [
    {
      id: condition.justification.fieldId,
      type: 'TEXT',
      label: JUSTIFICATION_LABEL,
      required: condition.justification.required,
    },
  ];
  const duration = condition.accessDuration;
  if (duration?.type === 'ADMIN_FIXED_DURATION') {
    fields.push({
      id: ACCESS_DURATION_FIELD,
      type: 'DURATION',
      required: false,
      readOnly: true,
      value: duration.duration,
    });
  } else if (duration?.type === 'REQUESTER_SPECIFIED_DURATION') {
    fields.push({
      id: ACCESS_DURATION_FIELD,
      type: 'DURATION',
      required: duration.required,
      readOnly: false,
      maximumValue: duration.maximumDuration,
    });
  }
  return fields;
}
