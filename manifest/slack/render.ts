/**
 * Pure functions behind `npm run manifest:slack`: validate PUBLIC_URL, fill it into the manifest template,
 * and format the result as YAML or JSON. No I/O here; scripts/slack-manifest.ts is the command line.
 */
import { z } from 'zod';
import {
  PUBLIC_URL_PLACEHOLDER,
  SLACK_BOT_SCOPES,
  SLACK_EVENTS_PATH,
  type SlackManifest,
  slackManifestTemplate,
} from './manifest.js';

export const PUBLIC_URL_MESSAGE =
  'PUBLIC_URL must be the https address Slack can reach, e.g. https://gatehouse.example.com';

export type PublicUrlResult = { ok: true; url: string; warning?: string } | { ok: false; error: string };

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

const publicUrlSchema = z
  .string({ error: 'it is not set' })
  .trim()
  .min(1, { error: 'it is not set', abort: true })
  .pipe(z.url({ error: 'it is not a URL' }))
  .transform((value, ctx) => {
    const url = new URL(value);
    const fail = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`${url.protocol} is not https`);
    if (!DNS_NAME.test(url.hostname) && !IPV6_LITERAL.test(url.hostname)) return fail('the host name is not valid');
    if (url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
      return fail('http is accepted only for localhost and 127.0.0.1');
    }
    if (url.username || url.password) return fail('it must not contain a user name or password');
    if (url.search || url.hash) return fail('it must not have a query or a fragment');
    return { url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, local: url.protocol === 'http:' };
  });

/**
 * Checks PUBLIC_URL: https, or http for localhost / 127.0.0.1 only (with a warning: Slack calls https only).
 * A trailing slash is dropped, so `${url}/slack/events` never has two.
 */
export function parsePublicUrl(raw: string | undefined): PublicUrlResult {
  const parsed = publicUrlSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message;
    return { ok: false, error: reason ? `${PUBLIC_URL_MESSAGE} (${reason})` : PUBLIC_URL_MESSAGE };
  }
  const { url, local } = parsed.data;
  if (!local) return { ok: true, url };
  return {
    ok: true,
    url,
    warning:
      `Warning: ${url} is plain http. Slack sends requests only to https addresses it can reach, ` +
      'so use this manifest for local experiments only.',
  };
}

export class PublicUrlError extends Error {
  override readonly name = 'PublicUrlError';
}

export type RenderOptions = { publicUrl: string; socketMode?: false } | { publicUrl?: string; socketMode: true };

/**
 * The manifest for one deployment. Over HTTP every URL is `${publicUrl}/slack/events`. With Socket Mode Slack
 * talks to Gatehouse over a WebSocket, so the manifest carries no request URLs and publicUrl is not needed.
 * Throws PublicUrlError when publicUrl is not acceptable (see parsePublicUrl).
 */
export function renderSlackManifest(options: RenderOptions): SlackManifest {
  const manifest = structuredClone(slackManifestTemplate);
  if (options.socketMode) {
    manifest.settings.socket_mode_enabled = true;
    for (const command of manifest.features.slash_commands) delete command.url;
    delete manifest.settings.event_subscriptions.request_url;
    delete manifest.settings.interactivity.request_url;
    delete manifest.settings.interactivity.message_menu_options_url;
    assertNoPlaceholder(manifest);
    return manifest;
  }
  const parsed = parsePublicUrl(options.publicUrl);
  if (!parsed.ok) throw new PublicUrlError(parsed.error);
  const filled = fillPlaceholder(manifest, parsed.url);
  assertNoPlaceholder(filled);
  return filled;
}

/** Every URL in a manifest, with its path in the manifest, e.g. `settings.interactivity.request_url`. */
export function manifestUrls(manifest: SlackManifest): { path: string; url: string }[] {
  const urls: { path: string; url: string }[] = [];
  walk(manifest, '', (path, value) => {
    if (/(^|\.)(url|request_url|message_menu_options_url)$/.test(path)) urls.push({ path, url: value });
  });
  return urls;
}

export type ManifestFormat = 'yaml' | 'json';

/** The text to paste into Slack: JSON, or YAML with a comment on top explaining each scope. */
export function formatSlackManifest(
  manifest: SlackManifest,
  format: ManifestFormat,
  options: { socketMode?: boolean } = {},
): string {
  if (format === 'json') return `${JSON.stringify(manifest, null, 2)}\n`;
  const intro = options.socketMode
    ? ['Slack app manifest for Gatehouse, Socket Mode (no request URLs; set SLACK_APP_TOKEN).']
    : [`Slack app manifest for Gatehouse at ${requestBase(manifest)}.`];
  return toYaml(manifest, [
    ...intro,
    'Paste it at https://api.slack.com/apps -> Create New App -> From an app manifest.',
    '',
    ...scopeComment(),
  ]);
}

