import { SEED } from '@gatehouse/sandbox/okta';
import {
  actionData,
  type CardTarget,
  cardProblems,
  type DriverResponse,
  findExecute,
  invokeAction,
  type Json,
  TEAMS_SEED,
} from '@gatehouse/sandbox/teams';
import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/flows/index.js';
import { eventually, startTeamsWorld, type TeamsWorld, togglesOf } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;

/**
 * Issue 21 point 5 on Teams: several approvals decided from `pending` in one action. The pending
 * list is asked for through /api/messages as Teams sends it; its "Approve selected" / "Reject
 * selected" are pressed as the Teams client would, delivered to /api/messages: by the driver on the
 * card the person sees, or as the invoke Teams would send from the card's own toggles and data where
 * the press is one the card in front of them no longer offers (an older copy, a forgery, a replay).
 */
describe.each(PROVIDERS)('deciding several at once in Teams on %s', (provider) => {
  let world: TeamsWorld;
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const ENTRIES = [SEED.entries.jiraSoftwareUser, SEED.entries.githubMember, SEED.entries.slackMember];
  const [JIRA, GITHUB, SLACK] = ENTRIES.map((entry) => entry.name) as [string, string, string];
  const text = (value: unknown) => JSON.stringify(value ?? null);

  /** Alice asks for three things Bob approves; Bob writes `pending`; his list card as Teams shows it. */
  async function bobsListOfThree() {
    const ids: string[] = [];
    for (const entry of ENTRIES) {
      await world.driver.say(T.alice.id, `request ${entry.name.replace(' — ', ' ')} because onboarding`);
      await world.gatehouse.idle();
      ids.push(world.portal.find(entry.id)?.id ?? '');
    }
    const { card, target } = await pendingListOf(T.bob.id);
    return { ids, card, target };
  }

  async function pendingListOf(userId: string): Promise<{ card: Json; target: CardTarget }> {
    const chat = world.teams.personalConversationOf(userId);
    const before = world.teams.transcript(chat).length;
    await world.driver.say(userId, 'pending');
    await world.gatehouse.idle();
    const list = world.teams
      .transcript(chat)
      .slice(before)
      .find((activity) => activity.from?.id === TEAMS_SEED.bot.id && activity.attachments?.length);
    const card = list?.attachments?.[0]?.content as Json | undefined;
    if (!card || !list) throw new Error('no pending list');
    expect(cardProblems(card)).toEqual([]);
    return { card, target: { conversationId: chat, activityId: String(list.id) } };
  }

  /** The toggle of the row about `requestId`. */
  function toggleOf(card: Json, requestId: string): string {
    const row = ((card.body as Json[]) ?? []).find((element) => element.id === `item_${requestId}`);
    const toggle = ((row?.items as Json[]) ?? []).find((item) => item.type === 'Input.Toggle');
    if (typeof toggle?.id !== 'string') throw new Error(`no switch on the row of ${requestId}`);
    return toggle.id;
  }

  /** What Teams sends for a press of `verb` on `card` with those rows switched on and those inputs typed. */
  function pressData(card: Json, verb: string, picked: string[], typed: Record<string, string> = {}) {
    const switched = Object.fromEntries(picked.map((id) => [toggleOf(card, id), 'true']));
    const prepared = actionData(findExecute(card, verb), { ...switched, ...typed });
    if (!('data' in prepared)) throw new Error(prepared.refusals.join('; '));
    return prepared.data as Record<string, unknown>;
  }

  let presses = 0;
  /**
   * The invoke Teams sends for "Approve selected" / "Reject selected" with `data`, from `user`'s 1:1
   * chat about the list card `list`, delivered to /api/messages as is.
   */
  async function press(
    user: (typeof T)[keyof typeof T],
    decision: Decision,
    data: Record<string, unknown>,
    list: CardTarget,
  ): Promise<AdaptiveCardInvokeResponse> {
    presses += 1;
    const activity = invokeAction(
      {
        id: `press-${presses}`,
        timestamp: Date.now(),
        serviceUrl: world.driver.serviceUrl,
        conversation: { id: world.teams.personalConversationOf(user.id), kind: 'personal' },
      },
      {
        user: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
        replyToId: list.activityId,
        verb: decision === 'approve' ? 'approveSelected' : 'rejectSelected',
        data,
        trigger: 'manual',
      },
    );
    lastPress = await world.driver.send(activity);
    return answerOf(lastPress);
  }
  let lastPress: DriverResponse | undefined;

  /** Teams delivering the last press again, the same activity (same invoke id). */
  async function replay(): Promise<AdaptiveCardInvokeResponse> {
    if (!lastPress) throw new Error('nothing pressed yet');
    return answerOf(await world.driver.resend(lastPress));
  }

  function answerOf(sent: DriverResponse): AdaptiveCardInvokeResponse {
    expect(sent.statusCode).toBe(200);
    expect(sent.answerProblems).toEqual([]);
    // The decisions are written when the answer comes; what the notifier posts after is not waited for.
    return sent.body as AdaptiveCardInvokeResponse;
  }

  const rowsOf = (card: unknown) =>
    (((card as Json)?.body as Json[]) ?? []).filter((element) => String(element.id ?? '').startsWith('item_'));

  it('approves the rows Bob switches on, each reported, and redraws the list without them', async () => {
    const { ids, card, target } = await bobsListOfThree();
    const [first, second, third] = ids as [string, string, string];
    expect(text(card)).toContain('Approve selected');
    // A switch on each row, and only there.
    expect(togglesOf(card).sort()).toEqual(ids.map((id) => toggleOf(card, id)).sort());

    // Bob switches on two rows of the card in front of him and presses Approve selected.
    const pressed = await world.driver.execute(T.bob.id, target, 'approveSelected', {
      [toggleOf(card, first)]: 'true',
      [toggleOf(card, third)]: 'true',
    });
    const answer = answerOf(pressed);
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(world.portal.status(first)).toBe('approved');
    expect(world.portal.status(third)).toBe('approved');
    expect(world.portal.status(second)).toBe('pending');
    expect(world.portal.writes('decide')).toBe(2);
    // What Bob now sees in place of the list: a line per item, and the one left; a single row needs no selection.
    const redrawn = world.teams.viewOf(T.bob.id, target.conversationId, target.activityId);
    const said = text(redrawn);
    expect(said).toContain(`✅ Approved **${JIRA}** for Alice Nguyen.`);
    expect(said).toContain(`✅ Approved **${SLACK}** for Alice Nguyen.`);
    expect(rowsOf(redrawn).map((row) => row.id)).toEqual([`item_${second}`]);
    expect(said).not.toContain('Approve selected');
    expect(said).toContain('"verb":"approve"');

    // The redrawn list is kept anew: its row's own Approve works there, and the row says it is done.
    const last = answerOf(await world.driver.execute(T.bob.id, target, 'approve'));
    expect(text(last.value)).toContain('✅ You approved');
    expect(text(last.value)).not.toContain('"verb":"approve"');
    expect(world.portal.status(second)).toBe('approved');

    // Alice's own card about one of them follows.
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    await eventually(() =>
      world.teams.transcript(aliceChat).some((activity) => {
        const seen = text(world.teams.viewOf(T.alice.id, aliceChat, String(activity.id)));
        return seen.includes(first) && seen.includes('Approved');
      }),
    );
  });

  it('reports an item decided meanwhile, rejects the others with the reason typed, and decides nothing again on a replay', async () => {
    const { ids, card, target } = await bobsListOfThree();
    const [first, second] = ids as [string, string, string];
    await press(T.bob, 'approve', pressData(card, 'approveSelected', [first]), target);
    expect(world.portal.status(first)).toBe('approved');
    // Bob's older copy of the list still shows the first row.
    const data = pressData(card, 'rejectSelected', [first, second], { selectedReason: 'not this quarter' });
    const answer = await press(T.bob, 'reject', data, target);
    const said = text(answer.value);
    expect(said).toContain(`⚠️ **${JIRA}**:`);
    expect(said).toContain(`❌ Rejected **${GITHUB}** for Alice Nguyen.`);
    expect(world.portal.status(first)).toBe('approved');
    expect(world.portal.status(second)).toBe(world.portal.rejected);
    expect(world.portal.notes(second).join(' ')).toContain('not this quarter');
    const writes = world.portal.writes('decide');
    expect(writes).toBe(2);
    // Teams delivering the same press again (same invoke id): the list as it stands, nothing written.
    const again = await replay();
    expect(world.portal.writes('decide')).toBe(writes);
    expect(text(again.value)).not.toContain('⚠️');
    expect(rowsOf(again.value).map((row) => row.id)).toEqual([`item_${ids[2]}`]);
  });

  it('decides nothing when nothing is selected, the press is unreadable, too many, or not the presser’s to decide', async () => {
    const { ids, card, target } = await bobsListOfThree();
    const nothing = await press(T.bob, 'approve', pressData(card, 'approveSelected', []), target);
    expect(nothing.type).toBe('application/vnd.microsoft.activity.message');
    expect(text(nothing.value)).toContain('Select the requests to decide first');

    const unreadable = await press(T.bob, 'approve', { picks: 'everything' }, target);
    expect(text(unreadable.value)).toContain('does not carry requests Gatehouse can read');

    const forged: Record<string, unknown> = { picks: [] };
    for (let i = 0; i < 26; i++) {
      (forged.picks as unknown[]).push({ r: ids[i % 3], p: `pick_${i}` });
      forged[`pick_${i}`] = 'true';
    }
    const tooMany = await press(T.bob, 'approve', forged, target);
    expect(tooMany.type).toBe('application/vnd.microsoft.activity.message');
    expect(text(tooMany.value)).toContain('decide at most 25');

    // Carol forges Bob's press with the same rows: each is refused on its own, none named to her.
    await world.driver.install(T.carol.id);
    const carol = await press(
      T.carol,
      'approve',
      pressData(card, 'approveSelected', [ids[0] as string, ids[1] as string]),
      target,
    );
    const said = text(carol.value);
    expect(said).not.toContain('✅');
    expect(said.match(/⚠️/g)?.length).toBeGreaterThanOrEqual(2);
    expect(said).not.toContain(JIRA);

    for (const id of ids) expect(world.portal.status(id)).toBe('pending');
    expect(world.portal.writes('decide')).toBe(0);
  });
});
