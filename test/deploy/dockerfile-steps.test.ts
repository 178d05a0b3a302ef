import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import {
  dockerignoreKeeps,
  execForm,
  type Instruction,
  last,
  parseCopy,
  parseEnv,
  parseHealthcheck,
  ROOT,
  readDockerfile,
  type Stage,
} from './dockerfile.js';

/**
 * The Dockerfile's steps, replayed without Docker (issue 20: no image can be built here): each
 * stage in a clean directory standing for its WORKDIR, given what its COPY lines copy from the
 * build context (the working tree as git sees it, less .dockerignore), its RUN lines run by
 * /bin/sh with its ENV. Then the runtime stage's CMD starts, in production mode, every secret from a
 * file, nothing it talks to reachable, and the image's HEALTHCHECK command must pass against it.
 * The image's base (Node, Debian) is this machine's here; what the test vouches for is the steps.
 */

const STEPS_MS = 8 * 60_000;
const dockerfile = readDockerfile();
const work = mkdtempSync(join(tmpdir(), 'gatehouse-image-'));
/** Each stage's WORKDIR, by stage name. */
const stageDirs = new Map<string, string>();

/** What `docker build .` would send: tracked and new files that git does not ignore, less .dockerignore. */
function contextFiles(): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => file && existsSync(join(ROOT, file)) && dockerignoreKeeps(file));
}

function run(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  const child = spawn('/bin/sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = `${output}${chunk.toString()}`.slice(-4_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`RUN ${command} exited ${code} in ${cwd}:\n${output}`)),
    );
  });
}

/** COPY: from the context, or `--from=<stage>` out of that stage's directory. */
function copy(instruction: Instruction, into: string, context: string[]): void {
  const { from, sources, destination } = parseCopy(instruction);
  const target = join(into, destination);
  for (const source of sources) {
    if (from) {
      const stageDir = stageDirs.get(from);
      if (!stageDir) throw new Error(`COPY --from=${from}: no such stage before this one`);
      const path = join(stageDir, source.replace(/^\/app\/?/, ''));
      if (!existsSync(path)) throw new Error(`COPY --from=${from} ${source}: the stage did not make it`);
      cpSync(path, target, { recursive: true });
    } else if (source.endsWith('/')) {
      const files = context.filter((file) => file.startsWith(source));
      if (files.length === 0) throw new Error(`COPY ${source}: nothing in the build context`);
      for (const file of files) {
        const to = join(target, file.slice(source.length));
        mkdirSync(dirname(to), { recursive: true });
        cpSync(join(ROOT, file), to);
      }
    } else {
      if (!context.includes(source)) throw new Error(`COPY ${source}: not in the build context`);
      const to = destination.endsWith('/') ? join(target, basename(source)) : target;
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(ROOT, source), to);
    }
  }
}

/** Runs one stage's steps in a directory of its own; returns the ENV it ends with. */
async function replay(stage: Stage, context: string[]): Promise<Record<string, string>> {
  const dir = join(work, stage.name ?? `stage-${stageDirs.size}`);
  mkdirSync(dir, { recursive: true });
  stageDirs.set(stage.name ?? dir, dir);
  // The image's environment, not the test runner's: a PATH to find node and npm, a HOME for npm's
  // cache (offline first, where the machine has the packages already), nothing of this repository.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        expect(instruction.args).toBe('/app');
        break;
      case 'COPY':
        copy(instruction, dir, context);
        break;
      case 'ENV':
        Object.assign(env, parseEnv(instruction));
        break;
      case 'RUN':
        await run(instruction.args, dir, env);
        break;
      case 'ARG':
        throw new Error(`ARG inside a stage: replay it here (${instruction.args})`);
    }
  }
  return env;
}