/** The exact contents of manifest/slack/manifest.yaml: the template, placeholder and all. */
export function renderTemplateYaml(): string {
  return toYaml(slackManifestTemplate, [
    'Slack app manifest for Gatehouse (manifest v1): https://docs.slack.dev/reference/app-manifest',
    'GENERATED from manifest/slack/manifest.ts; do not edit by hand. Regenerate with:',
    '  npx tsx scripts/slack-manifest.ts --template --out manifest/slack/manifest.yaml',
    `${PUBLIC_URL_PLACEHOLDER} stands for the https address Slack reaches Gatehouse at. To get a manifest to paste:`,
    '  PUBLIC_URL=https://gatehouse.example.com npm run manifest:slack -- --out slack-manifest.yaml',
    '',
    ...scopeComment(),
  ]);
}

function scopeComment(): string[] {
  const width = Math.max(...SLACK_BOT_SCOPES.map((entry) => entry.scope.length));
  return [
    'Bot scopes, and which method needs each (views.open and views.publish need none):',
    ...SLACK_BOT_SCOPES.map((entry) => `  ${entry.scope.padEnd(width)}  ${entry.reason}`),
    'Events: app_home_opened, to draw the Home tab. Interactivity: buttons, the request form, and the',
    `catalog search (options load URL). All of it arrives on one route, ${SLACK_EVENTS_PATH}.`,
  ];
}

function requestBase(manifest: SlackManifest): string {
  const url = manifest.settings.event_subscriptions.request_url ?? '';
  return url.endsWith(SLACK_EVENTS_PATH) ? url.slice(0, -SLACK_EVENTS_PATH.length) : url;
}

function fillPlaceholder<T>(value: T, publicUrl: string): T {
  if (typeof value === 'string') return value.split(PUBLIC_URL_PLACEHOLDER).join(publicUrl) as T;
  if (Array.isArray(value)) return value.map((item) => fillPlaceholder(item, publicUrl)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillPlaceholder(item, publicUrl)])) as T;
  }
  return value;
}

function assertNoPlaceholder(manifest: SlackManifest): void {
  walk(manifest, '', (path, value) => {
    if (value.includes(PUBLIC_URL_PLACEHOLDER)) throw new Error(`${path} still holds ${PUBLIC_URL_PLACEHOLDER}`);
  });
}

function walk(value: unknown, path: string, visit: (path: string, value: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`, visit);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key, visit);
  }
}

// ---- A small YAML writer: enough for manifests (maps, lists, strings, numbers, booleans). ----

type Yaml = string | number | boolean | null | undefined | readonly Yaml[] | { readonly [key: string]: Yaml };

/** YAML text for a JSON-like value, with `comment` lines as `#` comments on top. Undefined keys are left out. */
export function toYaml(value: object, comment: readonly string[] = []): string {
  const header = comment.map((line) => (line ? `# ${line}` : '#'));
  return `${[...header, ...block(value as Yaml, 0)].join('\n')}\n`;
}

function block(value: Yaml, depth: number): string[] {
  const pad = '  '.repeat(depth);
  if (Array.isArray(value)) {
    return value.flatMap((item: Yaml) => {
      if (!isContainer(item) || isEmpty(item)) return [`${pad}- ${scalar(item)}`];
      const [first = '', ...rest] = block(item, depth + 1);
      return [`${pad}- ${first.trimStart()}`, ...rest];
    });
  }
  if (isContainer(value)) {
    return Object.entries(value as Record<string, Yaml>)
      .filter(([, item]) => item !== undefined)
      .flatMap(([key, item]) =>
        isContainer(item) && !isEmpty(item)
          ? [`${pad}${scalar(key)}:`, ...block(item, depth + 1)]
          : [`${pad}${scalar(key)}: ${scalar(item)}`],
      );
  }
  return [`${pad}${scalar(value)}`];
}

function isContainer(value: Yaml): value is readonly Yaml[] | { readonly [key: string]: Yaml } {
  return typeof value === 'object' && value !== null;
}

function isEmpty(value: Yaml): boolean {
  return Array.isArray(value) ? value.length === 0 : isContainer(value) && Object.keys(value).length === 0;
}

/** Plain when it is unmistakably a string in YAML 1.1 and 1.2, double-quoted (JSON escapes) otherwise. */
function scalar(value: Yaml): string {
  if (Array.isArray(value)) return '[]';
  if (isContainer(value)) return '{}';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`YAML: ${value} is not a finite number`);
    return String(value);
  }
  return isPlainSafe(value) ? value : JSON.stringify(value);
}

const PLAIN = /^[A-Za-z_/$][A-Za-z0-9 _./:,()'$@{}+-]*$/;
const RESERVED = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

function isPlainSafe(value: string): boolean {
  return (
    PLAIN.test(value) && !RESERVED.test(value) && !value.includes(': ') && !value.endsWith(':') && !value.endsWith(' ')
  );
}
