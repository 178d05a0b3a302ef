import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  drawColorIcon,
  drawOutlineIcon,
  encodePng,
  ICON_BACKGROUND,
  type Raster,
  readPngHeader,
  renderIcons,
} from '../../manifest/teams/icons.js';
import {
  APP_ID_PLACEHOLDER,
  PUBLIC_HOST_PLACEHOLDER,
  PUBLIC_URL_PLACEHOLDER,
  TEAMS_BOT_COMMANDS,
  TEAMS_ICON_SIZES,
  TEAMS_MANIFEST_LIMITS,
  TEAMS_MANIFEST_SCHEMA,
  TEAMS_MANIFEST_VERSION,
  TEAMS_PACKAGE_FILES,
  type TeamsManifest,
  teamsManifestTemplate,
} from '../../manifest/teams/manifest.js';
import {
  APP_ID_MESSAGE,
  buildTeamsAppPackage,
  formatTeamsManifest,
  iconProblems,
  messagingEndpoint,
  parseTeamsTarget,
  renderTeamsManifest,
  TEAMS_PUBLIC_URL_MESSAGE,
  TeamsTargetError,
  teamsManifestProblems,
} from '../../manifest/teams/render.js';
import { createZip, ZIP_DEFLATED, ZIP_STORED } from '../../manifest/teams/zip.js';
import { DEFAULT_PACKAGE, ICON_PATHS, runTeamsManifestCli } from '../../scripts/teams-manifest.js';
import { type ChatCommand, helpLines, parseCommand } from '../../src/flows/grammar.js';

const APP_ID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const PUBLIC_URL = 'https://gatehouse.example.com';
const HOST = 'gatehouse.example.com';

// ---- Independent readers: a CRC-32, a ZIP reader and a PNG decoder that share no code with what they check. ----

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO-HDLC, the one ZIP and PNG use), written out by hand. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

interface ReadEntry {
  name: string;
  method: number;
  crc: number;
  data: Buffer;
}

/** Reads a ZIP back, checking that each local header agrees with the central directory and every CRC and size. */
function readZip(zip: Buffer): ReadEntry[] {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0 || endAt + 22 > zip.length) throw new Error('no end of central directory record');
  const count = zip.readUInt16LE(endAt + 10);
  expect(zip.readUInt16LE(endAt + 8)).toBe(count);
  const directorySize = zip.readUInt32LE(endAt + 12);
  const directoryAt = zip.readUInt32LE(endAt + 16);
  expect(directoryAt + directorySize).toBe(endAt);
  expect(zip.readUInt16LE(endAt + 20)).toBe(0);
  expect(endAt + 22).toBe(zip.length);
  const entries: ReadEntry[] = [];
  let at = directoryAt;
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    expect(zip.readUInt32LE(localAt)).toBe(0x04034b50);
    expect(zip.readUInt16LE(localAt + 6) & 0x0008).toBe(0); // no data descriptor: sizes are in the header
    expect(zip.readUInt16LE(localAt + 8)).toBe(method);
    expect(zip.readUInt32LE(localAt + 14)).toBe(crc);
    expect(zip.readUInt32LE(localAt + 18)).toBe(compressedSize);
    expect(zip.readUInt32LE(localAt + 22)).toBe(size);
    const localNameLength = zip.readUInt16LE(localAt + 26);
    const localExtraLength = zip.readUInt16LE(localAt + 28);
    expect(zip.toString('utf8', localAt + 30, localAt + 30 + localNameLength)).toBe(name);
    const bodyAt = localAt + 30 + localNameLength + localExtraLength;
    const body = zip.subarray(bodyAt, bodyAt + compressedSize);
    if (method !== ZIP_STORED && method !== ZIP_DEFLATED) throw new Error(`${name}: method ${method}`);
    const data = method === ZIP_DEFLATED ? inflateRawSync(body) : Buffer.from(body);
    expect(data.length, `${name} size`).toBe(size);
    expect(crc32(data), `${name} CRC`).toBe(crc);
    entries.push({ name, method, crc, data });
  }
  expect(at).toBe(endAt);
  return entries;
}

