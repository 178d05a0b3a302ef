/**
 * Prints the Slack app manifest for this deployment (`npm run manifest:slack`).
 *
 *   PUBLIC_URL=https://gatehouse.example.com npm run manifest:slack -- --out slack-manifest.yaml
 *   npx tsx scripts/slack-manifest.ts --public-url https://gatehouse.example.com --json
 *   npx tsx scripts/slack-manifest.ts --socket-mode
 *   npx tsx scripts/slack-manifest.ts --template --out manifest/slack/manifest.yaml   (regenerate the template)
 *
 * Note: `npm run` prints its own "> gatehouse@… manifest:slack" lines on stdout, so redirect with
 * `npm run --silent manifest:slack > file` or use --out.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  formatSlackManifest,
  type ManifestFormat,
  parsePublicUrl,
  renderSlackManifest,
  renderTemplateYaml,
} from '../manifest/slack/render.js';

export const USAGE = `Usage: tsx scripts/slack-manifest.ts [--public-url <url>] [--socket-mode] [--json] [--out <file>]
       tsx scripts/slack-manifest.ts --template [--out <file>]

  --public-url <url>  the https address Slack reaches Gatehouse at (default: $PUBLIC_URL)
  --socket-mode       Socket Mode: no request URLs, PUBLIC_URL not needed (set SLACK_APP_TOKEN)
  --json              print JSON instead of YAML (Slack accepts both)
  --out <file>        write to <file> instead of stdout
  --template          print manifest/slack/manifest.yaml as generated from manifest/slack/manifest.ts
  --help              this text`;

export interface CliIo {
  stdout(text: string): void;
  stderr(line: string): void;
  writeFile(path: string, text: string): void;
}

type CliOptions = ReturnType<typeof parseCliOptions>;

function parseCliOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      'public-url': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      'socket-mode': { type: 'boolean' },
      template: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

/** The whole command, minus process globals: returns the exit code (0 ok, 1 bad input). */
export function runSlackManifestCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): number {
  let values: CliOptions;
  try {
    values = parseCliOptions(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}. Try --help.`);
    return 1;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }

  let text: string;
  if (values.template) {
    if (values['socket-mode'] || values['public-url'] !== undefined || values.json) {
      io.stderr('--template prints the YAML template as it is: it takes no --public-url, --socket-mode or --json.');
      return 1;
    }
    text = renderTemplateYaml();
  } else {
    const format: ManifestFormat = values.json ? 'json' : 'yaml';
    if (values['socket-mode']) {
      text = formatSlackManifest(renderSlackManifest({ socketMode: true }), format, { socketMode: true });
    } else {
      const publicUrl = parsePublicUrl(values['public-url'] ?? env.PUBLIC_URL);
      if (!publicUrl.ok) {
        io.stderr(publicUrl.error);
        return 1;
      }
      if (publicUrl.warning) io.stderr(publicUrl.warning);
      text = formatSlackManifest(renderSlackManifest({ publicUrl: publicUrl.url }), format);
    }
  }

  if (values.out === undefined) {
    io.stdout(text);
    return 0;
  }
  try {
    io.writeFile(values.out, text);
  } catch (error) {
    io.stderr(`Could not write ${values.out}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  io.stderr(`Wrote the Slack app manifest to ${values.out}`);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (invokedDirectly) {
  process.exitCode = runSlackManifestCli(process.argv.slice(2), process.env, {
    stdout: (text) => process.stdout.write(text),
    stderr: (line) => process.stderr.write(`${line}\n`),
    writeFile: (path, text) => writeFileSync(path, text),
  });
}
