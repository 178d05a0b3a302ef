import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderAccess } from '../../../src/adapters/slack/render/lists.js';
import {
  buttonsOf,
  eventually,
  messageAbout,
  S,
  type SlackWorld,
  shown,
  startSlackWorld,
} from '../../support/slack-world.js';
import { PROVIDERS } from '../../support/world.js';

/**
 * Issue 21, first increment on Slack: `/access cancel <id or app>`, `/access my access`, and a
 * Cancel button (with Slack's confirm dialog) on the requester's own card. Driven through
 * /slack/events with Slack's own payloads, read as the person sees it in the Slack stand-in.
 */
let world: SlackWorld;

const ephemeralWith = (userId: string, text: string) =>
  eventually(() => world.slack.ephemeralsFor(userId).find((message) => shown(message).includes(text)));
const lastEphemeral = (userId: string) => world.slack.ephemeralsFor(userId).at(-1);

describe('the my-access answer, as rendered', () => {
  it('says when time-bound access ends in Slack date markup, with the caveat, escaping names', () => {
    const message = renderAccess([
      { entry: { id: 'e1', name: 'Figma — Editor <!here>' }, status: 'active', expiresAt: '2026-12-09T20:00:00.000Z' },
      { entry: { id: 'e2', name: 'Finance Analysts' }, status: 'active', caveat: 'Dates come from the <request>.' },
    ]);
    const text = shown(message as never);
    expect(text).toMatch(
      /Figma — Editor &lt;!here&gt;\*? · ends <!date\^1796846400\^\{date_short_pretty\} at \{time\}\|2026-12-09 20:00 UTC>/,
    );
    expect(text).not.toContain('<!here>');
    expect(text).toContain('Dates come from the &lt;request&gt;.');
  });

  it('has an empty state that says how to ask', () => {
    expect(shown(renderAccess([]) as never)).toContain('`/access request &lt;what&gt;` asks for something');
  });
});

