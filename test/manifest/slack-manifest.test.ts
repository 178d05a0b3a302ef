import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AppsManifestCreateArguments } from '@slack/web-api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PUBLIC_URL_PLACEHOLDER,
  SLACK_BOT_SCOPES,
  SLACK_MANIFEST_LIMITS,
  type SlackManifest,
  slackManifestTemplate,
} from '../../manifest/slack/manifest.js';
import {
  formatSlackManifest,
  manifestUrls,
  PUBLIC_URL_MESSAGE,
  PublicUrlError,
  parsePublicUrl,
  renderSlackManifest,
  renderTemplateYaml,
  toYaml,
} from '../../manifest/slack/render.js';
import { runSlackManifestCli } from '../../scripts/slack-manifest.js';

const PUBLIC_URL = 'https://gatehouse.example.com';
const EVENTS_URL = `${PUBLIC_URL}/slack/events`;
const SCOPES = ['commands', 'chat:write', 'chat:write.public', 'users:read', 'users:read.email'];

/**
 * The bot scope each Web API method needs, from each method's page in Slack's reference
 * (https://docs.slack.dev/reference/methods/<method>, "Required scopes"); `null`: none.
 */
const SCOPE_OF_METHOD: Record<string, string | null> = {
  'auth.test': null,
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'conversations.open': 'im:write',
  'conversations.info': 'channels:read',
  'conversations.members': 'channels:read',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'views.open': null,
  'views.update': null,
  'views.push': null,
  'views.publish': null,
};

/** The Web API methods the bot's code calls: `client.<family>.<method>(` and `apiCall('<method>'`. */
function methodsCalled(): Map<string, string[]> {
  const called = new Map<string, string[]>();
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
    );
  for (const file of walk(resolve(import.meta.dirname, '../../src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bclient\.([a-z]+)\.([a-zA-Z]+)\(|apiCall\(\s*'([a-z]+\.[a-zA-Z.]+)'/g)) {
      const method = match[3] ?? `${match[1]}.${match[2]}`;
      called.set(method, [...(called.get(method) ?? []), file]);
    }
  }
  return called;
}

