import type { Finding, Verdict } from './finding.js';

const MARKS: Record<Verdict, string> = { ok: '✓', problem: '✗', unchecked: '!' };

/** The lines the operator reads, and the exit code: 1 when any finding is a problem. */
export interface Report {
  lines: string[];
  exitCode: 0 | 1;
  findings: Finding[];
}

/**
 * One line per finding (`✓ subject: text`, `✗ …`, `! …`), a heading and a closing tally. Every
 * secret the configuration holds is masked wherever it might appear, as a last guard: checks never
 * put one in their text, but a vendor's error message could echo what it was sent.
 */
export function printReport(heading: string, findings: readonly Finding[], secrets: readonly string[]): Report {
  const mask = masker(secrets);
  const lines = [
    heading,
    ...findings.map((finding) => mask(`${MARKS[finding.verdict]} ${finding.subject}: ${finding.text}`)),
  ];
  const problems = findings.filter((finding) => finding.verdict === 'problem').length;
  const unknown = findings.filter((finding) => finding.verdict === 'unchecked').length;
  lines.push(tally(problems, unknown));
  return { lines, exitCode: problems > 0 ? 1 : 0, findings: [...findings] };
}

function tally(problems: number, unknown: number): string {
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (problems === 0 && unknown === 0) return 'Everything Gatehouse needs is in place.';
  const parts = [
    problems > 0 ? count(problems, 'problem to fix', 'problems to fix') : undefined,
    unknown > 0 ? count(unknown, 'thing not checked', 'things not checked') : undefined,
  ].filter(Boolean);
  return `${parts.join(', ')}.`;
}

/** Replaces each secret (and anything shaped like a credential) with a mark. */
function masker(secrets: readonly string[]): (line: string) => string {
  // Longest first, so a secret containing another is masked whole.
  const known = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort((a, b) => b.length - a.length);
  return (line) => {
    let masked = line;
    for (const secret of known) masked = masked.split(secret).join('[secret]');
    return masked
      .replace(/\b(SSWS|Bearer|Basic|DPoP)\s+[\w.~+/=-]{8,}/gi, '$1 [secret]')
      .replace(/\beyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/g, '[token]')
      .replace(/-----BEGIN[^-]*-----[\s\S]*?(-----END[^-]*-----|$)/g, '[key]');
  };
}