describe.each(PROVIDERS)('on %s', (provider) => {
  beforeEach(async () => {
    world = await startSlackWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  /** Alice asks for Salesforce Sales User; her card and her approver's are posted before the test acts. */
  async function aliceAsks(
    what = 'Salesforce Sales User because new territory',
    entryId = SEED.entries.salesforceSalesUser.id,
  ) {
    await world.driver.command(S.alice.id, `request ${what}`);
    const request = await eventually(() => world.portal.find(entryId));
    const aliceCard = await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id));
    const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    await world.gatehouse.idle();
    return { request, aliceCard, bobCard };
  }

  describe('help', () => {
    it('lists cancel and my access', async () => {
      await world.driver.command(S.alice.id, 'help');
      const help = shown(lastEphemeral(S.alice.id));
      expect(help).toContain('/access cancel &lt;request id or app&gt;');
      expect(help).toContain('/access my access');
      expect(help).toContain('/access status [&lt;request id or app&gt;]');
    });
  });

  describe('/access cancel', () => {
    it('cancels my open request named by its app, and every card then shows it cancelled', async () => {
      const { request, aliceCard, bobCard } = await aliceAsks();

      await world.driver.command(S.alice.id, 'cancel salesforce sales');
      const answer = await ephemeralWith(S.alice.id, 'Cancelled');
      expect(shown(answer)).toContain(request.id);
      expect(buttonsOf(answer)).not.toContain('cancel_request');
      await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id)?.status.match(/cancel/i));
      await world.gatehouse.idle();
      // The approver is no longer asked: his card lost its buttons.
      expect(shown(world.slack.message(bobCard.channel, bobCard.ts))).toContain('Cancelled');
      expect(buttonsOf(world.slack.message(bobCard.channel, bobCard.ts))).not.toContain('approve');
      expect(buttonsOf(world.slack.message(aliceCard.channel, aliceCard.ts))).not.toContain('cancel_request');
    });

    it('cancels by request id', async () => {
      const { request } = await aliceAsks();
      await world.driver.command(S.alice.id, `cancel ${request.id}`);
      await ephemeralWith(S.alice.id, 'Cancelled');
      await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id)?.status.match(/cancel/i));
    });

    it('cancels nothing when the name matches several open requests, and lists their ids', async () => {
      const first = await aliceAsks();
      const second = await aliceAsks('Salesforce Admin because admin work', SEED.entries.salesforceAdmin.id);

      await world.driver.command(S.alice.id, 'cancel salesforce');
      const answer = shown(await ephemeralWith(S.alice.id, 'matches 2 of your open requests'));
      expect(answer).toContain(first.request.id);
      expect(answer).toContain(second.request.id);
      expect(world.portal.find(SEED.entries.salesforceSalesUser.id)?.status).toBe(first.request.status);
      expect(world.portal.find(SEED.entries.salesforceAdmin.id)?.status).toBe(second.request.status);
    });

    it('says when nothing matches, quoting the text safely', async () => {
      await aliceAsks();
      await world.driver.command(S.alice.id, 'cancel <!channel> figma');
      const answer = shown(await ephemeralWith(S.alice.id, 'You have no open request for'));
      expect(answer).toContain('&lt;!channel&gt; figma');
      expect(answer).not.toContain('<!channel>');
    });

    it("does not cancel someone else's request by its id, nor say it exists", async () => {
      const { request } = await aliceAsks();
      await world.driver.command(S.carol.id, `cancel ${request.id}`);
      await ephemeralWith(S.carol.id, 'You have no open request for');
      expect(world.portal.find(SEED.entries.salesforceSalesUser.id)?.status).toBe(request.status);
    });

    it('does not cancel a request already closed', async () => {
      const { request } = await aliceAsks();
      await world.driver.command(S.alice.id, `cancel ${request.id}`);
      await ephemeralWith(S.alice.id, 'Cancelled');
      await world.gatehouse.idle();
      const before = world.slack.ephemeralsFor(S.alice.id).length;
      await world.driver.command(S.alice.id, `cancel ${request.id}`);
      const answer = await eventually(() => world.slack.ephemeralsFor(S.alice.id).slice(before).at(-1));
      expect(shown(answer)).toContain('You have no open request for');
    });
  });

  describe('the Cancel button on the requester’s card', () => {
    it('is on the requester’s own card only, with a confirm dialog', async () => {
      const { aliceCard, bobCard } = await aliceAsks();
      expect(buttonsOf(aliceCard)).toContain('cancel_request');
      expect(buttonsOf(bobCard)).not.toContain('cancel_request');
      const button = JSON.stringify(aliceCard.blocks);
      expect(button).toContain('"confirm":{');
      expect(button).toContain('Cancel this request?');
    });

    it('cancels from the card, which shows Cancelled first, and the approver’s card follows', async () => {
      const { aliceCard, bobCard } = await aliceAsks();
      const from = world.slack.calls.length;

      await world.driver.click(S.alice.id, { channel: aliceCard.channel, ts: aliceCard.ts }, 'cancel_request');
      await world.gatehouse.idle();

      const updates = world.slack.calls.slice(from).filter((call) => call.method === 'chat.update');
      expect(updates[0]?.args.channel).toBe(aliceCard.channel);
      expect(updates[0]?.args.ts).toBe(aliceCard.ts);
      expect(shown({ text: String(updates[0]?.args.text), blocks: [] })).toContain('(Cancelled)');
      const now = world.slack.message(aliceCard.channel, aliceCard.ts);
      expect(shown(now)).toContain('*Cancelled*');
      expect(buttonsOf(now)).not.toContain('cancel_request');
      expect(buttonsOf(world.slack.message(bobCard.channel, bobCard.ts))).not.toContain('approve');
      expect(world.portal.find(SEED.entries.salesforceSalesUser.id)?.status).toMatch(/cancel/i);
    });

    it('replaces an ephemeral status card clicked with the cancelled card', async () => {
      const { request } = await aliceAsks();
      await world.driver.command(S.alice.id, `status ${request.id}`);
      const status = await eventually(() =>
        world.slack.ephemeralsFor(S.alice.id).find((m) => buttonsOf(m).includes('cancel_request')),
      );
      await world.driver.click(S.alice.id, { channel: status.channel, ts: status.ts }, 'cancel_request');
      await world.gatehouse.idle();
      const now = world.slack.ephemeralsFor(S.alice.id).find((m) => m.ts === status.ts);
      expect(shown(now)).toContain('*Cancelled*');
      expect(buttonsOf(now)).not.toContain('cancel_request');
    });

    it('refuses a stale button of a request already closed, changing no card', async () => {
      const { request, aliceCard } = await aliceAsks();
      await world.driver.command(S.alice.id, `status ${request.id}`);
      const status = await eventually(() =>
        world.slack.ephemeralsFor(S.alice.id).find((m) => buttonsOf(m).includes('cancel_request')),
      );
      await world.driver.click(S.alice.id, { channel: aliceCard.channel, ts: aliceCard.ts }, 'cancel_request');
      await world.gatehouse.idle();
      const cancelled = world.slack.message(aliceCard.channel, aliceCard.ts);
      const from = world.slack.calls.length;

      // The ephemeral status answer still shows its button: pressing it again is refused.
      await world.driver.click(S.alice.id, { channel: status.channel, ts: status.ts }, 'cancel_request');
      await world.gatehouse.idle();
      await eventually(() =>
        world.slack
          .ephemeralsFor(S.alice.id)
          .find((m) => shown(m).includes(':warning:') && shown(m).includes(request.id)),
      );
      expect(world.slack.calls.slice(from).filter((call) => call.method === 'chat.update')).toEqual([]);
      expect(world.slack.message(aliceCard.channel, aliceCard.ts)).toEqual(cancelled);
    });

    it("refuses a button carrying someone else's request, telling only the clicker", async () => {
      const { request, aliceCard } = await aliceAsks();
      // Carol's own request gives her a card with a Cancel button; she sends Alice's request id in it.
      await world.driver.command(S.carol.id, 'request Zoom Pro License');
      const carols = await eventually(() => world.portal.find(SEED.entries.zoomPro.id));
      const carolCard = await eventually(() => messageAbout(world.slack.dmWith(S.carol.id), carols.id));
      await world.gatehouse.idle();
      const from = world.slack.calls.length;

      await world.driver.click(S.carol.id, { channel: carolCard.channel, ts: carolCard.ts }, 'cancel_request', {
        value: JSON.stringify({ r: request.id }),
      });
      await world.gatehouse.idle();

      await ephemeralWith(S.carol.id, 'Only the person who made a request');
      expect(world.slack.calls.slice(from).filter((call) => call.method === 'chat.update')).toEqual([]);
      expect(world.slack.message(aliceCard.channel, aliceCard.ts)).toEqual(aliceCard);
      expect(world.portal.find(SEED.entries.salesforceSalesUser.id)?.status).toBe(request.status);
      expect(world.portal.find(SEED.entries.zoomPro.id)?.status).toBe(carols.status);
    });
  });

  describe('/access my access', () => {
    it('lists what I hold, including access just granted through Slack', async () => {
      const { bobCard } = await aliceAsks();
      await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
      await world.gatehouse.idle();
      await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id)?.status.match(/approved/i));

      await world.driver.command(S.alice.id, 'my access');
      const answer = await ephemeralWith(S.alice.id, 'Your access');
      const text = shown(answer);
      expect(text).toContain('Your access');
      expect(text).toContain('*Salesforce — Sales User*');
      expect(buttonsOf(answer)).toEqual([]);
    });

    it('tells someone with no access how to ask for something', async () => {
      await world.driver.command(S.bob.id, 'my access');
      const answer = shown(await ephemeralWith(S.bob.id, 'Your access'));
      expect(answer).toContain('/access request &lt;what&gt;');
    });
  });
});
