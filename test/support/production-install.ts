import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { CAPTURE_DIR_VARIABLE, CAPTURE_END } from './log-capture.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * Gatehouse as production installs it, in a directory of its own: the compiled build of the
 * sources as they are now (`tsc -p tsconfig.build.json`, never a dist/ left from an earlier build)
 * beside only what `npm ci --omit=dev --workspaces=false` installs: no devDependency (tsx,
 * typescript), no sandbox package. Anything the build needs that production does not install fails here.
 */
export interface ProductionInstall {
  /** Holds package.json, node_modules/ and dist/. */
  dir: string;
  /** dist/main.js, what `npm run start:prod` runs. */
  main: string;
  cleanup(): Promise<void>;
}

export async function installForProduction(): Promise<ProductionInstall> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-production-'));
  try {
    for (const file of ['package.json', 'package-lock.json']) await copyFile(join(ROOT, file), join(dir, file));
    // Both at once: the install mostly waits on the disk (and the network when npm's cache is cold),
    // the build on the CPU.
    await Promise.all([
      run('npm', ['ci', '--omit=dev', '--workspaces=false', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: dir,
        maxBuffer: 16 * 1024 * 1024,
      }),
      run(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
        { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      ),
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${(error as Error).message}\n${stdout ?? ''}${stderr ?? ''}`);
  }
  return { dir, main: join(dir, 'dist/main.js'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A compiled Gatehouse started as `npm run start:prod` starts it (`node dist/main.js`) in its install. */
export interface CompiledProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /**
   * What it printed once it says `text`, or once it has exited, or after 20 s: a bound on another
   * process starting, not a wait for proof (the caller asserts on what came back).
   */
  printed(text: string): Promise<string>;
  /** Its exit code once it exits (null when a signal ended it), or 'still running' after `withinMs`. */
  exited(withinMs?: number): Promise<number | null | 'still running'>;
}

/**
 * Starts `node dist/main.js` with `env` and nothing else of this process's environment but PATH.
 * What it prints goes to the run's log capture too, which fails the run on a secret found there
 * (test/support/log-capture.ts): the compiled build logs under the same rule as the sources.
 */
export function startCompiled(install: ProductionInstall, env: Record<string, string>): CompiledProcess {
  const child = spawn(process.execPath, [install.main], {
    cwd: install.dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const capture = captureFile(child);
  const heard = (chunk: Buffer) => {
    output += String(chunk);
    if (capture) appendFileSync(capture, chunk);
  };
  child.stdout?.on('data', heard);
  child.stderr?.on('data', heard);
  child.once('close', () => {
    if (capture) appendFileSync(capture, `\n${CAPTURE_END}\n`);
  });
  const closed = new Promise<number | null>((done) => child.once('close', (code) => done(code)));

  return {
    child,
    output: () => output,
    printed: (text) =>
      new Promise((done) => {
        const check = () => {
          if (!output.includes(text)) return;
          finish();
        };
        const finish = () => {
          clearTimeout(timer);
          child.stdout?.off('data', check);
          child.stderr?.off('data', check);
          done(output);
        };
        const timer = setTimeout(finish, 20_000);
        child.stdout?.on('data', check);
        child.stderr?.on('data', check);
        void closed.then(finish);
        check();
      }),
    exited: (withinMs = 10_000) =>
      new Promise((done) => {
        const timer = setTimeout(() => done('still running'), withinMs);
        void closed.then((code) => {
          clearTimeout(timer);
          done(code);
        });
      }),
  };
}

function captureFile(child: ChildProcess): string | undefined {
  const dir = process.env[CAPTURE_DIR_VARIABLE];
  if (!dir || child.pid === undefined) return undefined;
  const file = join(dir, `${process.pid}-compiled-${child.pid}.log`);
  appendFileSync(
    file,
    `${JSON.stringify({ capture: 'start', testFile: expect.getState().testPath, pid: child.pid })}\n`,
  );
  return file;
}
