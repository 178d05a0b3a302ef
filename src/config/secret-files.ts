import { readFileSync, statSync } from 'node:fs';
import type { Environment } from './environment.js';

/**
 * Secrets from mounted files: each secret variable may be given instead as `<NAME>_FILE`, the path
 * of a file holding its value, as Docker secrets and Kubernetes Secret volumes provide them. The
 * file's content is the value; whether a value came from a file changes nothing else.
 */

/** Every variable that holds a secret, each also accepted as `<NAME>_FILE`. */
export const SECRET_VARIABLES = [
  'OKTA_API_TOKEN',
  'OKTA_PRIVATE_KEY',
  'OKTA_EVENT_HOOK_SECRET',
  'PINGONE_ACCESS_TOKEN',
  'PINGONE_CLIENT_SECRET',
  'PINGONE_PERSON_CLIENT_SECRET',
  'PINGONE_PERSON_PRIVATE_KEY',
  'SLACK_SIGNING_SECRET',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'MICROSOFT_APP_PASSWORD',
  'METRICS_TOKEN',
  // Its password belongs in the URL (redis://:password@host:6379).
  'REDIS_URL',
] as const satisfies readonly (keyof Environment)[];

export type SecretVariable = (typeof SECRET_VARIABLES)[number];

export interface SecretFiles {
  /** The values read, under the variable's own name (SLACK_BOT_TOKEN, not SLACK_BOT_TOKEN_FILE). */
  values: Partial<Record<SecretVariable, string>>;
  /** Variables whose file gave no value: read as unset, their problem already named. */
  unreadable: SecretVariable[];
  problems: string[];
}

/**
 * Reads every `<NAME>_FILE` given in `env` (empty counts as unset). A problem names the variable
 * and the path, never anything the file holds.
 */
export function readSecretFiles(env: Record<string, string | undefined>): SecretFiles {
  const files: SecretFiles = { values: {}, unreadable: [], problems: [] };
  for (const name of SECRET_VARIABLES) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (!path) continue;
    if (env[name]) {
      files.problems.push(
        `${name} and ${fileVariable} are both set: give the value one way only, ${name} or the file ${fileVariable} names.`,
      );
      continue;
    }
    const read = readSecret(path);
    if ('value' in read) {
      files.values[name] = read.value;
    } else {
      files.unreadable.push(name);
      files.problems.push(`${fileVariable} names ${path}, which ${read.problem}`);
    }
  }
  return files;
}

function readSecret(path: string): { value: string } | { problem: string } {
  let content: string;
  try {
    // A FIFO or a device (/dev/zero) would block start-up or never end.
    if (!statSync(path).isFile()) return { problem: 'is not a regular file: name the file holding the secret.' };
    content = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: unreadable((error as NodeJS.ErrnoException).code) };
  }
  // `echo` and Kubernetes Secrets made from literals end the file with one newline; a PEM key's
  // inner line breaks are part of it.
  const value = content.replace(/\r?\n$/, '');
  if (value.trim() === '') return { problem: 'is empty: put the secret in it.' };
  return { value };
}

function unreadable(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'does not exist: mount the secret there or correct the path.';
    case 'EACCES':
    case 'EPERM':
      return "Gatehouse's user may not read (permission denied): let it read the file.";
    case 'ENOTDIR':
      return 'does not exist (a part of the path is not a directory): correct the path.';
    default:
      return `cannot be read (${code ?? 'unknown error'}).`;
  }
}
