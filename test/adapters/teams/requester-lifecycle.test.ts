import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { cardProblems, type Json, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;
const E = SEED.entries;

/**
 * Issue 21 point 1 on Teams: a warning instead of a request for access already held (Extend when
 * it ends), the request form drawn for the entry when a reason or duration it needs was left out,
 * and words after "for" kept as the reason. Driven as Teams drives the bot, against both backends.
 */
describe.each(PROVIDERS)('the requester in Teams on %s', (provider) => {
  let world: TeamsWorld;
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const text = (value: unknown) => JSON.stringify(value ?? null);
  const cardOf = (activity: { attachments?: { content?: unknown }[] } | undefined) =>
    activity?.attachments?.[0]?.content as Json | undefined;

  /** What the bot says in `userId`'s chat after `words`, once one of its activities holds `expected`. */
  async function answerTo(userId: string, words: string, expected: string) {
    const chat = world.teams.personalConversationOf(userId);
    const before = world.teams.transcript(chat).length;
    const said = await world.driver.say(userId, words);
    expect(said.statusCode).toBe(200);
    const activity = await eventually(() =>
      world.teams
        .transcript(chat)
        .slice(before)
        .find((sent) => sent.from?.id === TEAMS_SEED.bot.id && text(sent).includes(expected)),
    );
    const card = cardOf(activity);
    if (card) expect(cardProblems(card)).toEqual([]);
    return { activity, card, target: { conversationId: chat, activityId: String(activity.id) } };
  }

  async function aliceHoldsFigmaFor3Days() {
    await world.driver.install(T.bob.id);
    await world.driver.say(T.alice.id, 'request Figma Editor for 3 days because design review');
    const request = await eventually(() => world.portal.find(E.figmaEditor.id));
    const bobChat = world.teams.personalConversationOf(T.bob.id);
    const bobCard = await eventually(() =>
      world.teams
        .transcript(bobChat)
        .find(
          (activity) =>
            activity.from?.id === TEAMS_SEED.bot.id && text(activity).includes(request.id) && cardOf(activity),
        ),
    );
    await world.driver.execute(T.bob.id, { conversationId: bobChat, activityId: String(bobCard.id) }, 'approve');
    await eventually(() => world.portal.status(request.id) === 'approved');
    return request;
  }

  it('draws the form for the entry, the reason filled in, when the duration it needs is missing', async () => {
    const { card } = await answerTo(
      T.carol.id,
      'request AWS Production Admin because incident 4711',
      'What do you need?',
    );
    expect(text(card)).toContain('needs to know for how long');
    expect(text(card)).toContain('incident 4711');
    expect(text(card)).toContain('For how long? (at most 8 hours)');
    const entry = ((card?.body as Json[]) ?? []).find((element) => element.id === 'entry');
    expect(entry?.value).toBe(E.awsProductionAdmin.id);
    expect(world.portal.count()).toBe(0);
  });

  it('draws the form asking why, and requests once the form is sent', async () => {
    const { card, target } = await answerTo(T.alice.id, 'request Salesforce Admin', 'What do you need?');
    expect(text(card)).toContain('needs to know why you need it');
    expect(text(card)).toContain('Why do you need it? (required)');
    expect(world.portal.count()).toBe(0);
    const sent = await world.driver.execute(T.alice.id, target, 'request', { justification: 'quarter close' });
    expect(sent.answerProblems).toEqual([]);
    await eventually(() => world.portal.find(E.salesforceAdmin.id));
  });

  it('keeps words after "for" that are not a duration as the reason', async () => {
    await answerTo(T.alice.id, 'request Figma Editor for design review of the launch', 'Requested');
    const request = await eventually(() => world.portal.find(E.figmaEditor.id));
    expect(world.portal.accessDuration(request.id)).toBeUndefined();
    const { card } = await answerTo(T.alice.id, `status ${request.id}`, request.id);
    expect(text(card)).toContain('design review of the launch');
  });

  it('refuses a name that matches nothing and a duration the entry does not take', async () => {
    await answerTo(T.alice.id, 'request quantum flux capacitor', 'Nothing you can request matches');
    await answerTo(
      T.alice.id,
      'request Salesforce Sales User for 2 days because x',
      'cannot be requested for a limited time',
    );
    expect(world.portal.count()).toBe(0);
  });

  it('warns instead of requesting access with no end again, with nothing to extend', async () => {
    await answerTo(T.alice.id, 'request Google Workspace Standard because onboarding', 'Requested');
    const before = world.portal.count();
    const { card } = await answerTo(T.alice.id, 'request Google Workspace Standard because again', 'You already have');
    expect(text(card)).toContain('with no end date');
    expect(text(card)).toContain('nothing to extend');
    expect(card?.actions ?? []).toEqual([]);
    expect(world.portal.count()).toBe(before);
  });

  it('offers Extend for time-bound access; pressed, it asks again for the same time', async () => {
    await aliceHoldsFigmaFor3Days();
    const before = world.portal.count();
    const { card, target } = await answerTo(
      T.alice.id,
      'request Figma Editor for 2 days because more',
      'You already have',
    );
    expect(text(card)).toMatch(/You already have \*\*Figma — Editor\*\* \(until /);
    expect(text(card)).toContain('**Extend** asks again for another 2 days: a new request, approved as usual');
    expect(((card?.actions as Json[]) ?? []).map((action) => action.title)).toEqual(['Extend']);
    expect(world.portal.count()).toBe(before);

    const pressed = await world.driver.execute(T.alice.id, target, 'Extend');
    expect(pressed.answerProblems).toEqual([]);
    await eventually(() => world.portal.count() === before + 1);
    expect(text(world.teams.viewOf(T.alice.id, target.conversationId, target.activityId))).toContain('Requested');
  });
});

describe('the expiring warning in Teams', () => {
  it('says Extend and what it does; pressed, it asks again though the access is still held', async () => {
    let now = Date.parse('2026-11-20T09:00:00Z');
    const world = await startTeamsWorld({ org: createOktaOrg({ now: () => now }), now: () => now });
    try {
      const text = (value: unknown) => JSON.stringify(value ?? null);
      await world.driver.say(T.alice.id, 'request Figma Editor for 4 hours because design review');
      const request = await eventually(() => world.okta.requests.find((r) => r.requested.entryId === E.figmaEditor.id));
      world.okta.settle();
      const task = world.okta.tasks.find((t) => t.requestId === request.id && t.status === 'OPEN');
      world.okta.resolveTaskAs(task?.id ?? '', SEED.users.bob.id, 'APPROVED');
      world.okta.settle();
      now = Date.parse(world.okta.request(request.id)?.revocationScheduled ?? '') - 30 * 60_000;
      await world.gatehouse.messages.sync(request.id);
      await world.gatehouse.messages.sync(request.id);
      const chat = world.teams.personalConversationOf(T.alice.id);
      const warning = await eventually(() =>
        world.teams
          .transcript(chat)
          .find((a) => a.from?.id === TEAMS_SEED.bot.id && a.attachments?.length && text(a).includes('Need it longer')),
      );
      const card = warning.attachments?.[0]?.content as Json;
      expect(cardProblems(card)).toEqual([]);
      expect(text(card)).toContain(
        '**Extend** asks again for another 4 hours, before it goes: a new request, approved as usual.',
      );
      expect(((card.actions as Json[]) ?? []).map((action) => action.title)).toEqual(['Extend']);

      const before = world.okta.requests.length;
      await world.driver.execute(T.alice.id, { conversationId: chat, activityId: String(warning.id) }, 'Extend');
      await eventually(() => world.okta.requests.length === before + 1);
      expect(text(world.teams.viewOf(T.alice.id, chat, String(warning.id)))).toContain('Requested');
    } finally {
      await world.close();
    }
  });
});
