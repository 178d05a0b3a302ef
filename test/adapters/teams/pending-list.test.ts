import { SEED } from '@gatehouse/sandbox/okta';
import { type Json, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;

/**
 * A decision made from the `pending` list card is confirmed in that card: Teams replaces the card
 * with the invoke's answer for the person who pressed, so what Bob sees afterwards is the card
 * Gatehouse answered with, as the connector stand-in records it for him.
 */
describe.each(PROVIDERS)('deciding from the pending list on %s', (provider) => {
  let world: TeamsWorld;
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const ENTRIES = [SEED.entries.jiraSoftwareUser, SEED.entries.githubMember, SEED.entries.slackMember];
  const text = (value: unknown) => JSON.stringify(value ?? null);

  /** Alice asks for three things Bob (her manager) approves; Bob asks for his list. */
  async function bobsListOfThree() {
    const ids: string[] = [];
    for (const entry of ENTRIES) {
      await world.driver.say(T.alice.id, `request ${entry.name.replace(' — ', ' ')} because onboarding`);
      await world.gatehouse.idle();
      const request = world.portal.find(entry.id);
      expect(request).toBeDefined();
      ids.push(request?.id ?? '');
    }
    const bobChat = world.teams.personalConversationOf(T.bob.id);
    await world.driver.say(T.bob.id, 'pending');
    await world.gatehouse.idle();
    const list = world.teams
      .transcript(bobChat)
      .find(
        (activity) => activity.from?.id === TEAMS_SEED.bot.id && text(activity).includes('Waiting for your decision'),
      );
    if (!list) throw new Error('no pending list in Bob’s chat');
    return { ids, target: { conversationId: bobChat, activityId: list.id } };
  }

  /** Bob's view of the card now: the invoke's answer replaced it for him. */
  const seenByBob = (target: { conversationId: string; activityId: string }) =>
    world.teams.viewOf(T.bob.id, target.conversationId, target.activityId);

  /** A row of the list card: what it says, and the verbs of the buttons drawn under it. */
  function row(card: Json | undefined, requestId: string): { says: string; verbs: string[] } {
    const body = (card?.body as Json[] | undefined) ?? [];
    const at = body.findIndex((element) => element.id === `item_${requestId}`);
    if (at < 0) throw new Error(`no row for ${requestId}`);
    const next = body[at + 1];
    return { says: text(body[at]), verbs: next?.type === 'ActionSet' ? verbsIn(next) : [] };
  }

  function verbsIn(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(verbsIn);
    if (!value || typeof value !== 'object') return [];
    const object = value as Json;
    const own = object.type === 'Action.Execute' && typeof object.verb === 'string' ? [object.verb] : [];
    return [...own, ...Object.values(object).flatMap(verbsIn)];
  }

  /** The id of the reason box under a row's Reject (each row has its own). */
  function rejectBoxOf(card: Json | undefined, requestId: string): string {
    const body = (card?.body as Json[] | undefined) ?? [];
    const actions = (body[body.findIndex((element) => element.id === `item_${requestId}`) + 1]?.actions ??
      []) as Json[];
    const reject = actions.find((action) => action.title === 'Reject')?.card as Json | undefined;
    const id = ((reject?.body as Json[] | undefined) ?? [])[0]?.id;
    if (typeof id !== 'string') throw new Error(`no reason box for ${requestId}`);
    return id;
  }

  const pressOn = (requestId: string, verb: string) => (action: Json) =>
    action.verb === verb && (action.data as Json | undefined)?.r === requestId;

  it('approving the second of three marks that row approved without buttons; the others keep theirs', async () => {
    const { ids, target } = await bobsListOfThree();
    const [first, second, third] = ids as [string, string, string];

    const answer = await world.driver.execute(T.bob.id, target, pressOn(second, 'approve'));
    expect(answer.statusCode).toBe(200);
    expect(answer.answerProblems).toEqual([]);
    await world.gatehouse.idle();

    expect(world.portal.status(second)).toBe('approved');
    expect(world.portal.status(first)).toBe('pending');
    const card = seenByBob(target);
    expect(row(card, second).says).toContain('You approved');
    expect(row(card, second).verbs).toEqual([]);
    expect(row(card, first).verbs).toEqual(['approve', 'reject', 'comment']);
    expect(row(card, third).verbs).toEqual(['approve', 'reject', 'comment']);

    // Rejecting the third with a reason typed under its own row keeps the second one's mark.
    const box = rejectBoxOf(card, third);
    const rejected = await world.driver.execute(T.bob.id, target, pressOn(third, 'reject'), {
      [box]: 'not this quarter',
    });
    expect(rejected.answerProblems).toEqual([]);
    await world.gatehouse.idle();
    expect(world.portal.status(third)).toBe(world.portal.rejected);
    expect(world.portal.notes(third).join(' ')).toContain('not this quarter');
    const after = seenByBob(target);
    expect(row(after, second).says).toContain('You approved');
    expect(row(after, third).says).toContain('You rejected');
    expect(row(after, third).verbs).toEqual([]);
    expect(row(after, first).verbs).toEqual(['approve', 'reject', 'comment']);
  });

  it('a decision refused as stale says why beside its row, which loses its buttons; the others keep theirs', async () => {
    const { ids, target } = await bobsListOfThree();
    const second = ids[1] as string;
    // Bob approves on the request's own card first: the list in front of him is stale for it.
    const card = world.teams
      .transcript(target.conversationId)
      .find(
        (activity) =>
          activity.from?.id === TEAMS_SEED.bot.id &&
          activity.id !== target.activityId &&
          text(activity).includes(second) &&
          activity.attachments?.length,
      );
    if (!card) throw new Error('no request card for the second request');
    await world.driver.execute(T.bob.id, { conversationId: target.conversationId, activityId: card.id }, 'approve');
    await world.gatehouse.idle();

    const answer = await world.driver.execute(T.bob.id, target, pressOn(second, 'approve'));
    expect(answer.statusCode).toBe(200);
    await world.gatehouse.idle();
    const now = seenByBob(target);
    expect(row(now, second).says).not.toContain('You approved');
    expect(row(now, second).says).toContain('⚠️');
    // Decided meanwhile: nothing on that row can be done from here any more.
    expect(row(now, second).verbs).toEqual([]);
    expect(row(now, ids[0] as string).verbs).toEqual(['approve', 'reject', 'comment']);
    expect(world.portal.writes('decide')).toBe(1);
  });
});
