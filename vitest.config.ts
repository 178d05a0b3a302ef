import { defineConfig } from 'vitest/config';

/**
 * Two tiers (issue 16). `fast` is what `npm test` runs after every change: unit and integration
 * tests against the emulators. `system` is what CI adds: several replicas on one Redis, Redis
 * killed and frozen, the playground in a real browser, and the adversarial suite (fuzzing,
 * replay, the authorization matrices, injection, governance faults, attacks on every route).
 */
const SYSTEM = [
  'test/adversarial/**/*.test.ts',
  'test/notifier/replicas.test.ts',
  'test/adapters/slack/replicas.test.ts',
  'test/playground/**/*.test.ts',
  'test/deploy/dockerfile-steps.test.ts',
  // Installs production's dependencies and compiles the build, then runs it with plain node.
  'test/production/**/*.test.ts',
  // Whole processes: `npm start` as a newcomer runs it, the sandbox package packed and installed, the
  // doctor's command line. Each spawns Node and the TypeScript loader, which on two cores slows every
  // test running beside it; the in-process tests of the same code stay in the fast tier.
  'test/start.test.ts',
  'test/sandbox-package.test.ts',
  'test/doctor/command.test.ts',
];

export default defineConfig({
  test: {
    // Fails the run when anything the tests logged holds a secret (issue 9).
    globalSetup: ['test/support/log-capture.ts'],
    // Fails the test whose Okta traffic left Okta's OpenAPI document (issue 17).
    setupFiles: ['test/support/spec-guard.ts'],
    // The machine is shared and noisy: generous limits here, performance lives in benchmarks.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Most test files wait on sockets and timers, not the CPU: on two cores, four files at a time
    // finish in well under half the time one at a time takes (vitest's default here is one).
    maxWorkers: 4,
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['test/**/*.test.ts'],
          exclude: SYSTEM,
          // Files share a worker's loaded modules instead of importing the app, Bolt, botbuilder and
          // the emulators afresh each: on two cores that import was half the tier's time. Every test
          // builds its own world (server, store, emulators), so nothing a test sees is shared.
          isolate: false,
        },
      },
      // Replicas, Redis faults and the browser measure the whole machine's timing: one at a time.
      { extends: true, test: { name: 'system', include: SYSTEM, maxWorkers: 2, sequence: { groupOrder: 1 } } },
    ],
  },
});
