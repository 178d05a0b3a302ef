import { describe, expect, it } from 'vitest';
import { reminderSettingsOf } from '../../src/config/notifier.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { isQuiet } from '../../src/notifier/quiet-hours.js';

const HOUR = 3_600_000;

function settings(env: Record<string, string>) {
  return reminderSettingsOf(loadConfig(env).notifier);
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('reminder settings (REMINDER_*, ESCALATE_*)', () => {
  it('are on by default: after 4 h, every 24 h, three, then the manager 24 h after the last, never at night or weekends', () => {
    expect(settings({})).toEqual({
      firstAfterMs: 4 * HOUR,
      everyMs: 24 * HOUR,
      count: 3,
      escalateAfterMs: 76 * HOUR,
      escalateTo: { kind: 'manager' },
      quiet: { fromMinute: 20 * 60, toMinute: 8 * 60, weekends: true },
      defaultTimeZone: 'UTC',
    });
    // Only REMINDER_AFTER as given (the doctor's reading of it), not the default.
    expect(loadConfig({}).notifier.reminderAfterMs).toBeUndefined();
    expect(loadConfig({ REMINDER_AFTER: '4h' }).notifier.reminderAfterMs).toBe(4 * HOUR);
  });

  it('keep REMINDER_AFTER working, and read every other variable', () => {
    expect(settings({ REMINDER_AFTER: '1h' })).toMatchObject({ firstAfterMs: HOUR, escalateAfterMs: 73 * HOUR });
    expect(
      settings({
        REMINDER_AFTER: '2h',
        REMINDER_EVERY: '8h',
        REMINDER_COUNT: '1',
        ESCALATE_AFTER: '1d',
        ESCALATE_TO: 'slack:C0ESC, teams:19:esc@thread.tacv2',
        REMINDER_QUIET_HOURS: '21:30-07:00',
        REMINDER_QUIET_WEEKENDS: 'false',
        REMINDER_TIME_ZONE: 'Europe/Berlin',
      }),
    ).toEqual({
      firstAfterMs: 2 * HOUR,
      everyMs: 8 * HOUR,
      count: 1,
      escalateAfterMs: 24 * HOUR,
      escalateTo: { kind: 'channel', channels: { slack: 'C0ESC', teams: '19:esc@thread.tacv2' } },
      quiet: { fromMinute: 21 * 60 + 30, toMinute: 7 * 60, weekends: false },
      defaultTimeZone: 'Europe/Berlin',
    });
    expect(settings({ ESCALATE_TO: 'channel' })?.escalateTo).toEqual({ kind: 'channel', channels: {} });
    expect(settings({ REMINDER_QUIET_HOURS: 'off' })?.quiet).toBeNull();
  });

  it('turn off: reminders alone, the escalation alone, or both', () => {
    expect(settings({ REMINDER_AFTER: 'off', ESCALATE_AFTER: '2d' })).toMatchObject({
      count: 0,
      escalateAfterMs: 2 * 24 * HOUR,
    });
    expect(settings({ ESCALATE_TO: 'off' })).toMatchObject({ count: 3, escalateAfterMs: null });
    expect(settings({ REMINDER_AFTER: 'off' })).toBeNull();
    expect(settings({ REMINDER_COUNT: '0', ESCALATE_AFTER: 'none' })).toBeNull();
    expect(loadConfig({ REMINDER_AFTER: 'off' }).notifier.reminderAfterMs).toBeUndefined();
  });

  it('name each malformed value', () => {
    const problems = problemsOf({
      REMINDER_AFTER: 'soon',
      REMINDER_EVERY: '10s',
      REMINDER_COUNT: 'many',
      ESCALATE_AFTER: 'never',
      ESCALATE_TO: 'the boss',
      REMINDER_QUIET_HOURS: 'nights',
      REMINDER_QUIET_WEEKENDS: 'yes',
      REMINDER_TIME_ZONE: 'Mars/Olympus',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'REMINDER_AFTER must be a duration like 30m, 4h or 2d (got "soon")',
        'REMINDER_EVERY must be at least 1m',
        'REMINDER_COUNT must be a whole number from 0 to 10',
        'ESCALATE_AFTER must be a duration like 30m, 4h or 2d (got "never")',
        'ESCALATE_TO entry "the boss" must be manager, channel, off, or channels like slack:C0123 or teams:19:abc@thread.tacv2',
        'REMINDER_QUIET_HOURS must look like 20:00-08:00 (local time of the recipient), or off',
        'REMINDER_QUIET_WEEKENDS must be true or false',
        'REMINDER_TIME_ZONE must be an IANA time zone such as UTC or Europe/Berlin',
      ]),
    );
  });
});

describe('quiet hours', () => {
  const nights = { fromMinute: 20 * 60, toMinute: 8 * 60, weekends: true };
  // Monday 7 December 2026.
  const at = (iso: string) => Date.parse(iso);

  it('are night in the person’s own zone, wrapping past midnight', () => {
    expect(isQuiet(at('2026-12-07T19:59:00Z'), 'UTC', nights)).toBe(false);
    expect(isQuiet(at('2026-12-07T20:00:00Z'), 'UTC', nights)).toBe(true);
    expect(isQuiet(at('2026-12-08T07:59:00Z'), 'UTC', nights)).toBe(true);
    expect(isQuiet(at('2026-12-08T08:00:00Z'), 'UTC', nights)).toBe(false);
    // 20:00 UTC is 15:00 in New York (working hours) and 05:00 the next morning in Tokyo (night).
    expect(isQuiet(at('2026-12-07T20:00:00Z'), 'America/New_York', nights)).toBe(false);
    expect(isQuiet(at('2026-12-07T20:00:00Z'), 'Asia/Tokyo', nights)).toBe(true);
  });

  it('cover the weekend where it is the weekend, unless weekends are not quiet', () => {
    // Sunday 23:30 UTC is already Monday 08:30 in Tokyo.
    expect(isQuiet(at('2026-12-06T23:30:00Z'), 'UTC', nights)).toBe(true);
    expect(isQuiet(at('2026-12-06T23:30:00Z'), 'Asia/Tokyo', nights)).toBe(false);
    expect(isQuiet(at('2026-12-12T12:00:00Z'), 'UTC', { ...nights, weekends: false })).toBe(false);
  });

  it('read a zone the runtime does not know as the default zone, and none as never quiet', () => {
    expect(isQuiet(at('2026-12-07T21:00:00Z'), 'Nowhere/Special', nights, 'UTC')).toBe(true);
    expect(isQuiet(at('2026-12-07T21:00:00Z'), 'Nowhere/Special', nights, 'America/New_York')).toBe(false);
    expect(isQuiet(at('2026-12-07T21:00:00Z'), 'UTC', null)).toBe(false);
  });
});
