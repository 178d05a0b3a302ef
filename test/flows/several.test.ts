import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ChatIdentity, Flows, MOST_AT_ONCE, type SeveralDecided } from '../../src/flows/index.js';
import { testLogger } from '../support/test-logger.js';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused, startOktaFlows } from './helpers.js';

const { users: U, entries: E } = SEED;

/** Each item as the person would read the answer: the request id and what became of it. */
function summary(decided: SeveralDecided) {
  return decided.results.map((result) =>
    result.ok ? [result.requestId, result.request.status] : [result.requestId, result.failure.code],
  );
}

describe.each(PROVIDERS)('deciding several approvals at once on %s', (provider) => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const alice = () => world.as(U.alice.email);
  const erin = () => world.as(U.erin.email);
  const bob = () => world.as(U.bob.email);
  const carol = () => world.as(U.carol.email);

  async function created(actor: ChatIdentity, entryId: string, extra: Record<string, string> = {}) {
    const result = ok(await world.flows.requestAccess(actor, { entryId, ...extra }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request;
  }

  /** Three requests Bob (Alice's and Erin's manager) is asked to approve. */
  async function bobsQueue() {
    return [
      await created(alice(), E.salesforceSalesUser.id),
      await created(alice(), E.figmaEditor.id),
      await created(erin(), E.salesforceSalesUser.id),
    ];
  }

  it('approves every item, each on its own, and reports them in the order asked', async () => {
    const queue = await bobsQueue();
    const announced: string[] = [];
    world.flows.changes.subscribe({
      requestChanged: (change) => announced.push(`${change.kind} ${change.request.id}`),
    });
    const decided = ok(
      await world.flows.decideSeveral(bob(), {
        items: queue.map((r) => ({ requestId: r.id, taskId: r.steps[0]?.taskId })),
        decision: 'approve',
      }),
    );
    // Each decision is announced, as one click's is, for the notifier to redraw every card.
    expect(announced).toEqual(queue.map((r) => `decided ${r.id}`));
    expect(summary(decided)).toEqual(queue.map((r) => [r.id, 'approved']));
    for (const request of queue) expect(world.portal.status(request.id)).toBe('approved');
    expect(world.portal.writes('decide')).toBe(3);
    const first = decided.results[0];
    expect(first?.ok && first.request.outcome).toMatchObject({ decision: 'approve', by: { name: 'Bob Martinez' } });
  });

  it('reports a stale item, one not theirs and a made-up id, and still decides the rest', async () => {
    const [already, open] = [await created(alice(), E.salesforceSalesUser.id), await created(erin(), E.figmaEditor.id)];
    const carols = await created(carol(), E.figmaEditor.id);
    ok(await world.flows.decide(bob(), { requestId: already.id, decision: 'approve' }));
    const decided = ok(
      await world.flows.decideSeveral(bob(), {
        items: [
          { requestId: already.id },
          { requestId: carols.id },
          { requestId: 'nope0000000000000000' },
          { requestId: open.id },
        ],
        decision: 'approve',
      }),
    );
    expect(summary(decided)).toEqual([
      [already.id, 'already_decided'],
      [carols.id, 'not_an_approver'],
      ['nope0000000000000000', 'not_an_approver'],
      [open.id, 'approved'],
    ]);
    const [stale, notTheirs] = decided.results;
    // The stale item is named; a request Bob takes no part in is answered as one that does not exist.
    expect(stale?.ok === false && stale.entryName).toBe('Salesforce — Sales User');
    expect(stale?.ok === false && stale.failure.message).toContain('Bob Martinez');
    expect(notTheirs?.ok === false && notTheirs.entryName).toBeUndefined();
    expect(world.portal.status(carols.id)).toBe('pending');
    expect(world.portal.writes('decide')).toBe(2);
  });

  it('rejects several with one reason, and asks for it on each item when missing', async () => {
    const queue = await bobsQueue();
    const items = queue.map((r) => ({ requestId: r.id }));
    const unexplained = ok(await world.flows.decideSeveral(bob(), { items, decision: 'reject' }));
    expect(summary(unexplained)).toEqual(queue.map((r) => [r.id, 'reason_required']));
    expect(world.portal.writes('decide')).toBe(0);
    const rejected = ok(
      await world.flows.decideSeveral(bob(), { items, decision: 'reject', reason: 'Not this quarter' }),
    );
    expect(rejected.results.every((r) => r.ok && r.request.outcome?.reason === 'Not this quarter')).toBe(true);
    expect(world.portal.writes('decide')).toBe(3);
  });

  it(`refuses more than ${MOST_AT_ONCE} at once, writing nothing`, async () => {
    const request = await created(alice(), E.salesforceSalesUser.id);
    const items = Array.from({ length: MOST_AT_ONCE + 1 }, () => ({ requestId: request.id }));
    const message = refused(await world.flows.decideSeveral(bob(), { items, decision: 'approve' }), 'too_many_at_once');
    expect(message).toContain(`at most ${MOST_AT_ONCE}`);
    expect(world.portal.writes('decide')).toBe(0);
    expect(world.portal.status(request.id)).toBe('pending');
  });

  it('decides the same request once when it is asked twice in one action', async () => {
    const request = await created(alice(), E.salesforceSalesUser.id);
    const decided = ok(
      await world.flows.decideSeveral(bob(), {
        items: [{ requestId: request.id }, { requestId: request.id }],
        decision: 'approve',
      }),
    );
    expect(summary(decided)).toEqual([
      [request.id, 'approved'],
      [request.id, 'already_decided'],
    ]);
    expect(world.portal.writes('decide')).toBe(1);
  });

  it('counts one action against the personal limit, however many items it decides', async () => {
    const limited = new Flows(world.governance, world.store, testLogger(), {
      personalLimit: { rules: [{ points: 2, seconds: 60 }] },
    });
    const queue = await bobsQueue();
    const decided = ok(
      await limited.decideSeveral(bob(), { items: queue.map((r) => ({ requestId: r.id })), decision: 'approve' }),
    );
    expect(decided.results.every((r) => r.ok)).toBe(true);
    ok(await limited.pendingApprovals(bob()));
    refused(await limited.pendingApprovals(bob()), 'too_fast');
  });
});

describe('what deciding several costs the governance system (okta)', () => {
  it('costs no more per item than one decision does', async () => {
    const okta = await startOktaFlows();
    try {
      const bob = okta.as(U.bob.email);
      const ask = async (email: string, entryId: string) => {
        const result = ok(await okta.flows.requestAccess(okta.as(email), { entryId }));
        if (result.kind !== 'created') throw new Error('expected a request');
        return result.request.id;
      };
      // The steady state: people known, the policy read, one decision made already.
      ok(await okta.flows.decide(bob, { requestId: await ask(U.alice.email, E.figmaEditor.id), decision: 'approve' }));
      const single = await ask(U.erin.email, E.figmaEditor.id);
      const queue = [
        await ask(U.alice.email, E.salesforceSalesUser.id),
        await ask(U.erin.email, E.salesforceSalesUser.id),
      ];
      let before = okta.calls();
      ok(await okta.flows.decide(bob, { requestId: single, decision: 'approve' }));
      const one = okta.calls() - before;
      before = okta.calls();
      ok(
        await okta.flows.decideSeveral(bob, { items: queue.map((requestId) => ({ requestId })), decision: 'approve' }),
      );
      expect(okta.calls() - before).toBeLessThanOrEqual(one * queue.length);
    } finally {
      await okta.close();
    }
  });
});
