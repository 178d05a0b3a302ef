import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, type OktaOrg } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant } from '@gatehouse/sandbox/pingone';
import { createTeamsTenant, TeamsDriver, type TeamsTenant } from '@gatehouse/sandbox/teams';
import type { Logger } from 'pino';
import { createGatehouse, type Gatehouse } from '../../src/app.js';
import { loadConfig, type TeamsConfig } from '../../src/config.js';
import type { PersonalRule } from '../../src/flows/limits.js';
import { freePort } from './free-port.js';
import { testLogger } from './test-logger.js';
import { oktaPortal, type Portal, type Provider, pingOnePortal } from './world.js';

export { eventually } from './eventually.js';

/**
 * Gatehouse as `npm start` runs it in sandbox mode, driven as Teams drives it: Bot Framework
 * activities posted to /api/messages, with the connector stand-in as their serviceUrl. Tests read
 * the stand-in's transcripts and the Okta emulator, as a person reads Teams and the portal.
 */
export interface TeamsWorld {
  gatehouse: Gatehouse;
  provider: Provider;
  portal: Portal;
  okta: OktaOrg;
  pingone: PingOneTenant;
  teams: TeamsTenant;
  driver: TeamsDriver;
  baseUrl: string;
  writes(part: string): number;
  close(): Promise<void>;
}

export async function startTeamsWorld(
  options: {
    /** An org made by the test (one with a clock it moves, say). */
    org?: OktaOrg;
    /** Gatehouse's notifier clock, to move with the org's. */
    now?: () => number;
    /** The governance backend to emulate (default Okta). */
    provider?: Provider;
    /** More configuration (REDIS_URL, say), as environment variables. */
    env?: Record<string, string>;
    /** Teams settings over the sandbox's (an app id, so activities need a Bot Framework token). */
    teams?: Partial<TeamsConfig>;
    /** The `Authorization` header the driver sends with each activity. */
    authorization?: (activity: Record<string, unknown>) => string | undefined;
    /** Gatehouse's logger (default: the test capture). */
    logger?: Logger;
    /** Per-person flow limits (default PERSONAL_LIMITS). */
    personalLimits?: readonly PersonalRule[];
  } = {},
): Promise<TeamsWorld> {
  const port = await freePort();
  const provider = options.provider ?? 'okta';
  const loaded = loadConfig({
    PORT: String(port),
    LOG_LEVEL: 'silent',
    POLL_INTERVAL_MS: '3600000',
    SANDBOX_PROVIDER: provider,
    // The stand-in enforces no chat rate limits unless a test asks: pacing at Slack's and Teams'
    // documented minimums would only make every test wait (tests of pacing set their own scale).
    CHAT_RATE_SCALE: '20',
    ...options.env,
  });
  const config = options.teams && loaded.teams ? { ...loaded, teams: { ...loaded.teams, ...options.teams } } : loaded;
  const pingone = createPingOneTenant();
  const okta = options.org ?? createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
  const teams = createTeamsTenant();
  const gatehouse = await createGatehouse(config, {
    logger: options.logger ?? testLogger(config),
    sandbox: { okta, teams, pingone },
    now: options.now,
    personalLimits: options.personalLimits,
  });
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const driver = new TeamsDriver({
    tenant: teams,
    inject: (request) => gatehouse.server.inject(request),
    baseUrl,
    authorization: options.authorization,
  });
  return {
    gatehouse,
    provider,
    portal: provider === 'okta' ? oktaPortal(okta) : pingOnePortal(pingone),
    okta,
    pingone,
    teams,
    driver,
    baseUrl,
    writes: (part) =>
      okta.calls.filter(
        (call) =>
          // Okta's risk assessment is a POST that changes nothing: a read for the approver's card.
          call.method !== 'GET' &&
          !call.path.includes('/risk-rule-assessments') &&
          call.path.includes(part) &&
          call.status < 400,
      ).length,
    close: () => gatehouse.close(),
  };
}

/**
 * What a People Picker (an Input.ChoiceSet over `graph.microsoft.com/users`) sends for a person:
 * their Entra object id, given their Teams id (`TEAMS_SEED.users.carol.id`), for
 * `world.driver.execute(user, card, 'forward', { forwardTo: pickOf(world.teams, carol) })`.
 */
export function pickOf(teams: TeamsTenant, teamsUserId: string): string {
  const person = teams.user(teamsUserId);
  if (!person) throw new Error(`no one with Teams id ${teamsUserId} in the tenant`);
  return person.aadObjectId;
}

/**
 * The ids of a card's Input.Toggle elements (a `pending` list's picks), anywhere in it: a bulk
 * action gathers each as 'true' or 'false' (`execute(user, card, verb, { [id]: 'true' })`).
 */
export function togglesOf(card: Record<string, unknown> | undefined): string[] {
  const ids: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const element = node as Record<string, unknown>;
    if (element.type === 'Input.Toggle' && typeof element.id === 'string') ids.push(element.id);
    for (const value of Object.values(element)) visit(value);
  };
  visit(card);
  return ids;
}

/** A person @mentioned in a Teams message: `world.driver.say(user, ['delegate ', mentionOf(carol), ' until …'])`. */
export const mentionOf = (teamsUserId: string) => ({ mention: teamsUserId });
