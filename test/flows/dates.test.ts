import { describe, expect, it } from 'vitest';
import { endOfTypedDay } from '../../src/flows/dates.js';

/** Thursday 10 December 2026, mid-morning UTC. */
const NOW = Date.parse('2026-12-10T09:30:00Z');
const ends = (typed: string) => {
  const day = endOfTypedDay(typed, NOW);
  return day.ok ? day.endsAt : `refused: ${day.why}`;
};

describe('the day a person types, as the moment it ends', () => {
  it('reads ISO dates, day-month and month-day, with or without a year', () => {
    expect(ends('2026-12-24')).toBe('2026-12-24T23:59:59.000Z');
    expect(ends('24 Dec')).toBe('2026-12-24T23:59:59.000Z');
    expect(ends('Dec 24')).toBe('2026-12-24T23:59:59.000Z');
    expect(ends('december 24, 2026')).toBe('2026-12-24T23:59:59.000Z');
    expect(ends('24 Sept')).toBe('2027-09-24T23:59:59.000Z');
  });

  it('takes a day already past this year as next year’s', () => {
    expect(ends('3 Jan')).toBe('2027-01-03T23:59:59.000Z');
    expect(ends('10 Dec')).toBe('2026-12-10T23:59:59.000Z');
  });

  it('reads weekday names as the next such day, never today', () => {
    expect(ends('friday')).toBe('2026-12-11T23:59:59.000Z');
    expect(ends('Mon')).toBe('2026-12-14T23:59:59.000Z');
    expect(ends('thursday')).toBe('2026-12-17T23:59:59.000Z');
    expect(ends('tomorrow')).toBe('2026-12-11T23:59:59.000Z');
  });

  it('says what it cannot read, and refuses days that do not exist', () => {
    expect(ends('next week sometime')).toMatch(/^refused: “next week sometime” is not a date I can read/);
    expect(ends('31 June')).toMatch(/^refused/);
    expect(ends('2026-02-30')).toMatch(/^refused/);
    expect(ends('fr')).toMatch(/^refused/);
    expect(ends('24 de')).toMatch(/^refused/);
  });
});
