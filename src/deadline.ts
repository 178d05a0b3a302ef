/**
 * The value of `work`, or 'late' once `ms` have passed; the work itself carries on. Chat platforms
 * give each answer a few seconds (Slack 3, Teams about 5), so adapters answer with what they have.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
