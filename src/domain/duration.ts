/**
 * ISO 8601 durations as Gatehouse uses them (`PT4H`, `P7D`, `P1DT12H`): how long time-bound access
 * lasts. This is arithmetic on the domain's own value (`AccessRequest.accessDuration`,
 * `DurationRule.max`), needed alike by the backends that send it to a governance system and by
 * the flows that check and word it, so it lives here, below both: src/api never imports src/flows.
 * How a duration reads to people and how their typing becomes one stay in src/flows/wording.ts.
 */

/** The units Gatehouse's durations use, largest first, in seconds. */
export const UNIT_SECONDS = { W: 604_800, D: 86_400, H: 3_600, M: 60, S: 1 } as const;

/** Seconds in an ISO 8601 duration limited to weeks, days, hours, minutes and seconds. */
export function durationSeconds(iso: string): number | undefined {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  if (!match || iso === 'P' || iso.endsWith('T')) return undefined;
  const [, w, d, h, m, s] = match.map((part) => Number(part ?? 0));
  return (w ?? 0) * 604_800 + (d ?? 0) * 86_400 + (h ?? 0) * 3_600 + (m ?? 0) * 60 + (s ?? 0);
}

/** The normalised ISO 8601 duration for a number of seconds, in days, hours, minutes and seconds (`P1DT12H`). */
export function isoDuration(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const rest = seconds % 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${rest ? `${rest}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}
