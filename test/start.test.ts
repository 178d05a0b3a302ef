import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
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

/** Issue 18: what a newcomer meets first (the banner), a port already taken, and Ctrl-C. */
describe('npm start, first run', () => {
  it('prints the banner after start-up logging, and names the playground page first', async () => {
    const port = await freePort();
    const child = sandbox(port, 'info');
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const output = await printed(child, 'Configure a real deployment');
    const banner = output.indexOf('Gatehouse is running in SANDBOX MODE');
    expect(banner).toBeGreaterThan(0);
    // What start-up logs (listening, the Slack workspace learned from auth.test) is above it.
    expect(output.indexOf('Server listening at')).toBeLessThan(banner);
    expect(output.indexOf('the Slack workspace (or Grid org) Gatehouse serves')).toBeGreaterThan(-1);
    expect(output.indexOf('the Slack workspace (or Grid org) Gatehouse serves')).toBeLessThan(banner);
    expect(output.slice(banner)).not.toContain('"level"');
    // The first address the banner shows is the playground's, and it answers with the page.
    const base = `http://127.0.0.1:${port}`;
    expect(output.slice(banner).match(/http:\/\/\S+/)?.[0]).toBe(`${base}/`);
    expect(output.slice(banner)).toContain(`Open ${base}/ — the playground`);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
  }, 30_000);

  it('prints nothing after the banner for probes, scrapes or its emulated services, only for what people do', async () => {
    const port = await freePort();
    const child = sandbox(port, 'info');
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    await printed(child, 'Configure a real deployment');
    const base = `http://127.0.0.1:${port}`;
    const after = printed(child, '/a-page-someone-asked-for');
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(`${base}${path}`)).ok).toBe(true);
    // What each poll does: Gatehouse asking its emulated Okta.
    const okta = await fetch(`${base}/sandbox/okta/api/v1/users?limit=1`, {
      headers: { authorization: 'SSWS gatehouse-sandbox-okta-token' },
    });
    expect(okta.status).toBe(200);
    // Something a person did, logged as before: the marker the output is read up to.
    expect((await fetch(`${base}/a-page-someone-asked-for`)).status).toBe(404);
    const output = await after;
    expect(output).toContain('/a-page-someone-asked-for');
    for (const quiet of ['/healthz', '/readyz', '/metrics', '/sandbox/okta']) expect(output).not.toContain(quiet);
  }, 30_000);

  it('on a busy port, says so in one line naming the port and how to choose another, and exits non-zero', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      taken.close();
    });
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const child = sandbox(port, 'warn');
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      new RegExp(`^Port ${port} is in use: stop what uses it, or start with PORT=\\d+ npm start\n$`),
    );
    // The port it suggests is free.
    const other = Number(/PORT=(\d+)/.exec(stderr)?.[1]);
    expect(other).not.toBe(port);
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(other, '127.0.0.1', () => probe.close(() => resolve()));
    });
  }, 30_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal} exits within two seconds although a playground page holds its event stream open`, async () => {
      const port = await freePort();
      const child = sandbox(port, 'warn');
      onTestFinished(() => {
        child.kill('SIGKILL');
      });
      await printed(child, 'Configure a real deployment');
      // What the open page holds: its event stream, answered and kept open.
      const events = await fetch(`http://127.0.0.1:${port}/playground/events`);
      expect(events.headers.get('content-type')).toBe('text/event-stream');
      const reader = events.body?.getReader();
      expect(new TextDecoder().decode((await reader?.read())?.value)).toContain('retry:');

      const sent = performance.now();
      child.kill(signal);
      const code = await exited(child);
      const took = performance.now() - sent;
      expect(code).toBe(0);
      expect(took).toBeLessThan(2_000);
      // The page's stream was ended, not left hanging.
      expect((await reader?.read().catch(() => ({ done: true })))?.done).toBe(true);
    }, 30_000);
  }

  it('a second Ctrl-C stops at once while the first still waits for a request in flight', async () => {
    const port = await freePort();
    const child = sandbox(port, 'info');
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    await printed(child, 'Configure a real deployment');
    // A request whose body never comes: a graceful stop waits for it (up to the request timeout).
    const socket = connect(port, '127.0.0.1');
    onTestFinished(() => {
      socket.destroy();
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'POST /playground/portal/expire HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{',
    );
    await printed(child, '"url":"/playground/portal/expire"');

    child.kill('SIGINT');
    await printed(child, '"msg":"shutting down"');
    const sent = performance.now();
    child.kill('SIGINT');
    const code = await exited(child);
    // 130 = 128 + SIGINT: the forced exit, not the graceful one (0), which was still waiting.
    expect(code).toBe(130);
    expect(performance.now() - sent).toBeLessThan(1_000);
  }, 30_000);
});

/** Issue 18 / audit finding 7: readable lines for a person, JSON for a log shipper. */
describe("npm start's log format", () => {
  it('with LOG_FORMAT=pretty prints readable lines, the banner after them, and its last line at Ctrl-C', async () => {
    const port = await freePort();
    const child = sandbox(port, 'info', { LOG_FORMAT: 'pretty' });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const output = await printed(child, 'Configure a real deployment');
    const banner = output.indexOf('Gatehouse is running in SANDBOX MODE');
    expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:/m);
    expect(output.indexOf('INFO: Server listening at')).toBeLessThan(banner);
    expect(output).not.toContain('"level"');

    const stopping = printed(child, 'shutting down');
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // Written before the process exited, not lost with it.
    expect(await stopping).toMatch(/INFO: shutting down \{"signal":"SIGTERM"\}/);
  }, 30_000);

  it('prints JSON when its output is not a terminal and LOG_FORMAT is not given', async () => {
    const port = await freePort();
    const child = sandbox(port, 'info');
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    const output = await printed(child, 'Configure a real deployment');
    const first = output.split('\n')[0] ?? '';
    expect(JSON.parse(first)).toMatchObject({ level: 30, service: 'gatehouse' });
  }, 30_000);

  it('refuses a LOG_FORMAT it does not know, with the other configuration problems', async () => {
    const child = sandbox(await freePort(), 'info', { LOG_FORMAT: 'text', SLACK_BOT_TOKEN: 'xoxb-1' });
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    expect(await exited(child)).toBe(1);
    expect(stderr).toContain('Gatehouse cannot start; fix its configuration:');
    expect(stderr).toContain('  - SLACK_SIGNING_SECRET is required');
    expect(stderr).toContain('  - LOG_FORMAT must be pretty or json (got "text")');
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
      // Still drained: a child whose pipe fills blocks on its next log line, signals and all.
      child.stdout?.resume();
      child.stderr?.resume();
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

/** Sandbox mode as `npm start` runs it, on `port`. */
function sandbox(port: number, logLevel: string, env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The exit code of a child process once it has exited (null when a signal ended it), or 'still running'
 * after 10 s: a bound that makes a hanging shutdown fail its test rather than time it out.
 */
function exited(child: ChildProcess): Promise<number | null | 'still running'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
