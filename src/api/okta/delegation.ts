import {
  GovernanceAuthFailed,
  GovernanceNotFound,
  type GovernanceOperation,
  GovernanceRejected,
  GovernanceUnsupported,
} from '../../domain/errors.js';
import type { DelegateAppointment, Principal, PrincipalRef } from '../../domain/types.js';
import type { Delegation } from '../governance.js';
import { quote } from '../lookup.js';
import type { OktaHttp } from './http.js';
import { V1 } from './paths.js';
import type { OktaPrincipals } from './principals.js';
import { delegateAppointmentList, type OktaDelegateAppointment, principalSettings } from './wire.js';

const READ = 'delegation' satisfies GovernanceOperation;
const WRITE = 'delegate' satisfies GovernanceOperation;
/** [listDelegateAppointments] `limit` at most 200. */
const PAGE = 200;
/** Pages read when looking for whom a delegate stands in: 2,000 appointments. */
const MAX_PAGES = 10;
/** [delegate-patchable] `note` at most 1,000 characters. */
const NOTE_MAX = 1000;

/**
 * Okta's governance delegates (Beta; Super Admin; scopes okta.governance.delegates.read and
 * okta.governance.principalSettings.manage): `GET /governance/api/v1/delegates` to read
 * appointments and `PATCH /governance/api/v1/principal-settings/{id}` with `delegates.appointments`
 * (one at most; `[]` ends it) to set them.
 *
 * The list filters by `delegatorId` only ("Only the delegatorId property is supported"), so whom a
 * delegate stands in for is found by reading every appointment (200 a page) and keeping theirs.
 * An org that refuses these calls (403: the Beta, the role or a scope missing; 404: not there) has
 * no delegates for Gatehouse: GovernanceUnsupported, with nothing changed.
 */
export class OktaDelegation implements Delegation {
  constructor(
    private readonly http: OktaHttp,
    private readonly principals: OktaPrincipals,
  ) {}

  async current(delegator: Principal): Promise<DelegateAppointment | null> {
    const { body } = await this.refusedAsUnsupported(READ, () =>
      this.http.get(READ, `${V1}/delegates`, delegateAppointmentList, {
        filter: `delegatorId eq "${quote(delegator.id)}"`,
        limit: PAGE,
      }),
    );
    const now = this.http.now();
    const mine = body.data.find((one) => one.delegator?.externalId === delegator.id && !ended(one, now));
    return mine ? this.toDomain(mine) : null;
  }

  async appoint(input: {
    delegator: Principal;
    delegate: Principal;
    startsAt?: string;
    endsAt?: string;
    note?: string;
  }): Promise<DelegateAppointment> {
    const { delegator, delegate } = input;
    if (delegate.id === delegator.id) {
      throw new GovernanceRejected(WRITE, 'You cannot appoint yourself as your delegate.', 400);
    }
    if (!delegate.active) {
      throw new GovernanceRejected(WRITE, `${delegate.displayName} is not an active user in Okta.`, 400);
    }
    if (input.endsAt && Date.parse(input.endsAt) <= Math.max(this.http.now(), Date.parse(input.startsAt ?? '') || 0)) {
      throw new GovernanceRejected(WRITE, 'The appointment must end after it starts, and in the future.', 400);
    }
    const note = input.note === undefined ? undefined : [...input.note].slice(0, NOTE_MAX).join('');
    const appointment = {
      delegate: { type: 'OKTA_USER', externalId: delegate.id },
      ...(input.startsAt ? { startTime: input.startsAt } : {}),
      ...(input.endsAt ? { endTime: input.endsAt } : {}),
      ...(note ? { note } : {}),
    };
    const { body } = await this.refusedAsUnsupported(WRITE, () =>
      this.http.send(WRITE, 'PATCH', settingsPath(delegator.id), principalSettings, {
        delegates: { appointments: [appointment] },
      }),
    );
    const saved = body.delegates.appointments?.find((one) => one.delegate.externalId === delegate.id);
    if (saved) return this.toDomain({ ...saved, delegator: saved.delegator ?? { externalId: delegator.id } });
    // Okta's own example answers an appointment without its delegator: what was sent stands.
    return {
      delegator: ref(delegator),
      delegate: ref(delegate),
      ...(input.startsAt ? { startsAt: input.startsAt } : {}),
      ...(input.endsAt ? { endsAt: input.endsAt } : {}),
      ...(note ? { note } : {}),
    };
  }

  async end(delegator: Principal): Promise<void> {
    await this.refusedAsUnsupported(WRITE, () =>
      this.http.send(WRITE, 'PATCH', settingsPath(delegator.id), principalSettings, {
        delegates: { appointments: [] },
      }),
    );
  }

  async delegatorsOf(delegate: Principal): Promise<DelegateAppointment[]> {
    const now = this.http.now();
    const found: OktaDelegateAppointment[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const { body, nextCursor } = await this.refusedAsUnsupported(READ, () =>
        this.http.get(READ, `${V1}/delegates`, delegateAppointmentList, { limit: PAGE, after }),
      );
      found.push(...body.data.filter((one) => one.delegate.externalId === delegate.id && covers(one, now)));
      if (!nextCursor) break;
      after = nextCursor;
    }
    return Promise.all(found.map((one) => this.toDomain(one)));
  }

  private async toDomain(one: OktaDelegateAppointment): Promise<DelegateAppointment> {
    const delegatorId = one.delegator?.externalId ?? '';
    const people = await this.principals.refs([delegatorId, one.delegate.externalId].filter(Boolean));
    return {
      id: one.id,
      delegator: people.get(delegatorId) ?? { id: delegatorId },
      delegate: people.get(one.delegate.externalId) ?? { id: one.delegate.externalId },
      ...(one.startTime ? { startsAt: one.startTime } : {}),
      ...(one.endTime ? { endsAt: one.endTime } : {}),
      ...(one.note ? { note: one.note } : {}),
    };
  }

  private async refusedAsUnsupported<T>(operation: GovernanceOperation, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const refused =
        (error instanceof GovernanceAuthFailed && error.status === 403) ||
        (error instanceof GovernanceNotFound && operation === READ);
      if (!refused) throw error;
      throw new GovernanceUnsupported(operation, 'Okta does not let Gatehouse manage delegates in this org.');
    }
  }
}

function settingsPath(principalId: string): string {
  return `${V1}/principal-settings/${encodeURIComponent(principalId)}`;
}

function ref(person: Principal): PrincipalRef {
  return { id: person.id, displayName: person.displayName, email: person.email };
}

function ended(one: OktaDelegateAppointment, now: number): boolean {
  return Boolean(one.endTime && Date.parse(one.endTime) <= now);
}

function covers(one: OktaDelegateAppointment, now: number): boolean {
  return !ended(one, now) && !(one.startTime && Date.parse(one.startTime) > now);
}
