import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused } from './helpers.js';

const { users: U, entries: E } = SEED;

/** Dana is the one approver of Zoom Pro: asking for it herself leaves nobody who may approve it. */
describe.each(PROVIDERS)('a request only its requester could approve, on %s', (provider) => {
  let world: World;
  beforeEach(async () => {
    world = await startWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  async function request(email: string, entryId: string, justification: string) {
    const result = ok(await world.flows.requestAccess(world.as(email), { entryId, justification }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request;
  }

  it('tells the requester at once that they cannot approve it and where it went, and offers no Approve', async () => {
    const view = await request(U.dana.email, E.zoomPro.id, 'I run the security webinars');
    expect(view.stranded?.step).toBe(1);
    expect(view.stranded?.note).toBe(
      'You cannot approve your own request, and nobody else can approve step 1: it has gone to the approvals ' +
        'channel, where an administrator has to reassign the step or decide it in the portal.',
    );
    expect(view.statusLabel).toBe(
      'Pending approval — you cannot approve your own request; it is in the approvals channel for an administrator',
    );
    expect(view.actions).not.toContain('approve');
    // The backend agrees: her own approval is refused, and nothing is recorded as approved.
    const said = refused(
      await world.flows.decide(world.as(U.dana.email), { requestId: view.id, decision: 'approve' }),
      'self_approval_forbidden',
    );
    expect(said).toContain('nobody else can approve step 1: an administrator has to reassign it');
    expect(world.portal.status(view.id)).toBe('pending');
    expect(world.portal.writes('decide')).toBe(0);
  });

  it('says so wherever the request is shown later: her status and open requests, and to anyone else', async () => {
    const view = await request(U.dana.email, E.zoomPro.id, 'I run the security webinars');
    const status = ok(await world.flows.status(world.as(U.dana.email), view.id));
    expect('id' in status && status.statusLabel).toContain('you cannot approve your own request');
    const open = ok(await world.flows.status(world.as(U.dana.email)));
    const listed = 'items' in open ? open.items.find((item) => item.id === view.id) : undefined;
    expect(listed?.stranded?.note).toContain('You cannot approve your own request');
    const snapshot = await world.flows.snapshot(view.id);
    expect(snapshot?.view.statusLabel).toContain('nobody but the requester can approve step 1');
    expect(snapshot?.view.statusLabel.match(/—/g)).toHaveLength(1);
  });

  it('says nothing of the kind when someone else can approve it', async () => {
    const view = await request(U.alice.email, E.zoomPro.id, 'customer webinars');
    expect(view.stranded).toBeUndefined();
    expect(view.statusLabel).toBe('Pending approval');
  });

  it('says nothing of the kind when another member of the approving group can decide', async () => {
    // Slack Workspace Admin: any member of IT Security (Dana and Henry) approves.
    const view = await request(U.dana.email, E.slackWorkspaceAdmin.id, 'workspace audit');
    expect(view.stranded).toBeUndefined();
  });
});
