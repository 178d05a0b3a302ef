import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from './support/free-port.js';

/**
 * The emulators, stand-ins and playground are a workspace package of their own, @gatehouse/sandbox
 * (packages/sandbox), loaded by the product only in sandbox mode and only dynamically (issue 16).
 */

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGE = join(ROOT, 'packages/sandbox');
const NAME = '@gatehouse/sandbox';

type ModuleReference = { file: string; specifier: string; kind: 'static' | 'type' | 'dynamic' };

/** Every module a TypeScript file names: import and export declarations, `import('…')` types and calls. */
function references(file: string): ModuleReference[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: ModuleReference[] = [];
  const name = relative(ROOT, file);
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) {
        found.push({ file: name, specifier: node.moduleSpecifier.text, kind: 'static' });
      }
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) {
        found.push({ file: name, specifier: argument.literal.text, kind: 'type' });
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      found.push({
        file: name,
        specifier: argument && ts.isStringLiteral(argument) ? argument.text : '?',
        kind: 'dynamic',
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function typescriptFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => join(folder, path));
}

/** Whether `reference` names the sandbox package, by name or by a path into it. */
function namesSandbox(reference: ModuleReference): boolean {
  if (reference.specifier === NAME || reference.specifier.startsWith(`${NAME}/`)) return true;
  if (!reference.specifier.startsWith('.')) return false;
  const target = resolve(ROOT, dirname(reference.file), reference.specifier);
  return !relative(PACKAGE, target).startsWith('..');
}

describe('the sandbox package (@gatehouse/sandbox)', () => {
  it('is imported by no file under src, not even for its types; server.ts alone loads it, dynamically', () => {
    const all = typescriptFiles(join(ROOT, 'src')).flatMap(references);
    // The check can fail: the product's own imports are read.
    expect(all.some((reference) => reference.specifier === './config.js')).toBe(true);
    const sandbox = all.filter(namesSandbox);
    expect(sandbox.filter((reference) => reference.kind !== 'dynamic')).toEqual([]);
    expect(sandbox).toEqual([{ file: 'src/server.ts', specifier: NAME, kind: 'dynamic' }]);
  });

  it('imports nothing of the product, and only what its own package.json depends on', () => {
    const manifest = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const dependencies = Object.keys(manifest.dependencies);
    const all = typescriptFiles(join(PACKAGE, 'src')).flatMap(references);
    expect(all.some((reference) => reference.specifier === 'fastify')).toBe(true);
    const outside = all.filter((reference) => {
      const { specifier } = reference;
      if (specifier.startsWith('.')) return !namesSandbox(reference);
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return false;
      return !dependencies.some((name) => specifier === name || specifier.startsWith(`${name}/`));
    });
    expect(outside).toEqual([]);
  });

  it('left out of the install, `npm start` stops with one sentence saying what to install', async () => {
    // The product as a production install without the workspace has it: its own node_modules,
    // without node_modules/@gatehouse (what `npm ci --omit=dev --workspaces=false` leaves).
    const copy = mkdtempSync(join(tmpdir(), 'gatehouse-without-sandbox-'));
    onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
    cpSync(join(ROOT, 'src'), join(copy, 'src'), { recursive: true });
    for (const file of ['package.json', 'tsconfig.json']) cpSync(join(ROOT, file), join(copy, file));
    mkdirSync(join(copy, 'node_modules'));
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry === '@gatehouse' || entry.startsWith('.')) continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(copy, 'node_modules', entry));
    }

    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: copy,
      env: { PATH: process.env.PATH, PORT: String(await freePort()), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      child.kill('SIGTERM');
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += String(chunk);
    });
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(1);
    expect(stdout).not.toContain('SANDBOX MODE');
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        'sandbox mode (no Okta, PingOne, Slack or Teams settings found) needs the @gatehouse/sandbox package',
      ),
    ]);
    expect(stderr).toContain('run a full `npm install`');
  }, 30_000);
});
