/**
 * Pure functions behind `npm run manifest:teams`: check MICROSOFT_APP_ID and PUBLIC_URL, fill them into the manifest
 * template, check the result against the schema's limits, and zip the app package. No I/O here;
 * scripts/teams-manifest.ts is the command line.
 */
import { z } from 'zod';
import { readPngHeader } from './icons.js';
import {
  APP_ID_PLACEHOLDER,
  PUBLIC_HOST_PLACEHOLDER,
  PUBLIC_URL_PLACEHOLDER,
  TEAMS_ICON_SIZES,
  TEAMS_MANIFEST_LIMITS,
  TEAMS_MESSAGES_PATH,
  type TeamsManifest,
  teamsManifestTemplate,
} from './manifest.js';
import { createZip } from './zip.js';

export const APP_ID_MESSAGE =
  "MICROSOFT_APP_ID must be the Azure Bot's Microsoft App ID, a GUID like 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
export const TEAMS_PUBLIC_URL_MESSAGE =
  'PUBLIC_URL must be the https address Teams reaches Gatehouse at, e.g. https://gatehouse.example.com';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;
const NIL_GUID = '00000000-0000-0000-0000-000000000000';

const appIdSchema = z
  .string({ error: 'it is not set' })
  .trim()
  .min(1, { error: 'it is not set', abort: true })
  .pipe(z.guid({ error: 'it is not a GUID' }))
  .transform((value) => value.toLowerCase())
  .refine((value) => value !== NIL_GUID, { error: 'it is the all-zero GUID, a placeholder' });

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
    return {
      url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
      host: url.hostname,
      local: url.protocol === 'http:',
    };
  });

const inputsSchema = z.object({ appId: appIdSchema, publicUrl: publicUrlSchema });

/** A deployment's values, checked: the app id in lower case, PUBLIC_URL without a trailing slash, and its host. */
export interface TeamsTarget {
  appId: string;
  publicUrl: string;
  host: string;
}

export type TeamsTargetResult = { ok: true; target: TeamsTarget; warnings: string[] } | { ok: false; errors: string[] };

/**
 * Checks MICROSOFT_APP_ID (a GUID) and PUBLIC_URL (https, or http for localhost / 127.0.0.1 with a warning: Azure Bot
 * Service calls only https endpoints). Every problem is one line: the variable, what it must be, and why not.
 */
export function parseTeamsTarget(raw: {
  appId?: string | undefined;
  publicUrl?: string | undefined;
}): TeamsTargetResult {
  const parsed = inputsSchema.safeParse(raw);
  if (!parsed.success) {
    const errors: string[] = [];
    for (const [field, prefix] of [
      ['appId', APP_ID_MESSAGE],
      ['publicUrl', TEAMS_PUBLIC_URL_MESSAGE],
    ] as const) {
      const issue = parsed.error.issues.find((candidate) => candidate.path[0] === field);
      if (issue) errors.push(`${prefix} (${issue.message})`);
    }
    return { ok: false, errors: errors.length > 0 ? errors : [parsed.error.message] };
  }
  const { appId, publicUrl } = parsed.data;
  const warnings = publicUrl.local
    ? [
        `Warning: ${publicUrl.url} is plain http. Azure Bot Service sends Teams activities only to an https ` +
          'messaging endpoint, so use this package for local experiments only.',
      ]
    : [];
  return { ok: true, target: { appId, publicUrl: publicUrl.url, host: publicUrl.host }, warnings };
}

export class TeamsTargetError extends Error {
  override readonly name = 'TeamsTargetError';
}

/**
 * The manifest for one deployment: the app id in `id` and `bots[0].botId`, PUBLIC_URL in the developer links, its host
 * in validDomains. Throws TeamsTargetError when the values are not acceptable (see parseTeamsTarget), and Error when
 * the result breaks a schema limit (see teamsManifestProblems): a template edit gone wrong.
 */
export function renderTeamsManifest(raw: { appId: string; publicUrl: string }): TeamsManifest {
  const parsed = parseTeamsTarget(raw);
  if (!parsed.ok) throw new TeamsTargetError(parsed.errors.join('\n'));
  const { appId, publicUrl, host } = parsed.target;
  // fill builds new objects and arrays all the way down: the template is never changed.
  const manifest = fill(teamsManifestTemplate, [
    [APP_ID_PLACEHOLDER, appId],
    [PUBLIC_URL_PLACEHOLDER, publicUrl],
    [PUBLIC_HOST_PLACEHOLDER, host],
  ]);
  const problems = teamsManifestProblems(manifest);
  if (problems.length > 0) throw new Error(`The Teams manifest breaks the schema:\n${problems.join('\n')}`);
  return manifest;
}

