import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { environment } from '../../src/config/environment.js';
import {
  all,
  dockerignoreKeeps,
  execForm,
  last,
  parseCopy,
  parseEnv,
  parseHealthcheck,
  ROOT,
  readDockerfile,
} from './dockerfile.js';

/**
 * The production image as the Dockerfile describes it (issue 20). No image is built here: this
 * reads what `docker build` would do; dockerfile-steps.test.ts (system tier) replays its steps.
 */

const dockerfile = readDockerfile();
const [build, runtime] = dockerfile.stages;
const DEFAULT_PORT = environment.shape.PORT.parse(undefined);

/** The image a FROM names, its ARGs substituted. */
function imageOf(from: string): string {
  return from.replace(/\$\{?(\w+)\}?/g, (_, name: string) => dockerfile.args[name] ?? '');
}

describe('the Dockerfile', () => {
  it('builds in one stage and runs from another on the same slim Node LTS image, which package.json accepts', () => {
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    const images = dockerfile.stages.map((stage) => imageOf(stage.from));
    expect(images[0]).toBe(images[1]);
    // A tag that names the Node line and a slim Debian, never `latest` or a moving bare `node`.
    const [, major] =
      /^node:(\d+)[\w.]*-(?:bookworm|trixie)-slim(?:@sha256:[0-9a-f]{64})?$/.exec(images[0] ?? '') ?? [];
    expect(major, `${images[0]} is not a pinned slim Node image`).toBeDefined();
    // Even-numbered majors are the LTS lines.
    expect(Number(major) % 2).toBe(0);
    const engines = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } })
      .engines.node;
    expect(semver.satisfies(`${major}.99.0`, engines), `node ${major} against engines ${engines}`).toBe(true);
  });

  it('compiles in the build stage: full npm ci, then npm run build', () => {
    if (!build) throw new Error('no build stage');
    const runs = all(build, 'RUN').map((run) => run.args);
    expect(runs.findIndex((run) => /^npm ci\b/.test(run) && !run.includes('--omit'))).toBe(0);
    expect(runs.at(-1)).toBe('npm run build');
  });

  it('runs with production dependencies only, without the sandbox workspace, and the compiled dist/', () => {
    if (!runtime) throw new Error('no runtime stage');
    expect(all(runtime, 'ENV').map(parseEnv)).toContainEqual(expect.objectContaining({ NODE_ENV: 'production' }));
    const install = all(runtime, 'RUN').map((run) => run.args);
    expect(install).toHaveLength(1);
    expect(install[0]).toMatch(/^npm ci --omit=dev --workspaces=false\b/);
    const copies = all(runtime, 'COPY').map(parseCopy);
    // From the context only the manifests: no source, and never packages/ (the sandbox).
    expect(copies.filter((copy) => !copy.from).flatMap((copy) => copy.sources)).toEqual([
      'package.json',
      'package-lock.json',
    ]);
    expect(copies.filter((copy) => copy.from)).toEqual([
      { from: 'build', sources: ['/app/dist/'], destination: 'dist/' },
    ]);
    // Where the build stage compiled to.
    expect(build && last(build, 'WORKDIR')?.args).toBe('/app');
    expect(last(runtime, 'WORKDIR')?.args).toBe('/app');
  });

  it('starts dist/main.js with node itself as PID 1, the file the build emits for src/main.ts', () => {
    if (!runtime) throw new Error('no runtime stage');
    // Exactly what `npm run start:prod` runs (its heap cap included), without npm in between.
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(execForm(last(runtime, 'CMD')?.args ?? '')).toEqual(scripts['start:prod']?.split(' '));
    expect(execForm(last(runtime, 'CMD')?.args ?? '')).toContain('dist/main.js');
    expect(last(runtime, 'ENTRYPOINT')).toBeUndefined();
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(tsconfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
  });

  it('runs as a non-root user given by number, so Kubernetes can verify runAsNonRoot', () => {
    if (!runtime) throw new Error('no runtime stage');
    const user = last(runtime, 'USER')?.args ?? '';
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
    // After the last RUN: the install and its files stay root's, so the process cannot change them.
    const index = (keyword: string) => runtime.instructions.findLastIndex((i) => i.keyword === keyword);
    expect(index('USER')).toBeGreaterThan(index('RUN'));
  });

  it('exposes the port Gatehouse listens on by default and checks /healthz there with node', () => {
    if (!runtime) throw new Error('no runtime stage');
    expect(last(runtime, 'EXPOSE')?.args).toBe(String(DEFAULT_PORT));
    const { options, command } = parseHealthcheck(last(runtime, 'HEALTHCHECK') ?? { keyword: '', args: '' });
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    // PORT as Gatehouse reads it, its default when unset (dockerfile-steps.test.ts runs the check).
    expect(command[2]).toContain(`'http://127.0.0.1:' + (process.env.PORT || ${DEFAULT_PORT}) + '/healthz'`);
    // The check gives up before Docker's timeout does, so it exits on its own.
    expect(command[2]).toMatch(/AbortSignal\.timeout\((\d+)\)/);
    const abortMs = Number(/AbortSignal\.timeout\((\d+)\)/.exec(command[2] ?? '')?.[1]);
    expect(abortMs).toBeLessThan(Number.parseInt(options.timeout ?? '30', 10) * 1000);
    expect(Object.keys(options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
  });
});

describe('.dockerignore', () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

  it('sends every tracked file the COPY lines name, and nothing under them is left out', () => {
    const sources = dockerfile.stages.flatMap((stage) =>
      all(stage, 'COPY')
        .map(parseCopy)
        .filter((copy) => !copy.from)
        .flatMap((copy) => copy.sources),
    );
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      const folder = source.endsWith('/');
      const files = folder ? tracked.filter((file) => file.startsWith(source)) : [source];
      expect(files.length, `${source} names no tracked file`).toBeGreaterThan(0);
      if (!folder) expect(existsSync(join(ROOT, source)), `${source} does not exist`).toBe(true);
      for (const file of files) expect(dockerignoreKeeps(file), `${file} is left out of the context`).toBe(true);
    }
  });

  it('keeps secrets, installs, builds, history and tests out of the context', () => {
    for (const path of [
      '.env',
      'secrets/okta_api_token',
      'node_modules/fastify/package.json',
      'packages/sandbox/node_modules/ajv/package.json',
      'dist/main.js',
      '.git/HEAD',
      'test/server.test.ts',
      'bench/results/latest.json',
      'deploy/kubernetes/secret.example.yaml',
      'docker-compose.yml',
    ]) {
      expect(dockerignoreKeeps(path), path).toBe(false);
    }
  });
});
