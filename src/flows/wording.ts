import { durationSeconds, isoDuration, UNIT_SECONDS } from '../domain/duration.js';
import type { PrincipalRef } from '../domain/types.js';

// The arithmetic of durations is the domain's (src/domain/duration.ts); flows and adapters keep
// importing it from here, next to the wording.
export { durationSeconds } from '../domain/duration.js';

/** How a person is named in messages: their name when known, else their email, else their id. */
export function nameOf(ref: PrincipalRef): string {
  return ref.displayName || ref.email || ref.id;
}

const UNIT_WORDS: Record<keyof typeof UNIT_SECONDS, string> = {
  W: 'week',
  D: 'day',
  H: 'hour',
  M: 'minute',
  S: 'second',
};

/** `P7D` → "7 days", `PT4H` → "4 hours", `P1DT12H` → "1 day 12 hours". */
export function describeDuration(iso: string): string {
  let seconds = durationSeconds(iso);
  if (seconds === undefined) return iso;
  const parts: string[] = [];
  for (const unit of ['W', 'D', 'H', 'M', 'S'] as const) {
    const size = UNIT_SECONDS[unit];
    // Weeks read oddly unless exact ("10 days", not "1 week 3 days").
    if (unit === 'W' && seconds % size !== 0) continue;
    const count = Math.floor(seconds / size);
    if (count > 0) {
      parts.push(`${count} ${UNIT_WORDS[unit]}${count === 1 ? '' : 's'}`);
      seconds -= count * size;
    }
  }
  return parts.join(' ') || '0 seconds';
}

const WORD_UNITS: Record<string, keyof typeof UNIT_SECONDS> = {
  w: 'W',
  wk: 'W',
  wks: 'W',
  week: 'W',
  weeks: 'W',
  d: 'D',
  day: 'D',
  days: 'D',
  h: 'H',
  hr: 'H',
  hrs: 'H',
  hour: 'H',
  hours: 'H',
  m: 'M',
  min: 'M',
  mins: 'M',
  minute: 'M',
  minutes: 'M',
};

/**
 * What people type after "for": `4h`, `2 days`, `1 week`, `90m`, `1d 12h`, or ISO 8601 (`PT4H`).
 * Returns a normalised ISO 8601 duration, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^P/i.test(trimmed)) {
    const iso = trimmed.toUpperCase();
    const seconds = durationSeconds(iso);
    return seconds && seconds <= MAX_DURATION_SECONDS ? isoDuration(seconds) : undefined;
  }
  const parts = [...trimmed.toLowerCase().matchAll(/(\d+)\s*([a-z]+)/g)];
  const compact = (value: string) => value.replace(/[\s,]|\band\b/g, '');
  // Every character must belong to an "<amount> <unit>" pair: "4h please" is not a duration.
  if (parts.length === 0 || compact(parts.map((part) => part[0]).join('')) !== compact(trimmed.toLowerCase())) {
    return undefined;
  }
  let seconds = 0;
  for (const [, amount, word] of parts) {
    const unit = word ? WORD_UNITS[word] : undefined;
    if (!unit || !amount) return undefined;
    seconds += Number(amount) * UNIT_SECONDS[unit];
  }
  // Ten years is longer than any access anyone grants; beyond it the number is a typo or a probe.
  return seconds > 0 && seconds <= MAX_DURATION_SECONDS ? isoDuration(seconds) : undefined;
}

const MAX_DURATION_SECONDS = 10 * 366 * 86_400;

/** "2026-11-24 14:05 UTC": unambiguous for readers in any time zone; adapters may localise further. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
