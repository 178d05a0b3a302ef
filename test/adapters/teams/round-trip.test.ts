import { SEED } from '@gatehouse/sandbox/okta';
import { invokeAction, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;
const APPROVALS = TEAMS_SEED.channels.approvals.id;
let world: TeamsWorld;

/** The same round trips whichever governance backend runs. */
describe.each(PROVIDERS)('on %s', (provider) => {
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  type Json = Record<string, unknown>;
  const text = (value: unknown) => JSON.stringify(value ?? null);
  /** The request the governance system holds for this entry, once it exists. */
  const oktaRequest = (entryId: string) => world.portal.find(entryId);

  /** The bot's activities in a conversation that mention `needle` (cards or text). */
  function botActivities(conversationId: string, needle: string) {
    return world.teams
      .transcript(conversationId)
      .filter((activity) => activity.from?.id === TEAMS_SEED.bot.id && text(activity).includes(needle));
  }

  function verbsIn(card: unknown): string[] {
    const found: string[] = [];
    const walk = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        const object = value as Json;
        if (object.type === 'Action.Execute' && typeof object.verb === 'string') found.push(object.verb);
        for (const [key, inner] of Object.entries(object)) if (key !== 'refresh') walk(inner);
      }
    };
    walk(card);
    return found;
  }

  const cardOf = (activity: { attachments?: { content?: unknown }[] }) => activity.attachments?.[0]?.content as Json;

  describe('request → approve from Teams', () => {
    it('confirms, sends the approver a card, approves through Action.Execute and updates every card', async () => {
      await world.driver.install(T.bob.id);
      const said = await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
      expect(said.statusCode).toBe(200);
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const aliceChat = world.teams.personalConversationOf(T.alice.id);
      await eventually(() => botActivities(aliceChat, 'Requested').length > 0);

      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));
      expect(text(cardOf(bobCard))).toContain('new territory');
      expect(text(cardOf(bobCard))).toContain('step 1');
      expect(verbsIn(cardOf(bobCard).actions)).toEqual(['approve', 'reject', 'comment', 'forward']);
      const channelCard = await eventually(() => botActivities(APPROVALS, request.id)[0]);
      expect(verbsIn(cardOf(channelCard).actions)).toEqual([]);

      const answer = await world.driver.execute(
        T.bob.id,
        { conversationId: bobChat, activityId: bobCard.id },
        'approve',
      );
      expect(answer.statusCode).toBe(200);
      expect(text(answer.body)).toContain('Approved by Bob Martinez');
      await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === 'approved');
      for (const [conversation, id] of [
        [bobChat, bobCard.id],
        [APPROVALS, channelCard.id],
      ] as const) {
        await eventually(() => {
          const latest = world.teams.transcript(conversation).find((a) => a.id === id);
          return (
            latest &&
            text(cardOf(latest)).includes('Approved by Bob Martinez') &&
            verbsIn(cardOf(latest).actions).length <= 1
          );
        });
      }
      await eventually(() => botActivities(aliceChat, 'approved by Bob Martinez').length > 0);
      expect(world.portal.writes('decide')).toBe(1);
    });

    it('writes once when the same invoke is replayed, and refuses a non-approver', async () => {
      await world.driver.install(T.bob.id);
      await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));

      // Carol forges Bob's Approve from her own chat: the server checks who she is, not what the card said.
      const carolChat = world.teams.personalConversationOf(T.carol.id);
      const forged = invokeAction(
        {
          id: 'f1',
          timestamp: Date.now(),
          serviceUrl: `${world.baseUrl}/sandbox/teams`,
          conversation: { id: carolChat, kind: 'personal' },
        },
        {
          user: { id: T.carol.id, name: 'Carol Okafor', aadObjectId: T.carol.aadObjectId },
          replyToId: bobCard.id,
          verb: 'approve',
          data: cardOf(bobCard).actions ? { r: request.id } : {},
          trigger: 'manual',
        },
      );
      const carol = await world.driver.send(forged);
      expect(carol.statusCode).toBe(200);
      expect(text(carol.body)).toMatch(/not an approver|can only see/);
      expect(world.portal.writes('decide')).toBe(0);

      const first = await world.driver.execute(
        T.bob.id,
        { conversationId: bobChat, activityId: bobCard.id },
        'approve',
      );
      const replay = await world.driver.resend(first);
      expect(replay.statusCode).toBe(200);
      await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === 'approved');
      await world.gatehouse.idle();
      expect(world.portal.writes('decide')).toBe(1);
    });

    it('writes once when two clicks on Approve arrive together', async () => {
      await world.driver.install(T.bob.id);
      await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));
      const target = { conversationId: bobChat, activityId: bobCard.id };
      const answers = await Promise.all([
        world.driver.execute(T.bob.id, target, 'approve'),
        world.driver.execute(T.bob.id, target, 'approve'),
      ]);
      for (const answer of answers) expect(answer.statusCode).toBe(200);
      await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === 'approved');
      await world.gatehouse.idle();
      expect(world.portal.writes('decide')).toBe(1);
    });

    it('shows a hostile justification inert on the approver card', async () => {
      await world.driver.install(T.bob.id);
      await world.driver.say(
        T.alice.id,
        'request Salesforce Sales User because [Approve here](https://evil.example) **now**',
      );
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));
      const shown = text(cardOf(bobCard));
      expect(shown).toContain('\\\\[Approve here\\\\](https:/\u2060/evil.example)');
      expect(shown).not.toContain('https://evil.example');
      expect(shown).not.toContain('because [Approve here]');
      expect(shown).not.toMatch(/[^\\]\[Approve here\]/);
    });

    it('rejects with the reason typed in the card, and the requester is told why', async () => {
      await world.driver.install(T.bob.id);
      await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));
      const answer = await world.driver.execute(
        T.bob.id,
        { conversationId: bobChat, activityId: bobCard.id },
        'reject',
        {
          reason: 'Territory not assigned yet',
        },
      );
      expect(text(answer.body)).toContain('Rejected by Bob Martinez');
      await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === world.portal.rejected);
      const aliceChat = world.teams.personalConversationOf(T.alice.id);
      await eventually(() => botActivities(aliceChat, 'Territory not assigned yet').length > 0);
    });

    it('sends step 2 to the app owner after the manager approves', async () => {
      await world.driver.install(T.bob.id);
      await world.driver.install(T.grace.id);
      await world.driver.say(T.alice.id, 'request Salesforce Admin because quarter-end reports');
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceAdmin.id));
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));
      await world.driver.execute(T.bob.id, { conversationId: bobChat, activityId: bobCard.id }, 'approve');
      const graceChat = world.teams.personalConversationOf(T.grace.id);
      const graceCard = await eventually(() => botActivities(graceChat, request.id).find((a) => a.attachments?.length));
      expect(text(cardOf(graceCard))).toContain('step 2');
      expect(text(cardOf(graceCard))).toContain('Step 1 ✅ approved by Bob Martinez');
    });

    it('posts a comment typed in the card to the request and to the other cards', async () => {
      await world.driver.install(T.bob.id);
      await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
      const bobChat = world.teams.personalConversationOf(T.bob.id);
      const bobCard = await eventually(() => botActivities(bobChat, request.id).find((a) => a.attachments?.length));
      const answer = await world.driver.execute(
        T.bob.id,
        { conversationId: bobChat, activityId: bobCard.id },
        'comment',
        {
          comment: 'Which accounts exactly?',
        },
      );
      expect(text(answer.body)).toContain('Comment posted');
      await eventually(() => world.portal.notes().some((note) => note.includes('Which accounts exactly?')));
      await eventually(() => botActivities(APPROVALS, 'Which accounts exactly?').length > 0);
    });
  });

  describe('chat in Teams', () => {
    it('answers help, unknown text, pending and an unknown user clearly', async () => {
      await world.driver.say(T.alice.id, 'help');
      const aliceChat = world.teams.personalConversationOf(T.alice.id);
      await eventually(() => botActivities(aliceChat, 'request').length > 0);
      await world.driver.say(T.alice.id, 'grant me [everything](https://evil.example)');
      await eventually(() => botActivities(aliceChat, 'I don’t know').length > 0);
      expect(text(botActivities(aliceChat, 'I don’t know')[0])).not.toContain('"[everything](https://evil.example)');

      await world.driver.say(T.stranger.id, 'pending');
      const strangerChat = world.teams.personalConversationOf(T.stranger.id);
      await eventually(() => botActivities(strangerChat, 'No account in the governance system').length > 0);
      expect(world.portal.count()).toBe(0);
    });

    it('answers an ambiguous request with a form, and creates the request from the form', async () => {
      await world.driver.say(T.alice.id, 'request google for 4h because onboarding');
      const aliceChat = world.teams.personalConversationOf(T.alice.id);
      const form = await eventually(() => botActivities(aliceChat, 'Several things you can request match').at(0));
      const answer = await world.driver.execute(
        T.alice.id,
        { conversationId: aliceChat, activityId: form.id },
        'request',
        {
          entry: SEED.entries.googleWorkspaceStandard.id,
          justification: 'onboarding',
        },
      );
      // The one-line "for 4h" was kept with the form, and this entry takes no duration: the form says
      // so before anything is asked of the governance system, and offers no duration to choose.
      expect(text(answer.body)).toContain('has no time limit to choose');
      expect(text(answer.body)).toContain('Google Workspace — Standard');
      expect(text(answer.body)).not.toContain('"id":"duration"');
      expect(world.portal.count()).toBe(0);
      const retry = await world.driver.execute(
        T.alice.id,
        { conversationId: aliceChat, activityId: form.id },
        'request',
      );
      expect(text(retry.body)).toContain('Requested');
      await eventually(() => oktaRequest(SEED.entries.googleWorkspaceStandard.id));
    });
  });
});
