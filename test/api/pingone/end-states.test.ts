import { SEED } from '@gatehouse/sandbox/okta';
import {
  createPingOneTenant,
  type PingOneTenant,
  type PingOneTenantOptions,
  pingOneEmulator,
  type RequestRecord,
} from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance } from '../../../src/api/pingone/client.js';
import { Flows } from '../../../src/flows/index.js';
import type { RequestView } from '../../../src/flows/views.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok } from '../../flows/helpers.js';
import { testLogger } from '../../support/test-logger.js';
import { pingOneClient } from './client.js';

/**
 * How a PingOne request ends, read so that Gatehouse never reports a rejection nobody made. How
 * IGA writes an expired request is unconfirmed (wire audit P8; Ping's UI names no `expired`
 * status or outcome, RequestHeader.vue): each plausible way is a setting of the emulated tenant.
 */

const { users: U, entries: E } = SEED;
const DAY = 24 * 3_600_000;

interface Served {
  tenant: PingOneTenant;
  governance: PingOneGovernance;
  flows: Flows;
  /** What the client logged at warn and above. */
  logged: { level: number; msg: string; requestId?: string }[];
  later(ms: number): void;
}

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function serve(options: PingOneTenantOptions = {}): Promise<Served> {
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const tenant = createPingOneTenant({ now, ...options });
  const app = Fastify();
  await app.register(pingOneEmulator, { tenant });
  await app.listen({ port: 0, host: '127.0.0.1' });
  opened.push(app);
  const logged: Served['logged'] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(JSON.parse(line)) });
  const governance = pingOneClient(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, now, {
    logger,
  });
  const flows = new Flows(governance, new MemoryStore(), testLogger());
  return { tenant, governance, flows, logged, later: (ms) => (ahead += ms) };
}

const alice = { platform: 'slack' as const, userId: 'UALICE', email: U.alice.email };
const bob = { platform: 'slack' as const, userId: 'UBOB', email: U.bob.email };

async function asked(served: Served): Promise<string> {
  const result = ok(await served.flows.requestAccess(alice, { entryId: E.salesforceSalesUser.id }));
  if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
  return result.request.id;
}

/** The request as `status <id>` shows it. */
async function shown(served: Served, id: string): Promise<RequestView> {
  const view = ok(await served.flows.status(alice, id));
  if (!('steps' in view)) throw new Error('expected one request');
  return view;
}

function record(served: Served, id: string): RequestRecord {
  const found = served.tenant.request(id);
  if (!found) throw new Error(`no record ${id}`);
  return found;
}

describe('a request whose approval ran out of time', () => {
  it.each([
    ['decision.status: cancelled with an expired phase (the default)', 'cancelled'],
    ['decision.outcome: expired on a complete request', 'outcome'],
    ['decision.status: expired', 'status'],
  ] as const)('reads as expired when IGA writes %s', async (_how, expiredAs) => {
    const served = await serve({ expiredAs });
    const id = await asked(served);
    served.later(8 * DAY);
    const view = await shown(served, id);
    expect(view).toMatchObject({ status: 'expired', statusLabel: 'Expired', steps: [{ status: 'expired' }] });
    expect(view.outcome).toBeUndefined();
    expect(view.currentStep).toBeUndefined();
    expect((await served.flows.decide(bob, { requestId: id, decision: 'approve' })).ok).toBe(false);
    expect(served.tenant.calls.filter((call) => call.action === 'approve')).toHaveLength(0);
  });

  it('reads as expired, not rejected, when the expiry wrote a rejection nobody made', async () => {
    const served = await serve();
    const id = await asked(served);
    const request = record(served, id);
    const [phase] = request.decision.phases;
    if (!phase) throw new Error('no phase');
    Object.assign(phase, { status: 'expired', decision: 'reject', completionDate: new Date().toISOString() });
    Object.assign(request.decision, { status: 'complete', decision: 'rejected', outcome: 'not provisioned' });
    const read = await served.governance.getRequest(id);
    expect(read?.status).toBe('expired');
    expect(read?.steps[0]?.status).toBe('expired');
  });
});

describe('a request IGA completed with no decision Gatehouse can read', () => {
  it.each([
    ['no outcome', null],
    ['outcome not provisioned', 'not provisioned' as const],
  ])('is shown closed, not rejected, with %s, and operators are told once', async (_how, outcome) => {
    const served = await serve();
    const id = await asked(served);
    const request = record(served, id);
    const [phase] = request.decision.phases;
    if (!phase) throw new Error('no phase');
    Object.assign(phase, { status: 'complete', decision: null, completionDate: new Date().toISOString() });
    Object.assign(request.decision, { status: 'complete', decision: null, outcome });
    request.decision.actors.inactive.push(...request.decision.actors.active.splice(0));

    const view = await shown(served, id);
    expect(view.status).toBe('canceled');
    // Nobody cancelled it either: people read that it closed in PingOne, not "Cancelled".
    expect(view.statusLabel).toBe('Closed in PingOne');
    expect(view.closedUnreadIn).toBe('PingOne');
    expect(view.outcome).toBeUndefined();
    expect(view.steps.map((step) => step.status)).not.toContain('rejected');
    expect(view.grantStatus).toBeUndefined();
    await served.governance.getRequest(id);
    const told = served.logged.filter((line) => line.requestId === id);
    expect(told).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('not as rejected') })]);
  });

  it('still reads a rejection someone made as rejected', async () => {
    const served = await serve();
    served.tenant.config.requireRejectJustification = false;
    const id = await asked(served);
    ok(await served.flows.decide(bob, { requestId: id, decision: 'reject' }));
    expect((await served.governance.getRequest(id))?.status).toBe('rejected');
    expect(served.logged).toEqual([]);
  });
});
