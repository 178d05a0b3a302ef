import { oktaId } from './ids.js';

/**
 * [delegate-appointment]: someone appointed to perform a person's governance duties, from
 * `startTime` until `endTime` (either may be absent: from now, until ended). [delegates-patchable]
 * holds at most one appointment per person, so appointing replaces.
 */
export interface DelegateAppointmentRecord {
  id: string;
  delegatorId: string;
  delegateId: string;
  startTime?: string;
  endTime?: string;
  note?: string;
  created: string;
  createdBy: string;
  lastUpdated: string;
  lastUpdatedBy: string;
}

/** Everyone's delegate appointments, oldest first, as the Delegates and Principal Settings APIs keep them. */
export class Delegates {
  private readonly appointments: DelegateAppointmentRecord[] = [];

  constructor(private readonly now: () => number) {}

  all(): readonly DelegateAppointmentRecord[] {
    return this.appointments;
  }

  of(delegatorId: string): DelegateAppointmentRecord | undefined {
    return this.appointments.find((appointment) => appointment.delegatorId === delegatorId);
  }

  /** Replaces the person's appointment (or ends it, given none). */
  set(
    delegatorId: string,
    appointment: { delegateId: string; startTime?: string; endTime?: string; note?: string } | undefined,
    actorId: string,
  ): DelegateAppointmentRecord | undefined {
    const at = new Date(this.now()).toISOString();
    const index = this.appointments.findIndex((one) => one.delegatorId === delegatorId);
    const before = index >= 0 ? this.appointments[index] : undefined;
    if (index >= 0) this.appointments.splice(index, 1);
    if (!appointment) return undefined;
    const record: DelegateAppointmentRecord = {
      id: oktaId('gda'),
      delegatorId,
      ...appointment,
      created: before?.created ?? at,
      createdBy: before?.createdBy ?? actorId,
      lastUpdated: at,
      lastUpdatedBy: actorId,
    };
    this.appointments.push(record);
    return record;
  }

  /**
   * Who performs this person's duties now: their delegate while the appointment covers this moment.
   * Okta's TaskFull says so of a task (`isDelegated`, `originalAssigneeId`) and a decision says so of
   * itself (`deciderDelegated`, `originalDeciderId`), so a step opened while someone is away is the
   * delegate's to decide.
   */
  delegateOf(userId: string, atMs = this.now()): string | undefined {
    const appointment = this.of(userId);
    if (!appointment) return undefined;
    if (appointment.startTime && Date.parse(appointment.startTime) > atMs) return undefined;
    if (appointment.endTime && Date.parse(appointment.endTime) <= atMs) return undefined;
    return appointment.delegateId;
  }
}
