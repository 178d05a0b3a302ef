import { z } from 'zod';
import type { Delegation } from '../api/governance.js';
import {
  type AccessRequest,
  currentStep,
  type DelegateAppointment,
  type Principal,
  type PrincipalRef,
} from '../domain/types.js';
import { bestEffort, getJson, setJson } from '../store/index.js';
import { logDelegateAppointed, logDelegationEnded } from './audit.js';
import { isParty, type Standing } from './authorization.js';
import { endOfTypedDay } from './dates.js';
import { cleanText, type FlowDeps } from './deps.js';
import { DelegateInvalid, NotSupported } from './errors.js';
import type { DelegationView } from './views.js';
import { nameOf } from './wording.js';

/** The furthest ahead an appointment may end: a holiday or a leave, not a standing hand-over. */
export const MOST_DAYS_AHEAD = 90;
const DAY_MS = 24 * 60 * 60_000;
/** How long an appointment made without a date runs. */
export const DEFAULT_DAYS = 14;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * How long who-decides-for-whom is reused. Appointments made from chat clear it at once; one made
 * in the governance system's own portal shows within this long.
 */
const APPOINTMENTS_TTL_MS = 5 * 60_000;

const ref = z.object({ id: z.string(), displayName: z.string().optional(), email: z.string().optional() });
const appointment = z.object({
  id: z.string().optional(),
  delegator: ref,
  delegate: ref,
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  note: z.string().optional(),
});
const appointments = z.array(appointment);
/** `null` kept as "no appointment", so a person without a delegate is not asked again at every card. */
const currentAppointment = z.object({ appointment: appointment.nullable() });

const delegatorsKey = (delegateId: string) => `delegation:delegators:${delegateId}`;
const currentKey = (delegatorId: string) => `delegation:current:${delegatorId}`;

export interface DelegateInput {
  to: Principal;
  /** As typed: "2026-12-24", "24 Dec", "Dec 24", "friday". */
  until?: string;
  note?: string;
}

/**
 * Delegates: someone who decides a person's approvals while they are away (Okta's governance
 * delegates, appointed with an end). Okta records a delegate's decision as theirs, on behalf of the
 * approver it was assigned to (`deciderDelegated`, `originalDecider…` in a request's decisions), so
 * the flows let a current delegate of an open step's approver decide it, and list it in their
 * `pending`. A backend without delegates (PingOne) says so.
 */
export class Delegations {
  constructor(private readonly deps: FlowDeps) {}

  private get system(): string {
    return this.deps.governance.provider === 'okta' ? 'Okta' : 'PingOne';
  }

  private port(): Delegation {
    const { delegation } = this.deps.governance;
    if (!delegation) {
      throw new NotSupported(
        `${this.system} does not let Gatehouse appoint delegates, so approvals cannot be handed on from chat while you are away. ` +
          `Ask an administrator to reassign your approvals in ${this.system}.`,
      );
    }
    return delegation;
  }

  async mine(principal: Principal): Promise<DelegationView | null> {
    const current = await this.port().current(principal);
    return current && this.covers(current, { orLater: true }) ? delegationView(current) : null;
  }

  async appoint(principal: Principal, via: string, input: DelegateInput): Promise<DelegationView> {
    const port = this.port();
    const { to } = input;
    if (to.id === principal.id) throw new DelegateInvalid('You cannot be your own delegate: name someone else.');
    if (!to.active) throw new DelegateInvalid(`${nameOf(to)}'s account is not active: name someone else.`);
    const note = cleanText('note', input.note);
    // Always for a period: without a date, two weeks (the answer says until when).
    const endsAt = this.until(input.until ?? isoDay(this.deps.now() + DEFAULT_DAYS * DAY_MS));
    const previous = await port.current(principal);
    const appointed = await port.appoint({ delegator: principal, delegate: to, endsAt, note });
    await this.forget(principal, [to, previous?.delegate]);
    logDelegateAppointed(this.deps.logger, appointed, via);
    await this.redrawWaiting(principal);
    return delegationView(appointed);
  }

  async end(principal: Principal, via: string): Promise<{ ended: boolean }> {
    const port = this.port();
    const current = await port.current(principal);
    if (!current) return { ended: false };
    await port.end(principal);
    await this.forget(principal, [current.delegate]);
    logDelegationEnded(this.deps.logger, current, via);
    await this.redrawWaiting(principal);
    return { ended: true };
  }

  /**
   * The approvals already waiting for the person change hands with the appointment: announced, so
   * the delegate gets their cards now (or loses their buttons), not at the request's next change.
   * One read of the person's approvals; a failure only delays that to the next change.
   */
  private async redrawWaiting(principal: Principal): Promise<void> {
    try {
      const waiting = await this.deps.governance.listPendingApprovals(principal);
      for (const request of waiting) this.deps.changes.publish({ kind: 'delegated', request });
    } catch (err) {
      this.deps.logger.warn(
        { err },
        'approvals waiting for the delegator not redrawn; they follow at their next change',
      );
    }
  }

