import { type Check, type Finding, unchecked } from './finding.js';

/** How long one check may take before it is reported as unanswered. */
export const CHECK_TIMEOUT_MS = 20_000;

/**
 * Runs every check at once and gives their findings in the order the checks were listed. Each is
 * on its own: one that throws or outlives `timeoutMs` becomes an "unchecked" line and the others
 * carry on. Checks that need the same answer share it (see the sessions in okta.ts, pingone.ts),
 * so a timeout here abandons a check, never a call another check is waiting for.
 */
export async function runChecks(checks: readonly Check[], timeoutMs = CHECK_TIMEOUT_MS): Promise<Finding[]> {
  const results = await Promise.all(checks.map((check) => settle(check, timeoutMs)));
  return results.flat();
}

async function settle(check: Check, timeoutMs: number): Promise<Finding[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Finding[]>((resolve) => {
    timer = setTimeout(
      () => resolve([unchecked(check.subject, `no answer within ${seconds(timeoutMs)}; run the doctor again`)]),
      timeoutMs,
    );
  });
  const done = check.run().then(
    (found) => (Array.isArray(found) ? found : [found]),
    (error: unknown) => [unchecked(check.subject, `the check itself failed (${describeError(error)})`)],
  );
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** An error's class and message, for a line: never its cause chain, which may carry a request. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message ? `${error.name}: ${error.message}` : error.name;
  return String(error);
}