describe('Slack manifest over HTTP', () => {
  const manifest = renderSlackManifest({ publicUrl: PUBLIC_URL });

  it('sends every request to PUBLIC_URL + /slack/events, and leaves no placeholder', () => {
    const urls = manifestUrls(manifest);
    expect(urls.map((entry) => entry.path).sort()).toEqual([
      'features.slash_commands[0].url',
      'settings.event_subscriptions.request_url',
      'settings.interactivity.message_menu_options_url',
      'settings.interactivity.request_url',
    ]);
    for (const { url } of urls) expect(url).toBe(EVENTS_URL);
    expect(JSON.stringify(manifest)).not.toContain(PUBLIC_URL_PLACEHOLDER);
    expect(JSON.stringify(manifest)).not.toMatch(/\$\{/);
    for (const format of ['yaml', 'json'] as const) {
      expect(formatSlackManifest(manifest, format)).not.toContain(PUBLIC_URL_PLACEHOLDER);
    }
  });

  it('strips trailing slashes and keeps a path prefix', () => {
    expect(manifestUrls(renderSlackManifest({ publicUrl: `${PUBLIC_URL}/` }))[0]?.url).toBe(EVENTS_URL);
    const prefixed = renderSlackManifest({ publicUrl: 'https://tools.example.com/gatehouse//' });
    for (const { url } of manifestUrls(prefixed)) expect(url).toBe('https://tools.example.com/gatehouse/slack/events');
  });

  it('asks for exactly the bot scopes the code needs, each with a reason', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(SCOPES);
    expect(Object.keys(manifest.oauth_config.scopes)).toEqual(['bot']);
    for (const entry of SLACK_BOT_SCOPES) expect(entry.reason.length).toBeGreaterThan(10);

    const called = methodsCalled();
    expect(called.has('chat.postMessage')).toBe(true);
    // Every method the code calls is one Slack's table above knows, and its scope is asked for.
    for (const method of called.keys()) {
      expect(Object.keys(SCOPE_OF_METHOD), `${method} (${called.get(method)})`).toContain(method);
      const needed = SCOPE_OF_METHOD[method];
      if (needed) expect(SCOPES, `${method} needs ${needed}`).toContain(needed);
    }
    // Every scope asked for for methods is needed by a method the code calls; the others are for
    // features (the slash command; posting to a channel the bot was not invited to).
    for (const entry of SLACK_BOT_SCOPES) {
      if (entry.methods.length === 0) continue;
      const used = entry.methods.filter((method) => called.has(method) && SCOPE_OF_METHOD[method] === entry.scope);
      expect(used, `${entry.scope} is asked for but no call needs it`).not.toEqual([]);
    }
    expect(SLACK_BOT_SCOPES.filter((entry) => entry.methods.length === 0).map((entry) => entry.scope)).toEqual([
      'commands',
      'chat:write.public',
    ]);
  });

  it('declares /access, the App Home and the rest of the settings asked for', () => {
    expect(manifest._metadata.major_version).toBe(1);
    expect(manifest.features.slash_commands).toHaveLength(1);
    const [command] = manifest.features.slash_commands;
    expect(command).toMatchObject({
      command: '/access',
      url: EVENTS_URL,
      usage_hint:
        '[request <what> [for <duration>] [because <reason>] | status [id or app] | mine | cancel <id or app> | my access | pending | delegate @person until <date> | help]',
      // A person picked from Slack's @ list must arrive as <@U…|name> for `delegate`.
      should_escape: true,
    });
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
    expect(manifest.features.app_home).toEqual({
      home_tab_enabled: true,
      messages_tab_enabled: true,
      messages_tab_read_only_enabled: true,
    });
    expect(manifest.features.bot_user).toEqual({ display_name: 'Gatehouse', always_online: true });
    expect(manifest.display_information.description).toBe('Request and approve access without leaving Slack');
    expect(manifest.settings).toMatchObject({
      interactivity: { is_enabled: true },
      org_deploy_enabled: false,
      socket_mode_enabled: false,
      token_rotation_enabled: false,
    });
  });

  it("keeps within Slack's manifest v1 limits", () => {
    const info = manifest.display_information;
    const limits = SLACK_MANIFEST_LIMITS;
    expect(info.name.length).toBeLessThanOrEqual(limits.nameMax);
    expect(info.description?.length ?? 0).toBeLessThanOrEqual(limits.descriptionMax);
    expect(info.long_description?.length ?? 0).toBeGreaterThanOrEqual(limits.longDescriptionMin);
    expect(info.long_description?.length ?? 0).toBeLessThanOrEqual(limits.longDescriptionMax);
    expect(info.background_color).toMatch(/^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/);
    expect(manifest.features.bot_user.display_name.length).toBeLessThanOrEqual(limits.botDisplayNameMax);
    for (const command of manifest.features.slash_commands) {
      expect(command.command).toMatch(/^\/[a-z0-9_-]+$/);
      expect(command.command.length).toBeLessThanOrEqual(limits.commandMax);
      expect(command.description.length).toBeLessThanOrEqual(limits.commandDescriptionMax);
      expect(command.usage_hint?.length ?? 0).toBeLessThanOrEqual(limits.usageHintMax);
    }
    expect(limits).toMatchObject({ nameMax: 35, descriptionMax: 140, usageHintMax: 1000 });
  });

  it('prints JSON that reads back as the same manifest, and YAML with the scope reasons on top', () => {
    expect(JSON.parse(formatSlackManifest(manifest, 'json'))).toEqual(manifest);
    const yaml = formatSlackManifest(manifest, 'yaml');
    for (const entry of SLACK_BOT_SCOPES) expect(yaml).toContain(`# ${'  '}${entry.scope}`);
    expect(yaml).toContain(`request_url: ${EVENTS_URL}\n`);
    expect(yaml).toContain('  usage_hint: "[request <what>');
    expect(yaml.endsWith('token_rotation_enabled: false\n')).toBe(true);
  });

  it('fits the Manifest type of @slack/web-api (checked by tsc)', () => {
    const typed: AppsManifestCreateArguments['manifest'] = manifest;
    const socket: AppsManifestCreateArguments['manifest'] = renderSlackManifest({ socketMode: true });
    expect(typed.display_information.name).toBe(socket.display_information.name);
  });

  it('does not change the template it renders from', () => {
    const before = JSON.stringify(slackManifestTemplate);
    renderSlackManifest({ publicUrl: PUBLIC_URL });
    renderSlackManifest({ socketMode: true });
    expect(JSON.stringify(slackManifestTemplate)).toBe(before);
  });
});

describe('Slack manifest for Socket Mode', () => {
  const manifest = renderSlackManifest({ socketMode: true });

  it('turns Socket Mode on and carries no request URL at all', () => {
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifestUrls(manifest)).toEqual([]);
    expect(manifest.features.slash_commands[0]).not.toHaveProperty('url');
    expect(manifest.settings.event_subscriptions).toEqual({ bot_events: ['app_home_opened'] });
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
    expect(manifest.oauth_config.scopes.bot).toEqual(SCOPES);
    const text = formatSlackManifest(manifest, 'yaml', { socketMode: true });
    expect(text).not.toMatch(/url:/);
    expect(text).not.toContain(PUBLIC_URL_PLACEHOLDER);
  });
});

