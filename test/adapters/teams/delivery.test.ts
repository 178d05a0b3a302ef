import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { cardProblems, invokeAction, message, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';

const T = TEAMS_SEED.users;
const APPROVALS = TEAMS_SEED.channels.approvals.id;
let world: TeamsWorld;
beforeEach(async () => {
  world = await startTeamsWorld();
});
afterEach(async () => {
  await world.close();
});

type Json = Record<string, unknown>;
const text = (value: unknown) => JSON.stringify(value ?? null);
const cardOf = (activity: { attachments?: { content?: unknown }[] }) => activity.attachments?.[0]?.content as Json;
const botCards = (conversationId: string, needle: string) =>
  world.teams
    .transcript(conversationId)
    .filter((a) => a.from?.id === TEAMS_SEED.bot.id && a.attachments?.length && text(a).includes(needle));

async function zoomRequest() {
  await world.driver.say(T.alice.id, 'request Zoom Pro License because webinars');
  return eventually(() => world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id));
}

describe('reaching approvers in Teams', () => {
  it('finds an approver who never talked to the bot through the approvals team, and opens a 1:1 chat', async () => {
    const request = await zoomRequest();
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    const card = await eventually(() => botCards(danaChat, request.id)[0]);
    expect(text(cardOf(card))).toContain('Alice Nguyen');
    expect(world.teams.callsTo('createConversation')).toHaveLength(1);
    // The next card for Dana reuses the chat opened for her.
    await world.driver.say(T.erin.id, 'request Zoom Pro License because webinars');
    await eventually(
      () => world.okta.requests.filter((r) => r.requested.entryId === SEED.entries.zoomPro.id).length === 2,
    );
    await eventually(() => botCards(danaChat, 'Erin Walsh')[0]);
    expect(world.teams.callsTo('createConversation')).toHaveLength(1);
  });

  it('retries a throttled send and still delivers every card once', async () => {
    // botbuilder sends proactive messages as replies in the conversation.
    world.teams.faults.add({ operation: 'replyToActivity', kind: 'throttled', retryAfterSeconds: 1, times: 2 });
    const request = await zoomRequest();
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    await eventually(() => botCards(danaChat, request.id)[0], 15_000);
    await eventually(() => botCards(APPROVALS, request.id)[0], 15_000);
    expect(world.teams.calls.filter((call) => call.status === 429)).toHaveLength(2);
    await world.gatehouse.messages.sync(request.id);
    expect(botCards(danaChat, request.id)).toHaveLength(1);
    expect(botCards(APPROVALS, request.id)).toHaveLength(1);
  });

  it('shows buttons on the channel card only to the approver who refreshes it', async () => {
    const request = await zoomRequest();
    const channelCard = await eventually(() => botCards(APPROVALS, request.id)[0]);
    const target = { conversationId: APPROVALS, activityId: channelCard.id };
    const dana = await world.driver.refresh(T.dana.id, target);
    expect(dana.statusCode).toBe(200);
    expect(text(dana.body)).toContain('"verb":"approve"');
    const carol = await world.driver.refresh(T.carol.id, target);
    expect(carol.notSent?.join()).toContain('refresh.userIds');
  });

  it('keeps the card in front of an approver who refreshes faster than their limit, and says why', async () => {
    await world.close();
    world = await startTeamsWorld({ personalLimits: [{ points: 3, seconds: 60 }] });
    const request = await zoomRequest();
    const channelCard = await eventually(() => botCards(APPROVALS, request.id)[0]);
    const target = { conversationId: APPROVALS, activityId: channelCard.id };
    for (let i = 0; i < 3; i++)
      expect(text((await world.driver.refresh(T.dana.id, target)).body)).toContain('"verb":"approve"');
    const refused = await world.driver.refresh(T.dana.id, target);
    // A message rather than a card: Teams keeps showing the card Dana had, buttons and all.
    expect(refused.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message' });
    expect(text(refused.body)).toContain('You are going too fast');
  });

  it('answers type-ahead in the request form from the catalog the person may request', async () => {
    await world.driver.say(T.alice.id, 'request');
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    await eventually(() => botCards(aliceChat, 'Request access')[0]);
    const search = {
      ...invokeAction(
        {
          id: 's1',
          timestamp: Date.now(),
          serviceUrl: `${world.baseUrl}/sandbox/teams`,
          conversation: { id: aliceChat, kind: 'personal' },
        },
        {
          user: { id: T.alice.id, name: 'Alice Nguyen', aadObjectId: T.alice.aadObjectId },
          replyToId: 'x',
          verb: '',
          data: {},
          trigger: 'manual',
        },
      ),
      name: 'application/search',
      value: { kind: 'search', queryText: 'figma', queryOptions: { skip: 0, top: 15 }, dataset: 'catalog' },
    };
    const answer = await world.driver.send(search);
    expect(answer.statusCode).toBe(200);
    expect(text(answer.body)).toContain(SEED.entries.figmaEditor.id);
  });

  /** An `application/search` invoke from Alice's request form, as Teams sends it (Teams docs, "Typeahead search in Adaptive Cards"). */
  async function aliceSearches(queryText: string, queryOptions: { skip: number; top: number }) {
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    const activity = {
      ...invokeAction(
        {
          id: `s${Math.random()}`,
          timestamp: Date.now(),
          serviceUrl: `${world.baseUrl}/sandbox/teams`,
          conversation: { id: aliceChat, kind: 'personal' },
        },
        {
          user: { id: T.alice.id, name: 'Alice Nguyen', aadObjectId: T.alice.aadObjectId },
          replyToId: 'x',
          verb: '',
          data: {},
          trigger: 'manual',
        },
      ),
      name: 'application/search',
      value: { queryText, queryOptions, dataset: 'catalog' },
    };
    const answer = await world.driver.send(activity);
    const results = ((answer.body as Json | undefined)?.value as { results?: { value: string }[] } | undefined)
      ?.results;
    return { status: answer.statusCode, ids: (results ?? []).map((r) => r.value) };
  }

  it('answers type-ahead with nothing typed yet with the first catalog entries, as many as Teams asks for', async () => {
    const all = await aliceSearches('', { skip: 0, top: 15 });
    // Teams sends an empty queryText when the dropdown opens; botbuilder alone answers that with a 400.
    expect(all.status).toBe(200);
    expect(all.ids.length).toBeGreaterThan(3);
    // Teams shows at most 15 options in the dropdown.
    expect(all.ids.length).toBeLessThanOrEqual(15);
    const first = await aliceSearches('', { skip: 0, top: 3 });
    expect(first.ids).toEqual(all.ids.slice(0, 3));
    const next = await aliceSearches('', { skip: 3, top: 3 });
    expect(next.ids).toEqual(all.ids.slice(3, 6));
    const tooMany = await aliceSearches('', { skip: 0, top: 500 });
    expect(tooMany.ids.length).toBeLessThanOrEqual(15);
  });

  it('threads a comment under the request’s card in the approvals channel', async () => {
    const request = await zoomRequest();
    const channelCard = await eventually(() => botCards(APPROVALS, request.id)[0]);
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    const danaCard = await eventually(() => botCards(danaChat, request.id)[0]);
    const answer = await world.driver.execute(
      T.dana.id,
      { conversationId: danaChat, activityId: danaCard.id },
      'comment',
      {
        comment: 'Which webinars exactly?',
      },
    );
    expect(text(answer.body)).toContain('Comment posted');
    const notice = await eventually(() =>
      world.teams
        .transcript(APPROVALS)
        .find((a) => a.from?.id === TEAMS_SEED.bot.id && text(a.text).includes('Which webinars exactly?')),
    );
    // Teams threads a channel reply only by the conversation id `<channel>;messageid=<root>`.
    expect(notice.replyToId).toBe(channelCard.id);
  });
});

describe('what Gatehouse will not do in Teams', () => {
  const envelope = (conversationId: string, kind: 'personal' | 'channel', tenant?: string) => ({
    id: `x${Math.random()}`,
    timestamp: Date.now(),
    serviceUrl: `${world.baseUrl}/sandbox/teams`,
    conversation: { id: conversationId, kind },
    ...(tenant ? { tenant } : {}),
  });

  it('ignores an activity from another Microsoft 365 tenant, whatever it claims', async () => {
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    const forged = message(envelope(aliceChat, 'personal'), {
      user: { id: T.alice.id, name: 'Alice Nguyen', aadObjectId: T.alice.aadObjectId },
      text: 'pending',
    }) as Record<string, Record<string, unknown>>;
    forged.conversation = { ...forged.conversation, tenantId: '11111111-1111-1111-1111-111111111111' };
    forged.channelData = { ...forged.channelData, tenant: { id: '11111111-1111-1111-1111-111111111111' } };
    const answer = await world.driver.send(forged);
    // Refused before any turn runs, and said so: Teams does not retry a 403.
    expect(answer.statusCode).toBe(403);
    // Alice's own "help" is answered; the forged "pending" before it never was.
    await world.driver.say(T.alice.id, 'help');
    await eventually(() => world.teams.transcript(aliceChat).some((a) => a.from?.id === TEAMS_SEED.bot.id));
    expect(world.teams.transcript(aliceChat).filter((a) => a.from?.id === TEAMS_SEED.bot.id)).toHaveLength(1);
    expect(world.okta.calls).toHaveLength(0);
  });

  it('answers a request typed in a channel only with where to ask, showing nothing', async () => {
    const asked = message(envelope(APPROVALS, 'channel'), {
      user: { id: T.alice.id, name: 'Alice Nguyen', aadObjectId: T.alice.aadObjectId },
      text: '<at>Gatehouse</at> mine',
    });
    await world.driver.send(asked);
    await eventually(() =>
      world.teams.transcript(APPROVALS).find((a) => a.from?.id === TEAMS_SEED.bot.id && text(a).includes('1:1 chat')),
    );
    expect(world.okta.calls.filter((call) => call.path.includes('/requests'))).toHaveLength(0);
  });

  it('creates one request when the form is submitted twice at once', async () => {
    await world.driver.say(T.alice.id, 'request google because onboarding');
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    const form = await eventually(() => botCards(aliceChat, 'Several things you can request match')[0]);
    const inputs = { entry: SEED.entries.googleWorkspaceStandard.id, justification: 'onboarding' };
    const target = { conversationId: aliceChat, activityId: form.id };
    await Promise.all([
      world.driver.execute(T.alice.id, target, 'request', inputs),
      world.driver.execute(T.alice.id, target, 'request', inputs),
    ]);
    await world.gatehouse.idle();
    expect(
      world.okta.requests.filter((r) => r.requested.entryId === SEED.entries.googleWorkspaceStandard.id),
    ).toHaveLength(1);
  });
});

describe('every card Gatehouse sends is a valid Adaptive Card 1.5', () => {
  it('in every conversation of a full request → approve round', async () => {
    const request = await zoomRequest();
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    const card = await eventually(() => botCards(danaChat, request.id)[0]);
    await world.driver.execute(T.dana.id, { conversationId: danaChat, activityId: card.id }, 'approve');
    await eventually(() => world.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    await world.driver.say(T.alice.id, 'mine');
    await world.driver.say(T.dana.id, 'pending');
    await world.gatehouse.idle();
    const conversations = [danaChat, APPROVALS, world.teams.personalConversationOf(T.alice.id)];
    let checked = 0;
    for (const conversation of conversations) {
      for (const sent of world.teams.cardsIn(conversation)) {
        expect(cardProblems(sent)).toEqual([]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe('time-bound access in Teams', () => {
  it('warns the holder before it ends with a Request again card that asks again in one click', async () => {
    await world.close();
    let now = Date.parse('2026-11-20T09:00:00Z');
    world = await startTeamsWorld({ org: createOktaOrg({ now: () => now }), now: () => now });
    await world.driver.say(T.alice.id, 'request Figma Editor for 4 hours');
    const request = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.figmaEditor.id),
    );
    world.okta.settle();
    const task = world.okta.tasks.find((t) => t.requestId === request.id && t.status === 'OPEN');
    world.okta.resolveTaskAs(task?.id ?? '', SEED.users.bob.id, 'APPROVED');
    world.okta.settle();
    now = Date.parse(world.okta.request(request.id)?.revocationScheduled ?? '') - 30 * 60_000;
    await world.gatehouse.messages.sync(request.id);
    await world.gatehouse.messages.sync(request.id);
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    const warning = await eventually(() => botCards(aliceChat, 'Need it longer')[0]);
    expect(botCards(aliceChat, 'Need it longer')).toHaveLength(1);
    expect(cardProblems(cardOf(warning))).toEqual([]);

    const answer = await world.driver.execute(
      T.alice.id,
      { conversationId: aliceChat, activityId: warning.id },
      'request',
    );
    expect(answer.statusCode).toBe(200);
    const again = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.figmaEditor.id && r.id !== request.id),
    );
    expect(again.requestedFor.externalId).toBe(SEED.users.alice.id);
    // The same four hours as before, never more.
    expect(again.accessDuration).toBe('PT4H');
    expect(text(world.teams.viewOf(T.alice.id, aliceChat, warning.id) ?? cardOf(warning))).toContain('Requested');
  });
});
