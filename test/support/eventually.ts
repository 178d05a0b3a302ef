import { vi } from 'vitest';

/** Waits for what happens after the ack (the platform's answer comes first, the work after). */
export function eventually<T>(check: () => T | undefined | null | false, timeout = 8000): Promise<T> {
  return vi.waitFor(
    () => {
      const value = check();
      if (!value) throw new Error('not yet');
      return value;
    },
    { timeout, interval: 20 },
  );
}