/** A production deployment that can reach nothing: refused ports for Okta and Slack, secrets as files. */
function productionEnv(port: number, secretsDir: string): Record<string, string> {
  const secrets: Record<string, string> = {
    OKTA_API_TOKEN: 'image-test-okta-api-token-not-real',
    SLACK_SIGNING_SECRET: 'image-test-slack-signing-secret-not-real',
    SLACK_BOT_TOKEN: 'xoxb-image-test-bot-token-not-real',
    METRICS_TOKEN: 'image-test-metrics-token-not-real',
  };
  mkdirSync(secretsDir, { recursive: true });
  const files: Record<string, string> = {};
  for (const [name, value] of Object.entries(secrets)) {
    writeFileSync(join(secretsDir, name), `${value}\n`, { mode: 0o400 });
    files[`${name}_FILE`] = join(secretsDir, name);
  }
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_FORMAT: 'json',
    PUBLIC_URL: 'https://gatehouse.example.com',
    // Port 1 on loopback: refused at once, so nothing waits on a network this test may not have.
    OKTA_ORG_URL: 'https://127.0.0.1:1',
    SLACK_API_URL: 'https://127.0.0.1:1/api',
    ...files,
  };
}

const SECRET_VALUES = [
  'image-test-okta-api-token-not-real',
  'image-test-slack-signing-secret-not-real',
  'xoxb-image-test-bot-token-not-real',
  'image-test-metrics-token-not-real',
];

describe('the Dockerfile’s steps, replayed in a clean directory', () => {
  const [build, runtime] = dockerfile.stages;
  let runtimeEnv: Record<string, string>;
  let runtimeDir: string;

  beforeAll(async () => {
    if (!build || !runtime) throw new Error('the Dockerfile has no build and runtime stages');
    const context = contextFiles();
    await replay(build, context);
    runtimeEnv = await replay(runtime, context);
    runtimeDir = stageDirs.get(runtime.name ?? '') ?? '';
  }, STEPS_MS);

  // Two installs' worth of node_modules: slow to delete on a busy machine.
  afterAll(() => rm(work, { recursive: true, force: true }), 120_000);

  it('leave the runtime stage the compiled server and production dependencies only, without the sandbox', () => {
    expect(existsSync(join(runtimeDir, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(runtimeDir, 'src'))).toBe(false);
    expect(existsSync(join(runtimeDir, 'node_modules/fastify/package.json'))).toBe(true);
    for (const left of ['@gatehouse/sandbox', 'adaptivecards', 'typescript', 'vitest', '@biomejs/biome']) {
      expect(existsSync(join(runtimeDir, 'node_modules', left)), `${left} in the runtime stage`).toBe(false);
    }
  });

  it('start a production Gatehouse whose HEALTHCHECK passes, and which stops cleanly on SIGTERM', async () => {
    if (!runtime) throw new Error('no runtime stage');
    const [command, ...args] = execForm(last(runtime, 'CMD')?.args ?? '') ?? [];
    const port = await freePort();
    const env = { ...runtimeEnv, ...productionEnv(port, join(work, 'run-secrets')) };
    const server: ChildProcess = spawn(command ?? 'node', args, {
      cwd: runtimeDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const started = new Promise<void>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"msg":"Gatehouse started"')) resolve();
      };
      server.stdout?.on('data', read);
      server.stderr?.on('data', read);
      server.once('exit', (code) => reject(new Error(`Gatehouse exited (${code}) before starting:\n${output}`)));
    });
    try {
      await started;
      const healthcheck = parseHealthcheck(last(runtime, 'HEALTHCHECK') ?? { keyword: '', args: '' }).command;
      // As Docker runs it: inside the container, with the container's environment.
      const check = () => {
        const probe = spawn(healthcheck[0] ?? 'node', healthcheck.slice(1), { env, stdio: 'ignore' });
        return once(probe, 'exit').then(([code]) => code as number);
      };
      expect(await check()).toBe(0);

      server.kill('SIGTERM');
      const [code] = await once(server, 'exit');
      expect(code).toBe(0);
      // Nothing listens now: the same check fails, so its pass above meant something.
      expect(await check()).toBe(1);
      for (const secret of SECRET_VALUES) expect(output).not.toContain(secret);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });
});
