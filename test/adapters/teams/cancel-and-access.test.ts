import { SEED } from '@gatehouse/sandbox/okta';
import { cardProblems, invokeAction, type Json, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;
const E = SEED.entries;

/**
 * Issue 21 on Teams: `cancel <id or app>` and `my access` typed in the 1:1 chat, and the Cancel
 * button on the requester's own card, driven as Teams drives them, against both backends.
 */
describe.each(PROVIDERS)('cancel and my access in Teams on %s', (provider) => {
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

  /** The bot's activities in a conversation that mention `needle`, oldest first. */
  function botSaid(conversationId: string, needle: string) {
    return world.teams
      .transcript(conversationId)
      .filter((activity) => activity.from?.id === TEAMS_SEED.bot.id && text(activity).includes(needle));
  }

  /**
   * What the bot says in `userId`'s chat after `words`, once it has said `expected` there (the
   * answer comes after Teams' delivery is acknowledged; a notice sent meanwhile may be beside it).
   */
  async function answerTo(userId: string, words: string, expected: string) {
    const chat = world.teams.personalConversationOf(userId);
    const before = world.teams.transcript(chat).length;
    const said = await world.driver.say(userId, words);
    expect(said.statusCode).toBe(200);
    const answer = await eventually(() => {
      const sent = world.teams
        .transcript(chat)
        .slice(before)
        .filter((activity) => activity.from?.id === TEAMS_SEED.bot.id);
      return text(sent).includes(expected) ? sent : undefined;
    });
    for (const activity of answer) if (cardOf(activity)) expect(cardProblems(cardOf(activity))).toEqual([]);
    return text(answer);
  }

  function verbsIn(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(verbsIn);
    if (!value || typeof value !== 'object') return [];
    const object = value as Json;
    const own = object.type === 'Action.Execute' && typeof object.verb === 'string' ? [object.verb] : [];
    return [...own, ...Object.entries(object).flatMap(([key, inner]) => (key === 'refresh' ? [] : verbsIn(inner)))];
  }

  /** Alice asks for `entry`; returns the request and the card about it in her chat. */
  async function aliceRequests(line: string, entryId: string) {
    await world.driver.say(T.alice.id, line);
    const request = await eventually(() => world.portal.find(entryId));
    const chat = world.teams.personalConversationOf(T.alice.id);
    const card = await eventually(() => botSaid(chat, request.id).find((activity) => cardOf(activity)));
    return { request, chat, target: { conversationId: chat, activityId: String(card.id) } };
  }

  /** An invoke Teams would send for a Cancel press by `user` from their own chat, naming `requestId`. */
  function cancelPressBy(user: (typeof T)[keyof typeof T], requestId: string, replyToId: string) {
    return invokeAction(
      {
        id: `press-${user.id}-${replyToId}`,
        timestamp: Date.now(),
        serviceUrl: `${world.baseUrl}/sandbox/teams`,
        conversation: { id: world.teams.personalConversationOf(user.id), kind: 'personal' },
      },
      {
        user: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
        replyToId,
        verb: 'cancel',
        data: { r: requestId },
        trigger: 'manual',
      },
    );
  }

  describe('the Cancel button on the requester’s card', () => {
    it('is on the requester’s card behind a confirmation, never on the approver’s', async () => {
      await world.driver.install(T.bob.id);
      const { request, target } = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      const card = world.teams.viewOf(T.alice.id, target.conversationId, target.activityId);
      expect(cardProblems(card)).toEqual([]);
      const actions = (card?.actions ?? []) as Json[];
      const cancel = actions.find((action) => action.title === 'Cancel request');
      // A ShowCard: the first click only unfolds what cancelling does and the button that does it.
      expect(cancel?.type).toBe('Action.ShowCard');
      expect(text(cancel)).toContain('Withdraw your request for');
      expect(verbsIn(cancel)).toEqual(['cancel']);

      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botSaid(bobChat, request.id).find((activity) => cardOf(activity)));
      expect(verbsIn(cardOf(bobCard)?.actions)).toEqual(['approve', 'reject', 'comment', 'forward']);
      expect(text(cardOf(bobCard))).not.toContain('Cancel request');
    });

    it('cancels for the requester, answers with the cancelled card, and the approver’s card follows', async () => {
      await world.driver.install(T.bob.id);
      const { request, target } = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      const answer = await world.driver.execute(T.alice.id, target, 'cancel', { cancelReason: 'Not needed after all' });
      expect(answer.statusCode).toBe(200);
      expect(answer.answerProblems).toEqual([]);
      expect(text(answer.body)).toContain('You cancelled this request.');
      expect(text(answer.body)).toContain('Cancelled.');
      // Nothing left to decide or cancel; a comment still may be added, as every card of hers shows.
      expect(verbsIn((answer.body as Json).value)).toEqual(['comment']);
      await eventually(() => world.portal.status(request.id) === 'canceled');
      // What Alice now sees in place of her card is the cancelled one.
      expect(text(world.teams.viewOf(T.alice.id, target.conversationId, target.activityId))).toContain('Cancelled.');

      const bobChat = world.teams.personalConversationOf(T.bob.id);
      await eventually(() => {
        const card = cardOf(botSaid(bobChat, request.id).find((activity) => cardOf(activity)));
        return card && text(card).includes('Cancelled.') && !verbsIn(card.actions).includes('approve');
      });
    });

    it('refuses a press by someone else, the approver included, with the reason and the card unchanged', async () => {
      await world.driver.install(T.bob.id);
      const { request, target } = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botSaid(bobChat, request.id).find((activity) => cardOf(activity)));
      const bobSaw = text(world.teams.viewOf(T.bob.id, bobChat, String(bobCard.id)));

      // Bob (an approver, who can see the request) and Carol (who cannot) forge Alice's Cancel.
      for (const [user, replyTo] of [
        [T.bob, String(bobCard.id)],
        [T.carol, target.activityId],
      ] as const) {
        const press = await world.driver.send(cancelPressBy(user, request.id, replyTo));
        expect(press.statusCode).toBe(200);
        expect((press.body as Json).type).toBe('application/vnd.microsoft.activity.message');
        expect(text(press.body)).toContain('Only the person who made a request');
      }
      expect(text(world.teams.viewOf(T.bob.id, bobChat, String(bobCard.id)))).toBe(bobSaw);
      await world.gatehouse.idle();
      expect(world.portal.status(request.id)).toBe('pending');
    });

    it('redraws a request closed meanwhile as it stands, without cancelling anything', async () => {
      await world.driver.install(T.bob.id);
      const { request, target } = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botSaid(bobChat, request.id).find((activity) => cardOf(activity)));
      await world.driver.execute(T.bob.id, { conversationId: bobChat, activityId: String(bobCard.id) }, 'approve');
      await eventually(() => world.portal.status(request.id) === 'approved');
      // Alice's client still showed the old card when she pressed.
      const press = await world.driver.send(cancelPressBy(T.alice, request.id, target.activityId));
      expect(press.statusCode).toBe(200);
      expect(press.answerProblems).toEqual([]);
      expect(text(press.body)).toMatch(/is approved .*nothing left to decide/);
      expect(text(press.body)).toContain('Approved by Bob Martinez');
      expect(verbsIn((press.body as Json).value)).not.toContain('cancel');
      expect(world.portal.status(request.id)).toBe('approved');
    });
  });

  describe('cancel <id or app> typed in the chat', () => {
    it('cancels the one open request an app’s name or an id names', async () => {
      const first = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      const byName = await answerTo(T.alice.id, 'cancel salesforce', 'You cancelled');
      expect(byName).toContain('You cancelled this request.');
      expect(byName).toContain('Cancelled.');
      expect(byName).not.toContain('"verb":"cancel"');
      await eventually(() => world.portal.status(first.request.id) === 'canceled');

      const second = await aliceRequests('request Jira Software User because sprint work', E.jiraSoftwareUser.id);
      const byId = await answerTo(T.alice.id, `cancel ${second.request.id}`, 'You cancelled');
      expect(byId).toContain('You cancelled this request.');
      await eventually(() => world.portal.status(second.request.id) === 'canceled');
    });

    it('says which ids to choose from when a name matches several, and cancels nothing', async () => {
      const sales = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      const admin = await aliceRequests('request Salesforce Admin because quarter-end reports', E.salesforceAdmin.id);
      const answer = await answerTo(T.alice.id, 'cancel salesforce', 'matches');
      expect(answer).toContain('matches 2 of your open requests');
      expect(answer).toContain(sales.request.id.replace(/_/g, '\\\\_'));
      expect(answer).toContain(admin.request.id.replace(/_/g, '\\\\_'));
      expect(world.portal.status(sales.request.id)).toBe('pending');
      expect(world.portal.status(admin.request.id)).toBe('pending');
    });

    it('finds nothing for a name matching none, for someone else’s id, or for a closed request', async () => {
      const { request } = await aliceRequests(
        'request Salesforce Sales User because new territory',
        E.salesforceSalesUser.id,
      );
      expect(await answerTo(T.alice.id, 'cancel zoom', '⚠️')).toContain('You have no open request for “zoom”');
      // Carol cannot cancel, or even learn of, Alice's request by its id.
      expect(await answerTo(T.carol.id, `cancel ${request.id}`, '⚠️')).toContain('You have no open request for');
      expect(world.portal.status(request.id)).toBe('pending');
      await answerTo(T.alice.id, `cancel ${request.id}`, 'You cancelled');
      await eventually(() => world.portal.status(request.id) === 'canceled');
      expect(await answerTo(T.alice.id, `cancel ${request.id}`, '⚠️')).toContain('You have no open request for');
    });

    it('shows what was typed inert', async () => {
      const answer = await answerTo(T.alice.id, 'cancel [everything](https://evil.example)', '⚠️');
      expect(answer).toContain('You have no open request for');
      expect(answer).not.toContain('[everything](https://evil.example)');
      expect(answer).toContain('\\\\[everything\\\\](https:/\u2060/evil.example)');
    });
  });

  describe('my access', () => {
    it('says how to ask for something when the person holds nothing', async () => {
      const answer = await answerTo(T.carol.id, 'my access', 'Your access');
      expect(answer).toContain('Your access');
      expect(answer).toContain('You have no access through Gatehouse yet');
      expect(answer).toContain('request Figma Editor for 3 days');
    });

    it('lists what the person holds, with when time-bound access ends', async () => {
      await world.driver.install(T.bob.id);
      expect(await answerTo(T.alice.id, 'request Google Workspace Standard because onboarding', 'Requested')).toContain(
        'It needed no approval and is approved',
      );
      const { request } = await aliceRequests(
        'request Figma Editor for 3 days because design review',
        E.figmaEditor.id,
      );
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botSaid(bobChat, request.id).find((activity) => cardOf(activity)));
      await world.driver.execute(T.bob.id, { conversationId: bobChat, activityId: String(bobCard.id) }, 'approve');
      await eventually(() => world.portal.status(request.id) === 'approved');

      const answer = await answerTo(T.alice.id, 'my access', 'Your access');
      expect(answer).toContain('Google Workspace — Standard');
      expect(answer).toContain('Figma — Editor');
      expect(answer).toMatch(/Figma — Editor.*ends \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
      expect(answer).toMatch(/Google Workspace — Standard.*no end date/);
      expect(answer).not.toContain('You have no access');
    });
  });
});
