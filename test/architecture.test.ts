import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shape of the house, checked (issue 16): a change that breaks one of these rules fails here,
 * not in review. Each rule says why it exists. That `src` never imports the sandbox package
 * statically is checked with the TypeScript parser in sandbox-package.test.ts.
 */

const ROOT = join(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(SRC).filter((path) => path.endsWith('.ts'));
const folders = [SRC, ...walk(SRC).map((path) => join(path, '..'))].filter((v, i, all) => all.indexOf(v) === i);
const source = (path: string) => readFileSync(path, 'utf8');
const rel = (path: string) => relative(ROOT, path);

/** Static imports and re-exports (`import … from`, `export … from`, `import '…'`), not `import()`. */
function staticImports(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) found.push(match[1] ?? '');
  for (const match of text.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(match[1] ?? '');
  return found;
}

/** Which top-level folder of src a relative import from `file` lands in ('' for src itself). */
function layerOf(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(SRC, join(file, '..', specifier));
  return target.includes('/') ? target.split('/')[0] : '';
}

describe('the house', () => {
  it('finds the product files it checks', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(staticImports("import { a } from './a.js';\nexport { b } from '../b.js';")).toEqual(['./a.js', '../b.js']);
  });

  it('has no product file over 400 lines without the reason written at its top', () => {
    const long = files.filter((file) => {
      const lines = source(file).split('\n');
      return lines.length > 400 && !lines.slice(0, 30).some((line) => /Over 400 lines because/.test(line));
    });
    expect(long.map(rel)).toEqual([]);
  });

  it('holds the emulators to the same rule: no file over 400 lines without the reason at its top', () => {
    const sandbox = walk(join(ROOT, 'packages', 'sandbox', 'src')).filter((path) => path.endsWith('.ts'));
    const long = sandbox.filter((file) => {
      const lines = source(file).split('\n');
      return lines.length > 400 && !lines.slice(0, 40).some((line) => /Over 400 lines because/.test(line));
    });
    expect(sandbox.length).toBeGreaterThan(50);
    expect(long.map(rel)).toEqual([]);
  });

  it('keeps adapters out of the notifier: flows announce changes, the notifier follows them', () => {
    const adapters = files.filter((file) => rel(file).startsWith('src/adapters/'));
    const orchestrating = adapters.filter((file) =>
      /RequestMessages|\.sync\(|announceComment|connect\(/.test(source(file)),
    );
    expect(orchestrating.map(rel)).toEqual([]);
  });

  it('keeps each layer to what it may know', () => {
    // The domain knows nothing else; the API clients speak to vendors without knowing chat or
    // flows; the flows know the governance port, never a platform or the notifier.
    const may: Record<string, string[]> = {
      domain: ['domain'],
      api: ['api', 'domain', 'config', ''],
      flows: ['flows', 'domain', 'store', 'api'],
      store: ['store', 'domain', 'config'],
      config: ['config', 'domain'],
      // The doctor checks an org as Gatehouse would use it: through the API clients and the
      // configuration, never through chat, flows, the notifier or the store.
      doctor: ['doctor', 'api', 'domain', 'config', ''],
    };
    const breaches: string[] = [];
    for (const file of files) {
      const layer = relative(SRC, file).split('/')[0] ?? '';
      const allowed = may[layer];
      if (!allowed) continue;
      for (const specifier of staticImports(source(file))) {
        const target = layerOf(file, specifier);
        if (target === undefined || allowed.includes(target)) continue;
        breaches.push(`${rel(file)} imports ${specifier}`);
      }
      // Flows may know the governance port, not a vendor's client.
      if (layer === 'flows') {
        for (const specifier of staticImports(source(file)))
          if (layerOf(file, specifier) === 'api' && !specifier.endsWith('/governance.js'))
            breaches.push(`${rel(file)} imports ${specifier}`);
      }
    }
    expect(breaches).toEqual([]);
  });

  it('opens every folder with a README saying its job, and the root README names every folder', () => {
    const readme = source(join(ROOT, 'README.md'));
    const missing: string[] = [];
    for (const folder of folders) {
      if (folder === SRC) continue;
      const own = join(folder, 'README.md');
      let text = '';
      try {
        text = source(own);
      } catch {
        missing.push(`${rel(folder)}/README.md`);
        continue;
      }
      // A heading, then at least a sentence about the folder's job.
      expect(text.split('\n').filter((line) => line.trim() && !line.startsWith('#')).length, rel(own)).toBeGreaterThan(
        0,
      );
      if (!readme.includes(`${rel(folder)}/`)) missing.push(`README.md does not name ${rel(folder)}/`);
    }
    expect(missing).toEqual([]);
  });
});
