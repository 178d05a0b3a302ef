import { expect } from 'vitest';
import type { Outcome } from '../../src/flows/index.js';

/** The value of a successful flow, failing the test with the flow's own message otherwise. */
export function ok<V>(outcome: Outcome<V>): V {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

/** The failure of a refused flow, checking its code. */
export function refused<V>(outcome: Outcome<V>, code: string): string {
  if (outcome.ok) throw new Error(`expected ${code}, but the flow succeeded`);
  expect(outcome.error.code).toBe(code);
  return outcome.error.message;
}