describe('PUBLIC_URL checks', () => {
  it.each([
    [undefined, 'it is not set'],
    ['   ', 'it is not set'],
    ['gatehouse.example.com', 'it is not a URL'],
    ['ftp://x', 'ftp: is not https'],
    ['http://gatehouse.example.com', 'http is accepted only for localhost and 127.0.0.1'],
    ['https://user:secret@gatehouse.example.com', 'it must not contain a user name or password'],
    ['https://gatehouse.example.com/?a=1', 'it must not have a query or a fragment'],
    [`https://${PUBLIC_URL_PLACEHOLDER}`, 'the host name is not valid'],
  ])('refuses %j (%s)', (raw, reason) => {
    expect(parsePublicUrl(raw)).toEqual({ ok: false, error: `${PUBLIC_URL_MESSAGE} (${reason})` });
  });

  it('never echoes a password it refuses', () => {
    const result = parsePublicUrl('https://user:secret@gatehouse.example.com');
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('accepts https, and http for localhost / 127.0.0.1 with a warning', () => {
    expect(parsePublicUrl(' https://Gatehouse.Example.com:8443/ ')).toEqual({
      ok: true,
      url: 'https://gatehouse.example.com:8443',
    });
    for (const local of ['http://localhost:3000', 'http://127.0.0.1:3000/']) {
      const result = parsePublicUrl(local);
      expect(result).toMatchObject({ ok: true, url: local.replace(/\/$/, '') });
      expect(result.ok && result.warning).toMatch(/Slack sends requests only to https/);
    }
  });

  it('makes renderSlackManifest throw rather than build a manifest Slack cannot use', () => {
    expect(() => renderSlackManifest({ publicUrl: 'ftp://x' })).toThrow(PublicUrlError);
  });
});

describe('manifest/slack/manifest.yaml', () => {
  it('is exactly what manifest/slack/manifest.ts generates (run the --template command when this fails)', () => {
    const onDisk = readFileSync(new URL('../../manifest/slack/manifest.yaml', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderTemplateYaml());
    expect(onDisk).toContain(`request_url: ${PUBLIC_URL_PLACEHOLDER}/slack/events\n`);
  });
});

describe('toYaml', () => {
  it('quotes what YAML would otherwise read as something else', () => {
    const text = toYaml({
      a: 'true',
      b: '#1F3A5F',
      c: '[x]',
      d: 'one: two',
      e: '12',
      f: '',
      g: 'plain text, fine',
      h: [],
      i: {},
      j: [{ k: 1, l: ['m'] }],
      n: undefined,
    });
    expect(text).toBe(
      [
        'a: "true"',
        'b: "#1F3A5F"',
        'c: "[x]"',
        'd: "one: two"',
        'e: "12"',
        'f: ""',
        'g: plain text, fine',
        'h: []',
        'i: {}',
        'j:',
        '  - k: 1',
        '    l:',
        '      - m',
        '',
      ].join('\n'),
    );
  });
});

describe.concurrent('scripts/slack-manifest.ts (child process, as npm run runs it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the script as `npm run manifest:slack` does, in a child process. */
  function cli(args: string[], env: Record<string, string | undefined>) {
    const { PUBLIC_URL: _ignored, ...rest } = process.env;
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npx', ['tsx', 'scripts/slack-manifest.ts', ...args], {
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

  it('refuses a bad PUBLIC_URL with exit code 1 and one clear line', async ({ expect }) => {
    const result = await cli([], { PUBLIC_URL: 'ftp://x' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${PUBLIC_URL_MESSAGE} (ftp: is not https)\n`);
  });

  it('refuses a missing PUBLIC_URL the same way', async ({ expect }) => {
    const result = await cli([], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${PUBLIC_URL_MESSAGE} (it is not set)\n`);
  });

  it('writes the JSON manifest to --out, taking --public-url over the environment', async ({ expect }) => {
    const out = join(dir, 'manifest.json');
    const result = await cli(['--public-url', `${PUBLIC_URL}/`, '--json', '--out', out], { PUBLIC_URL: 'ftp://x' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const written = JSON.parse(readFileSync(out, 'utf8')) as SlackManifest;
    expect(written).toEqual(renderSlackManifest({ publicUrl: PUBLIC_URL }));
  });

  it('prints the YAML manifest on stdout', async ({ expect }) => {
    const result = await cli([], { PUBLIC_URL });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(formatSlackManifest(renderSlackManifest({ publicUrl: PUBLIC_URL }), 'yaml'));
  });
});

describe('runSlackManifestCli', () => {
  function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const files = new Map<string, string>();
    const code = runSlackManifestCli(argv, env, {
      stdout: (text) => out.push(text),
      stderr: (line) => err.push(line),
      writeFile: (path, text) => files.set(path, text),
    });
    return { code, stdout: out.join(''), stderr: err, files };
  }

  it('needs no PUBLIC_URL with --socket-mode', () => {
    const result = run(['--socket-mode', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(renderSlackManifest({ socketMode: true }));
  });

  it('warns, on stderr only, when the address is http://localhost', () => {
    const result = run([], { PUBLIC_URL: 'http://localhost:3000' });
    expect(result.code).toBe(0);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(/^Warning: http:\/\/localhost:3000 is plain http/);
    expect(result.stdout).toContain('request_url: http://localhost:3000/slack/events\n');
  });

  it('regenerates the template with --template', () => {
    const result = run(['--template', '--out', 'manifest/slack/manifest.yaml']);
    expect(result.code).toBe(0);
    expect(result.files.get('manifest/slack/manifest.yaml')).toBe(renderTemplateYaml());
    expect(run(['--template', '--socket-mode']).code).toBe(1);
  });

  it('refuses unknown options in one line', () => {
    const result = run(['--publicurl', PUBLIC_URL]);
    expect(result.code).toBe(1);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0]).toMatch(/--publicurl.*Try --help\.$/);
  });
});
