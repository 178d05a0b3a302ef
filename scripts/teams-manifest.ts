/**
 * Builds the Microsoft Teams app package for this deployment (`npm run manifest:teams`): manifest.json, color.png and
 * outline.png at the root of a zip, ready to upload to Teams.
 *
 *   MICROSOFT_APP_ID=<guid> PUBLIC_URL=https://gatehouse.example.com npm run manifest:teams
 *   npx tsx scripts/teams-manifest.ts --app-id <guid> --public-url https://gatehouse.example.com --out teams.zip
 *   npx tsx scripts/teams-manifest.ts --print        (manifest.json on stdout, no zip)
 *   npx tsx scripts/teams-manifest.ts --icons        (redraw manifest/teams/color.png and outline.png)
 *
 * The icons are read from manifest/teams/, so replacing those two files rebrands the package (same sizes required).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { renderIcons } from '../manifest/teams/icons.js';
import {
  buildTeamsAppPackage,
  formatTeamsManifest,
  iconProblems,
  messagingEndpoint,
  parseTeamsTarget,
  renderTeamsManifest,
  type TeamsIcons,
} from '../manifest/teams/render.js';

export const DEFAULT_PACKAGE = 'gatehouse-teams.zip';

/** Where the committed icons live, whatever the current directory. */
export const ICON_PATHS: Record<keyof TeamsIcons, string> = {
  'color.png': fileURLToPath(new URL('../manifest/teams/color.png', import.meta.url)),
  'outline.png': fileURLToPath(new URL('../manifest/teams/outline.png', import.meta.url)),
};

export const USAGE = `Usage: tsx scripts/teams-manifest.ts [--app-id <guid>] [--public-url <url>] [--out <file>]
       tsx scripts/teams-manifest.ts --print [--app-id <guid>] [--public-url <url>]
       tsx scripts/teams-manifest.ts --icons

  --app-id <guid>     the Azure Bot's Microsoft App ID (default: $MICROSOFT_APP_ID)
  --public-url <url>  the https address Gatehouse runs at (default: $PUBLIC_URL)
  --out <file>        where to write the app package (default: ${DEFAULT_PACKAGE})
  --print             print manifest.json on stdout instead of writing the package
  --icons             redraw manifest/teams/color.png and outline.png from manifest/teams/icons.ts
  --help              this text`;

export interface CliIo {
  stdout(text: string): void;
  stderr(line: string): void;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: string | Uint8Array): void;
}

type CliOptions = ReturnType<typeof parseCliOptions>;

function parseCliOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      'app-id': { type: 'string' },
      'public-url': { type: 'string' },
      out: { type: 'string' },
      print: { type: 'boolean' },
      icons: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

/** The whole command, minus process globals: returns the exit code (0 ok, 1 bad input or a failed write). */
export function runTeamsManifestCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): number {
  let values: CliOptions;
  try {
    values = parseCliOptions(argv);
  } catch (error) {
    io.stderr(`${message(error)}. Try --help.`);
    return 1;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }

  if (values.icons) {
    if (
      values.print ||
      values.out !== undefined ||
      values['app-id'] !== undefined ||
      values['public-url'] !== undefined
    ) {
      io.stderr('--icons only redraws the two icons: it takes no other option.');
      return 1;
    }
    const icons = renderIcons();
    for (const name of Object.keys(ICON_PATHS) as (keyof TeamsIcons)[]) {
      if (!write(io, ICON_PATHS[name], icons[name])) return 1;
      io.stderr(`Wrote ${ICON_PATHS[name]}`);
    }
    return 0;
  }
  if (values.print && values.out !== undefined) {
    io.stderr('--print writes manifest.json to stdout: leave out --out, or leave out --print to write the package.');
    return 1;
  }

  const parsed = parseTeamsTarget({
    appId: values['app-id'] ?? env.MICROSOFT_APP_ID,
    publicUrl: values['public-url'] ?? env.PUBLIC_URL,
  });
  if (!parsed.ok) {
    for (const line of parsed.errors) io.stderr(line);
    return 1;
  }
  for (const line of parsed.warnings) io.stderr(line);
  const manifest = renderTeamsManifest(parsed.target);

  if (values.print) {
    io.stdout(formatTeamsManifest(manifest));
    return 0;
  }

  const icons = {} as TeamsIcons;
  for (const name of Object.keys(ICON_PATHS) as (keyof TeamsIcons)[]) {
    try {
      icons[name] = io.readFile(ICON_PATHS[name]);
    } catch (error) {
      io.stderr(`Could not read ${ICON_PATHS[name]}: ${message(error)} (redraw it with --icons)`);
      return 1;
    }
  }
  const problems = iconProblems(icons);
  if (problems.length > 0) {
    for (const line of problems) io.stderr(`manifest/teams/${line}`);
    return 1;
  }

  const out = values.out ?? DEFAULT_PACKAGE;
  if (!write(io, out, buildTeamsAppPackage(manifest, icons))) return 1;
  io.stderr(`Wrote the Teams app package to ${out} (manifest.json, color.png, outline.png).`);
  io.stderr(`Messaging endpoint to set on the Azure Bot: ${messagingEndpoint(parsed.target)}`);
  return 0;
}

function write(io: CliIo, path: string, data: string | Uint8Array): boolean {
  try {
    io.writeFile(path, data);
    return true;
  } catch (error) {
    io.stderr(`Could not write ${path}: ${message(error)}`);
    return false;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (invokedDirectly) {
  process.exitCode = runTeamsManifestCli(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (line) => process.stderr.write(`${line}\n`),
    readFile: (path) => readFileSync(path),
    writeFile: (path, data) => writeFileSync(path, data),
  });
}
