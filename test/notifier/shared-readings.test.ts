import { randomUUID } from 'node:crypto';
import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant } from '@gatehouse/sandbox/pingone';
import { createSlackWorkspace, SLACK_SEED, type SlackWorkspace } from '@gatehouse/sandbox/slack';
import { createTeamsTenant, TEAMS_SEED, type TeamsTenant } from '@gatehouse/sandbox/teams';
import { afterEach, describe, expect, it } from 'vitest';
import type { Governance } from '../../src/api/governance.js';
import { OktaGovernance } from '../../src/api/okta/client.js';
import { createGatehouse, type Gatehouse } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { SyncJob, SyncOutcome } from '../../src/notifier/index.js';
import type { Store } from '../../src/store/index.js';
import { MemoryStore } from '../../src/store/memory.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { shown } from '../support/slack-world.js';
import { testLogger } from '../support/test-logger.js';
import { oktaPortal, type Portal, type Provider, pingOnePortal } from '../support/world.js';

/**
 * Issue 19: one reading of a request for every platform's sync of one change, on any replica. Each
 * world here runs Gatehouse as sandbox mode does, with Slack and Teams both configured, and counts
 * the reads of a request the governance emulator received.
 */

const { users: U, entries: E } = SEED;
const SLACK_APPROVALS = SLACK_SEED.channels.approvals.id;
const TEAMS_APPROVALS = TEAMS_SEED.channels.approvals.id;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface World {
  gatehouse: Gatehouse;
  okta: OktaOrg;
  pingone: PingOneTenant;
  slack: SlackWorkspace;
  teams: TeamsTenant;
  portal: Portal;
  /** A request made in the backend's own portal, Gatehouse not involved: its id. */
  portalRequest(entryId: string, userId: string): string;
  /** What the approvals channel shows about a request, on Slack and on Teams. */
  channelCards(requestId: string): { slack: string[]; teams: string[] };
}

const worlds: World[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0).reverse()) await world.gatehouse.close();
});

async function startWorld(
  options: {
    provider?: Provider;
    org?: OktaOrg;
    store?: Store;
    env?: Record<string, string>;
    /** Another replica's world: the same org, tenant and workspace (Teams is each replica's own). */
    replicaOf?: World;
    /** Wraps the real Okta client (still talking to the emulator). */
    wrap?: (real: Governance) => Governance;
    /** The one chat platform this replica serves (both by default). */
    only?: 'slack' | 'teams';
  } = {},
): Promise<World> {
  const port = await freePort();
  const provider = options.provider ?? 'okta';
  const loaded = loadConfig({
    PORT: String(port),
    LOG_LEVEL: 'silent',
    POLL_INTERVAL_MS: '3600000',
    SANDBOX_PROVIDER: provider,
    ...options.env,
  });
  const config = {
    ...loaded,
    slack: options.only === 'teams' ? undefined : loaded.slack,
    teams: options.only === 'slack' ? undefined : loaded.teams,
  };
  const okta =
    options.replicaOf?.okta ?? options.org ?? createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE });
  const pingone = options.replicaOf?.pingone ?? createPingOneTenant();
  const slack = options.replicaOf?.slack ?? createSlackWorkspace();
  const teams = createTeamsTenant();
  const governance =
    options.wrap && config.governance.provider === 'okta'
      ? options.wrap(new OktaGovernance({ orgUrl: config.governance.orgUrl, auth: config.governance.auth }))
      : undefined;
  const gatehouse = await createGatehouse(config, {
    logger: testLogger(config),
    store: options.store,
    sandbox: { okta, pingone, slack, teams },
    ...(governance ? { governance } : {}),
  });
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  const world: World = {
    gatehouse,
    okta,
    pingone,
    slack,
    teams,
    portal: provider === 'okta' ? oktaPortal(okta) : pingOnePortal(pingone),
    portalRequest(entryId, userId) {
      if (provider === 'pingone') {
        const made = pingone.create({ users: [userId], catalogs: [{ type: 'entitlement', id: entryId }] }, userId);
        return made.result[0]?.id ?? '';
      }
      const fieldId = okta.entries.find((entry) => entry.id === entryId)?.condition?.justification.fieldId ?? '';
      const made = okta.createRequest(
        {
          requested: { type: 'CATALOG_ENTRY', entryId },
          requestedFor: { type: 'OKTA_USER', externalId: userId },
          requesterFieldValues: [{ id: fieldId, value: 'Admin work' }],
        },
        okta.actorFor(userId),
      );
      okta.settle();
      return made.id;
    },
    channelCards: (requestId) => ({
      slack: slack
        .messagesIn(SLACK_APPROVALS)
        .filter((m) => !m.thread_ts && shown(m).includes(requestId))
        .map(shown),
      teams: teams
        .transcript(TEAMS_APPROVALS)
        .filter((a) => a.from?.id === TEAMS_SEED.bot.id && JSON.stringify(a).includes(requestId))
        .map((a) => JSON.stringify(a)),
    }),
  };
  worlds.push(world);
  return world;
}

