import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `engines` says which Node versions Gatehouse runs on; it is only true if every installed package
 * runs on each of them. A dependency that asks for more (cookie@2 wanted Node 22 while we said
 * 20.19) is either pinned to a release that runs on ours (package.json `overrides`) or raises ours.
 */
const ROOT = resolve(import.meta.dirname, '..');
const read = (path: string) => JSON.parse(readFileSync(resolve(ROOT, path), 'utf8'));
const ours: string = read('package.json').engines.node;

describe('the Node versions package.json promises', () => {
  it('are accepted by every package the lock file installs', () => {
    const packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> =
      read('package-lock.json').packages;
    const refusing = Object.entries(packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, info]) => {
        const wanted = Array.isArray(info.engines) ? undefined : info.engines?.node;
        return wanted && !semver.subset(ours, wanted) ? [`${path}@${info.version} wants node ${wanted}`] : [];
      });
    expect(refusing).toEqual([]);
  });

  it('are the same for the sandbox package, and include the Node running the tests', () => {
    expect(read('packages/sandbox/package.json').engines.node).toBe(ours);
    expect(semver.satisfies(process.versions.node, ours)).toBe(true);
  });
});
