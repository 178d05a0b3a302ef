import { generateKeyPairSync } from 'node:crypto';
import { SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import type { JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance, PingOneGovernanceOptions } from '../../../src/api/pingone/client.js';
import type { Principal } from '../../../src/domain/types.js';
import { Flows } from '../../../src/flows/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok, refusal } from '../../flows/helpers.js';
import { eventually, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';
import { testLogger } from '../../support/test-logger.js';
import { sandboxPersonGrant } from '../../support/world.js';
import { pingOneClient } from './client.js';

/**
 * Decisions on PingOne made as the approver (issue 17, P12/E12): Gatehouse signs an RFC 7523
 * assertion for the approver and acts with the token PingOne gives for it, so IGA records the
 * approver as the decider and applies its own rule that only a phase's actors decide it. Where
 * PingOne will not let Gatehouse act as the person, the person is told so with a link to decide in
 * Ping, and nothing is recorded.
 */

const { users: U, entries: E } = SEED;
let tenant: PingOneTenant;
let emulator: FastifyInstance;
let ahead = 0;
const tenantNow = () => Date.now() + ahead;

beforeEach(async () => {
  ahead = 0;
  tenant = createPingOneTenant({ now: tenantNow });
  emulator = Fastify();
  await emulator.register(pingOneEmulator, { tenant });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await emulator.close();
});

const base = () => `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`;

function client(extra: Partial<PingOneGovernanceOptions> = {}) {
  return pingOneClient(base(), tenantNow, extra);
}

const flowsOver = (governance: PingOneGovernance) => new Flows(governance, new MemoryStore(), testLogger());
const as = (email: string) => ({ platform: 'slack' as const, userId: `U${email}`, email });
const alice = () => as(U.alice.email);
const bob = () => as(U.bob.email);

/** A request for Alice waiting for Bob (her manager), filed as Gatehouse files them. */
function pending(entryId: string = E.salesforceSalesUser.id) {
  const [created] = tenant.create(
    { users: [U.alice.id], catalogs: [{ type: 'application', id: entryId }] },
    tenant.serviceAccountId,
  ).result;
  if (!created) throw new Error('not created');
  return created;
}

async function principal(governance: PingOneGovernance, id: string): Promise<Principal> {
  const found = await governance.getPrincipal(id);
  if (!found) throw new Error(`no principal ${id}`);
  return found;
}

const decisionsSent = () => tenant.calls.filter((call) => call.action === 'approve' || call.action === 'reject');
const tokenCalls = () => tenant.calls.filter((call) => call.path.endsWith('/access_token'));
/** Where Ping's end-user UI shows an approver this request. */
const approvalLink = (id: string) => `${base()}/enduser/?realm=alpha#/approvals/${id}/active`;

describe('a decision from chat', () => {
  it('is recorded by PingOne as the approver’s own, with their words as the justification', async () => {
    const request = pending();
    const decided = ok(
      await flowsOver(client()).decide(bob(), { requestId: request.id, decision: 'approve', reason: 'Territory ok' }),
    );
    expect(decided.request.status).toBe('approved');
    const record = tenant.request(request.id);
    expect(record?.decision.phases[0]?.completedBy).toMatchObject({ id: U.bob.id, mail: U.bob.email });
    expect(record?.decision.comments).toEqual([
      expect.objectContaining({ user: expect.objectContaining({ id: U.bob.id }), comment: 'Territory ok' }),
    ]);
    expect(decisionsSent().map((call) => call.status)).toEqual([200]);
  });

  it('tells an approver IGA does not count as the phase’s actor so, with a link, and records nothing', async () => {
    const governance = client();
    const request = pending();
    // Grace is no actor of Bob's phase; IGA, not Gatehouse, says no here.
    const grace = await principal(governance, U.grace.id);
    const refusal = governance.decide({ requestId: request.id, approver: grace, decision: 'approve' });
    await expect(refusal).rejects.toMatchObject({
      code: 'governance_rejected',
      status: 403,
      link: { label: 'See in PingOne who can decide it', url: approvalLink(request.id) },
    });
    await expect(refusal).rejects.toMatchObject({ userMessage: expect.stringMatching(/^PingOne does not let you/) });
    expect(tenant.request(request.id)?.decision).toMatchObject({ status: 'in-progress', comments: [] });
  });

  it('gives the same plain answer through the flows when IGA lists the approver but will not let them approve', async () => {
    const request = pending();
    const actor = tenant.request(request.id)?.decision.actors.active[0];
    if (!actor) throw new Error('no actor');
    // Listed on the phase, but with no approve permission for IGA to honour.
    actor.permissions = { reject: true, comment: true };
    const failure = refusal(
      await flowsOver(client()).decide(bob(), { requestId: request.id, decision: 'approve' }),
      'governance_rejected',
    );
    expect(failure.link?.url).toBe(approvalLink(request.id));
    expect(failure.message).toContain('nothing was recorded');
    expect(tenant.request(request.id)?.decision.status).toBe('in-progress');
  });

  it('is not made, and the approver is sent to Ping, where the tenant is not set up for the person grant', async () => {
    const request = pending();
    const failure = refusal(
      await flowsOver(client({ personGrant: undefined })).decide(bob(), { requestId: request.id, decision: 'approve' }),
      'governance_rejected',
    );
    expect(failure.message).toBe(
      'PingOne is not set up for Gatehouse to approve or reject as you, so nothing was recorded.',
    );
    expect(failure.link).toEqual({ label: 'Decide in PingOne', url: approvalLink(request.id) });
    expect(decisionsSent()).toHaveLength(0);
    expect(tenant.request(request.id)?.decision.status).toBe('in-progress');
  });

  it('goes with the service token only where PINGONE_ADMIN_DECIDES says the tenant allows it', async () => {
    tenant.adminMayDecide = true;
    const request = pending();
    ok(
      await flowsOver(client({ personGrant: undefined, adminDecides: true })).decide(bob(), {
        requestId: request.id,
        decision: 'approve',
      }),
    );
    const record = tenant.request(request.id);
    expect(record?.decision.phases[0]?.completedBy?.id).toBe(tenant.serviceAccountId);
    expect(record?.decision.comments[0]?.comment).toBe('Bob Martinez <bob@acme.example> (Slack): approved.');
  });

  it('is not reported as broken credentials when IGA answers 403, and names nothing as done', async () => {
    const request = pending();
    tenant.faults.push({ method: 'POST', action: 'approve', status: 403, times: 1 });
    const failure = refusal(
      await flowsOver(client()).decide(bob(), { requestId: request.id, decision: 'approve' }),
      'governance_rejected',
    );
    expect(failure.message).not.toMatch(/could not sign in|administrator/i);
    expect(failure.link?.url).toBe(approvalLink(request.id));
    expect(tenant.request(request.id)?.decision.status).toBe('in-progress');
  });

  it('sends the approver to Ping when PingOne refuses the assertion, and records nothing', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const unknownKey = JSON.stringify(privateKey.export({ format: 'jwk' }) as JWK);
    const request = pending();
    for (const grant of [
      { ...sandboxPersonGrant(base()), privateKey: unknownKey },
      { ...sandboxPersonGrant(base()), issuer: 'https://not-trusted.example' },
    ]) {
      const failure = refusal(
        await flowsOver(client({ personGrant: grant })).decide(bob(), { requestId: request.id, decision: 'approve' }),
        'governance_rejected',
      );
      expect(failure.message).toBe('PingOne did not let Gatehouse approve or reject as you, so nothing was recorded.');
      expect(failure.link).toEqual({ label: 'Decide in PingOne', url: approvalLink(request.id) });
    }
    expect(tokenCalls().map((call) => call.status)).toEqual([400, 400]);
    expect(decisionsSent()).toHaveLength(0);
  });
});

describe('a person’s token', () => {
  it('is asked for once per person and reused until shortly before it expires', async () => {
    const flows = flowsOver(client());
    const [first, second, third] = [
      pending(E.salesforceSalesUser.id),
      pending(E.jiraSoftwareUser.id),
      pending(E.slackMember.id),
    ];
    // Two of Bob's clicks at once share one token request.
    await Promise.all(
      [first, second].map(async (request) =>
        ok(await flows.decide(bob(), { requestId: request.id, decision: 'approve' })),
      ),
    );
    ok(await flows.comment(bob(), third.id, 'Which workspace?'));
    expect(tokenCalls()).toHaveLength(1);
    ok(await flows.comment(alice(), third.id, 'The sales one'));
    expect(tokenCalls()).toHaveLength(2);
    // An hour on, Bob's token has run out: one new one.
    ahead += 3_600_000;
    ok(await flows.decide(bob(), { requestId: third.id, decision: 'approve' }));
    expect(tokenCalls()).toHaveLength(3);
  });

  it('is asked for again once when PingOne no longer takes the one kept, and the decision is made once', async () => {
    const flows = flowsOver(client());
    const [first, second] = [pending(E.salesforceSalesUser.id), pending(E.jiraSoftwareUser.id)];
    ok(await flows.decide(bob(), { requestId: first.id, decision: 'approve' }));
    tenant.personTokens.clear();
    ok(await flows.decide(bob(), { requestId: second.id, decision: 'approve' }));
    expect(tokenCalls()).toHaveLength(2);
    expect(decisionsSent().map((call) => call.status)).toEqual([200, 401, 200]);
    expect(tenant.request(second.id)?.decision.phases[0]?.completedBy?.id).toBe(U.bob.id);
  });
});

describe('comments and cancellations', () => {
  it('are the person’s own where the person grant is set up', async () => {
    const flows = flowsOver(client());
    const request = pending();
    ok(await flows.comment(bob(), request.id, 'Which region?'));
    ok(await flows.cancel(alice(), request.id, 'No longer needed'));
    expect(tenant.request(request.id)?.decision).toMatchObject({
      status: 'cancelled',
      comments: [
        expect.objectContaining({ user: expect.objectContaining({ id: U.bob.id }), comment: 'Which region?' }),
        expect.objectContaining({ user: expect.objectContaining({ id: U.alice.id }), comment: 'No longer needed' }),
      ],
    });
  });

  it('say who wrote them, with Gatehouse’s token, where it is not', async () => {
    const flows = flowsOver(client({ personGrant: undefined }));
    const request = pending();
    ok(await flows.comment(bob(), request.id, 'Which region?'));
    ok(await flows.cancel(alice(), request.id));
    const comments = tenant.request(request.id)?.decision.comments ?? [];
    expect(comments.map((c) => [c.user.id, c.comment])).toEqual([
      [tenant.serviceAccountId, 'Bob Martinez <bob@acme.example> (Slack): Which region?'],
      [tenant.serviceAccountId, 'Alice Nguyen <alice@acme.example> (chat): cancelled.'],
    ]);
  });
});

describe('sandbox mode with PingOne (SANDBOX_PROVIDER=pingone npm start)', () => {
  let world: SlackWorld;
  afterEach(async () => {
    await world.close();
  });

  async function askAndClick() {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(E.salesforceSalesUser.id));
    const card = await eventually(() =>
      world.slack.dmWith(S.bob.id).find((message) => !message.thread_ts && shown(message).includes(request.id)),
    );
    await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    return request;
  }

  it('approves from chat as the approver, with no administrator allowed to decide', async () => {
    world = await startSlackWorld({ provider: 'pingone' });
    expect(world.pingone.adminMayDecide).toBe(false);
    const request = await askAndClick();
    await eventually(() => world.portal.status(request.id) === 'approved');
    expect(world.pingone.request(request.id)?.decision.phases[0]?.completedBy?.id).toBe(U.bob.id);
  });

  it('tells the approver in Slack to decide in Ping when the tenant does not trust the issuer', async () => {
    world = await startSlackWorld({ provider: 'pingone' });
    world.pingone.trustedIssuers.splice(0);
    const request = await askAndClick();
    const told = await eventually(() =>
      world.slack.ephemeralsFor(S.bob.id).find((message) => shown(message).includes('#/approvals/')),
    );
    expect(shown(told)).toContain('PingOne did not let Gatehouse approve or reject as you');
    expect(world.portal.status(request.id)).toBe('pending');
  });
});
