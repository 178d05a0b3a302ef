import type { Environment } from './environment.js';
import { parseDurationMs, splitList } from './environment.js';
import { parseRoutes } from './routes.js';
import type { Config } from './types.js';

/** The notifier: approvals channels, routes, polling, reminders and expiry warnings. */

/** Night (and weekends) in the recipient's time zone: no reminder or escalation reaches a person then. */
export interface QuietHours {
  /** Minutes after local midnight when quiet begins, and when it ends (may wrap past midnight). */
  fromMinute: number;
  toMinute: number;
  /** Saturday and Sunday are quiet all day. */
  weekends: boolean;
}

/** Where a step nobody decided goes after its reminders. */
export type EscalationTarget =
  /** The approver's manager from the directory; the approvals channel when there is none. */
  | { kind: 'manager' }
  /** A channel: the given one per platform, else the request's approvals channel. */
  | { kind: 'channel'; channels: Partial<Record<'slack' | 'teams', string>> };

/** When approvers are reminded and a waiting step escalated (REMINDER_*, ESCALATE_*). */
export interface ReminderSettings {
  /** How long a step waits before its approvers' first reminder. */
  firstAfterMs: number;
  /** Between reminders. */
  everyMs: number;
  /** At most this many reminders per approver and step; 0: none, only the escalation. */
  count: number;
  /** How long a step waits before it is escalated; null: never. */
  escalateAfterMs: number | null;
  escalateTo: EscalationTarget;
  /** Null: reminders at any hour. */
  quiet: QuietHours | null;
  /** The zone of a person whose chat platform does not say theirs. */
  defaultTimeZone: string;
}

/** Reminders are on by default: the first after 4 h, within the working day the request came in. */
const DEFAULT_FIRST_REMINDER_MS = 4 * 3_600_000;

/** The reminder settings that go with a first-reminder delay when nothing else is said. */
export function reminderDefaults(firstAfterMs: number, more: Partial<ReminderSettings> = {}): ReminderSettings {
  const everyMs = more.everyMs ?? 24 * 3_600_000;
  const count = more.count ?? 3;
  return {
    firstAfterMs,
    everyMs,
    count,
    // One interval after the last reminder, when the next one would have come.
    escalateAfterMs: firstAfterMs + Math.max(count, 1) * everyMs,
    escalateTo: { kind: 'manager' },
    quiet: { fromMinute: 20 * 60, toMinute: 8 * 60, weekends: true },
    defaultTimeZone: 'UTC',
    ...more,
  };
}

/**
 * The notifier's configuration with its reminder settings. `reminders` is not (yet) in Config's
 * declared shape (src/config/types.ts); it travels on the same object, read with reminderSettingsOf.
 */
export type NotifierConfig = Config['notifier'] & { reminders: ReminderSettings | null };

/** Reminders list pending requests at most this often, whatever the poll interval (one replica at a time). */
export const REMINDER_CHECK_SPACING_MS = 10 * 60_000;

/** The reminder settings a loaded configuration carries; null when reminders are off. */
export function reminderSettingsOf(notifier: Config['notifier']): ReminderSettings | null {
  const carried = (notifier as Partial<NotifierConfig>).reminders;
  if (carried !== undefined) return carried;
  return notifier.reminderAfterMs ? reminderDefaults(notifier.reminderAfterMs) : null;
}

export function notifierConfig(vars: Environment, hookSecret: string | undefined, problems: string[]): NotifierConfig {
  const approvalsChannels: Record<string, string> = {};
  for (const item of splitList(vars.APPROVALS_CHANNELS ?? '', ',')) {
    const match = /^(slack|teams)\s*[:=]\s*(\S+)$/.exec(item);
    if (match?.[1] && match[2]) approvalsChannels[match[1]] = match[2];
    else problems.push(`APPROVALS_CHANNELS entry "${item}" must look like slack:C0123456 or teams:19:abc@thread.tacv2`);
  }
  const { routes, problems: routeProblems } = parseRoutes(vars.APPROVALS_ROUTES ?? '');
  problems.push(...routeProblems);
  const expiryWarningsMs: number[] = [];
  const warningList =
    vars.ACCESS_EXPIRY_WARNINGS?.toLowerCase() === 'none' ? '' : (vars.ACCESS_EXPIRY_WARNINGS ?? '24h,1h');
  for (const item of splitList(warningList, ',')) {
    const ms = parseDurationMs(item);
    if (ms && ms > 0) expiryWarningsMs.push(ms);
    else problems.push(`ACCESS_EXPIRY_WARNINGS entry "${item}" must be a duration like 24h or 30m`);
  }
  const reminders = reminderSettings(vars, problems);
  return {
    approvalsChannels,
    pollIntervalMs: vars.POLL_INTERVAL_MS,
    // As given: the doctor counts an extra listing per poll for it (src/doctor/okta-rate-limits.ts),
    // which the 10-minute spacing of the checks (src/notifier/reminders.ts) makes an overestimate.
    reminderAfterMs: vars.REMINDER_AFTER ?? undefined,
    reminders,
    oktaEventHookSecret: hookSecret,
    routes,
    expiryWarningsMs: [...new Set(expiryWarningsMs)].sort((a, b) => b - a),
    rateScale: vars.CHAT_RATE_SCALE,
  };
}

/** REMINDER_* and ESCALATE_*: null when both the reminders and the escalation are off. */
function reminderSettings(vars: Environment, problems: string[]): ReminderSettings | null {
  const escalateTo = escalationTarget(vars.ESCALATE_TO, problems);
  const first = vars.REMINDER_AFTER === undefined ? DEFAULT_FIRST_REMINDER_MS : vars.REMINDER_AFTER;
  const count = first === null ? 0 : vars.REMINDER_COUNT;
  const firstAfterMs = first ?? 0;
  const defaults = reminderDefaults(firstAfterMs, { everyMs: vars.REMINDER_EVERY, count });
  const escalateAfterMs =
    escalateTo === null || vars.ESCALATE_AFTER === null
      ? null
      : (vars.ESCALATE_AFTER ?? (first === null ? null : defaults.escalateAfterMs));
  if (count === 0 && escalateAfterMs === null) return null;
  return {
    ...defaults,
    escalateAfterMs,
    escalateTo: escalateTo ?? { kind: 'manager' },
    quiet: vars.REMINDER_QUIET_HOURS && { ...vars.REMINDER_QUIET_HOURS, weekends: vars.REMINDER_QUIET_WEEKENDS },
    defaultTimeZone: vars.REMINDER_TIME_ZONE,
  };
}

/** ESCALATE_TO: `manager`, `channel`, `slack:C0123,teams:19:…` or `off` (null). */
function escalationTarget(value: string, problems: string[]): EscalationTarget | null {
  const text = value.trim();
  if (/^(off|none)$/i.test(text)) return null;
  if (/^manager$/i.test(text) || text === '') return { kind: 'manager' };
  if (/^channel$/i.test(text)) return { kind: 'channel', channels: {} };
  const channels: Partial<Record<'slack' | 'teams', string>> = {};
  for (const item of splitList(text, ',')) {
    const match = /^(slack|teams)\s*[:=]\s*(\S+)$/.exec(item);
    if (match?.[1] && match[2]) channels[match[1] as 'slack' | 'teams'] = match[2];
    else {
      problems.push(
        `ESCALATE_TO entry "${item}" must be manager, channel, off, or channels like slack:C0123 or teams:19:abc@thread.tacv2`,
      );
      return { kind: 'manager' };
    }
  }
  return { kind: 'channel', channels };
}
