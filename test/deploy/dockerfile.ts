import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The repository's Dockerfile and .dockerignore read the way `docker build` reads them, for the
 * tests in this folder: no image can be built on this machine, so they check and replay its steps.
 */

export const ROOT = resolve(import.meta.dirname, '../..');

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY… */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  args: string;
}

export interface Stage {
  name: string | undefined;
  /** The image as written, before ARG substitution. */
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  args: Record<string, string>;
  stages: Stage[];
}

export function readDockerfile(path = join(ROOT, 'Dockerfile')): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    // Comments, also those between the lines of a continued instruction, which Docker drops too.
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += continued ? `${line.replace(/\\\s*$/, '')} ` : line;
    if (!continued) {
      if (pending.trim()) logical.push(pending.trim());
      pending = '';
    }
  }
  const dockerfile: Dockerfile = { args: {}, stages: [] };
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      dockerfile.stages.push({ name, from, instructions: [] });
    } else if (dockerfile.stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name = '', value = ''] = instruction.args.split('=');
        dockerfile.args[name] = value;
      }
    } else {
      dockerfile.stages.at(-1)?.instructions.push(instruction);
    }
  }
  return dockerfile;
}

/** The instructions of one kind in a stage. */
export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** The one instruction of a kind (the last wins, as Docker has it), or undefined. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return all(stage, keyword).at(-1);
}

/** An exec-form argument list (`["node", "dist/main.js"]`), or undefined for the shell form. */
export function execForm(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  return JSON.parse(text) as string[];
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function parseCopy(instruction: Instruction): Copy {
  const words = execForm(instruction.args) ?? instruction.args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith('--'));
  const paths = words.filter((word) => !word.startsWith('--'));
  const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
  return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
}

/** `ENV A=1 B=2`: the pairs it sets. */
export function parseEnv(instruction: Instruction): Record<string, string> {
  return Object.fromEntries(
    [...instruction.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map(([, name = '', value = '']) => [
      name,
      value.replace(/^"|"$/g, ''),
    ]),
  );
}

/** HEALTHCHECK's options (`--interval=30s`…) and its command. */
export function parseHealthcheck(instruction: Instruction): { options: Record<string, string>; command: string[] } {
  const at = instruction.args.indexOf('CMD');
  const options = Object.fromEntries(
    [...instruction.args.slice(0, at).matchAll(/--([\w-]+)=(\S+)/g)].map(([, name = '', value = '']) => [name, value]),
  );
  const command = execForm(instruction.args.slice(at + 'CMD'.length).trim());
  if (!command) throw new Error('HEALTHCHECK uses the shell form; the image has a shell, but keep it exec form');
  return { options, command };
}

/**
 * Whether `docker build` would send `path` (relative to the context) with this .dockerignore:
 * the last pattern matching the path or one of its parent folders decides, `!` re-includes.
 */
export function dockerignoreKeeps(path: string, ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')): boolean {
  const patterns = ignore
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let kept = true;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = pattern.replace(/^!/, '').replace(/^\/+|\/+$/g, '');
    const matcher = new RegExp(
      `^${glob
        .split('**')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('.*')
        .replace(/\.\*\//g, '(.*/)?')}$`,
    );
    if (prefixes.some((prefix) => matcher.test(prefix))) kept = negated;
  }
  return kept;
}
