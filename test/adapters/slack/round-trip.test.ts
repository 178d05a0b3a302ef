import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

const APPROVALS = SLACK_SEED.channels.approvals.id;
let world: SlackWorld;

/** The same round trips whichever governance backend runs. */
describe.each(PROVIDERS)('on %s', (provider) => {
  beforeEach(async () => {
    world = await startSlackWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  /** The request the governance system holds for this entry, once it exists. */
  const oktaRequest = (entryId: string) => world.portal.find(entryId);

  describe('request → approve from Slack', () => {
    it('confirms to the requester, DMs the approver and the channel, and updates every message after the approval', async () => {
      const asked = await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
      expect(asked.statusCode).toBe(200);
      expect(asked.answerProblems).toEqual([]);

      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const confirmation = await eventually(() =>
        world.slack.ephemeralsFor(S.alice.id).find((message) => shown(message).includes(request.id)),
      );
      expect(shown(confirmation)).toContain('Requested *Salesforce — Sales User*');
      expect(shown(confirmation)).toContain('/enduser/');

      const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
      expect(shown(bobCard)).toContain('*Alice Nguyen* asks for access to *Salesforce — Sales User*');
      expect(shown(bobCard)).toContain('new territory');
      expect(shown(bobCard)).toContain('step 1');
      expect(buttonsOf(bobCard)).toEqual(expect.arrayContaining(['approve', 'reject', 'comment']));
      const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
      const aliceCard = await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id));
      expect(buttonsOf(aliceCard)).not.toContain('approve');

      const click = await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
      expect(click.statusCode).toBe(200);

      await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === 'approved');
      for (const [channel, ts] of [
        [bobCard.channel, bobCard.ts],
        [channelCard.channel, channelCard.ts],
        [aliceCard.channel, aliceCard.ts],
      ] as const) {
        const updated = await eventually(() => {
          const message = world.slack.message(channel, ts);
          return message && shown(message).includes('*Approved* by Bob Martinez') ? message : undefined;
        });
        expect(buttonsOf(updated)).not.toContain('approve');
        expect(buttonsOf(updated)).not.toContain('reject');
      }
      const told = await eventually(() =>
        world.slack
          .dmWith(S.alice.id)
          .find((message) => shown(message).includes('was :white_check_mark: approved by Bob Martinez')),
      );
      expect(told.ts).not.toBe(aliceCard.ts);
      expect(world.portal.writes('decide')).toBe(1);
    });
  });

  describe('one path per decision', () => {
    it('spends no extra read on the cards: every card is redrawn from the reading the approval made', async () => {
      await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
      const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
      await world.gatehouse.idle();
      const before = world.portal.requestReads(request.id);

      await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
      await world.gatehouse.idle();

      // Bob's card and the channel's show the decision...
      for (const card of [bobCard, channelCard]) {
        expect(shown(world.slack.message(card.channel, card.ts) ?? card)).toContain('*Approved* by Bob Martinez');
      }
      // ...drawn from the decision's own readings: the flow's check before it writes and the
      // backend's answer to the write (Okta's client reads the request back after resolving its
      // task; PingOne's action answers the request, and the flow's own read names the phase). The
      // notifier reads nothing more: before the flows announced their changes it read the request
      // again per platform.
      expect(world.portal.requestReads(request.id) - before).toBe(provider === 'okta' ? 2 : 1);
      expect(world.portal.writes('decide')).toBe(1);
    });
  });

  /** Alice asks for an entry in one line and the card reaches `approver`; returns the request and that card. */
  async function askAndWaitForCard(text: string, entryId: string, approver: string) {
    await world.driver.command(S.alice.id, text);
    const request = await eventually(() => oktaRequest(entryId));
    const card = await eventually(() => messageAbout(world.slack.dmWith(approver), request.id));
    return { request, card };
  }

  describe('two-step approval', () => {
    it('sends step 2 to the app owner once the manager approves, and shows who decided step 1', async () => {
      const { request, card: bobCard } = await askAndWaitForCard(
        'request Salesforce Admin because quarter-end reports',
        SEED.entries.salesforceAdmin.id,
        S.bob.id,
      );
      await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');

      const graceCard = await eventually(() => messageAbout(world.slack.dmWith(S.grace.id), request.id));
      expect(shown(graceCard)).toContain('step 2');
      expect(shown(graceCard)).toContain('Step 1 approved by Bob Martinez');
      expect(buttonsOf(graceCard)).toContain('approve');
      const bobAfter = await eventually(() => {
        const message = world.slack.message(bobCard.channel, bobCard.ts);
        return message && !buttonsOf(message).includes('approve') ? message : undefined;
      });
      expect(shown(bobAfter)).toContain('Step 1 approved by Bob Martinez');
      await eventually(() =>
        world.slack.dmWith(S.alice.id).find((message) => shown(message).includes('Step 1 of your request')),
      );
      expect(oktaRequest(SEED.entries.salesforceAdmin.id)?.status).toBe('pending');

      await world.driver.click(S.grace.id, { channel: graceCard.channel, ts: graceCard.ts }, 'approve');
      await eventually(() => oktaRequest(SEED.entries.salesforceAdmin.id)?.status === 'approved');
      await eventually(() =>
        shown(world.slack.message(graceCard.channel, graceCard.ts)).includes('*Approved* by Grace Lee'),
      );
      expect(world.portal.writes('decide')).toBe(2);
    });
  });

  describe('reject with a reason', () => {
    it('asks for the reason in a modal, records it, and tells the requester why', async () => {
      const { request, card } = await askAndWaitForCard(
        'request Salesforce Sales User because new territory',
        SEED.entries.salesforceSalesUser.id,
        S.bob.id,
      );
      await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'reject');
      const modal = await eventually(() => world.slack.openModalOf(S.bob.id));
      expect(shown({ blocks: modal.blocks })).toContain(request.id);

      const empty = await world.driver.submit(S.bob.id, modal.id, {});
      // Slack's client refuses an empty required input; a forged submission gets the bot's own refusal.
      if (!empty.notSent) {
        expect(empty.body).toEqual({ response_action: 'errors', errors: { text: 'A reason is required to reject.' } });
      }
      expect(world.portal.writes('decide')).toBe(0);

      const submitted = await world.driver.submit(S.bob.id, modal.id, { text: 'Territory not assigned yet' });
      expect(submitted.statusCode).toBe(200);
      await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === world.portal.rejected);
      const result = await eventually(() => {
        const view = world.slack.view(modal.id);
        return view && shown({ blocks: view.blocks }).includes('Rejected request') ? view : undefined;
      });
      expect(shown({ blocks: result.blocks })).toContain('Alice Nguyen will be told');
      const told = await eventually(() =>
        world.slack.dmWith(S.alice.id).find((message) => shown(message).includes(':x: rejected by Bob Martinez')),
      );
      expect(shown(told)).toContain('Territory not assigned yet');
      await eventually(() => shown(world.slack.message(card.channel, card.ts)).includes('*Rejected* by Bob Martinez'));
    });
  });

  describe('comments', () => {
    it('posts a comment on the request and in the thread under each message about it', async () => {
      const { request, card } = await askAndWaitForCard(
        'request Salesforce Sales User because new territory',
        SEED.entries.salesforceSalesUser.id,
        S.bob.id,
      );
      const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
      await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'comment');
      const modal = await eventually(() => world.slack.openModalOf(S.bob.id));
      await world.driver.submit(S.bob.id, modal.id, { text: 'Which accounts exactly?' });

      for (const [channel, ts] of [
        [card.channel, card.ts],
        [channelCard.channel, channelCard.ts],
      ] as const) {
        const reply = await eventually(() =>
          world.slack.threadOf(channel, ts).find((message) => shown(message).includes('Which accounts exactly?')),
        );
        expect(shown(reply)).toContain('*Bob Martinez* commented');
      }
      expect(world.portal.notes().some((note) => note.includes('Which accounts exactly?'))).toBe(true);
      expect(oktaRequest(SEED.entries.salesforceSalesUser.id)?.status).toBe('pending');
    });

    it('refuses a comment from someone who is neither requester nor approver', async () => {
      const { request } = await askAndWaitForCard(
        'request Salesforce Sales User because new territory',
        SEED.entries.salesforceSalesUser.id,
        S.bob.id,
      );
      const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
      await world.driver.click(S.carol.id, { channel: channelCard.channel, ts: channelCard.ts }, 'comment');
      const modal = await eventually(() => world.slack.openModalOf(S.carol.id));
      await world.driver.submit(S.carol.id, modal.id, { text: 'me too' });
      await eventually(() =>
        shown({ blocks: world.slack.view(modal.id)?.blocks }).includes('Only the requester and the approvers'),
      );
      expect(world.portal.notes().some((note) => note.includes('me too'))).toBe(false);
      expect(world.slack.threadOf(channelCard.channel, channelCard.ts).length).toBeLessThanOrEqual(1);
    });
  });
});
