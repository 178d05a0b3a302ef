import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from './support/free-port.js';
import { TEST_SECRETS } from './support/test-secrets.js';

/** `npm start` as a newcomer runs it: no environment at all. */
describe('npm start with no configuration', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints the sandbox banner and serves health, metrics and the emulated Okta API', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The banner's last line: by then all of it has been printed.
    const output = await printed(child, 'Configure a real deployment');
    expect(output).toContain('Gatehouse is running in SANDBOX MODE');
    expect(output).toContain(`http://127.0.0.1:${port}/healthz`);

    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('gatehouse_http_request_duration_seconds');
    const entries = await fetch(
      `${base}/sandbox/okta/governance/api/v2/catalogs/default/entries?filter=${encodeURIComponent('not(parent pr)')}`,
      { headers: { authorization: 'SSWS gatehouse-sandbox-okta-token' } },
    );
    expect(entries.status).toBe(200);
    const names = ((await entries.json()) as { data: { name: string }[] }).data.map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['Salesforce', 'Google Workspace', 'NetSuite']));
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  }, 30_000);

  it('refuses to start on a half-given configuration, naming every problem', async () => {
    const refused = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { PATH: process.env.PATH, OKTA_ORG_URL: 'https://acme.okta.com', SLACK_BOT_TOKEN: 'xoxb-1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    refused.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => refused.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('Gatehouse cannot start; fix its configuration:');
    expect(stderr).toContain('Okta needs credentials');
    expect(stderr).toContain('SLACK_SIGNING_SECRET is required');
  }, 30_000);

  it("refuses to start in production with the sandbox's published secrets, naming each", async () => {
    const refused = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        PORT: String(await freePort()),
        OKTA_ORG_URL: 'https://acme.okta.com',
        OKTA_API_TOKEN: 'gatehouse-sandbox-okta-token',
        SLACK_SIGNING_SECRET: 'sandbox',
        SLACK_BOT_TOKEN: 'xoxb-gatehouse-sandbox',
        PUBLIC_URL: 'https://gatehouse.acme.com',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Should it start after all, it must not outlive the test.
    onTestFinished(() => {
      refused.kill('SIGTERM');
    });
    let output = '';
    refused.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    refused.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => refused.on('exit', resolve));
    expect(code).toBe(1);
    expect(output).toContain('Gatehouse cannot start; fix its configuration:');
    for (const name of ['OKTA_API_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_BOT_TOKEN']) {
      expect(output).toContain(`  - ${name} is one of the sandbox's published values`);
    }
  }, 30_000);
});

describe('npm start in production', () => {
  it('never loads the sandbox: no emulator, stand-in, playground or card schema', async () => {
    const port = await freePort();
    const loaded = join(mkdtempSync(join(tmpdir(), 'gatehouse-modules-')), 'loaded.txt');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './test/support/loaded-modules.mjs', 'src/main.ts'],
      {
        env: {
          PATH: process.env.PATH,
          LOADED_MODULES_FILE: loaded,
          PORT: String(port),
          LOG_LEVEL: 'info',
          PUBLIC_URL: 'https://gatehouse.example.com',
          // Nothing answers there: start-up does not need Okta or Slack to answer.
          OKTA_ORG_URL: 'http://127.0.0.1:9',
          OKTA_API_TOKEN: TEST_SECRETS.oktaApiToken,
          SLACK_SIGNING_SECRET: TEST_SECRETS.slackSigningSecret,
          SLACK_BOT_TOKEN: TEST_SECRETS.slackBotToken,
          SLACK_API_URL: 'http://127.0.0.1:9/api',
          POLL_INTERVAL_MS: '3600000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    try {
      const output = await printed(child, 'Gatehouse started');
      expect(output).toContain('Gatehouse started');
      expect((await fetch(`http://127.0.0.1:${port}/sandbox/okta/api/v1/users`)).status).toBe(404);
      const modules = readFileSync(loaded, 'utf8').split('\n').filter(Boolean);
      // The check can fail: the product's own modules are in the list.
      expect(modules.some((url) => url.endsWith('/src/server.ts'))).toBe(true);
      // The sandbox package (@gatehouse/sandbox, linked from packages/sandbox) and what only it needs.
      const sandbox = /\/packages\/sandbox\/|\/node_modules\/(@gatehouse\/sandbox|adaptivecards|ajv|ajv-formats)\//;
      expect(modules.filter((url) => sandbox.test(url))).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      rmSync(dirname(loaded), { recursive: true, force: true });
    }
  }, 30_000);
});

/**
 * What a child process printed (stdout and stderr) as soon as it says `text`, or once it has exited and said all it will, or
 * after 20 s: a bound on another process starting (outside our code), not a wait for proof.
 */
function printed(child: ChildProcess, text: string): Promise<string> {
  return new Promise((resolve) => {
    let output = '';
    const done = () => {
      clearTimeout(timer);
      child.stdout?.off('data', heard);
      child.stderr?.off('data', heard);
      child.off('close', done);
      resolve(output);
    };
    const heard = (chunk: unknown) => {
      output += String(chunk);
      if (output.includes(text)) done();
    };
    const timer = setTimeout(done, 20_000);
    child.stdout?.on('data', heard);
    child.stderr?.on('data', heard);
    child.on('close', done);
  });
}
