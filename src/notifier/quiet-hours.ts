import type { QuietHours } from '../config/notifier.js';

const WEEKEND = new Set(['Sat', 'Sun']);
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * Whether `at` falls in the quiet hours of `timeZone` (night, and weekends when they count). A zone
 * this runtime does not know (a platform may name one it does not) is read as `fallbackZone`.
 */
export function isQuiet(at: number, timeZone: string, quiet: QuietHours | null, fallbackZone = 'UTC'): boolean {
  if (!quiet) return false;
  const { weekday, minute } = localTime(at, formatFor(timeZone) ?? formatFor(fallbackZone) ?? formatFor('UTC'));
  if (quiet.weekends && WEEKEND.has(weekday)) return true;
  const { fromMinute: from, toMinute: to } = quiet;
  if (from === to) return false;
  // 20:00-08:00 wraps past midnight; 13:00-14:00 does not.
  return from > to ? minute >= from || minute < to : minute >= from && minute < to;
}

function formatFor(timeZone: string): Intl.DateTimeFormat | undefined {
  const known = formats.get(timeZone);
  if (known) return known;
  try {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formats.set(timeZone, format);
    return format;
  } catch {
    return undefined;
  }
}

function localTime(at: number, format: Intl.DateTimeFormat | undefined): { weekday: string; minute: number } {
  const parts = format?.formatToParts(new Date(at)) ?? [];
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { weekday: part('weekday'), minute: Number(part('hour')) * 60 + Number(part('minute')) };
}
