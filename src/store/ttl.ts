/**
 * Redis only takes whole, positive milliseconds for PX and PEXPIRE, and a zero or negative TTL is
 * almost always a bug in the caller's arithmetic. Both stores check the same way so they agree.
 */
export function wholeTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`TTL must be a positive number of ms, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}
