import { appendFileSync } from 'node:fs';
// The guard's own module, not '@gatehouse/sandbox/okta': this file runs in every test file, and the
// whole emulator would add more than half a second to each that never calls Okta.
import {
  clearSpecViolations,
  type SpecRule,
  type SpecViolation,
  specViolations,
} from '@gatehouse/sandbox/okta/spec-guard';
import { afterAll, afterEach } from 'vitest';

/**
 * Okta's OpenAPI document, enforced across the whole suite (issue 17). The Okta emulator's spec
 * guard records every answer that leaves the document and every call of Gatehouse's client that
 * does (packages/sandbox/src/okta/spec-guard.ts); this setup file, run in every test file, fails
 * the test during which one was recorded, and the file if one comes after its last test.
 */

export interface KnownSpecViolation {
  /** The document's operationId, or `METHOD /path` (ids starred) for an undocumented call. */
  operation: string;
  rule: SpecRule;
  /** One line of SpecViolation.problems, exactly. */
  problem: string;
  reason: string;
}

/**
 * Where Okta's document itself falls short of the real API (an empty grants page matches both
 * branches of its `oneOf`; refusals of messages it does not list), each with its reason. Anything
 * not listed fails the test that caused it: a divergence of the emulator or the client is fixed,
 * never added here.
 */
export const KNOWN_SPEC_VIOLATIONS: readonly KnownSpecViolation[] = [
  {
    operation: 'listGrants',
    rule: 'response-body',
    problem: '/ must match exactly one schema in oneOf',
    reason:
      "a defect of Okta's document, not the emulator's: listGrants_200_response is a oneOf of grants-list and " +
      'grants-list-with-entitlements, which differ only in their items, so an empty page (`data: []`, a person with ' +
      'no grant on that app) matches both and no answer can pass. Every page with a grant matches grants-list alone',
  },
  ...[400, 404].map((status) => ({
    operation: 'createRequestMessageV2',
    rule: 'response-status' as const,
    problem: `${status} is not documented (201, 401, 429, 500 are)`,
    reason:
      "a gap in Okta's document, not the emulator's: createRequestMessageV2 lists 201, 401, 429 and 500 only, yet " +
      'a message outside 1–5000 characters ([request-message-mutable]) must be refused (400 E0000001) and a request ' +
      'that does not exist cannot take one (404 E0000007, as getRequestV2 documents). Only the emulator tests send ' +
      "either: Gatehouse's client posts to requests it has just read, with text it has bounded",
  })),
];

const known = (violation: SpecViolation, problem: string) =>
  KNOWN_SPEC_VIOLATIONS.some(
    (entry) => entry.operation === violation.operation && entry.rule === violation.rule && entry.problem === problem,
  );

/** The recorded violations not on the allow-list, read once and cleared. */
export function unexplainedSpecViolations(): SpecViolation[] {
  const found = specViolations();
  clearSpecViolations();
  return found
    .map((violation) => ({
      ...violation,
      problems: violation.problems.filter((problem) => !known(violation, problem)),
    }))
    .filter((violation) => violation.problems.length > 0);
}

/** One line per distinct violation, with how often it happened. */
export function describeSpecViolations(violations: readonly SpecViolation[]): string {
  const counts = new Map<string, number>();
  for (const violation of violations) {
    const status = violation.status === undefined ? '' : ` → ${violation.status}`;
    const head = `${violation.method} ${violation.path} (${violation.operation})${status}, ${violation.rule}`;
    for (const problem of violation.problems) {
      const line = `${head}: ${problem}`;
      counts.set(line, (counts.get(line) ?? 0) + 1);
    }
  }
  const lines = [...counts].map(([line, count]) => (count > 1 ? `${line} (×${count})` : line));
  const shown = lines.slice(0, 40);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  return shown.map((line) => `  - ${line}`).join('\n');
}

/**
 * `SPEC_GUARD_REPORT=<file>` appends every violation, allowed or not, as JSON lines: how the
 * allow-list below was drawn up, and how to see what a change trips across the whole suite.
 */
function reportTo(file: string | undefined, where: string): void {
  if (!file) return;
  const lines = specViolations().map((violation) => `${JSON.stringify({ where, ...violation })}\n`);
  if (lines.length > 0) appendFileSync(file, lines.join(''));
}

function failOnViolations(when: string, where: string): void {
  reportTo(process.env.SPEC_GUARD_REPORT, where);
  const violations = unexplainedSpecViolations();
  if (violations.length === 0) return;
  throw new Error(
    `Okta traffic left Okta's OpenAPI document ${when} (packages/sandbox/vendor/okta-governance):\n` +
      `${describeSpecViolations(violations)}\n` +
      'Fix the emulator or the client; the allow-list in test/support/spec-guard.ts is for known, owned divergences only.',
  );
}

let file = '?';
afterEach((context) => {
  file = context.task.file.name;
  failOnViolations('during this test', context.task.fullName);
});
afterAll(() => failOnViolations("after this file's last test", `${file} (after its last test)`));
