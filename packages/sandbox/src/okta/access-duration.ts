/**
 * Okta supports only single-unit ISO 8601 durations for access: days (`P40D`), hours (`PT65H`) or
 * minutes (`PT90M`), at most 5 characters. Weeks, months, years and combinations are refused.
 */
const SINGLE_UNIT = /^P(?:(\d+)D|T(\d+)H|T(\d+)M)$/;
const MAX_LENGTH = 5;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Milliseconds, or undefined when Okta would refuse the value. */
export function accessDurationMs(text: string): number | undefined {
  if (text.length > MAX_LENGTH) return undefined;
  const match = SINGLE_UNIT.exec(text);
  if (!match) return undefined;
  const [, days, hours, minutes] = match;
  const ms = days ? Number(days) * DAY : hours ? Number(hours) * HOUR : Number(minutes) * MINUTE;
  return ms > 0 ? ms : undefined;
}
