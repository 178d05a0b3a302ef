import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant } from '@gatehouse/sandbox/pingone';
import pino from 'pino';
import { createGatehouse, type Gatehouse } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { ChatIdentity, Outcome } from '../src/flows/index.js';
import { freePort } from '../test/support/free-port.js';
import { type ActionName, type Backend, floorOf, POLL_CHANGES } from './action-floors.js';

const { users: U, entries: E } = SEED;

/** What one action cost: every call the emulated backend received, beside its floor. */
export interface ActionCost {
  action: ActionName;
  backend: Backend;
  calls: number;
  floor: number;
  /** Method and path of each call, in order: what to look at when a figure moves. */
  made: string[];
}

/** A call as both emulators record it. */
interface Call {
  method: string;
  path: string;
  query?: Record<string, string>;
}

/**
 * Every action of issue 19 once, through Gatehouse as chat drives it (flows, the notifier and its
 * queue, the real client over HTTP), against the backend's emulator, counting the calls the
 * emulator received from the action's start until Gatehouse is idle again (so the notifier's work
 * caused by the action counts too). Measured in the steady state of a working org: everyone's
 * identity resolved and the names of people and catalog entries already seen (each person looked
 * at the catalog before asking), the policy read; what a busy org pays for every action, not what
 * the first action after a restart pays once.
 */
export async function measureActionCosts(backend: Backend): Promise<ActionCost[]> {
  const world = await startCostWorld(backend);
  try {
    return await scenario(world);
  } finally {
    await world.gatehouse.close();
  }
}

interface CostWorld {
  backend: Backend;
  gatehouse: Gatehouse;
  calls: readonly Call[];
  /** Moves the emulator's and Gatehouse's clock on, rather than waiting for time to pass. */
  advance(ms: number): void;
  now(): number;
  /** A request made in the backend's own portal (not through Gatehouse), by and for `userId`. */
  portalRequest(userId: string, entryId: string): void;
}

async function startCostWorld(backend: Backend): Promise<CostWorld> {
  const port = await freePort();
  // Rate limits are not what this counts: generous, so no call is retried after a 429.
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const okta: OktaOrg = createOktaOrg({ rateLimitPerMinute: 10_000_000, now });
  const pingone: PingOneTenant = createPingOneTenant({ now });
  const gatehouse = await createGatehouse(
    loadConfig({
      PORT: String(port),
      LOG_LEVEL: 'silent',
      POLL_INTERVAL_MS: '3600000',
      SANDBOX_PROVIDER: backend,
      CHAT_RATE_SCALE: '100',
    }),
    { logger: pino({ level: 'silent' }), sandbox: { okta, pingone }, personalLimits: [], now },
  );
  await gatehouse.server.listen({ port, host: '127.0.0.1' });
  await gatehouse.start();
  return {
    backend,
    gatehouse,
    calls: backend === 'okta' ? okta.calls : pingone.calls,
    advance: (ms) => {
      ahead += ms;
    },
    now,
    portalRequest(userId, entryId) {
      if (backend === 'okta') {
        okta.createRequest(
          {
            requested: { type: 'CATALOG_ENTRY', entryId },
            requestedFor: { type: 'OKTA_USER', externalId: userId },
            requesterFieldValues: [],
          },
          okta.actorFor(userId),
        );
        okta.settle();
      } else {
        pingone.create({ users: [userId], catalogs: [{ type: 'entitlement', id: entryId }] }, userId);
      }
    },
  };
}

function person(user: { email: string }): ChatIdentity {
  return { platform: 'slack', userId: `U${user.email.split('@')[0]?.toUpperCase()}`, email: user.email };
}

function value<V>(outcome: Outcome<V>): V {
  if (!outcome.ok) throw new Error(`${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

async function scenario(world: CostWorld): Promise<ActionCost[]> {
  const { gatehouse, backend } = world;
  const flows = gatehouse.flows;
  const erin = person(U.erin);
  // Erin's manager, who approves what she asks for.
  const bob = person(U.bob);
  const costs: ActionCost[] = [];
  const measure = async <T>(action: ActionName, run: () => Promise<T>): Promise<T> => {
    await gatehouse.idle();
    const before = world.calls.length;
    const result = await run();
    await gatehouse.idle();
    const made = world.calls.slice(before).map(describe);
    costs.push({ action, backend, calls: made.length, floor: floorOf(backend, action), made });
    return result;
  };
  const request = async (entryId: string) => {
    const created = value(await flows.requestAccess(erin, { entryId }));
    if (created.kind !== 'created') throw new Error('request not created');
    return created.request.id;
  };

  // The steady state: people known, names seen, one request made and decided already.
  value(await flows.whoAmI(erin));
  value(await flows.whoAmI(bob));
  for (const entry of [E.jiraSoftwareUser, E.githubMember, E.slackMember, E.figmaEditor]) {
    value(await flows.searchCatalog(erin, entry.name.split(' ')[0] ?? ''));
  }
  const warm = await request(E.figmaEditor.id);
  value(await flows.comment(erin, warm, 'Needed for the design review'));
  value(await flows.decide(bob, { requestId: warm, decision: 'approve' }));
  // A portal request seen by a poll: the names it mentions are known from then on.
  world.advance(5_000);
  await gatehouse.store.set('notifier:cursor', new Date(world.now() - 1).toISOString());
  world.portalRequest(U.carol.id, E.zoomPro.id);
  await gatehouse.poller.pollOnce();

  const id = await measure('request', () => request(E.jiraSoftwareUser.id));
  await measure('status', async () => value(await flows.status(erin, id)));
  await measure('mine', async () => value(await flows.myRequests(erin)));
  await measure('pending', async () => value(await flows.pendingApprovals(bob)));
  // What the Slack App Home draws (src/adapters/slack/listeners/home.ts): both lists at once.
  await measure('app home', () => Promise.all([flows.pendingApprovals(bob), flows.status(bob)]));
  await measure('comment', async () => value(await flows.comment(bob, id, 'Looks right to me')));
  await measure('approve', async () => value(await flows.decide(bob, { requestId: id, decision: 'approve' })));
  const rejected = await request(E.githubMember.id);
  await measure('reject', async () =>
    value(await flows.decide(bob, { requestId: rejected, decision: 'reject', reason: 'Not for this team' })),
  );
  const cancelled = await request(E.slackMember.id);
  await measure('cancel', async () => value(await flows.cancel(erin, cancelled)));
  // One sync of one change on every platform, as a hook or a poll queues it (nothing read beforehand).
  await measure('sync', () => gatehouse.queue.enqueue(cancelled, { key: 'calls-per-action' }));
  await measure('poll cycle', async () => {
    // Past the poll's overlap with what came before, the cursor set just before the changes, so
    // the poll finds exactly these.
    world.advance(5_000);
    await gatehouse.store.set('notifier:cursor', new Date(world.now() - 1).toISOString());
    for (let i = 0; i < POLL_CHANGES; i++) world.portalRequest(U.carol.id, E.zoomPro.id);
    await gatehouse.poller.pollOnce();
  });
  return costs;
}

function describe(call: Call): string {
  const action = call.query?._action;
  return `${call.method} ${call.path}${action ? `?_action=${action}` : ''}`;
}