/** The bot's messaging endpoint to set on the Azure Bot resource: PUBLIC_URL + /api/messages. */
export function messagingEndpoint(target: Pick<TeamsTarget, 'publicUrl'>): string {
  return `${target.publicUrl}${TEAMS_MESSAGES_PATH}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What in a rendered manifest Teams would refuse, one line each: placeholders left, ids that are not GUIDs, and the
 * length and count limits of TEAMS_MANIFEST_LIMITS. Empty when the manifest is fine.
 */
export function teamsManifestProblems(manifest: TeamsManifest): string[] {
  const limits = TEAMS_MANIFEST_LIMITS;
  const problems: string[] = [];
  const tooLong = (path: string, value: string, max: number) => {
    if (value.length > max) problems.push(`${path} is ${value.length} characters, more than ${max}`);
  };
  walk(manifest, '', (path, value) => {
    for (const placeholder of [APP_ID_PLACEHOLDER, PUBLIC_URL_PLACEHOLDER, PUBLIC_HOST_PLACEHOLDER]) {
      if (value.includes(placeholder)) problems.push(`${path} still holds ${placeholder}`);
    }
  });
  if (!GUID.test(manifest.id)) problems.push('id is not a GUID');
  tooLong('name.short', manifest.name.short, limits.nameShortMax);
  tooLong('name.full', manifest.name.full, limits.nameFullMax);
  if (manifest.name.short === manifest.name.full) problems.push('name.short and name.full must differ');
  tooLong('description.short', manifest.description.short, limits.descriptionShortMax);
  tooLong('description.full', manifest.description.full, limits.descriptionFullMax);
  if (manifest.description.full.includes(manifest.description.short)) {
    problems.push('description.full must not repeat description.short');
  }
  tooLong('developer.name', manifest.developer.name, limits.developerNameMax);
  for (const key of ['websiteUrl', 'privacyUrl', 'termsOfUseUrl'] as const) {
    const url = manifest.developer[key];
    tooLong(`developer.${key}`, url, limits.urlMax);
    if (!/^https?:\/\//.test(url)) problems.push(`developer.${key} must start with https:// (or http://)`);
  }
  if (!/^#[0-9a-fA-F]{6}$/.test(manifest.accentColor)) problems.push('accentColor must be #RRGGBB');
  if (manifest.bots.length !== 1) problems.push('an app has exactly one bot here');
  for (const [b, bot] of manifest.bots.entries()) {
    if (!GUID.test(bot.botId)) problems.push(`bots[${b}].botId is not a GUID`);
    if (bot.commandLists.length > limits.commandListsMax) {
      problems.push(`bots[${b}].commandLists has more than ${limits.commandListsMax} lists`);
    }
    for (const [l, list] of bot.commandLists.entries()) {
      if (list.commands.length > limits.commandsMax) {
        problems.push(`bots[${b}].commandLists[${l}] has more than ${limits.commandsMax} commands`);
      }
      for (const [c, command] of list.commands.entries()) {
        const path = `bots[${b}].commandLists[${l}].commands[${c}]`;
        tooLong(`${path}.title`, command.title, limits.commandTitleMax);
        tooLong(`${path}.description`, command.description, limits.commandDescriptionMax);
      }
    }
  }
  if (manifest.validDomains.length > limits.validDomainsMax) {
    problems.push(`validDomains has more than ${limits.validDomainsMax} entries`);
  }
  for (const [d, domain] of manifest.validDomains.entries()) {
    if (!DNS_NAME.test(domain) && !IPV6_LITERAL.test(domain)) {
      problems.push(`validDomains[${d}] must be a host name, without scheme, port or path`);
    }
  }
  return problems;
}

/** manifest.json as it goes into the package. */
export function formatTeamsManifest(manifest: TeamsManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export type TeamsIcons = Record<keyof typeof TEAMS_ICON_SIZES, Uint8Array>;

/** One line per icon that is not a PNG of the size Teams requires. */
export function iconProblems(icons: TeamsIcons): string[] {
  const problems: string[] = [];
  for (const [name, size] of Object.entries(TEAMS_ICON_SIZES) as [keyof TeamsIcons, number][]) {
    const header = readPngHeader(icons[name]);
    if (!header) problems.push(`${name} is not a PNG file`);
    else if (header.width !== size || header.height !== size) {
      problems.push(`${name} must be ${size}×${size} pixels (it is ${header.width}×${header.height})`);
    }
  }
  return problems;
}

/** The app package: manifest.json, color.png and outline.png at the root of a zip. Throws on a bad icon. */
export function buildTeamsAppPackage(manifest: TeamsManifest, icons: TeamsIcons): Buffer {
  const problems = iconProblems(icons);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return createZip([
    { name: 'manifest.json', data: Buffer.from(formatTeamsManifest(manifest), 'utf8') },
    { name: 'color.png', data: icons['color.png'] },
    { name: 'outline.png', data: icons['outline.png'] },
  ]);
}

function fill<T>(value: T, replacements: readonly (readonly [string, string])[]): T {
  if (typeof value === 'string') {
    return replacements.reduce<string>(
      (text, [placeholder, actual]) => text.split(placeholder).join(actual),
      value,
    ) as T;
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, replacements)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, replacements)])) as T;
  }
  return value;
}

function walk(value: unknown, path: string, visit: (path: string, value: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, `${path}[${index}]`, visit);
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) walk(item, path ? `${path}.${key}` : key, visit);
  }
}
