import { loadForDoctor, secretsOf } from './configuration.js';
import { type Finding, problem } from './finding.js';
import { oktaChecks } from './okta.js';
import { pingOneChecks } from './pingone.js';
import { printReport, type Report } from './printer.js';
import { CHECK_TIMEOUT_MS, describeError, runChecks } from './runner.js';

export type { Finding, Verdict } from './finding.js';
export type { Report } from './printer.js';

export interface DoctorOptions {
  /** Per HTTP call (default 10 s). */
  requestTimeoutMs?: number;
  /** Per check, its calls included (default 20 s). */
  checkTimeoutMs?: number;
  /** The clock a token's expiry is read against. */
  now?: () => number;
}

const HEADING = 'Gatehouse doctor: read-only checks of what Gatehouse needs of its governance backend';

/**
 * `npm run doctor`: loads the configuration as `npm start` does, asks the configured Okta org or
 * PingOne tenant what Gatehouse will need of it (reads only: GETs, read-only searches and the
 * token requests Gatehouse itself makes), and answers one line per finding and the exit code.
 * `env` is the environment Gatehouse runs with; DOCTOR_AS_USER (PingOne) names a person to ask a
 * token for, to check that approvers can decide as themselves.
 */
export async function runDoctor(env: Record<string, string | undefined>, options: DoctorOptions = {}): Promise<Report> {
  let loaded: ReturnType<typeof loadForDoctor>;
  try {
    loaded = loadForDoctor(env);
  } catch (error) {
    return printReport(
      HEADING,
      [problem('configuration', `could not be read (${describeError(error)}).`)],
      secretsOf(env),
    );
  }
  const secrets = secretsOf(env, loaded.config);
  if (!loaded.config) return printReport(HEADING, loaded.findings, secrets);
  const timeouts = { requestMs: options.requestTimeoutMs ?? 10_000 };
  const governance = loaded.config.governance;
  const checks =
    governance.provider === 'okta'
      ? oktaChecks(loaded.config, governance, timeouts)
      : pingOneChecks(governance, timeouts, env.DOCTOR_AS_USER?.trim() || undefined, options.now);
  const findings: Finding[] = [
    loaded.finding,
    ...(await runChecks(checks, options.checkTimeoutMs ?? CHECK_TIMEOUT_MS)),
  ];
  return printReport(HEADING, findings, secrets);
}
