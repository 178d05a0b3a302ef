import type { EventEmitter } from 'node:events';
import type { FastifyPluginAsync } from 'fastify';
import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, type OktaOrg, oktaEmulator } from './okta/index.js';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from './pingone/index.js';
import { createSlackWorkspace, type SlackWorkspace, slackEmulator } from './slack/index.js';
import { createTeamsTenant, type TeamsTenant, teamsConnector } from './teams/index.js';

export interface SandboxOptions {
  /** The org to serve; a new seeded one by default. */
  okta?: OktaOrg;
  /** The PingOne AIC tenant to serve; a new seeded one by default. */
  pingone?: PingOneTenant;
  /** The Slack workspace to serve; a new seeded one by default. */
  slack?: SlackWorkspace;
  /** The Teams tenant whose Bot Framework connector the bot calls; a new seeded one by default. */
  teams?: TeamsTenant;
  logger?: unknown;
  /** Told after every call a stand-in answered (the playground refreshes on it). */
  changes?: EventEmitter;
}

/**
 * The emulated third parties Gatehouse talks to in sandbox mode, each in its own encapsulated
 * plugin so their parsers, hooks and error handlers stay inside it.
 */
export const sandboxPlugin: FastifyPluginAsync<SandboxOptions> = async (app, options) => {
  if (options.changes) {
    const changes = options.changes;
    // Only what changes something: reads (the poller's, every few seconds) would redraw for nothing.
    app.addHook('onResponse', async (request) => {
      if (request.method === 'GET' || /[?&]_action=search\b/.test(request.url)) return;
      changes.emit('change');
    });
  }
  const org = options.okta ?? createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
  await app.register(oktaEmulator, { prefix: '/okta', org });
  await app.register(pingOneEmulator, { prefix: '/pingone', tenant: options.pingone ?? createPingOneTenant() });
  await app.register(slackEmulator, { prefix: '/slack', workspace: options.slack ?? createSlackWorkspace() });
  await app.register(teamsConnector, { prefix: '/teams', tenant: options.teams ?? createTeamsTenant() });
};
