import { createOktaOrg, GENEROUS_RATE_LIMIT_PER_MINUTE, type OktaOrgOptions, SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { eventually, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';

/**
 * What Okta's event hooks do not promise: the `type` of the request in an event's `target[]` is not
 * published, and before release 2026.05.0 no event tells of a step decided mid-sequence (nor does
 * Okta say a request's `lastUpdated` moves when only its task changes). Changes must reach chat
 * however the org behaves.
 */

const HOOK = { authorization: SANDBOX_SECRETS.oktaEventHookSecret };
const { users: U, entries: E } = SEED;

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function worldWith(options: OktaOrgOptions): Promise<SlackWorld> {
  world = await startSlackWorld({
    org: createOktaOrg({ rateLimitPerMinute: GENEROUS_RATE_LIMIT_PER_MINUTE, ...options }),
  });
  return world;
}

/** A request made in the Okta dashboard, Gatehouse not involved. */
function portalRequest(current: SlackWorld, entryId: string, userId: string) {
  const fieldId = current.okta.entries.find((entry) => entry.id === entryId)?.condition?.justification.fieldId ?? '';
  const request = current.okta.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId },
      requestedFor: { type: 'OKTA_USER', externalId: userId },
      requesterFieldValues: [{ id: fieldId, value: 'Admin work' }],
    },
    current.okta.actorFor(userId),
  );
  current.okta.settle();
  return request;
}

/** The events the org published about a request, as Okta delivers them. */
function delivery(current: SlackWorld, requestId: string) {
  return { data: { events: current.okta.events.filter((event) => event.target.some((t) => t.id === requestId)) } };
}

const cardFor = (current: SlackWorld, userId: string, requestId: string) =>
  current.slack.dmWith(userId).find((m) => !m.thread_ts && shown(m).includes(requestId));

describe('Okta event hooks, whatever the target is called', () => {
  it('takes the request from a target of any type string whose id is a request id', async () => {
    const current = await worldWith({ hookTargetType: 'AccessRequestV2' });
    const request = portalRequest(current, E.zoomPro.id, U.alice.id);
    const events = delivery(current, request.id).data.events;
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.target.every((target) => target.type === 'AccessRequestV2'))).toBe(true);

    const delivered = await current.gatehouse.server.inject({
      method: 'POST',
      url: '/hooks/okta',
      headers: HOOK,
      payload: delivery(current, request.id),
    });
    expect(delivered.statusCode).toBe(200);
    // No poll runs here (POLL_INTERVAL_MS is an hour in tests): the hook alone brings it to chat.
    await eventually(() => cardFor(current, S.dana.id, request.id));
  });

  it('polls for recent changes when an access-request event names no request id', async () => {
    const current = await worldWith({});
    const request = portalRequest(current, E.zoomPro.id, U.alice.id);
    // The events as they would come if Okta named the request by something else than its id.
    const events = delivery(current, request.id).data.events.map((event) => ({
      ...event,
      target: [
        { id: 'Zoom — Pro License', type: 'AccessRequest', displayName: 'Zoom — Pro License' },
        { id: U.alice.id, type: 'User', displayName: 'Alice Nguyen' },
      ],
    }));
    // Gatehouse's own hook: it asks this replica's poller for a poll soon (POLL_INTERVAL_MS is an
    // hour in tests, so only that poll can bring the card).
    const delivered = await current.gatehouse.server.inject({
      method: 'POST',
      url: '/hooks/okta',
      headers: HOOK,
      payload: { data: { events } },
    });
    expect(delivered.statusCode).toBe(200);
    await eventually(() => cardFor(current, S.dana.id, request.id));
  });
});

describe('an org before release 2026.05 (no access.request.update)', () => {
  it.each([
    ['moves', true],
    ['does not move', false],
  ] as const)("brings a step decided mid-sequence to chat when the request's lastUpdated %s", async (_, touches) => {
    const current = await worldWith({ updateEvents: false, taskChangesTouchRequest: touches });
    const request = portalRequest(current, E.salesforceAdmin.id, U.alice.id);
    await current.gatehouse.poller.pollOnce();
    await eventually(() => cardFor(current, S.bob.id, request.id));
    const before = current.okta.request(request.id)?.lastUpdated;

    // Bob approves step 1 in the Okta dashboard: Okta publishes no event for it.
    const eventsBefore = current.okta.events.length;
    current.okta.decideInOkta(request.id, U.bob.id, 'APPROVED');
    expect(current.okta.events.length).toBe(eventsBefore);
    expect(current.okta.request(request.id)?.lastUpdated === before).toBe(!touches);

    await current.gatehouse.poller.pollOnce();
    const graceCard = await eventually(() => cardFor(current, S.grace.id, request.id));
    expect(shown(graceCard)).toContain('Step 1 approved by Bob Martinez');
    await eventually(() => current.slack.dmWith(S.alice.id).find((m) => shown(m).includes('Step 1 of your request')));
  });
});