/** Both approvals channels show a card about the request. */
async function cardsOnBothPlatforms(world: World, requestId: string): Promise<void> {
  await eventually(() => {
    const cards = world.channelCards(requestId);
    return cards.slack.length > 0 && cards.teams.length > 0;
  });
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Runs jobs as a queue would, each again while it answers "retry" (another replica was reading), until all are done. */
async function runJobs(jobs: { world: World; job: SyncJob }[]): Promise<SyncOutcome[]> {
  let outcomes: (SyncOutcome | undefined)[] = jobs.map(() => undefined);
  for (let round = 0; round < 20 && outcomes.some((o) => o?.status !== 'done'); round++) {
    outcomes = await Promise.all(
      jobs.map(({ world, job }, i) =>
        outcomes[i]?.status === 'done' ? outcomes[i] : world.gatehouse.messages.run(job),
      ),
    );
  }
  return outcomes as SyncOutcome[];
}

describe.each<Provider>(['okta', 'pingone'])('one reading per change on %s', (provider) => {
  it('reads a change once for Slack and Teams, when Teams syncs it after Slack is done', async () => {
    const world = await startWorld({ provider });
    const id = world.portalRequest(E.zoomPro.id, U.alice.id);
    // The change's two jobs as the queue hands them out when the Teams lane runs behind.
    const change = { requestId: id, changeId: randomUUID() };
    expect(await world.gatehouse.messages.run({ ...change, platform: 'slack' })).toEqual({ status: 'done' });
    expect(await world.gatehouse.messages.run({ ...change, platform: 'teams' })).toEqual({ status: 'done' });
    await cardsOnBothPlatforms(world, id);
    expect(world.portal.requestReads(id)).toBe(1);
  });

  it('reads a change once when its Slack and Teams syncs run on two replicas at once', async () => {
    const store = new MemoryStore();
    const first = await startWorld({ provider, store });
    const second = await startWorld({ provider, store, replicaOf: first });
    const id = first.portalRequest(E.zoomPro.id, U.alice.id);
    // One change, one job per platform, taken by different replicas at the same moment (as BullMQ
    // hands them out): one reads, the other comes back for what it read.
    const change = { requestId: id, changeId: randomUUID() };
    const outcomes = await runJobs([
      { world: first, job: { ...change, platform: 'slack' } },
      { world: second, job: { ...change, platform: 'teams' } },
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    expect(first.channelCards(id).slack).toHaveLength(1);
    expect(second.channelCards(id).teams).toHaveLength(1);
    expect(first.portal.requestReads(id)).toBe(1);
  });

  it('a sync nobody queued (a later pass, a sync called directly) reads afresh', async () => {
    const world = await startWorld({ provider });
    const id = world.portalRequest(E.zoomPro.id, U.alice.id);
    const change = { requestId: id, changeId: randomUUID() };
    await world.gatehouse.messages.run({ ...change, platform: 'slack' });
    await world.gatehouse.messages.run({ requestId: id, platform: 'teams' });
    expect(world.portal.requestReads(id)).toBe(2);
  });
});

describe('the change search answered whole (PingOne)', () => {
  it('a poll of several changes reads no request one by one', async () => {
    const world = await startWorld({ provider: 'pingone' });
    const ids = [U.alice, U.carol, U.erin].map((user) => world.portalRequest(E.zoomPro.id, user.id));
    const before = world.pingone.calls.length;
    expect((await world.gatehouse.poller.pollOnce()).synced).toBe(3);
    await world.gatehouse.idle();
    for (const id of ids) await cardsOnBothPlatforms(world, id);
    for (const id of ids) expect(world.portal.requestReads(id)).toBe(0);
    // The poll's two searches (by date, and the open requests) are all the requests it cost.
    const made = world.pingone.calls.slice(before).filter((call) => call.path.includes('/requests'));
    expect(made.map((call) => `${call.method} ${call.action}`)).toEqual(['POST search', 'POST search']);
  });
});

describe('never a reading older than the change (Okta, a step decided without moving lastUpdated)', () => {
  it.each([
    ['after the reading came back', false],
    ['while it was being taken', true],
  ])('a change made while a reading was being taken, noticed %s, is not drawn from it', async (_, noticedWhile) => {
    // The next read of the request is answered as the request stands, then held until released:
    // a reading taken before what happens meanwhile.
    let hold: { reached: () => void; released: Promise<void> } | undefined;
    const holding = (real: Governance): Governance =>
      new Proxy(real, {
        get(target, property) {
          if (property === 'getRequest') {
            return async (id: string) => {
              const answer = await target.getRequest(id);
              const held = hold;
              hold = undefined;
              if (held) {
                held.reached();
                await held.released;
              }
              return answer;
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const org = createOktaOrg({
      rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE,
      updateEvents: false,
      taskChangesTouchRequest: false,
    });
    const world = await startWorld({ org, wrap: holding });
    // Two steps: Bob, then Grace.
    const id = world.portalRequest(E.salesforceAdmin.id, U.alice.id);
    await world.gatehouse.poller.pollOnce();
    await world.gatehouse.idle();
    await cardsOnBothPlatforms(world, id);
    const readsBefore = world.portal.requestReads(id);

    const reached = deferred();
    const released = deferred();
    hold = { reached: reached.resolve, released: released.promise };
    await world.gatehouse.queue.enqueue(id, { key: 'an-event' });
    await reached.promise;
    // Bob approves step 1 in the Okta dashboard while that reading is out: its `lastUpdated` stays.
    const updated = world.okta.request(id)?.lastUpdated;
    world.okta.decideInOkta(id, U.bob.id, 'APPROVED');
    expect(world.okta.request(id)?.lastUpdated).toBe(updated);
    if (noticedWhile) await world.gatehouse.poller.pollOnce();
    released.resolve();
    await world.gatehouse.idle();
    if (!noticedWhile) {
      await world.gatehouse.poller.pollOnce();
      await world.gatehouse.idle();
    }

    // Grace is asked, and both channels show step 1 approved: the change was drawn from a reading of its own.
    const grace = SLACK_SEED.users.grace.id;
    await eventually(() => world.slack.dmWith(grace).some((m) => !m.thread_ts && shown(m).includes(id)));
    const cards = world.channelCards(id);
    expect(cards.slack.at(-1)).toContain('Bob Martinez');
    expect(cards.teams.at(-1)).toContain('Bob Martinez');
    if (!noticedWhile) expect(world.portal.requestReads(id) - readsBefore).toBe(2);
  });
});

describe('through BullMQ on Redis', () => {
  it('reads a change once when a Slack replica and a Teams replica run its jobs at once', async () => {
    const env = { REDIS_URL, REDIS_KEY_PREFIX: `gatehouse-test-${randomUUID()}` };
    // Each replica works one platform's queue, so the change's two jobs surely run on two replicas.
    const slackSide = await startWorld({ env, only: 'slack' });
    const teamsSide = await startWorld({ env, only: 'teams', replicaOf: slackSide });
    const id = slackSide.portalRequest(E.zoomPro.id, U.alice.id);
    // One change as one enqueue would queue it for both platforms (its key and change id in each job).
    const change = { key: 'an-event', changeId: randomUUID() };
    await Promise.all([slackSide.gatehouse.queue.enqueue(id, change), teamsSide.gatehouse.queue.enqueue(id, change)]);
    await eventually(() => slackSide.channelCards(id).slack.length > 0 && teamsSide.channelCards(id).teams.length > 0);
    await Promise.all([slackSide.gatehouse.idle(), teamsSide.gatehouse.idle()]);
    expect(slackSide.portal.requestReads(id)).toBe(1);
  });
});
