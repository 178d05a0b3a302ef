import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Reads the go-vcr cassettes Okta's Go SDK recorded against a real preview org
 * (test/fixtures/okta-cassettes, see PROVENANCE.md there), so tests can replay real answers.
 */

export const CASSETTE_DIR = fileURLToPath(new URL('../fixtures/okta-cassettes/', import.meta.url));

/** One recorded call and Okta's answer to it. */
export interface RecordedInteraction {
  /** The cassette's path under the fixtures folder, without `.yaml` ("requests/list_all_requests_v2"). */
  cassette: string;
  /** The interaction's index in its cassette. */
  id: number;
  method: string;
  /** The URL the SDK called (its host is the org the recording was made against). */
  url: URL;
  status: number;
  /** Response headers, names lower-cased, each with every value recorded (Link has several). */
  headers: Record<string, string[]>;
  /** The response body exactly as recorded. */
  body: string;
}

// Only the fields read here: a cassette that lacks them is a broken copy and should fail loudly.
const cassetteSchema = z.object({
  version: z.literal(2),
  interactions: z.array(
    z.object({
      id: z.number(),
      request: z.object({ url: z.string(), method: z.string() }),
      response: z.object({
        code: z.number(),
        headers: z.record(z.string(), z.array(z.string())).default({}),
        body: z.string().default(''),
      }),
    }),
  ),
});

/** Every interaction of one cassette, e.g. `loadCassette('requests/list_all_requests_v2')`. */
export function loadCassette(name: string): RecordedInteraction[] {
  const text = readFileSync(join(CASSETTE_DIR, `${name}.yaml`), 'utf8');
  const cassette = cassetteSchema.parse(parse(text));
  return cassette.interactions.map((interaction) => ({
    cassette: name,
    id: interaction.id,
    method: interaction.request.method,
    url: new URL(interaction.request.url),
    status: interaction.response.code,
    headers: Object.fromEntries(
      Object.entries(interaction.response.headers).map(([header, values]) => [header.toLowerCase(), values]),
    ),
    body: interaction.response.body,
  }));
}

/** Every interaction of every cassette, in a stable order (by cassette name, then id). */
export function loadAllCassettes(): RecordedInteraction[] {
  return cassetteNames().flatMap(loadCassette);
}

export function cassetteNames(): string[] {
  return readdirSync(CASSETTE_DIR, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .map((file) =>
      relative(CASSETTE_DIR, join(CASSETTE_DIR, file))
        .replace(/\\/g, '/')
        .replace(/\.yaml$/, ''),
    )
    .sort();
}

/** A response header's first recorded value. */
export function header(interaction: RecordedInteraction, name: string): string | undefined {
  return interaction.headers[name.toLowerCase()]?.[0];
}

/** The recorded body as JSON. */
export function jsonOf(interaction: RecordedInteraction): unknown {
  return JSON.parse(interaction.body);
}
