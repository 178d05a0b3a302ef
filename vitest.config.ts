import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The machine is shared and noisy: generous limits here, performance lives in benchmarks.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
