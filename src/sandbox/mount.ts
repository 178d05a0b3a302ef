import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type Config, SANDBOX_SECRETS } from '../config.js';
import { type SandboxOptions, sandboxPlugin } from './index.js';
import { createOktaOrg } from './okta/index.js';
import { createPingOneTenant } from './pingone/index.js';
import { playgroundPlugin } from './playground/plugin.js';
import { createSlackWorkspace } from './slack/index.js';
import { createTeamsTenant } from './teams/index.js';

/**
 * Everything sandbox mode serves beside the product: the emulated Okta, PingOne, Slack and Teams
 * under /sandbox, and the playground at /. The server imports this module only in sandbox mode
 * (dynamically), so a production start never loads the emulators, the Adaptive Card schema or
 * the playground.
 */
export async function mountSandbox(
  app: FastifyInstance,
  options: { config: Readonly<Config>; logger: Logger; sandbox?: SandboxOptions },
): Promise<void> {
  const { config, logger, sandbox } = options;
  const worlds = {
    okta: sandbox?.okta ?? createOktaOrg(),
    pingone: sandbox?.pingone ?? createPingOneTenant(),
    slack: sandbox?.slack ?? createSlackWorkspace(),
    teams: sandbox?.teams ?? createTeamsTenant(),
  };
  const changes = new EventEmitter();
  changes.setMaxListeners(100);
  await app.register(sandboxPlugin, { prefix: '/sandbox', logger, ...sandbox, ...worlds, changes });
  await app.register(playgroundPlugin, {
    ...worlds,
    provider: config.governance.provider,
    inject: (request) => app.inject(request),
    publicUrl: config.server.publicUrl,
    signingSecret: config.slack?.signingSecret ?? SANDBOX_SECRETS.slackSigningSecret,
    changes,
  });
}
