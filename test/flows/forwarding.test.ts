import { Writable } from 'node:stream';
import { SEED } from '@gatehouse/sandbox/okta';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Governance } from '../../src/api/governance.js';
import { OktaGovernance } from '../../src/api/okta/client.js';
import { PingOneGovernance } from '../../src/api/pingone/client.js';
import { type ChatIdentity, Flows } from '../../src/flows/index.js';
import { loggerOptions } from '../../src/logging.js';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused } from './helpers.js';

const { users: U, entries: E } = SEED;

/** The audit lines Gatehouse writes, as the product's logger writes them. */
function captured() {
  const lines: { audit?: string; msg: string; step?: number }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino(loggerOptions('info'), sink), lines };
}

/** The same backend without forwarding, as a backend that cannot forward is. */
function withoutForwarding(governance: Governance): Governance {
  return new Proxy(governance, {
    get: (target, key) =>
      key === 'forward' ? undefined : (Reflect.get(target, key, target)?.bind?.(target) ?? Reflect.get(target, key)),
  });
}

/** Whether each backend's client can forward (PingOne's may not yet): its tests run where it can. */
const FORWARDS = {
  okta: 'forward' in OktaGovernance.prototype,
  pingone: 'forward' in PingOneGovernance.prototype,
};

describe.each(PROVIDERS)('forwarding an approval on %s', (provider) => {
  let world: World;
  let flows: Flows;
  let log: ReturnType<typeof captured>;
  beforeEach(async () => {
    world = await startWorld({ provider });
    log = captured();
    flows = new Flows(world.governance, world.store, log.logger);
  });
  afterEach(async () => {
    await world.close();
  });

  const person = (user: { email: string }) => world.as(user.email);

  async function created(actor: ChatIdentity, entryId: string, extra: Record<string, string> = {}) {
    const result = ok(await flows.requestAccess(actor, { entryId, ...extra }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request;
  }

  it.skipIf(!FORWARDS[provider])('hands the step to someone else, who may then decide it, and logs it', async () => {
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    const [bobs] = ok(await flows.pendingApprovals(person(U.bob))).items;
    expect(bobs?.actions).toContain('forward');
    // What the notifier is told, to send Dana the card and redraw Bob's.
    const announced: { kind: string; approvers: string[] }[] = [];
    flows.changes.subscribe({
      requestChanged: (change) =>
        announced.push({ kind: change.kind, approvers: change.request.steps[0]?.approvers.map((a) => a.id) ?? [] }),
    });
    const after = ok(
      await flows.forward(person(U.bob), {
        requestId: request.id,
        taskId: request.steps[0]?.taskId,
        to: person(U.dana),
        reason: 'On leave',
      }),
    );
    expect(after.steps[0]?.approvers.map((a) => a.id)).toContain(U.dana.id);
    expect(after.actions).not.toContain('approve');
    expect(announced).toEqual([{ kind: 'stale', approvers: expect.arrayContaining([U.dana.id]) }]);
    const [danas] = ok(await flows.pendingApprovals(person(U.dana))).items;
    expect(danas?.id).toBe(request.id);
    // Forward pressed again on the same card: told it went to Dana, nothing sent again.
    const again = refused(
      await flows.forward(person(U.bob), {
        requestId: request.id,
        taskId: request.steps[0]?.taskId,
        to: person(U.dana),
      }),
      'not_allowed_to_forward',
    );
    expect(again).toBe('You forwarded this approval to Dana Kowalski already; it is theirs to decide now.');
    refused(await flows.decide(person(U.bob), { requestId: request.id, decision: 'approve' }), 'not_an_approver');
    ok(await flows.decide(person(U.dana), { requestId: request.id, decision: 'approve' }));
    expect(world.portal.status(request.id)).toBe('approved');
    const line = log.lines.find((l) => l.audit === 'forward');
    expect(line?.msg).toContain(`Forwarded step 1 of ${request.id}`);
    expect(line?.msg).toContain('from Bob Martinez <bob@acme.example> to Dana Kowalski <dana@acme.example>');
  });

  it.skipIf(!FORWARDS[provider])(
    'refuses whoever may not decide the step, and a target who could not take it',
    async () => {
      const request = await created(person(U.alice), E.salesforceSalesUser.id);
      const input = (to: ChatIdentity) => ({ requestId: request.id, to });
      refused(await flows.forward(person(U.carol), input(person(U.dana))), 'not_allowed_to_forward');
      refused(await flows.forward(person(U.alice), input(person(U.dana))), 'not_allowed_to_forward');
      expect(refused(await flows.forward(person(U.bob), input(person(U.alice))), 'forward_target_invalid')).toContain(
        'their own',
      );
      refused(await flows.forward(person(U.bob), input(person(U.bob))), 'forward_target_invalid');
      expect(refused(await flows.forward(person(U.bob), input(person(U.ivan))), 'forward_target_invalid')).toContain(
        'not active',
      );
      refused(await flows.forward(person(U.bob), input(world.as('nobody@acme.example'))), 'forward_target_invalid');
      refused(
        await flows.forward(person(U.bob), { requestId: 'nope0000000000000000', to: person(U.dana) }),
        'not_allowed_to_forward',
      );
      expect(ok(await flows.status(person(U.bob), request.id))).toMatchObject({
        actions: expect.arrayContaining(['approve']),
      });
      expect(log.lines.some((l) => l.audit === 'forward')).toBe(false);
    },
  );

  it.skipIf(!FORWARDS[provider])('refuses a stale card: the step decided, or moved on', async () => {
    const decided = await created(person(U.alice), E.salesforceSalesUser.id);
    ok(await flows.decide(person(U.bob), { requestId: decided.id, decision: 'approve' }));
    refused(await flows.forward(person(U.bob), { requestId: decided.id, to: person(U.dana) }), 'already_decided');
    const twoSteps = await created(person(U.alice), E.salesforceAdmin.id, { justification: 'admin work' });
    const stepOne = twoSteps.steps[0]?.taskId;
    ok(await flows.decide(person(U.bob), { requestId: twoSteps.id, taskId: stepOne, decision: 'approve' }));
    refused(
      await flows.forward(person(U.grace), { requestId: twoSteps.id, taskId: stepOne, to: person(U.dana) }),
      'already_decided',
    );
  });

  it('says plainly where the backend cannot forward, and offers no forward button', async () => {
    const plain = new Flows(withoutForwarding(world.governance), world.store, log.logger);
    const request = await created(person(U.alice), E.salesforceSalesUser.id);
    const [bobs] = ok(await plain.pendingApprovals(person(U.bob))).items;
    expect(bobs?.actions).not.toContain('forward');
    const message = refused(
      await plain.forward(person(U.bob), { requestId: request.id, to: person(U.dana) }),
      'not_supported',
    );
    expect(message).toContain(provider === 'okta' ? 'Okta' : 'PingOne');
  });
});
