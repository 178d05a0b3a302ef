import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, OktaOrg } from './okta/index.js';
import { createPingOneTenant, PingOneTenant } from './pingone/index.js';
import { playgroundPlugin } from './playground/plugin.js';
import { sandboxPlugin } from './plugin.js';
import { createSlackWorkspace, SlackWorkspace } from './slack/index.js';
import { createTeamsTenant, TeamsTenant } from './teams/index.js';

/** What sandbox mode needs from Gatehouse, as plain values: the package reads nothing of the product. */
export interface MountOptions {
  /** Which emulated governance system the playground's portal shows. */
  provider: 'okta' | 'pingone';
  /** Where the bot reaches the stand-ins (`response_url`, `serviceUrl`): Gatehouse's public URL. */
  publicUrl: string;
  /** The secret the Slack stand-in signs what it delivers to the bot with (the bot's signing secret). */
  slackSigningSecret: string;
  logger?: FastifyBaseLogger;
  /**
   * The emulated worlds to serve, `{ okta?, pingone?, slack?, teams? }` (tests pass theirs to look
   * inside); a new seeded one for each left out. Gatehouse passes them along unread, so they are
   * checked here.
   */
  worlds?: unknown;
}

const WORLDS = { okta: OktaOrg, pingone: PingOneTenant, slack: SlackWorkspace, teams: TeamsTenant } as const;
type Worlds = { [name in keyof typeof WORLDS]: InstanceType<(typeof WORLDS)[name]> };

/**
 * Everything sandbox mode serves beside the product: the emulated Okta, PingOne, Slack and Teams
 * under /sandbox, and the playground at /. Gatehouse imports this package only in sandbox mode
 * (dynamically), so a production start never loads the emulators, the Adaptive Card schema or
 * the playground.
 */
export async function mountSandbox(app: FastifyInstance, options: MountOptions): Promise<void> {
  const given = checkWorlds(options.worlds);
  const worlds: Worlds = {
    // Generous budgets: a playground session is not held back by a real org's 30 calls a minute.
    okta: given.okta ?? createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE }),
    pingone: given.pingone ?? createPingOneTenant(),
    slack: given.slack ?? createSlackWorkspace(),
    teams: given.teams ?? createTeamsTenant(),
  };
  const changes = new EventEmitter();
  changes.setMaxListeners(100);
  await app.register(sandboxPlugin, { prefix: '/sandbox', logger: options.logger, ...worlds, changes });
  await app.register(playgroundPlugin, {
    ...worlds,
    provider: options.provider,
    inject: (request) => app.inject(request),
    publicUrl: options.publicUrl,
    signingSecret: options.slackSigningSecret,
    changes,
  });
}

/** The worlds a caller passed, each made by this package (`createOktaOrg()` and so on), or a TypeError. */
function checkWorlds(given: unknown): Partial<Worlds> {
  if (given === undefined) return {};
  if (typeof given !== 'object' || given === null) {
    throw new TypeError('mountSandbox: worlds must be an object { okta?, pingone?, slack?, teams? }');
  }
  for (const [name, world] of Object.entries(given)) {
    const made = Object.hasOwn(WORLDS, name) ? WORLDS[name as keyof Worlds] : undefined;
    if (!made) throw new TypeError(`mountSandbox: unknown world "${name}" (okta, pingone, slack or teams)`);
    if (world !== undefined && !(world instanceof made)) {
      throw new TypeError(`mountSandbox: worlds.${name} is not a ${made.name} made by @gatehouse/sandbox`);
    }
  }
  return given as Partial<Worlds>;
}
