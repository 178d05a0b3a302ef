import { Writable } from 'node:stream';
import { SEED } from '@gatehouse/sandbox/okta';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Delegation, Governance } from '../../src/api/governance.js';
import { type ChatIdentity, Flows } from '../../src/flows/index.js';
import { loggerOptions } from '../../src/logging.js';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused } from './helpers.js';

const { users: U, entries: E } = SEED;
const DAY_MS = 24 * 60 * 60_000;

function captured() {
  const lines: { audit?: string; msg: string }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino(loggerOptions('info'), sink), lines };
}

function withDelegation(governance: Governance, delegation: Delegation | undefined): Governance {
  return new Proxy(governance, {
    get: (target, key) => {
      if (key === 'delegation') return delegation;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe.each(PROVIDERS)('delegates on %s', (provider) => {
  let world: World;
  let log: ReturnType<typeof captured>;
  beforeEach(async () => {
    world = await startWorld({ provider });
    log = captured();
  });
  afterEach(async () => {
    await world.close();
  });
  const person = (user: { email: string }) => world.as(user.email);

  it('says plainly, on a backend without delegates, that it has none', async () => {
    const flows = new Flows(withDelegation(world.governance, undefined), world.store, log.logger);
    const system = provider === 'okta' ? 'Okta' : 'PingOne';
    const appointed = await flows.delegate(person(U.bob), { to: person(U.dana), until: 'friday' });
    expect(refused(appointed, 'not_supported')).toContain(system);
    refused(await flows.myDelegation(person(U.bob)), 'not_supported');
    refused(await flows.endDelegation(person(U.bob)), 'not_supported');
  });

  it("appoints and ends a delegate through the backend's own appointments, where it has them", async (context) => {
    if (!world.governance.delegation) context.skip();
    const flows = new Flows(world.governance, world.store, log.logger);
    const until = new Date(Date.now() + 5 * DAY_MS).toISOString().slice(0, 10);
    const appointed = ok(await flows.delegate(person(U.bob), { to: person(U.dana), until }));
    expect(appointed.delegate.id).toBe(ok(await flows.whoAmI(person(U.dana))).id);
    expect(ok(await flows.myDelegation(person(U.bob)))?.delegate.id).toBe(appointed.delegate.id);
    expect(ok(await flows.endDelegation(person(U.bob)))).toEqual({ ended: true });
    expect(ok(await flows.myDelegation(person(U.bob)))).toBeNull();
  });
});

describe('a delegate deciding for an approver away (okta)', () => {
  let world: World;
  let flows: Flows;
  let log: ReturnType<typeof captured>;
  beforeEach(async () => {
    world = await startWorld({ provider: 'okta' });
    log = captured();
    flows = new Flows(world.governance, world.store, log.logger);
  });
  afterEach(async () => {
    await world.close();
  });
  /** Bob's appointment as Okta records it. */
  const bobsAppointment = () =>
    world.governance.delegation?.current({ id: U.bob.id, email: U.bob.email, displayName: 'Bob', active: true });
  const person = (user: { email: string }) => world.as(user.email);

  async function created(actor: ChatIdentity, entryId: string) {
    const result = ok(await flows.requestAccess(actor, { entryId }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request;
  }

  it('appoints a delegate until a typed day, who then sees and decides the approvals already waiting, for whom they are', async () => {
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    const inTenDays = new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
    const appointed = ok(
      await flows.delegate(person(U.bob), { to: person(U.dana), until: inTenDays, note: 'Holiday' }),
    );
    expect(appointed).toEqual({
      delegate: expect.objectContaining({ id: U.dana.id, name: 'Dana Kowalski' }),
      until: `${inTenDays}T23:59:59.000Z`,
      note: 'Holiday',
    });
    expect(ok(await flows.myDelegation(person(U.bob)))).toEqual(appointed);
    expect((await bobsAppointment())?.delegate.id).toBe(U.dana.id);
    const [waiting] = ok(await flows.pendingApprovals(person(U.dana))).items;
    expect(waiting).toMatchObject({
      id: request.id,
      onBehalfOf: { id: U.bob.id, name: 'Bob Martinez' },
      actions: expect.arrayContaining(['approve', 'reject']),
    });
    expect(waiting?.actions).not.toContain('forward');
    expect(waiting?.requesterContext?.title).toBe('Account Executive');
    const snapshot = await flows.snapshot(request.id);
    expect(snapshot?.delegates).toEqual([
      { delegate: expect.objectContaining({ id: U.dana.id }), for: expect.objectContaining({ id: U.bob.id }) },
    ]);
    expect(snapshot?.as({ id: U.dana.id }).actions).toContain('approve');
    const decided = ok(await flows.decide(person(U.dana), { requestId: request.id, decision: 'approve' }));
    expect(decided.request.outcome?.by.name).toBe('Dana Kowalski');
    expect(world.portal.status(request.id)).toBe('approved');
    expect(world.portal.notes(request.id).some((note) => note.includes('delegate of Bob Martinez'))).toBe(true);
    expect(log.lines.find((l) => l.audit === 'delegate')?.msg).toBe(
      `Bob Martinez <bob@acme.example> appointed Dana Kowalski <dana@acme.example> to decide their approvals until ${inTenDays}T23:59:59.000Z via Slack`,
    );
  });

  it('ends the appointment: the delegate no longer sees nor decides', async () => {
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    ok(await flows.delegate(person(U.bob), { to: person(U.dana) }));
    expect(ok(await flows.pendingApprovals(person(U.dana))).items).toHaveLength(1);
    expect(ok(await flows.endDelegation(person(U.bob)))).toEqual({ ended: true });
    expect(ok(await flows.endDelegation(person(U.bob)))).toEqual({ ended: false });
    expect(ok(await flows.myDelegation(person(U.bob)))).toBeNull();
    expect(ok(await flows.pendingApprovals(person(U.dana))).items).toEqual([]);
    refused(await flows.decide(person(U.dana), { requestId: request.id, decision: 'approve' }), 'not_an_approver');
    expect(world.portal.writes('decide')).toBe(0);
    expect(log.lines.some((l) => l.audit === 'delegate-end' && l.msg.includes('ended Dana Kowalski'))).toBe(true);
  });

  it('leaves a step opened while the approver is away to Okta, which gives it to the delegate', async () => {
    ok(await flows.delegate(person(U.bob), { to: person(U.dana) }));
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    const [waiting] = ok(await flows.pendingApprovals(person(U.dana))).items;
    expect(waiting?.id).toBe(request.id);
    expect(waiting).not.toHaveProperty('onBehalfOf');
    ok(await flows.decide(person(U.dana), { requestId: request.id, decision: 'approve' }));
    expect(world.portal.status(request.id)).toBe('approved');
  });

  it('never lets a delegate approve their own request for the approver', async () => {
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    ok(await flows.delegate(person(U.bob), { to: person(U.alice) }));
    expect(ok(await flows.pendingApprovals(person(U.alice))).items).toEqual([]);
    refused(await flows.decide(person(U.alice), { requestId: request.id, decision: 'approve' }), 'not_an_approver');
    expect(world.portal.writes('decide')).toBe(0);
  });

  it('refuses oneself, an inactive or unknown person, a day past, too far or unreadable', async () => {
    const bob = person(U.bob);
    const message = (outcome: Awaited<ReturnType<Flows['delegate']>>) => refused(outcome, 'delegate_invalid');
    expect(message(await flows.delegate(bob, { to: bob }))).toContain('your own delegate');
    expect(message(await flows.delegate(bob, { to: person(U.ivan) }))).toContain('not active');
    expect(message(await flows.delegate(bob, { to: world.as('nobody@acme.example') }))).toContain('no account');
    expect(message(await flows.delegate(bob, { to: person(U.dana), until: '2020-01-01' }))).toContain('has passed');
    const far = new Date(Date.now() + 120 * DAY_MS).toISOString().slice(0, 10);
    expect(message(await flows.delegate(bob, { to: person(U.dana), until: far }))).toContain('at most 90 days');
    expect(message(await flows.delegate(bob, { to: person(U.dana), until: 'whenever' }))).toContain('not a date');
    expect(await bobsAppointment()).toBeNull();
    expect(log.lines.some((l) => l.audit === 'delegate')).toBe(false);
  });

  it('appoints for two weeks when no day is given: never a standing hand-over', async () => {
    const appointed = ok(await flows.delegate(person(U.bob), { to: person(U.dana) }));
    const inTwoWeeks = new Date(Date.now() + 14 * DAY_MS).toISOString().slice(0, 10);
    expect(appointed.until).toBe(`${inTwoWeeks}T23:59:59.000Z`);
  });
});
