import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { TEST_SECRETS } from './test-secrets.js';

/**
 * Vitest global setup: every test process logs into a fresh directory (test/support/test-logger.ts),
 * and when the run ends every line written there is searched for secrets. One found fails the run:
 * issue 9, "a log capture over the whole suite contains no token, secret or signing key".
 * GATEHOUSE_LOG_CAPTURE_KEEP=1 keeps the capture of a clean run to read; a failed one is always kept.
 */

/** Where every test process writes what Gatehouse logged. */
export const CAPTURE_DIR_VARIABLE = 'GATEHOUSE_LOG_CAPTURE_DIR';
/** The last line of a complete capture file: the scan waits for it before reading. */
export const CAPTURE_END = '{"capture":"end"}';

/** The sandbox's settings that are not secrets: a published word that is in every sandbox URL, and ids. */
const NOT_SECRET = new Set<keyof typeof SANDBOX_SECRETS>([
  'slackSigningSecret',
  'microsoftAppId',
  'pingoneServiceAccountId',
]);

interface Rule {
  name: string;
  find(line: string): string | undefined;
}

const value = (name: string, secret: string): Rule => {
  // Inside a JSON string a secret's special characters are escaped.
  const forms = [...new Set([secret, JSON.stringify(secret).slice(1, -1)])];
  return { name, find: (line) => forms.find((form) => line.includes(form)) };
};

const shape = (name: string, pattern: RegExp): Rule => ({ name, find: (line) => pattern.exec(line)?.[0] });

const RULES: Rule[] = [
  ...Object.entries(SANDBOX_SECRETS)
    .filter(([key]) => !NOT_SECRET.has(key as keyof typeof SANDBOX_SECRETS))
    .map(([key, secret]) => value(`SANDBOX_SECRETS.${key}`, secret)),
  ...Object.entries(TEST_SECRETS).map(([key, secret]) => value(`TEST_SECRETS.${key}`, secret)),
  shape('a Slack token', /\bxox[abpe]-[A-Za-z0-9-]+|\bxapp-\d+-[A-Za-z0-9-]+/),
  // Quotes may be escaped once: a header object JSON-encoded into a message string.
  shape('an Authorization header', /authorization(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?\s*(?:Bearer|SSWS)\s+[\w.~+/-]+/i),
  shape('a PEM block', /-----BEGIN[^-]*-----/),
  // A private JWK's `d` (frodo writes the person grant's key as a JWK), quotes escaped or not.
  shape('a private JWK', /\\?"d\\?"\s*:\s*\\?"[\w-]{20,}/),
  shape('a client assertion', /client_assertion=[\w.~%-]+/),
  // An unsigned token (alg none) has an empty third segment, and is still a credential to leak.
  shape('a JWT', /\beyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/),
];

export interface Finding {
  file: string;
  line: number;
  /** Which rules matched, each with the matched text masked. */
  secrets: string[];
  /** The line's log message, matched text masked. */
  message: string;
  testFile?: string;
}

function mask(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} characters)`;
}

/** The lines of a capture file that hold a secret. */
export function scanText(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  let testFile: string | undefined;
  text.split('\n').forEach((line, index) => {
    if (line.startsWith('{"capture":"start"')) testFile = (JSON.parse(line) as { testFile?: string }).testFile;
    const matches = RULES.flatMap((rule) => {
      const found = rule.find(line);
      return found ? [{ rule: rule.name, found }] : [];
    });
    if (matches.length === 0) return;
    findings.push({
      file,
      line: index + 1,
      secrets: matches.map(({ rule, found }) => `${rule}: ${mask(found)}`),
      message: messageOf(
        line,
        matches.map(({ found }) => found),
      ),
      testFile,
    });
  });
  return findings;
}

function messageOf(line: string, found: string[]): string {
  let message = line;
  try {
    const entry = JSON.parse(line) as { msg?: unknown; component?: unknown };
    const component = typeof entry.component === 'string' ? `[${entry.component}] ` : '';
    message = `${component}${typeof entry.msg === 'string' ? entry.msg : '(no message)'}`;
  } catch {
    // Not a log line: show the raw text.
  }
  for (const secret of found) message = message.split(secret).join('…');
  return message.slice(0, 200);
}

/** Waits until every process has written its end marker, or gives up after `ms`. */
async function settled(dir: string, ms: number): Promise<{ files: string[]; unfinished: string[] }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const files = (await readdir(dir)).filter((name) => name.endsWith('.log')).sort();
    const unfinished: string[] = [];
    for (const name of files) {
      if (!(await readFile(join(dir, name), 'utf8')).endsWith(`${CAPTURE_END}\n`)) unfinished.push(name);
    }
    if (unfinished.length === 0 || Date.now() > deadline) return { files, unfinished };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-logs-'));
  process.env[CAPTURE_DIR_VARIABLE] = dir;
  return async () => {
    // Vitest tears down before the last workers have exited and flushed their files.
    const { files, unfinished } = await settled(dir, 10_000);
    const findings: Finding[] = [];
    let lines = 0;
    for (const name of files) {
      const text = await readFile(join(dir, name), 'utf8');
      lines += text.split('\n').length - 1;
      findings.push(...scanText(join(dir, name), text));
    }
    if (unfinished.length > 0) {
      console.warn(
        `log capture: ${unfinished.length} process(es) ended without flushing; scanned what they wrote: ${unfinished.join(', ')}`,
      );
    }
    if (findings.length === 0) {
      const keep = Boolean(process.env.GATEHOUSE_LOG_CAPTURE_KEEP);
      console.log(
        `log capture: ${lines} lines from ${files.length} test processes, no secret found${keep ? ` (kept in ${dir})` : ''}`,
      );
      if (!keep) await rm(dir, { recursive: true, force: true });
      return;
    }
    // Vitest only prints an error thrown here ("error during close") and still exits 0.
    process.exitCode = 1;
    const shown = findings
      .slice(0, 20)
      .map(
        (f) =>
          `  ${f.file}:${f.line}${f.testFile ? ` (${f.testFile})` : ''}\n` +
          `    ${f.secrets.join('; ')}\n    in: ${f.message}`,
      );
    throw new Error(
      [
        `Secrets were written to the logs: ${findings.length} line(s) of ${lines} captured. The capture is kept in ${dir}.`,
        ...shown,
        ...(findings.length > shown.length ? [`  …and ${findings.length - shown.length} more`] : []),
      ].join('\n'),
    );
  };
}
