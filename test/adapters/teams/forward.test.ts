import { SEED } from '@gatehouse/sandbox/okta';
import {
  actionData,
  type CardTarget,
  cardProblems,
  findExecute,
  invokeAction,
  type Json,
  TEAMS_SEED,
} from '@gatehouse/sandbox/teams';
import type { AdaptiveCardInvokeResponse } from 'botbuilder';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatIdentity } from '../../../src/flows/index.js';
import { eventually, pickOf, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;
const E = SEED.entries;
type User = (typeof T)[keyof typeof T];

/**
 * Issue 21 point 4 on Teams: "Forward" on an approver's card. The card is the one the notifier
 * posted to the approver through the Teams connector; Forward is pressed on it as the Teams client
 * would (the people picker's value is the picked person's Entra object id) and delivered to
 * /api/messages: by the driver on the card the person sees, or as a raw invoke where the press is
 * one Teams would not offer (a forged press, a pick the picker never lists).
 */
describe.each(PROVIDERS)('forwarding an approval in Teams on %s', (provider) => {
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
  const person = (user: User): ChatIdentity => ({
    platform: 'teams',
    userId: user.id,
    email: user.email ?? undefined,
    displayName: user.name,
  });

  function verbsIn(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(verbsIn);
    if (!value || typeof value !== 'object') return [];
    const object = value as Json;
    const own = object.type === 'Action.Execute' && typeof object.verb === 'string' ? [object.verb] : [];
    return [...own, ...Object.entries(object).flatMap(([key, inner]) => (key === 'refresh' ? [] : verbsIn(inner)))];
  }

  /** Where the card about `requestId` is in `user`'s 1:1 chat. */
  function targetIn(user: User, requestId: string): CardTarget | undefined {
    const chat = world.teams.personalConversationOf(user.id);
    const activity = world.teams
      .transcript(chat)
      .find((entry) => entry.from?.id === TEAMS_SEED.bot.id && cardOf(entry) && text(entry).includes(requestId));
    return activity && { conversationId: chat, activityId: String(activity.id) };
  }

  /** The card about `requestId` in `user`'s 1:1 chat, as they see it. */
  function cardIn(user: User, requestId: string): Json | undefined {
    const target = targetIn(user, requestId);
    return target && world.teams.viewOf(user.id, target.conversationId, target.activityId);
  }

  /** Alice asks for Salesforce; Bob, her manager, gets the card to decide. */
  async function bobsCard() {
    await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(E.salesforceSalesUser.id));
    const card = await eventually(() => cardIn(T.bob, request.id));
    expect(cardProblems(card)).toEqual([]);
    const target = targetIn(T.bob, request.id) as CardTarget;
    return { request, card, target };
  }

  /** Forwards the backend accepted: Okta's task reassigned (a PATCH of its assignees), Ping's phase. */
  function forwardsRecorded(): number {
    if (provider === 'okta') {
      return world.okta.calls.filter(
        (call) => call.method === 'PATCH' && /\/tasks\/[^/]+$/.test(call.path) && call.status < 400,
      ).length;
    }
    return world.pingone.calls.filter((call) => call.action === 'reassign' && call.status < 400).length;
  }

  /** What Teams sends for Forward pressed on `card` with that person picked. */
  function forwardData(card: Json, picked: string, reason?: string): Record<string, unknown> {
    const prepared = actionData(findExecute(card, 'forward'), {
      forwardTo: picked,
      ...(reason ? { forwardReason: reason } : {}),
    });
    if (!('data' in prepared)) throw new Error(prepared.refusals.join('; '));
    return prepared.data as Record<string, unknown>;
  }

  let presses = 0;
  /**
   * The invoke Teams sends for Forward with `data`, from `user`'s 1:1 chat, delivered to
   * /api/messages as is (`card` names the card pressed: Bob's, even when someone else forges it).
   */
  async function press(
    user: User,
    data: Record<string, unknown>,
    card: CardTarget,
  ): Promise<AdaptiveCardInvokeResponse> {
    presses += 1;
    const activity = invokeAction(
      {
        id: `forward-${presses}`,
        timestamp: Date.now(),
        serviceUrl: world.driver.serviceUrl,
        conversation: { id: world.teams.personalConversationOf(user.id), kind: 'personal' },
      },
      {
        user: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
        replyToId: card.activityId,
        verb: 'forward',
        data,
        trigger: 'manual',
      },
    );
    const response = await world.driver.send(activity);
    expect(response.statusCode).toBe(200);
    await world.gatehouse.idle();
    return response.body as AdaptiveCardInvokeResponse;
  }

  it('is on the approver’s card, never on the requester’s', async () => {
    await world.driver.install(T.bob.id);
    const { request, card } = await bobsCard();
    expect(verbsIn(card.actions)).toContain('forward');
    expect(verbsIn(cardIn(T.alice, request.id)?.actions)).not.toContain('forward');
  });

  it('forwards to the person picked: the approver’s card loses its buttons, theirs arrives with them', async () => {
    await world.driver.install(T.bob.id);
    const { request, card, target } = await bobsCard();
    const answer = await press(T.bob, forwardData(card, T.dana.aadObjectId, 'I am on leave'), target);
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardProblems(answer.value)).toEqual([]);
    expect(text(answer.value)).toContain('You forwarded this approval to **Dana Kowalski**.');
    expect(verbsIn((answer.value as unknown as Json).actions)).not.toContain('approve');
    // Dana may now decide it, and is told so in Teams with a card she can act on.
    const dana = await world.gatehouse.flows.status(person(T.dana), request.id);
    expect(dana.ok && !('items' in dana.value) && dana.value.actions).toContain('approve');
    const danas = await eventually(() => cardIn(T.dana, request.id));
    expect(verbsIn(danas.actions)).toContain('approve');
    expect(world.portal.status(request.id)).toBe('pending');
    expect(forwardsRecorded()).toBe(1);
  });

  it('refuses to forward to the requester, saying why, and forwards nothing', async () => {
    await world.driver.install(T.bob.id);
    const { request, card, target } = await bobsCard();
    const answer = await press(T.bob, forwardData(card, T.alice.aadObjectId), target);
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    expect(text(answer.value)).toContain('as it is their own');
    expect(forwardsRecorded()).toBe(0);
    const bob = await world.gatehouse.flows.status(person(T.bob), request.id);
    expect(bob.ok && !('items' in bob.value) && bob.value.actions).toContain('approve');
  });

  it('refuses a forged press by someone who is not an approver', async () => {
    await world.driver.install(T.bob.id);
    const { request, card, target } = await bobsCard();
    await world.driver.install(T.carol.id);
    const answer = await press(T.carol, forwardData(card, T.dana.aadObjectId), target);
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    expect(text(answer.value)).toContain('⚠️');
    expect(forwardsRecorded()).toBe(0);
    const dana = await world.gatehouse.flows.status(person(T.dana), request.id);
    expect(dana.ok && !('items' in dana.value) && dana.value.actions).not.toContain('approve');
  });

  it('redraws a request decided meanwhile as it stands, forwarding nothing', async () => {
    await world.driver.install(T.bob.id);
    const { request, card, target } = await bobsCard();
    const decided = await world.gatehouse.flows.decide(person(T.bob), { requestId: request.id, decision: 'approve' });
    expect(decided.ok).toBe(true);
    await world.gatehouse.idle();
    const answer = await press(T.bob, forwardData(card, T.dana.aadObjectId), target);
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(text(answer.value)).toContain('Approved by Bob Martinez');
    expect(verbsIn((answer.value as unknown as Json).actions)).not.toContain('forward');
    expect(world.portal.status(request.id)).toBe('approved');
    expect(forwardsRecorded()).toBe(0);
  });

  it('says plainly when the person picked is not in Teams’ roster, and when nobody was picked', async () => {
    await world.driver.install(T.bob.id);
    const { card, target } = await bobsCard();
    const picked = forwardData(card, T.dana.aadObjectId);
    const nobody = await press(T.bob, { ...picked, forwardTo: T.stranger.aadObjectId }, target);
    expect(text(nobody.value)).toContain('cannot find that person in Teams');
    const empty = await press(T.bob, { ...picked, forwardTo: '' }, target);
    expect(text(empty.value)).toContain('Choose the person to forward this approval to');
    const several = await press(T.bob, { ...picked, forwardTo: `${T.dana.aadObjectId},${T.erin.aadObjectId}` }, target);
    expect(text(several.value)).toContain('Choose the person to forward this approval to');
    expect(forwardsRecorded()).toBe(0);
  });

  it('forwards as Bob does it in Teams: Dana found in the people picker, Forward pressed, her card arrives and she approves', async () => {
    await world.driver.install(T.bob.id);
    const { request, target } = await bobsCard();
    // Teams itself answers the picker from the directory: nothing reaches the bot.
    const found = await world.driver.search(T.bob.id, target, 'forwardTo', 'dana');
    expect(found.activity).toBeUndefined();
    const dana = found.results.find((result) => result.title === 'Dana Kowalski');
    expect(dana?.value).toBe(pickOf(world.teams, T.dana.id));

    const pressed = await world.driver.execute(T.bob.id, target, 'forward', {
      forwardTo: String(dana?.value),
      forwardReason: 'On leave until Monday',
    });
    expect(pressed.statusCode).toBe(200);
    expect(pressed.answerProblems).toEqual([]);
    const answer = pressed.body as AdaptiveCardInvokeResponse;
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(text(answer.value)).toContain('You forwarded this approval to **Dana Kowalski**.');
    // What Bob now sees in place of his card: the notice, and nothing left for him to press but Comment.
    const bobSees = world.teams.viewOf(T.bob.id, target.conversationId, target.activityId);
    expect(text(bobSees)).toContain('You forwarded this approval to **Dana Kowalski**.');
    expect(verbsIn(bobSees?.actions)).not.toContain('approve');
    expect(verbsIn(bobSees?.actions)).not.toContain('forward');
    expect(forwardsRecorded()).toBe(1);
    if (provider === 'okta') {
      expect(world.portal.notes(request.id).join(' ')).toContain('by Bob Martinez (bob@acme.example) to Dana Kowalski');
    }
    await world.gatehouse.idle();

    // Dana's card arrives in her chat with the buttons; she approves from it.
    const danasTarget = await eventually(() => targetIn(T.dana, request.id));
    const danas = world.teams.viewOf(T.dana.id, danasTarget.conversationId, danasTarget.activityId);
    expect(cardProblems(danas)).toEqual([]);
    expect(verbsIn(danas?.actions)).toEqual(expect.arrayContaining(['approve', 'reject']));
    const approved = await world.driver.execute(T.dana.id, danasTarget, 'approve');
    expect(approved.answerProblems).toEqual([]);
    expect(text(approved.body)).toContain('Approved by Dana Kowalski');
    expect(world.portal.status(request.id)).toBe('approved');

    expect(forwardsRecorded()).toBe(1);
  });

  it('answers Forward pressed with the requester picked, in the chat, and leaves Bob’s card as it was', async () => {
    await world.driver.install(T.bob.id);
    const { request, target } = await bobsCard();
    const pressed = await world.driver.execute(T.bob.id, target, 'forward', {
      forwardTo: pickOf(world.teams, T.alice.id),
    });
    expect(pressed.answerProblems).toEqual([]);
    const answer = pressed.body as AdaptiveCardInvokeResponse;
    expect(answer.type).toBe('application/vnd.microsoft.activity.message');
    expect(text(answer.value)).toContain('as it is their own');
    expect(verbsIn(world.teams.viewOf(T.bob.id, target.conversationId, target.activityId)?.actions)).toContain(
      'approve',
    );
    expect(forwardsRecorded()).toBe(0);
    expect(world.portal.status(request.id)).toBe('pending');
  });
});
