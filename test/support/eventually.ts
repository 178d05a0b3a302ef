import { vi } from 'vitest';

/** Waits for what happens after the ack (the platform's answer comes first, the work after). */
export async function eventually<T>(check: () => T | undefined | null | false, timeout = 8000): Promise<T> {
  // Made here so a timeout points at the test line that waited, not at this helper.
  const site = new Error(`still not so after ${timeout} ms`);
  try {
    return await vi.waitFor(
      () => {
        const value = check();
        if (!value) throw new Error('not yet');
        return value;
      },
      { timeout, interval: 20 },
    );
  } catch (error) {
    if (error instanceof Error && error.message === 'not yet') throw site;
    throw error;
  }
}
