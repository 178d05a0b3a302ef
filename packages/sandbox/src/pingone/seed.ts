import type { CatalogEntryRecord, UserRecord } from '../okta/records.js';
import type { CatalogRecord, GatehouseGlossary, IgaPerson, ManagedUserRecord, PhasePlan } from './records.js';

/**
 * The Okta emulator's seeded company as IGA records: the same people (same ids and emails), the
 * same catalog (same ids and names) and the same approval rules, expressed as workflow phases.
 */

export function managedUser(user: UserRecord): ManagedUserRecord {
  return {
    _id: user.id,
    id: user.id,
    userName: user.profile.login,
    givenName: user.profile.firstName,
    sn: user.profile.lastName,
    mail: user.profile.email,
    accountStatus: user.status === 'ACTIVE' ? 'active' : 'inactive',
    managerId: user.profile.managerId,
  };
}

export function person(user: ManagedUserRecord): IgaPerson {
  return { id: user._id, userName: user.userName, givenName: user.givenName, sn: user.sn, mail: user.mail };
}

export function fullName(user: ManagedUserRecord): string {
  return `${user.givenName} ${user.sn}`.trim();
}

export function catalogRecord(entry: CatalogEntryRecord, all: CatalogEntryRecord[]): CatalogRecord {
  const condition = entry.condition;
  const phases = (condition?.approvalSequence ?? []) as PhasePlan[];
  const outcome =
    entry.grantOutcome === 'GRANTED' ? 'provisioned' : entry.grantOutcome === 'FAILED' ? 'not provisioned' : null;
  const requesterGroupIds = condition?.requesters.type === 'GROUPS' ? condition.requesters.groupIds : undefined;
  const duration = condition?.accessDuration;
  const rules: GatehouseGlossary = {
    requireJustification: condition?.justification.required ?? false,
    accessDuration:
      !duration || duration.type === 'ADMIN_FIXED_DURATION' ? 'none' : duration.required ? 'required' : 'optional',
    ...(duration?.type === 'REQUESTER_SPECIFIED_DURATION' ? { maxAccessDuration: duration.maximumDuration } : {}),
  };
  const kind =
    entry.label === 'Group' ? '/role' : entry.label === 'Entitlement Bundle' ? '/entitlement' : '/application';
  const base = {
    id: entry.id,
    phases,
    outcome,
    glossary: { idx: { [kind]: rules } },
    ...(requesterGroupIds ? { requesterGroupIds } : {}),
  } as const;
  if (entry.label === 'Group') {
    return {
      ...base,
      item: { type: 'roleMembership' },
      role: { id: entry.id, name: entry.name, description: entry.description },
    };
  }
  if (entry.label === 'Entitlement Bundle') {
    const parent = all.find((candidate) => candidate.id === entry.parent);
    const [, short] = entry.name.split(' — ');
    return {
      ...base,
      item: { type: 'entitlementGrant' },
      application: { id: parent?.resource.id ?? entry.resource.id, name: parent?.name ?? entry.name },
      entitlement: { id: entry.id, displayName: short ?? entry.name, description: entry.description },
      assignment: { id: entry.id, name: entry.name },
    };
  }
  return {
    ...base,
    item: { type: 'accountGrant' },
    application: { id: entry.id, name: entry.name, description: entry.description },
  };
}

export function rulesOf(item: CatalogRecord | undefined): GatehouseGlossary | undefined {
  return item ? Object.values(item.glossary.idx)[0] : undefined;
}

/**
 * An instant written the way a tenant in this UTC offset writes it (`Z`, or `±hh:mm` as in Ping's
 * own fixtures), keeping milliseconds.
 */
export function stamp(ms: number, utcOffset: string): string {
  if (utcOffset === 'Z') return new Date(ms).toISOString();
  const match = /^([+-])(\d{2}):(\d{2})$/.exec(utcOffset);
  if (!match) throw new Error(`Not a UTC offset: ${utcOffset}`);
  const [, sign, hours, minutes] = match;
  const shift = (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000;
  return `${new Date(ms + shift).toISOString().slice(0, 23)}${utcOffset}`;
}
