import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../support/world.js';
import { ok } from './helpers.js';

const { users: U, entries: E } = SEED;

/**
 * "Open in portal" opens the backend's page for the request as the person looking should see it:
 * on PingOne the requester's own request page, an approver's (or a channel's) approval page; Okta
 * names no page for one request, so everyone gets its catalog.
 */
describe('the portal link on a request', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  async function aliceAsksForZoom() {
    const result = ok(
      await world.flows.requestAccess(world.as(U.alice.email), { entryId: E.zoomPro.id, justification: 'webinars' }),
    );
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    const snapshot = await world.flows.snapshot(result.request.id);
    if (!snapshot) throw new Error('request not found');
    return { confirmation: result.request, snapshot, id: result.request.id };
  }

  it("on PingOne is the requester's page for her, and the approval page for the approver and the channel", async () => {
    world = await startWorld({ provider: 'pingone' });
    const { confirmation, snapshot, id } = await aliceAsksForZoom();
    const mine = `/enduser/?realm=alpha#/my-requests/details/${id}`;
    const approval = `/enduser/?realm=alpha#/approvals/${id}/active`;

    expect(confirmation.portalUrl).toMatch(new RegExp(`${literally(mine)}$`));
    expect(snapshot.as({ id: confirmation.requester.id }).portalUrl).toMatch(new RegExp(`${literally(mine)}$`));
    const dana = ok(await world.flows.status(world.as(U.dana.email), id));
    expect('id' in dana && dana.portalUrl).toMatch(new RegExp(`${literally(approval)}$`));
    expect(snapshot.view.portalUrl).toMatch(new RegExp(`${literally(approval)}$`));
  });

  it('on Okta is the catalog for everyone', async () => {
    world = await startWorld({ provider: 'okta' });
    const { confirmation, snapshot } = await aliceAsksForZoom();
    expect(confirmation.portalUrl).toMatch(/\/enduser\/catalog$/);
    expect(snapshot.view.portalUrl).toBe(confirmation.portalUrl);
  });
});

function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
