import { SEED } from '@gatehouse/sandbox/okta';
import { blockActions, FORM_CONTENT_TYPE } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approverContext } from '../../../src/adapters/slack/render/approver-context.js';
import { renderRequestCard } from '../../../src/adapters/slack/render/request-card.js';
import type { RequestView } from '../../../src/flows/index.js';
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

/** An open request as an approver sees it, with the context the flow adds. */
function openRequest(extra: Partial<RequestView> = {}): RequestView {
  return {
    id: 'req1',
    status: 'pending',
    statusLabel: 'Pending approval',
    entry: { id: 'e1', name: 'AWS Production — Admin' },
    requestedFor: { id: 'p1', name: 'Carol <!here> Okafor' },
    requester: { id: 'p1', name: 'Carol <!here> Okafor' },
    created: '2026-12-01T09:00:00.000Z',
    updated: '2026-12-01T09:00:00.000Z',
    currentStep: { index: 1, total: 1 },
    steps: [{ index: 1, taskId: 't1', status: 'pending', approvers: [{ id: 'p2', name: 'Frank Schmidt' }] }],
    comments: [],
    actions: ['approve', 'reject', 'comment'],
    ...extra,
  };
}

describe("the approver's card context, as rendered", () => {
  it('says who asks, since when (Slack date markup), and each conflict, escaping what the directory says', () => {
    const card = renderRequestCard(
      'approval',
      openRequest({
        waitingSince: '2026-12-01T09:00:00.000Z',
        requesterContext: {
          title: 'Software <Engineer>',
          department: 'Engineering & Ops',
          manager: { id: 'p2', name: 'Frank Schmidt' },
        },
        risk: {
          conflicts: [{ rule: 'Code & prod', description: 'No <b>both</b>.' }, { rule: 'Second' }],
          approveNeedsReason: true,
        },
      }),
    );
    const text = shown(card as never);
    expect(text).toContain(
      '*Carol &lt;!here&gt; Okafor*: Software &lt;Engineer&gt; · Engineering &amp; Ops · reports to Frank Schmidt',
    );
    expect(text).toContain('Waiting since <!date^1796115600^{date_short_pretty} at {time}|2026-12-01 09:00 UTC>');
    expect(text).toContain(':warning: Conflicts with *Code &amp; prod*: No &lt;b&gt;both&lt;/b&gt;.');
    expect(text).toContain(':warning: Conflicts with *Second*');
    expect(text).toContain('Approving needs a reason');
    expect(text).not.toContain('<!here>');
    // Approve asks the reason first.
    expect(buttonsOf(card as never)).toEqual(['approve_with_reason', 'reject', 'comment']);
  });

  it('shows nothing of it to the requester, nor once the request is closed', () => {
    const context = { waitingSince: '2026-12-01T09:00:00.000Z', requesterContext: { title: 'Engineer' } };
    expect(shown(renderRequestCard('requester', openRequest(context)) as never)).not.toContain('Waiting since');
    expect(approverContext(openRequest({ ...context, currentStep: undefined, status: 'approved' }))).toEqual([]);
  });

  it('keeps the plain Approve without a risk that asks a reason, and offers Forward only when the flow says so', () => {
    const plain = renderRequestCard('approval', openRequest({ risk: { conflicts: [], approveNeedsReason: false } }));
    expect(buttonsOf(plain as never)).toEqual(['approve', 'reject', 'comment']);
    const forwardable = renderRequestCard(
      'approval',
      openRequest({ actions: ['approve', 'reject', 'comment', 'forward'] }),
    );
    expect(buttonsOf(forwardable as never)).toEqual(['approve', 'reject', 'comment', 'forward_request']);
    expect(buttonsOf(renderRequestCard('requester', openRequest({ actions: ['forward'] })) as never)).not.toContain(
      'forward_request',
    );
  });

  it('lists at most five conflicts and counts the rest', () => {
    const conflicts = Array.from({ length: 7 }, (_, n) => ({ rule: `Rule ${n}` }));
    const text = shown({
      blocks: approverContext(openRequest({ risk: { conflicts, approveNeedsReason: false } })),
    } as never);
    expect(text).toContain('Rule 4');
    expect(text).not.toContain('Rule 5');
    expect(text).toContain('…and 2 more separation-of-duties conflicts');
  });
});

