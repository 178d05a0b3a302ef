import { GovernanceNotFound } from '../domain/errors.js';

/** A read whose "not found" is an answer, not a failure: null instead of the error. */
export async function orNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof GovernanceNotFound) return null;
    throw error;
  }
}

/** A value inside a double-quoted filter string (Okta's `filter`/`search`, IDM's `_queryFilter`). */
export function quote(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