  /**
   * What the person may do on this request beyond its own rules: forward, where the backend can;
   * decide as a delegate, asked of the backend only when that could matter (an open step they are
   * neither on nor an approver of), as finding whom a delegate stands in for can take several reads.
   */
  async standingOn(request: AccessRequest, person: Principal): Promise<Standing> {
    const canForward = Boolean(this.deps.governance.forward);
    const step = currentStep(request);
    const askDelegates =
      step && !isParty(request, person) && !step.approvers.some((approver) => approver.id === person.id);
    return askDelegates ? { canForward, delegators: await this.delegatorsOf(person) } : { canForward };
  }

  /**
   * The people who appointed `delegate` and whose appointment covers now: whose approvals they
   * decide. None where the backend has no delegates; none (and said in the log) when it cannot tell.
   */
  async delegatorsOf(delegate: Principal): Promise<PrincipalRef[]> {
    const { delegation } = this.deps.governance;
    if (!delegation) return [];
    const key = delegatorsKey(delegate.id);
    try {
      const cached = await getJson(this.deps.store, key, appointments).catch(() => null);
      const found = cached ?? (await delegation.delegatorsOf(delegate));
      if (!cached) await setJson(this.deps.store, key, found, { ttlMs: APPOINTMENTS_TTL_MS }).catch(() => undefined);
      return found.filter((a) => this.covers(a) && a.delegate.id === delegate.id).map((a) => a.delegator);
    } catch (err) {
      this.deps.logger.warn({ err }, 'delegate appointments not read; deciding as oneself only');
      return [];
    }
  }

  /** Who decides for each of these approvers now (their current delegate), where any does. */
  async delegatesOf(approvers: PrincipalRef[]): Promise<{ delegate: PrincipalRef; for: PrincipalRef }[]> {
    const { delegation } = this.deps.governance;
    if (!delegation || approvers.length === 0) return [];
    const found = await Promise.all(
      approvers.map(async (approver) => {
        try {
          const key = currentKey(approver.id);
          const cached = await getJson(this.deps.store, key, currentAppointment).catch(() => null);
          const current = cached ? cached.appointment : await delegation.current(asPrincipal(approver));
          if (!cached) {
            await setJson(this.deps.store, key, { appointment: current }, { ttlMs: APPOINTMENTS_TTL_MS }).catch(
              () => undefined,
            );
          }
          return current && this.covers(current) ? [{ delegate: current.delegate, for: approver }] : [];
        } catch (err) {
          this.deps.logger.warn({ err }, "an approver's delegate not read; their card goes to them only");
          return [];
        }
      }),
    );
    return found.flat();
  }

  /** Whether the appointment runs now (or, `orLater`, has not ended yet). */
  private covers(appointed: DelegateAppointment, options: { orLater?: boolean } = {}): boolean {
    const now = this.deps.now();
    const started = options.orLater || !appointed.startsAt || Date.parse(appointed.startsAt) <= now;
    return started && (!appointed.endsAt || Date.parse(appointed.endsAt) > now);
  }

  private until(typed: string): string {
    const day = endOfTypedDay(typed, this.deps.now());
    if (!day.ok) throw new DelegateInvalid(day.why);
    const ends = Date.parse(day.endsAt);
    if (ends <= this.deps.now()) throw new DelegateInvalid(`“${typed.trim()}” has passed: give a day still to come.`);
    if (ends > this.deps.now() + MOST_DAYS_AHEAD * DAY_MS) {
      throw new DelegateInvalid(
        `A delegate can be appointed for at most ${MOST_DAYS_AHEAD} days; “${typed.trim()}” is further away.`,
      );
    }
    return day.endsAt;
  }

  /** Clears what was kept about these people's appointments, so the change shows at once. */
  private async forget(delegator: Principal, delegates: (PrincipalRef | undefined)[]): Promise<void> {
    const keys = [currentKey(delegator.id), ...delegates.flatMap((d) => (d ? [delegatorsKey(d.id)] : []))];
    await Promise.all(
      keys.map((key) =>
        bestEffort(this.deps.store.delete(key), {
          logger: this.deps.logger,
          lost: 'kept appointments not cleared; the change shows within five minutes',
          context: {},
        }),
      ),
    );
  }
}

function delegationView(appointed: DelegateAppointment): DelegationView {
  const { delegate } = appointed;
  return {
    delegate: { id: delegate.id, name: nameOf(delegate), email: delegate.email },
    ...(appointed.startsAt ? { from: appointed.startsAt } : {}),
    ...(appointed.endsAt ? { until: appointed.endsAt } : {}),
    ...(appointed.note ? { note: appointed.note } : {}),
  };
}

function asPrincipal(person: PrincipalRef): Principal {
  return { id: person.id, email: person.email ?? '', displayName: person.displayName ?? '', active: true };
}
