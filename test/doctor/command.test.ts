import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, type Env, SECRETS, serveOkta } from './helpers.js';

/**
 * `npm run doctor` as an operator runs it: a child process with nothing but the environment, its
 * lines on stdout and the verdict in the exit code.
 */

const ROOT = join(import.meta.dirname, '../..');

afterEach(closeAll);

function npmRunDoctor(env: Env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'doctor'], {
      cwd: ROOT,
      // Only what the doctor is given: no variable of the test run's own leaks in.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run doctor', () => {
  it('prints one line per check and exits 0 for a healthy org', async () => {
    const { env, url } = await serveOkta();
    const run = await npmRunDoctor(env());
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Gatehouse doctor: read-only checks of what Gatehouse needs of its governance backend');
    expect(lines).toContain(`✓ Okta org: ${url} answers as Okta.`);
    expect(lines).toContain('✓ Okta credentials: Okta accepted OKTA_API_TOKEN.');
    expect(lines.at(-1)).toBe('1 thing not checked.');
  });

  it('exits 1 when the token is refused, naming the fix and never the token', async () => {
    const { env } = await serveOkta();
    const wrong = '00wrong-okta-api-token-not-real';
    const run = await npmRunDoctor(env({ OKTA_API_TOKEN: wrong }));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '✗ Okta credentials: Okta refused OKTA_API_TOKEN (HTTP 401 E0000004 Authentication failed): the token is ' +
        'mistyped, revoked, expired (Okta expires one unused for 30 days) or from another org; create one in Admin ' +
        'Console > Security > API > Tokens, signed in as an admin with the Access Requests Administrator role.',
    );
    for (const secret of [...SECRETS, wrong]) expect(`${run.stdout}${run.stderr}`).not.toContain(secret);
  });
});
