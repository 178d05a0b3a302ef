/**
 * The day a person types ("2026-12-24", "24 Dec", "Dec 24", "friday", "tomorrow") as the moment it
 * ends. Chat tells flows no time zone (Slack has one per user, Teams seldom), so a typed day ends at
 * 23:59:59 UTC: never earlier than the person meant anywhere west of Greenwich, and at most a day
 * early to the east, which is on the side of ending sooner.
 */

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DAY_MS = 24 * 60 * 60_000;

export type TypedDay = { ok: true; endsAt: string } | { ok: false; why: string };

/** The end (UTC) of the day `text` names, as seen at `now`; or why it names none. */
export function endOfTypedDay(text: string, now: number): TypedDay {
  const typed = text.trim().toLowerCase().replace(/[.,]/g, ' ').replace(/\s+/g, ' ').trim();
  const day = dayNamed(typed, new Date(now));
  if (!day) {
    return { ok: false, why: `“${text.trim()}” is not a date I can read: try 2026-12-24, 24 Dec, Dec 24 or friday.` };
  }
  return { ok: true, endsAt: new Date(Date.UTC(day.year, day.month, day.date, 23, 59, 59)).toISOString() };
}

interface Day {
  year: number;
  /** 0-based, as Date counts. */
  month: number;
  date: number;
}

function dayNamed(typed: string, today: Date): Day | undefined {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(typed);
  if (iso) return real(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]));
  if (typed === 'today') return shifted(today, 0);
  if (typed === 'tomorrow') return shifted(today, 1);
  const weekday = WEEKDAYS.findIndex((name) => typed.length >= 3 && name.startsWith(typed));
  if (weekday >= 0) {
    // The next such day: "friday" said on a Friday means a week from now, not tonight.
    const ahead = (weekday - today.getUTCDay() + 7) % 7 || 7;
    return shifted(today, ahead);
  }
  const dayFirst = /^(\d{1,2}) ([a-z]+)(?: (\d{4}))?$/.exec(typed);
  const monthFirst = /^([a-z]+) (\d{1,2})(?: (\d{4}))?$/.exec(typed);
  const parts = dayFirst
    ? { date: dayFirst[1], month: dayFirst[2], year: dayFirst[3] }
    : monthFirst
      ? { date: monthFirst[2], month: monthFirst[1], year: monthFirst[3] }
      : undefined;
  const named = parts?.month;
  // "Dec", "Sept", "December": a month's name or the start of it, three letters at least.
  const month = named && named.length >= 3 ? MONTHS.findIndex((name) => name.startsWith(named)) : -1;
  if (!parts || month < 0) return undefined;
  const date = Number(parts.date);
  if (parts.year) return real(Number(parts.year), month, date);
  // No year: the next time that day comes round, this year or the next.
  const thisYear = real(today.getUTCFullYear(), month, date);
  if (!thisYear) return month === 1 && date === 29 ? nextLeapDay(today) : undefined;
  const startOfToday = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  return Date.UTC(thisYear.year, thisYear.month, thisYear.date) >= startOfToday
    ? thisYear
    : real(today.getUTCFullYear() + 1, month, date);
}

/** The day, when it exists (no 31 June, no 29 February outside a leap year). */
function real(year: number, month: number, date: number): Day | undefined {
  const probe = new Date(Date.UTC(year, month, date));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month || probe.getUTCDate() !== date) return undefined;
  return { year, month, date };
}

function shifted(today: Date, days: number): Day {
  const then = new Date(today.getTime() + days * DAY_MS);
  return { year: then.getUTCFullYear(), month: then.getUTCMonth(), date: then.getUTCDate() };
}

function nextLeapDay(today: Date): Day | undefined {
  for (let year = today.getUTCFullYear(); year < today.getUTCFullYear() + 8; year++) {
    const day = real(year, 1, 29);
    if (day && Date.UTC(year, 1, 29) >= today.getTime() - DAY_MS) return day;
  }
  return undefined;
}