describe.each(PROVIDERS)("the approver's card on %s", (provider) => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  it('says who is asking, from the directory, and since when the request waits', async () => {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
    await world.gatehouse.idle();
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    const text = shown(card);
    expect(text).toContain('Waiting since <!date^');
    // Okta's directory holds a title and department (PingOne's, as its emulator is seeded, does not).
    if (provider === 'okta')
      expect(text).toMatch(/\*Alice Nguyen\*: Account Executive · Sales · reports to Bob Martinez/);
    // Nothing risky in it: Approve decides at the click; both backends can forward.
    expect(buttonsOf(card)).toEqual(expect.arrayContaining(['approve', 'reject', 'forward_request']));
    expect(text).not.toContain('Conflicts with');
    // Alice's own card is about her request, not about her.
    const own = await eventually(() => messageAbout(world.slack.dmWith(S.alice.id), request.id));
    expect(shown(own)).not.toContain('Waiting since');
  });
});

describe('a risky grant on okta (separation of duties)', () => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider: 'okta' });
  });
  afterEach(async () => {
    await world.close();
  });

  /** Carol holds GitHub; AWS Production — Admin on top breaks "Write code and administer production". */
  async function carolAsksForProduction() {
    await world.driver.command(S.carol.id, 'request AWS Production Admin for 4h because incident');
    const request = await eventually(() => world.portal.find(SEED.entries.awsProductionAdmin.id));
    await world.gatehouse.idle();
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.frank.id), request.id));
    return { request, card };
  }

  it('warns on the card, and Approve asks the reason in a form before approving', async () => {
    const { request, card } = await carolAsksForProduction();
    const text = shown(card);
    expect(text).toContain(':warning: Conflicts with *Write code and administer production*');
    expect(text).toContain('Approving needs a reason');
    expect(buttonsOf(card)).toContain('approve_with_reason');
    expect(buttonsOf(card)).not.toContain('approve');

    await world.driver.click(S.frank.id, { channel: card.channel, ts: card.ts }, 'approve_with_reason');
    const form = await eventually(() => world.slack.openModalOf(S.frank.id));
    expect(shown({ blocks: form.blocks })).toContain('Write code and administer production');
    // Slack's client refuses an empty required reason.
    expect((await world.driver.submit(S.frank.id, form.id, {})).notSent).toBeDefined();
    expect(world.portal.writes('decide')).toBe(0);

    await world.driver.submit(S.frank.id, form.id, { text: 'on call this week, reviewed by security' });
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(1);
    expect(world.portal.notes(request.id).join(' ')).toContain('on call this week');
  });

  it('asks the reason from the pending list too, and marks the row approved once given', async () => {
    const { request } = await carolAsksForProduction();
    await world.driver.command(S.frank.id, 'pending');
    const list = await eventually(() =>
      world.slack.ephemeralsFor(S.frank.id).find((message) => shown(message).includes(request.id)),
    );
    expect(shown(list)).toContain('Conflicts with *Write code and administer production*');
    await world.driver.click(S.frank.id, { channel: list.channel, ts: list.ts }, 'approve_with_reason', {
      blockId: 'item_0_actions',
    });
    const form = await eventually(() => world.slack.openModalOf(S.frank.id));
    await world.driver.submit(S.frank.id, form.id, { text: 'incident bridge' });
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(1);
    const now = world.slack.ephemeralsFor(S.frank.id).find((message) => message.ts === list.ts);
    expect(shown(now)).toContain('You approved');
  });

  it('refuses a plain Approve of it on the server and opens the reason form (a card drawn before the risk was known)', async () => {
    const { card } = await carolAsksForProduction();
    // A crafted click: the same card's value, under the plain approve action.
    const value = JSON.stringify({ r: world.portal.find(SEED.entries.awsProductionAdmin.id)?.id });
    const body = blockActions({
      user: { id: S.frank.id, name: 'frank' },
      actionId: 'approve',
      blockId: 'request_actions',
      value,
      triggerId: world.slack.mintTriggerId(S.frank.id),
      channel: { id: card.channel, name: 'directmessage' },
      container: { type: 'message', message_ts: card.ts, channel_id: card.channel, is_ephemeral: false },
      responseUrl: world.slack.mintResponseUrl({
        channel: card.channel,
        userId: S.frank.id,
        baseUrl: world.baseUrl,
        messageTs: card.ts,
      }),
    });
    await world.driver.send(body, FORM_CONTENT_TYPE);
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(0);
    // Nothing decided; the decision form asks for the reason instead, while Slack's trigger holds.
    const modal = await eventually(() => world.slack.openModalOf(S.frank.id));
    expect(shown({ blocks: modal.blocks })).toMatch(/reason/i);
    expect(shown({ blocks: modal.blocks })).toContain('AWS Production');
  });
});
