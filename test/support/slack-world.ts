import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, type OktaOrg } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant } from '@gatehouse/sandbox/pingone';
import {
  createSlackWorkspace,
  type Json,
  type MessageRecord,
  SLACK_SEED,
  SlackDriver,
  type SlackWorkspace,
} from '@gatehouse/sandbox/slack';
import { OktaGovernance, type OktaGovernanceOptions } from '../../src/api/okta/client.js';
import { createGatehouse, type Gatehouse } from '../../src/app.js';
import { loadConfig, SANDBOX_SECRETS, type SlackConfig } from '../../src/config.js';
import type { PersonalRule } from '../../src/flows/limits.js';
import type { Store } from '../../src/store/index.js';
import { freePort } from './free-port.js';
import { testLogger } from './test-logger.js';
import { oktaPortal, type Portal, type Provider, pingOnePortal } from './world.js';

export { eventually } from './eventually.js';

/**
 * Gatehouse exactly as `npm start` runs it in sandbox mode, on a real socket (its Slack and Okta
 * clients call the emulations over HTTP), driven as Slack drives it: signed payloads of Slack's
 * own shapes posted to /slack/events. Tests read the emulated workspace and org, as a person would
 * read Slack and the governance portal.
 */
export interface SlackWorld {
  gatehouse: Gatehouse;
  /** Which governance backend this world runs (SANDBOX_PROVIDER). */
  provider: Provider;
  /** The governance system's records, whichever backend runs. */
  portal: Portal;
  okta: OktaOrg;
  pingone: PingOneTenant;
  slack: SlackWorkspace;
  driver: SlackDriver;
  baseUrl: string;
  /** Governance writes that succeeded, whose path contains `part`. */
  writes(part: string): number;
  close(): Promise<void>;
}

export const S = SLACK_SEED.users;

export async function startSlackWorld(
  options: {
    env?: Record<string, string>;
    store?: Store;
    okta?: Partial<OktaGovernanceOptions>;
    /** Another replica's world: share its Okta org and Slack workspace (give both the same store). */
    replicaOf?: SlackWorld;
    /** An org made by the test (one with a clock it moves, say). */
    org?: OktaOrg;
    /** Gatehouse's notifier clock, to move with the org's. */
    now?: () => number;
    /** The governance backend to emulate (default Okta). */
    provider?: Provider;
    /** How long an unconfirmed post's claim holds (default 5 min). */
    postingHoldMs?: number;
    /** How often at most an App Home is redrawn on changes (default 5 s). */
    homeSpacingMs?: number;
    /** Per-person flow limits (default PERSONAL_LIMITS). */
    personalLimits?: readonly PersonalRule[];
    /** A workspace made by the test (one on Enterprise Grid, say). */
    slack?: SlackWorkspace;
    /** Slack settings over the sandbox's (a configured SLACK_TEAM_ID, say, which sandbox mode does not read). */
    slackConfig?: Partial<SlackConfig>;
  } = {},
): Promise<SlackWorld> {
  const port = await freePort();
  const provider = options.replicaOf?.provider ?? options.provider ?? 'okta';
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
  const config =
    options.slackConfig && loaded.slack ? { ...loaded, slack: { ...loaded.slack, ...options.slackConfig } } : loaded;
  const pingone = options.replicaOf?.pingone ?? createPingOneTenant();
  const okta =
    options.replicaOf?.okta ?? options.org ?? createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
  const slack = options.replicaOf?.slack ?? options.slack ?? createSlackWorkspace();
  const gatehouse = await createGatehouse(config, {
    logger: testLogger(config),
    store: options.store,
    sandbox: { okta, slack, pingone },
    now: options.now,
    postingHoldMs: options.postingHoldMs,
    homeSpacingMs: options.homeSpacingMs,
    personalLimits: options.personalLimits,
    // The real Okta client with extra settings (a policy, say), still talking to the emulator.
    ...(options.okta && config.governance.provider === 'okta'
      ? {
          governance: new OktaGovernance({
            orgUrl: config.governance.orgUrl,
            auth: config.governance.auth,
            ...options.okta,
          }),
        }
      : {}),
  });
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  const baseUrl = `http://127.0.0.1:${port}`;
  const driver = new SlackDriver({
    workspace: slack,
    inject: (request) => gatehouse.server.inject(request),
    signingSecret: SANDBOX_SECRETS.slackSigningSecret,
    responseBaseUrl: baseUrl,
  });
  return {
    gatehouse,
    provider,
    portal: provider === 'okta' ? oktaPortal(okta) : pingOnePortal(pingone),
    okta,
    pingone,
    slack,
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

/** Everything a message shows, as one string (blocks and fallback text). */
export function shown(message: { text?: string; blocks?: Json[] } | undefined): string {
  return message ? `${message.text ?? ''}\n${JSON.stringify(message.blocks ?? [])}` : '';
}

/** The action_ids of the buttons a message offers. */
export function buttonsOf(message: { blocks?: Json[] } | undefined): string[] {
  const ids: string[] = [];
  for (const block of message?.blocks ?? []) {
    for (const element of (block.elements as Json[] | undefined) ?? []) {
      if (element.type === 'button' && typeof element.action_id === 'string') ids.push(element.action_id);
    }
  }
  return ids;
}

/** The first top-level message in a conversation that mentions `text`. */
export function messageAbout(messages: MessageRecord[], text: string): MessageRecord | undefined {
  return messages.find((message) => !message.thread_ts && shown(message).includes(text));
}

/**
 * The checkboxes a message offers (a `/access pending` list's picks), each with its block, its
 * action_id and its options' values: what `world.driver.tick(user, where, actionId, values, { blockId })`
 * takes. Ticks reach the bot as `state.values` with the next click in that message.
 */
export function checkboxesOf(
  message: { blocks?: Json[] } | undefined,
): { blockId: string; actionId: string; values: string[] }[] {
  const found: { blockId: string; actionId: string; values: string[] }[] = [];
  for (const block of message?.blocks ?? []) {
    const elements = [block.accessory, block.element, ...((block.elements as unknown[] | undefined) ?? [])];
    for (const element of elements as (Json | undefined)[]) {
      if (element?.type !== 'checkboxes') continue;
      const options = (element.options as { value?: string }[] | undefined) ?? [];
      found.push({
        blockId: String(block.block_id),
        actionId: String(element.action_id),
        values: options.map((option) => String(option.value)),
      });
    }
  }
  return found;
}

/**
 * A person picked from the composer's `@` autocomplete, for `world.driver.command(user, ['delegate ',
 * mentionOf(S.carol.id), ' until 2026-12-24'])`: it reaches the bot as `@carol`, since our manifest's
 * /access has should_escape off (as `<@U0CAROL|carol>` with `createSlackWorkspace({ commandShouldEscape: true })`).
 */
export const mentionOf = (userId: string) => ({ mention: userId });
