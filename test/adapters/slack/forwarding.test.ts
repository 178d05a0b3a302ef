import { SEED } from '@gatehouse/sandbox/okta';
import { blockActions, FORM_CONTENT_TYPE } from '@gatehouse/sandbox/slack';
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

/**
 * Issue 21, point 4 on Slack: Forward on an approver's card opens a form (a users_select and an
 * optional reason); the flow re-checks who forwards, to whom, and whether the step is still open.
 */
describe.each(PROVIDERS)('forwarding an approval from its card on %s', (provider) => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  /** Alice asks for Salesforce Sales User; Bob, her manager, gets the card. */
  async function aliceAsks() {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
    await world.gatehouse.idle();
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    return { id: request.id, card };
  }

  async function openForwardForm(userId: string, card: { channel: string; ts: string }) {
    await world.driver.click(userId, card, 'forward_request');
    return eventually(() => world.slack.openModalOf(userId));
  }

  const formSays = (viewId: string) => shown({ blocks: world.slack.view(viewId)?.blocks });

  it('refuses the requester, then hands the step to the person chosen, who gets the card and decides', async () => {
    const { id, card } = await aliceAsks();
    expect(buttonsOf(card)).toContain('forward_request');

    const first = await openForwardForm(S.bob.id, card);
    expect(shown({ blocks: first.blocks })).toContain('Salesforce — Sales User');
    await world.driver.submit(S.bob.id, first.id, { forward_to: S.alice.id });
    await world.gatehouse.idle();
    expect(formSays(first.id)).toMatch(/cannot approve this request, as it is their own/);
    expect(world.slack.dmWith(S.henry.id).some((m) => shown(m).includes(id))).toBe(false);

    await world.driver.close(S.bob.id, first.id);
    const second = await openForwardForm(S.bob.id, card);
    await world.driver.submit(S.bob.id, second.id, { forward_to: S.henry.id, forward_reason: 'I am out this week' });
    await world.gatehouse.idle();
    expect(formSays(second.id)).toContain(`Forwarded *Salesforce — Sales User*`);
    expect(formSays(second.id)).toContain(`<@${S.henry.id}>`);

    // Henry has the card with its buttons; Bob's card no longer lets him decide.
    const henrys = await eventually(() => messageAbout(world.slack.dmWith(S.henry.id), id));
    expect(buttonsOf(henrys)).toContain('approve');
    const bobsNow = world.slack.findMessage(card.channel, card.ts);
    expect(buttonsOf(bobsNow)).not.toContain('approve');
    expect(shown(bobsNow)).toContain('Henry Adams');

    await world.driver.click(S.henry.id, { channel: henrys.channel, ts: henrys.ts }, 'approve');
    await world.gatehouse.idle();
    expect(world.portal.status(id)).toBe('approved');
  });

  it('refuses a step decided while the form was open, and anyone not its approver', async () => {
    const { id, card } = await aliceAsks();
    const form = await openForwardForm(S.bob.id, card);
    await world.driver.click(S.bob.id, card, 'approve');
    await eventually(() => world.portal.status(id) === 'approved');
    await world.gatehouse.idle();
    await world.driver.submit(S.bob.id, form.id, { forward_to: S.henry.id });
    await world.gatehouse.idle();
    expect(formSays(form.id)).toMatch(/already/i);

    // Carol is no approver of it: a crafted click on her own DM still gets a form, and the flow says no.
    const other = await aliceAsksAgain();
    const carolDm = world.slack.dmWith(S.carol.id).at(-1)?.channel ?? `D${S.carol.id}`;
    await world.driver.send(
      blockActions({
        user: { id: S.carol.id, name: 'carol' },
        actionId: 'forward_request',
        blockId: 'request_actions',
        value: JSON.stringify({ r: other }),
        triggerId: world.slack.mintTriggerId(S.carol.id),
        container: { type: 'message', message_ts: '1.000001', channel_id: carolDm, is_ephemeral: false },
      }),
      FORM_CONTENT_TYPE,
    );
    const carols = await eventually(() => world.slack.openModalOf(S.carol.id));
    await world.driver.submit(S.carol.id, carols.id, { forward_to: S.henry.id });
    await world.gatehouse.idle();
    expect(formSays(carols.id)).toContain('Only an approver of the step waiting now can forward it');
    expect(world.slack.dmWith(S.henry.id).some((m) => shown(m).includes(other))).toBe(false);
  });

  /** A second request of Alice's (GitHub), for Bob. */
  async function aliceAsksAgain() {
    await world.driver.command(
      S.alice.id,
      `request ${SEED.entries.githubMember.name.replace(' — ', ' ')} because repos`,
    );
    const request = await eventually(() => world.portal.find(SEED.entries.githubMember.id));
    await world.gatehouse.idle();
    return request.id;
  }
});
