import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Fails the run when anything the tests logged holds a secret (issue 9).
    globalSetup: ['test/support/log-capture.ts'],
    // The machine is shared and noisy: generous limits here, performance lives in benchmarks.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