/** Decodes an 8-bit RGBA, non-interlaced PNG, checking the signature and every chunk's CRC. */
function decodePng(file: Uint8Array): Raster & { chunks: string[] } {
  const png = Buffer.from(file);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `${type} CRC`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]); // 8-bit RGBA, deflate, filter 0, no interlace
    } else if (type === 'IDAT') idat.push(Buffer.from(data));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  expect(raw.length).toBe((stride + 1) * height);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    if (filter !== 0) throw new Error(`row ${y}: filter ${filter} (this decoder reads filter 0 only)`);
    rgba.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, rgba, chunks };
}

function pixel(image: Raster, x: number, y: number): number[] {
  const at = (y * image.width + x) * 4;
  return [...image.rgba.subarray(at, at + 4)];
}

describe('hand-written CRC-32 used by these tests', () => {
  it('gives the check value of CRC-32/ISO-HDLC', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
  });
});

// ---- The manifest ----

describe('Teams manifest for a deployment', () => {
  const manifest = renderTeamsManifest({ appId: APP_ID, publicUrl: PUBLIC_URL });

  it('carries the app id as the bot id and as the app id, and no placeholder', () => {
    expect(manifest.bots).toHaveLength(1);
    expect(manifest.bots[0]?.botId).toBe(APP_ID);
    expect(manifest.id).toBe(APP_ID);
    const text = formatTeamsManifest(manifest);
    for (const placeholder of [APP_ID_PLACEHOLDER, PUBLIC_URL_PLACEHOLDER, PUBLIC_HOST_PLACEHOLDER]) {
      expect(text).not.toContain(placeholder);
    }
    expect(text).not.toContain('${');
    expect(JSON.parse(text)).toEqual(manifest);
  });

  it("lists PUBLIC_URL's host in validDomains and links the developer pages under PUBLIC_URL", () => {
    expect(manifest.validDomains).toEqual([HOST]);
    expect(manifest.developer).toEqual({
      name: 'Gatehouse',
      websiteUrl: PUBLIC_URL,
      privacyUrl: `${PUBLIC_URL}/privacy`,
      termsOfUseUrl: `${PUBLIC_URL}/terms`,
    });
    expect(messagingEndpoint({ publicUrl: PUBLIC_URL })).toBe(`${PUBLIC_URL}/api/messages`);
  });

  it('uses the schema it names, with the fields an app package needs', () => {
    expect(manifest.$schema).toBe(TEAMS_MANIFEST_SCHEMA);
    expect(manifest.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
    expect(manifest.manifestVersion).toBe(TEAMS_MANIFEST_VERSION);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
    expect(Object.keys(TEAMS_ICON_SIZES).sort()).toEqual([manifest.icons.color, manifest.icons.outline].sort());
    expect(manifest.accentColor).toMatch(/^#[0-9A-Fa-f]{6}$/);
    expect(manifest.permissions).toEqual(['identity', 'messageTeamMembers']);
    expect(manifest).not.toHaveProperty('webApplicationInfo');
  });

  it('installs the bot in personal scope (proactive DMs), in teams and in group chats, as a conversational bot', () => {
    const bot = manifest.bots[0];
    expect(bot?.scopes).toEqual(['personal', 'team', 'groupChat']);
    expect(bot?.scopes).toContain('personal');
    expect(bot?.isNotificationOnly).toBe(false);
    expect(bot?.supportsFiles).toBe(false);
    expect(bot?.commandLists.map((list) => list.scopes)).toEqual([['personal']]);
  });

  it('offers the chat grammar as commands: request, status, mine, my access, pending, delegate, help', () => {
    const commands = manifest.bots[0]?.commandLists[0]?.commands ?? [];
    expect(commands.map((command) => command.title)).toEqual([
      'request',
      'status',
      'mine',
      'my access',
      'pending',
      'delegate',
      'help',
    ]);
    // Each title, typed as it is, is that command in src/flows/grammar.ts (a bare "request" opens the form).
    const kinds: Record<string, ChatCommand['kind']> = {
      request: 'form',
      status: 'status',
      mine: 'mine',
      'my access': 'access',
      pending: 'pending',
      // Bare, it shows who stands in for the person and how to appoint someone.
      delegate: 'delegate-show',
      help: 'help',
    };
    for (const command of commands) expect(parseCommand(command.title).kind).toBe(kinds[command.title]);
    // And the help text lists each of them, in the same order (it also tells of `cancel <id or
    // app>`, which needs what to cancel, so it is no menu command).
    const help = helpLines('@Gatehouse');
    const at = commands.map((c) => help.findIndex((line) => line.startsWith(`@Gatehouse ${c.title}`)));
    expect(at).not.toContain(-1);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(commands).toEqual([...TEAMS_BOT_COMMANDS]);
  });

  it('keeps within the limits of the manifest schema', () => {
    const limits = TEAMS_MANIFEST_LIMITS;
    // The numbers, as read in the Microsoft 365 app manifest reference (root.name, root.description,
    // root.developer, root.bots.commandLists.commands in its oldest and strictest form).
    expect(limits).toMatchObject({
      nameShortMax: 30,
      nameFullMax: 100,
      descriptionShortMax: 80,
      descriptionFullMax: 4000,
      developerNameMax: 32,
      commandTitleMax: 32,
      commandDescriptionMax: 128,
      commandListsMax: 3,
      commandsMax: 10,
    });
    expect(manifest.name.short.length).toBeLessThanOrEqual(limits.nameShortMax);
    expect(manifest.name.full.length).toBeLessThanOrEqual(limits.nameFullMax);
    expect(manifest.name.full).not.toBe(manifest.name.short);
    expect(manifest.description.short.length).toBeLessThanOrEqual(limits.descriptionShortMax);
    expect(manifest.description.full.length).toBeLessThanOrEqual(limits.descriptionFullMax);
    expect(manifest.description.full).not.toContain(manifest.description.short);
    expect(manifest.description.full).toMatch(/Okta Identity Governance or PingOne Advanced Identity Cloud/);
    expect(manifest.developer.name.length).toBeLessThanOrEqual(limits.developerNameMax);
    const bot = manifest.bots[0];
    expect(bot?.commandLists.length).toBeLessThanOrEqual(limits.commandListsMax);
    for (const list of bot?.commandLists ?? []) {
      expect(list.commands.length).toBeLessThanOrEqual(limits.commandsMax);
      for (const command of list.commands) {
        expect(command.title.length).toBeLessThanOrEqual(limits.commandTitleMax);
        expect(command.description.length).toBeLessThanOrEqual(limits.commandDescriptionMax);
        expect(command.description.length).toBeGreaterThan(0);
      }
    }
    expect(teamsManifestProblems(manifest)).toEqual([]);
  });

  it('does not change the template it renders from', () => {
    const before = JSON.stringify(teamsManifestTemplate);
    renderTeamsManifest({ appId: APP_ID, publicUrl: 'http://localhost:3978' });
    expect(JSON.stringify(teamsManifestTemplate)).toBe(before);
    expect(JSON.stringify(teamsManifestTemplate)).toContain(APP_ID_PLACEHOLDER);
  });
});

describe('teamsManifestProblems', () => {
  const good = renderTeamsManifest({ appId: APP_ID, publicUrl: PUBLIC_URL });

  it('names every broken limit, placeholder and id, one line each', () => {
    const bad: TeamsManifest = structuredClone(good);
    bad.name.short = 'Gatehouse, the access request bot';
    bad.description.full = `Intro. ${bad.description.short}`;
    bad.developer.privacyUrl = `${PUBLIC_URL_PLACEHOLDER}/privacy`;
    bad.id = 'not-a-guid';
    bad.accentColor = 'navy';
    bad.validDomains = ['https://gatehouse.example.com'];
    const command = bad.bots[0]?.commandLists[0]?.commands[0];
    if (command) command.title = 'request-access-to-something-long';
    if (command) command.description = 'x'.repeat(129);
    expect(teamsManifestProblems(bad)).toEqual([
      `developer.privacyUrl still holds ${PUBLIC_URL_PLACEHOLDER}`,
      'id is not a GUID',
      'name.short is 33 characters, more than 30',
      'description.full must not repeat description.short',
      'developer.privacyUrl must start with https:// (or http://)',
      'accentColor must be #RRGGBB',
      'bots[0].commandLists[0].commands[0].description is 129 characters, more than 128',
      'validDomains[0] must be a host name, without scheme, port or path',
    ]);
    // A 32-character title is still fine: the limit is inclusive.
    expect(command?.title).toHaveLength(32);
  });
});

describe('MICROSOFT_APP_ID and PUBLIC_URL checks', () => {
  it.each([
    [undefined, 'it is not set'],
    ['  ', 'it is not set'],
    ['gatehouse', 'it is not a GUID'],
    ['0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d', 'it is not a GUID'],
    ['{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}', 'it is not a GUID'],
    ['00000000-0000-0000-0000-000000000000', 'it is the all-zero GUID, a placeholder'],
  ])('refuses the app id %j (%s)', (appId, reason) => {
    expect(parseTeamsTarget({ appId, publicUrl: PUBLIC_URL })).toEqual({
      ok: false,
      errors: [`${APP_ID_MESSAGE} (${reason})`],
    });
  });

  it.each([
    [undefined, 'it is not set'],
    ['gatehouse.example.com', 'it is not a URL'],
    ['ftp://x', 'ftp: is not https'],
    ['http://gatehouse.example.com', 'http is accepted only for localhost and 127.0.0.1'],
    ['https://user:secret@gatehouse.example.com', 'it must not contain a user name or password'],
    ['https://gatehouse.example.com/?a=1', 'it must not have a query or a fragment'],
    [`https://${PUBLIC_HOST_PLACEHOLDER}`, 'the host name is not valid'],
  ])('refuses PUBLIC_URL %j (%s)', (publicUrl, reason) => {
    expect(parseTeamsTarget({ appId: APP_ID, publicUrl })).toEqual({
      ok: false,
      errors: [`${TEAMS_PUBLIC_URL_MESSAGE} (${reason})`],
    });
  });

  it('reports both problems at once, one line each, and never echoes a password', () => {
    const result = parseTeamsTarget({ appId: 'nope', publicUrl: 'https://user:secret@gatehouse.example.com' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toHaveLength(2);
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('normalises: lower-case GUID, no trailing slash, host without port', () => {
    expect(
      parseTeamsTarget({ appId: ` ${APP_ID.toUpperCase()} `, publicUrl: ' https://Gatehouse.Example.com:8443/gh/ ' }),
    ).toEqual({
      ok: true,
      target: { appId: APP_ID, publicUrl: 'https://gatehouse.example.com:8443/gh', host: HOST },
      warnings: [],
    });
  });

  it('accepts http for localhost with a warning', () => {
    const result = parseTeamsTarget({ appId: APP_ID, publicUrl: 'http://localhost:3978' });
    expect(result).toMatchObject({ ok: true, target: { publicUrl: 'http://localhost:3978', host: 'localhost' } });
    expect(result.ok && result.warnings).toEqual([expect.stringMatching(/^Warning: http:\/\/localhost:3978 is plain/)]);
  });

  it('makes renderTeamsManifest throw rather than build a manifest Teams cannot use', () => {
    expect(() => renderTeamsManifest({ appId: 'x', publicUrl: PUBLIC_URL })).toThrow(TeamsTargetError);
  });
});

// ---- The icons ----

describe('manifest/teams icons', () => {
  const onDisk = {
    'color.png': readFileSync(new URL('../../manifest/teams/color.png', import.meta.url)),
    'outline.png': readFileSync(new URL('../../manifest/teams/outline.png', import.meta.url)),
  };

  it('are exactly what manifest/teams/icons.ts draws (run `npx tsx scripts/teams-manifest.ts --icons` if not)', () => {
    // Compared pixel by pixel rather than byte by byte: another zlib may deflate the same pixels differently.
    expect(decodePng(onDisk['color.png']).rgba).toEqual(drawColorIcon().rgba);
    expect(decodePng(onDisk['outline.png']).rgba).toEqual(drawOutlineIcon().rgba);
    const generated = renderIcons();
    expect(decodePng(generated['color.png']).rgba).toEqual(drawColorIcon().rgba);
    expect(decodePng(generated['outline.png']).rgba).toEqual(drawOutlineIcon().rgba);
  });

  it('have the sizes Teams requires, read from their IHDR', () => {
    expect(readPngHeader(onDisk['color.png'])).toEqual({ width: 192, height: 192, bitDepth: 8, colorType: 6 });
    expect(readPngHeader(onDisk['outline.png'])).toEqual({ width: 32, height: 32, bitDepth: 8, colorType: 6 });
    for (const [name, bytes] of Object.entries(onDisk)) {
      expect(decodePng(bytes).chunks, name).toEqual(['IHDR', 'IDAT', 'IEND']);
    }
    expect(iconProblems(onDisk)).toEqual([]);
  });

  it('outline.png: only white pixels, each fully opaque or fully transparent, and some of each', () => {
    const outline = decodePng(onDisk['outline.png']);
    const alphas = new Set<number>();
    for (let at = 0; at < outline.rgba.length; at += 4) {
      expect([...outline.rgba.subarray(at, at + 3)]).toEqual([255, 255, 255]);
      alphas.add(outline.rgba[at + 3] ?? -1);
    }
    expect([...alphas].sort((a, b) => a - b)).toEqual([0, 255]);
    // No padding: the key reaches the left and right edges.
    const column = (x: number) => Array.from({ length: 32 }, (_, y) => pixel(outline, x, y)[3]);
    expect(column(0)).toContain(255);
    expect(column(31)).toContain(255);
  });

  it('color.png: opaque, a solid accent-colour square, the symbol inside the middle 96×96', () => {
    const color = decodePng(onDisk['color.png']);
    const background = [...ICON_BACKGROUND, 255];
    let ink = 0;
    for (let y = 0; y < 192; y++) {
      for (let x = 0; x < 192; x++) {
        const value = pixel(color, x, y);
        expect(value[3]).toBe(255);
        const inSymbol = x >= 48 && x < 144 && y >= 48 && y < 144;
        if (!inSymbol) expect(value).toEqual(background);
        else if (value.join() !== background.join()) ink++;
      }
    }
    expect(ink).toBeGreaterThan(500);
  });

  it('encodePng refuses a raster whose size and data disagree', () => {
    expect(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(4) })).toThrow(/16 bytes/);
    expect(readPngHeader(Buffer.from('not a png'))).toBeUndefined();
  });
});

// ---- The ZIP writer ----

describe('createZip', () => {
  it('writes entries any reader gets back byte for byte, deflating only what shrinks', () => {
    const text = Buffer.from('Gatehouse '.repeat(200));
    let seed = 0x2545f491;
    const noise = Buffer.from(
      Array.from({ length: 512 }, () => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return seed & 0xff;
      }),
    );
    const zip = createZip([
      { name: 'manifest.json', data: text },
      { name: 'noise.bin', data: noise },
      { name: 'empty.txt', data: new Uint8Array(0) },
      { name: 'dir/naïve.txt', data: Buffer.from('ünïcode') },
    ]);
    const entries = readZip(zip);
    expect(entries.map((entry) => entry.name)).toEqual(['manifest.json', 'noise.bin', 'empty.txt', 'dir/naïve.txt']);
    expect(entries[0]).toMatchObject({ method: ZIP_DEFLATED, data: text });
    expect(entries[1]).toMatchObject({ method: ZIP_STORED, data: noise });
    expect(entries[2]?.data.length).toBe(0);
    expect(entries[3]?.data.toString('utf8')).toBe('ünïcode');
    expect(createZip([{ name: 'manifest.json', data: text }])).toEqual(
      createZip([{ name: 'manifest.json', data: text }]),
    );
  });

  it('refuses names that would escape the root, and duplicates', () => {
    const data = new Uint8Array(1);
    for (const name of ['', '/etc/passwd', '../x', 'a/../b', 'a\\b', 'a//b', './a']) {
      expect(() => createZip([{ name, data }]), name).toThrow(/not a valid entry name/);
    }
    expect(() =>
      createZip([
        { name: 'a', data },
        { name: 'a', data },
      ]),
    ).toThrow(/twice/);
  });

  const unzip = (() => {
    try {
      execFileSync('unzip', ['-v'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!unzip)('makes archives that Info-ZIP unzip tests clean (skipped where unzip is missing)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-zip-'));
    try {
      const path = join(dir, 'package.zip');
      const manifest = renderTeamsManifest({ appId: APP_ID, publicUrl: PUBLIC_URL });
      writeFileSync(path, buildTeamsAppPackage(manifest, renderIcons()));
      const listing = execFileSync('unzip', ['-t', path], { encoding: 'utf8' });
      expect(listing).toMatch(/No errors detected/);
      for (const name of TEAMS_PACKAGE_FILES) expect(listing).toContain(`testing: ${name}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- The app package ----

describe('buildTeamsAppPackage', () => {
  const manifest = renderTeamsManifest({ appId: APP_ID, publicUrl: PUBLIC_URL });
  const icons = renderIcons();

  it('holds exactly manifest.json, color.png and outline.png at the root, with correct CRCs', () => {
    const entries = readZip(buildTeamsAppPackage(manifest, icons));
    expect(entries.map((entry) => entry.name)).toEqual(['manifest.json', 'color.png', 'outline.png']);
    expect(entries.every((entry) => !entry.name.includes('/'))).toBe(true);
    const files = Object.fromEntries(entries.map((entry) => [entry.name, entry.data]));
    expect(JSON.parse(files['manifest.json']?.toString('utf8') ?? '')).toEqual(manifest);
    expect(files['color.png']).toEqual(icons['color.png']);
    expect(files['outline.png']).toEqual(icons['outline.png']);
  });

  it('refuses icons of the wrong size or not PNG at all', () => {
    const small = encodePng(drawOutlineIcon(16));
    expect(iconProblems({ 'color.png': small, 'outline.png': Buffer.from('GIF89a') })).toEqual([
      'color.png must be 192×192 pixels (it is 16×16)',
      'outline.png is not a PNG file',
    ]);
    expect(() => buildTeamsAppPackage(manifest, { ...icons, 'color.png': small })).toThrow(/192×192/);
  });
});

// ---- The command line ----

describe('runTeamsManifestCli', () => {
  function run(argv: string[], env: NodeJS.ProcessEnv = {}, files: Map<string, Uint8Array> = new Map()) {
    const out: string[] = [];
    const err: string[] = [];
    const written = new Map<string, string | Uint8Array>();
    const code = runTeamsManifestCli(argv, env, {
      stdout: (text) => out.push(text),
      stderr: (line) => err.push(line),
      readFile: (path) => {
        const file = files.get(path) ?? (Object.values(ICON_PATHS).includes(path) ? readFileSync(path) : undefined);
        if (!file) throw new Error('ENOENT: no such file');
        return file;
      },
      writeFile: (path, data) => written.set(path, data),
    });
    return { code, stdout: out.join(''), stderr: err, written };
  }
  const env = { MICROSOFT_APP_ID: APP_ID, PUBLIC_URL };

  it('writes gatehouse-teams.zip by default and says where the messaging endpoint goes', () => {
    const result = run([], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect([...result.written.keys()]).toEqual([DEFAULT_PACKAGE]);
    const entries = readZip(Buffer.from(result.written.get(DEFAULT_PACKAGE) as Uint8Array));
    expect(entries.map((entry) => entry.name)).toEqual([...TEAMS_PACKAGE_FILES]);
    expect(result.stderr).toEqual([
      `Wrote the Teams app package to ${DEFAULT_PACKAGE} (manifest.json, color.png, outline.png).`,
      `Messaging endpoint to set on the Azure Bot: ${PUBLIC_URL}/api/messages`,
    ]);
  });

  it('takes --app-id and --public-url over the environment, and --print prints the manifest', () => {
    const other = 'ffffffff-1111-4222-8333-444444444444';
    const result = run(['--print', '--app-id', other, '--public-url', 'https://other.example.org/'], {
      MICROSOFT_APP_ID: 'bad',
      PUBLIC_URL: 'ftp://x',
    });
    expect(result.code).toBe(0);
    expect(result.written.size).toBe(0);
    expect(result.stdout).toBe(
      formatTeamsManifest(renderTeamsManifest({ appId: other, publicUrl: 'https://other.example.org' })),
    );
  });

  it('refuses --print with --out, unknown options, and --icons with anything else, in one line', () => {
    for (const argv of [
      ['--print', '--out', 'x.zip'],
      ['--appid', APP_ID],
      ['--icons', '--print'],
    ]) {
      const result = run(argv, env);
      expect(result.code, argv.join(' ')).toBe(1);
      expect(result.stderr).toHaveLength(1);
    }
  });

  it('redraws both icons with --icons', () => {
    const result = run(['--icons']);
    expect(result.code).toBe(0);
    expect(result.written.get(ICON_PATHS['color.png'])).toEqual(renderIcons()['color.png']);
    expect(result.written.get(ICON_PATHS['outline.png'])).toEqual(renderIcons()['outline.png']);
  });

  it('stops on an icon replaced by one of the wrong size', () => {
    const files = new Map([[ICON_PATHS['outline.png'], encodePng(drawOutlineIcon(48))]]);
    const result = run([], env, files);
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual(['manifest/teams/outline.png must be 32×32 pixels (it is 48×48)']);
    expect(result.written.size).toBe(0);
  });

  it('warns, on stderr only, when the address is http://localhost', () => {
    const result = run(['--print'], { MICROSOFT_APP_ID: APP_ID, PUBLIC_URL: 'http://localhost:3978' });
    expect(result.code).toBe(0);
    expect(result.stderr).toEqual([expect.stringMatching(/^Warning: http:\/\/localhost:3978 is plain http/)]);
    expect(JSON.parse(result.stdout).validDomains).toEqual(['localhost']);
  });
});

describe.concurrent('scripts/teams-manifest.ts (child process, as npm run runs it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-teams-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the script as `npm run manifest:teams` does, in a child process, with only the given variables set. */
  function cli(args: string[], env: Record<string, string | undefined>) {
    const { MICROSOFT_APP_ID: _id, PUBLIC_URL: _url, ...rest } = process.env;
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', ['tsx', 'scripts/teams-manifest.ts', ...args], {
        env: { ...rest, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
      });
      child.stderr.on('data', (chunk) => {
        stderr += String(chunk);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('refuses a bad MICROSOFT_APP_ID with exit code 1 and one clear line', async ({ expect }) => {
    const result = await cli([], { MICROSOFT_APP_ID: 'my-bot', PUBLIC_URL });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${APP_ID_MESSAGE} (it is not a GUID)\n`);
  });

  it('refuses a bad PUBLIC_URL the same way', async ({ expect }) => {
    const result = await cli([], { MICROSOFT_APP_ID: APP_ID, PUBLIC_URL: 'http://gatehouse.example.com' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${TEAMS_PUBLIC_URL_MESSAGE} (http is accepted only for localhost and 127.0.0.1)\n`);
  });

  it('names both when both are missing', async ({ expect }) => {
    const result = await cli([], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${APP_ID_MESSAGE} (it is not set)\n${TEAMS_PUBLIC_URL_MESSAGE} (it is not set)\n`);
  });

  it('writes the package to --out: three files at the root, CRCs right', async ({ expect }) => {
    const out = join(dir, 'teams.zip');
    const result = await cli(['--out', out], { MICROSOFT_APP_ID: APP_ID, PUBLIC_URL });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const entries = readZip(readFileSync(out));
    expect(entries.map((entry) => entry.name)).toEqual(['manifest.json', 'color.png', 'outline.png']);
    const manifest = JSON.parse(entries[0]?.data.toString('utf8') ?? '') as TeamsManifest;
    expect(manifest).toEqual(renderTeamsManifest({ appId: APP_ID, publicUrl: PUBLIC_URL }));
    expect(decodePng(entries[1]?.data ?? Buffer.alloc(0)).rgba).toEqual(drawColorIcon().rgba);
    expect(decodePng(entries[2]?.data ?? Buffer.alloc(0)).rgba).toEqual(drawOutlineIcon().rgba);
  });
});
