/** Leases share the key space with plain values, so a lease name can never collide with a cache key. */
export function lockKey(name: string): string {
  return `lock:${name}`;
}
