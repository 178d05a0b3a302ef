/**
 * Checks, read-only, what Gatehouse needs of its Okta org or PingOne tenant (`npm run doctor`),
 * with the same environment variables Gatehouse runs with, and prints one line per finding:
 *
 *   ✓ all is well   ✗ a problem, and its fix   ! could not check, and why
 *
 * Exits 1 when any line is ✗. Never prints a secret; never changes anything in the org (its only
 * POSTs are token requests and PingOne's read-only `_action=search`).
 *
 *   OKTA_ORG_URL=https://acme.okta.com OKTA_API_TOKEN=… … npm run --silent doctor (production: node dist/doctor/main.js)
 *   DOCTOR_AS_USER=bob@acme.com npm run doctor     (PingOne: can approvers decide as themselves?)
 */
import { runDoctor } from './index.js';

if (process.argv.includes('--help')) {
  process.stdout.write(
    'Usage: npm run doctor (with the environment Gatehouse runs with)\n' +
      '  DOCTOR_AS_USER=<user id or e-mail>  PingOne: also ask for a token acting as this person\n',
  );
} else {
  const report = await runDoctor(process.env);
  process.stdout.write(`${report.lines.join('\n')}\n`);
  process.exitCode = report.exitCode;
}
