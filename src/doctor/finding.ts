/**
 * What one check found: one line for the operator. `ok` needs nothing; `problem` names what is
 * wrong and how to fix it (and makes `npm run doctor` exit non-zero); `unchecked` says why the
 * doctor could not tell (the org did not answer, the token may not read it, a setting is absent).
 */
export type Verdict = 'ok' | 'problem' | 'unchecked';

export interface Finding {
  verdict: Verdict;
  /** What was checked, in the operator's words: "Okta credentials", "Tasks API". */
  subject: string;
  /** What was found and, for a problem, the fix. One sentence or two; no secrets, ever. */
  text: string;
}

export const ok = (subject: string, text: string): Finding => ({ verdict: 'ok', subject, text });
export const problem = (subject: string, text: string): Finding => ({ verdict: 'problem', subject, text });
export const unchecked = (subject: string, text: string): Finding => ({ verdict: 'unchecked', subject, text });

/** One check: independent of the others, read-only, answering with one finding or a few. */
export interface Check {
  subject: string;
  run(): Promise<Finding | Finding[]>;
}

export interface DoctorTimeouts {
  /** Per HTTP call (the transport's own timeout). */
  requestMs: number;
}
