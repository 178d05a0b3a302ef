import { SEED } from '@gatehouse/sandbox/okta';
import { cardProblems, type Json, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;
const E = SEED.entries;
type User = (typeof T)[keyof typeof T];

/**
 * Issue 21 point 2 on Teams, through /api/messages: the approver's card (posted by the notifier
 * through the Teams connector) says who is asking, since when it waits, and the backend's
 * separation-of-duties findings; a risky grant's Approve asks for the reason Okta's policy needs,
 * and the reason typed reaches the decision.
 */
describe.each(PROVIDERS)('the context on an approver’s Teams card on %s', (provider) => {
  let world: TeamsWorld;
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const text = (value: unknown) => JSON.stringify(value ?? null);

  /** The card about `requestId` in `user`'s 1:1 chat: where it is, and what they see of it. */
  async function cardIn(user: User, requestId: string) {
    const chat = world.teams.personalConversationOf(user.id);
    const activity = await eventually(() =>
      world.teams
        .transcript(chat)
        .find(
          (entry) =>
            entry.from?.id === TEAMS_SEED.bot.id && entry.attachments?.length && text(entry).includes(requestId),
        ),
    );
    const target = { conversationId: chat, activityId: String(activity.id) };
    const card = world.teams.viewOf(user.id, chat, target.activityId) as Json;
    expect(cardProblems(card)).toEqual([]);
    return { target, card };
  }

  async function asks(user: User, line: string, entryId: string) {
    await world.driver.say(user.id, line);
    return eventually(() => world.portal.find(entryId));
  }

  it('says who is asking (where the directory knows) and since when it waits, to the approver only', async () => {
    await world.driver.install(T.bob.id);
    const request = await asks(
      T.alice,
      'request Salesforce Sales User because new territory',
      E.salesforceSalesUser.id,
    );
    const { card } = await cardIn(T.bob, request.id);
    expect(text(card)).toMatch(/"title":"Waiting since","value":"\d{4}-\d\d-\d\d \d\d:\d\d UTC"/);
    if (provider === 'okta') {
      expect(text(card)).toContain('Alice Nguyen: Account Executive · Sales · manager Bob Martinez');
    }
    const own = await cardIn(T.alice, request.id);
    expect(text(own.card)).not.toContain('Waiting since');
    expect(text(own.card)).not.toContain('Account Executive');
  });

  if (provider === 'okta') {
    it('warns of a separation-of-duties conflict and asks the reason before Approve is sent', async () => {
      await world.driver.install(T.frank.id);
      const request = await asks(
        T.carol,
        'request AWS Production Admin for 4h because incident on call',
        E.awsProductionAdmin.id,
      );
      const { target, card } = await cardIn(T.frank, request.id);
      expect(text(card)).toContain(
        '⚠️ Separation of duties: **Write code and administer production**: Whoever pushes code to GitHub must not also administer the production AWS account.',
      );
      expect(text(card)).toContain('Approving this grant needs a written reason.');
      const approve = ((card.actions as Json[]) ?? []).find((action) => action.title === 'Approve');
      expect(approve?.type).toBe('Action.ShowCard');

      // Teams' client does not send Approve with the required reason left empty.
      const empty = await world.driver.execute(T.frank.id, target, 'approve');
      expect(empty.notSent).toEqual(['Reason to approve (approveReason) is required']);
      expect(world.portal.writes('decide')).toBe(0);

      const answer = await world.driver.execute(T.frank.id, target, 'approve', {
        approveReason: 'On-call this week; access ends in 4 hours',
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.answerProblems).toEqual([]);
      await world.gatehouse.idle();
      expect(world.portal.writes('decide')).toBe(1);
      expect(world.portal.notes(request.id).join(' ')).toContain('On-call this week; access ends in 4 hours');
      expect(text(answer.body)).toContain('Step 1 ✅ approved by Frank Schmidt');
    });
  } else {
    it('shows no risk where the backend assesses none, and Approve at once', async () => {
      await world.driver.install(T.frank.id);
      const request = await asks(
        T.carol,
        'request AWS Production Admin for 4h because incident on call',
        E.awsProductionAdmin.id,
      );
      const { card } = await cardIn(T.frank, request.id);
      expect(text(card)).not.toContain('Separation of duties');
      expect(((card.actions as Json[]) ?? [])[0]).toMatchObject({ type: 'Action.Execute', verb: 'approve' });
    });
  }
});
