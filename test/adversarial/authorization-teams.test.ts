import { SEED } from '@gatehouse/sandbox/okta';
import {
  actionData,
  type CardTarget,
  type DriverResponse,
  findExecute,
  invokeAction,
  type Json,
  type SeededTeamsPerson,
  TEAMS_SEED,
} from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, pickOf, startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';

/**
 * Every action × every role on a two-step request, in Teams (issue 9; the Slack half is
 * authorization.test.ts): Alice asks for Salesforce Admin; Bob (her manager) approves step 1, Grace
 * (the app owner) step 2; Carol is unrelated; Dana is an IT Security administrator, which gives her
 * no say here. Teams vouches for who pressed and where, never for the button's data: the approvals
 * channel card every team member sees is read-only, so the buttons outsiders press there are
 * Bob's, sent by a crafted client, and data is forged to name another request or another step.
 * Only what the rules allow reaches Okta; everyone else is told why, and nothing is written.
 */
let world: TeamsWorld;
beforeEach(async () => {
  world = await startTeamsWorld();
});
afterEach(async () => {
  await world.close();
});

const T = TEAMS_SEED.users;
const APPROVALS = TEAMS_SEED.channels.approvals.id;
type Person = SeededTeamsPerson;

/** A card as it was when the bot posted it, and where it is. */
interface PostedCard {
  target: CardTarget;
  card: Json;
}

const text = (value: unknown) => JSON.stringify(value ?? null);
const chatOf = (person: Person) => world.teams.personalConversationOf(person.id);

/** The first card the bot posted in a conversation about this request, as it read then. */
function cardAbout(conversationId: string, requestId: string): PostedCard | undefined {
  for (const activity of world.teams.transcript(conversationId)) {
    if (activity.from.id !== TEAMS_SEED.bot.id) continue;
    const card = world.teams.cardOf(conversationId, activity.id);
    if (card && text(card).includes(requestId)) return { target: { conversationId, activityId: activity.id }, card };
  }
  return undefined;
}

async function twoStepRequest() {
  await world.driver.say(T.alice.id, 'request Salesforce Admin because quarter-end reports');
  const request = await eventually(() =>
    world.okta.requests.find((r) => r.requested.entryId === SEED.entries.salesforceAdmin.id),
  );
  const channel = await eventually(() => cardAbout(APPROVALS, request.id));
  const bob = await eventually(() => cardAbout(chatOf(T.bob), request.id));
  const alice = await eventually(() => cardAbout(chatOf(T.alice), request.id));
  const step1 = openTask(request.id);
  if (!step1) throw new Error('no step 1');
  return { request, channel, bob, alice, step1 };
}

/** Erin's request for Zoom Pro, which only Dana approves, asked in Teams so Gatehouse already knows it. */
async function otherRequest() {
  await world.driver.say(T.erin.id, 'request zoom pro because webinars');
  const request = await eventually(() =>
    world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
  );
  await eventually(() => cardAbout(chatOf(T.dana), request.id));
  const task = openTask(request.id);
  if (!task) throw new Error('no open task for the other request');
  return { id: request.id, taskId: task.id };
}

const openTask = (requestId: string) => world.okta.tasks.find((t) => t.requestId === requestId && t.status === 'OPEN');
const status = (requestId: string) => world.okta.requests.find((r) => r.id === requestId)?.status;
/** Every write Okta accepted, of any kind: a refusal must leave this where it was. */
const oktaWrites = () => world.writes('');
const decisions = () => world.writes('/resolve');
const notes = () => world.writes('/messages');

/** What `person` sees of a card now: their own view (an invoke's answer), else the card as posted. */
const seenBy = (person: Person, target: CardTarget) =>
  world.teams.viewOf(person.id, target.conversationId, target.activityId);

/** The Action.Execute verbs a card offers (its refresh aside): the buttons the person can press. */
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

/** Teams must accept the bot's answer (200, a valid card) whatever it says. */
function accepted(answer: DriverResponse): DriverResponse {
  expect(answer.notSent).toBeUndefined();
  expect(answer.statusCode).toBe(200);
  expect(answer.answerProblems).toEqual([]);
  return answer;
}

/** `person` presses a button on the card as they see it, typing `inputs`, as the Teams client does. */
async function press(person: Person, target: CardTarget, verb: string, inputs: Record<string, string> = {}) {
  return accepted(await world.driver.execute(person.id, target, verb, inputs));
}

/**
 * An Action.Execute that Teams delivers from `person` on the message `target`, carrying `data` of the
 * sender's choosing: a crafted client, or a card the client has not redrawn.
 */
async function forge(person: Person, target: CardTarget, verb: string, data: unknown): Promise<DriverResponse> {
  const conversation = world.teams.conversationOf(target.conversationId);
  if (!conversation) throw new Error(`no conversation ${target.conversationId}`);
  // In a channel Teams names the thread of the card in the conversation id, as the driver does.
  const root = world.teams.activity(target.conversationId, target.activityId)?.replyToId ?? target.activityId;
  const activity = invokeAction(
    {
      id: world.teams.ids.event(),
      timestamp: world.teams.now(),
      serviceUrl: world.driver.serviceUrl,
      conversation:
        conversation.kind === 'channel'
          ? { id: `${conversation.id};messageid=${root}`, kind: 'channel' }
          : { id: conversation.id, kind: 'personal' },
    },
    {
      user: { id: person.id, name: person.name, aadObjectId: person.aadObjectId },
      replyToId: target.activityId,
      verb,
      data,
      trigger: 'manual',
    },
  );
  return accepted(await world.driver.send(activity));
}

/** A button exactly as `card` had it (another person's card, or a stale one), pressed by `person` on `target`. */
async function pressAs(
  person: Person,
  target: CardTarget,
  card: Json,
  verb: string,
  inputs: Record<string, string> = {},
) {
  const prepared = actionData(findExecute(card, verb), inputs);
  if ('refusals' in prepared) throw new Error(`Teams would not send it: ${prepared.refusals.join('; ')}`);
  return forge(person, target, verb, prepared.data);
}

const REFUSED = /not an approver|your own|You are not|Only an approver/i;

describe('authorization matrix in Teams', () => {
  const outsiders = [
    { role: 'the requester', person: T.alice },
    { role: 'the next step’s approver (before her step opens)', person: T.grace },
    { role: 'an unrelated person', person: T.carol },
    { role: 'an administrator', person: T.dana },
  ];
  it.each(
    outsiders.flatMap((who) => [
      { ...who, verb: 'approve', inputs: {} },
      { ...who, verb: 'reject', inputs: { reason: 'not needed' } },
      // Issue 21: Forward hands the step on; only an approver of the open step may.
      { ...who, verb: 'forward', inputs: { forwardTo: 'erin' } },
    ]),
  )('refuses $verb from $role on the approvals channel card, writing nothing', async ({ person, verb, inputs }) => {
    const { request, channel, bob, step1 } = await twoStepRequest();
    const before = oktaWrites();
    const given =
      verb === 'forward'
        ? { ...inputs, forwardTo: pickOf(world.teams, T.erin.id) }
        : (inputs as Record<string, string>);
    const answer = await pressAs(person, channel.target, bob.card, verb, given);
    const seen = seenBy(person, channel.target);
    // Refused as a card with the reason on it, or as a message beside the card Teams keeps.
    expect(`${text(seen)} ${text(answer.body)}`).toMatch(REFUSED);
    expect(verbsIn(seen)).not.toContain('forward');
    // The refusal hands out no buttons of its own.
    expect(verbsIn(seen)).not.toContain('approve');
    expect(verbsIn(seen)).not.toContain('reject');
    expect(oktaWrites()).toBe(before);
    expect(status(request.id)).toBe('PENDING');
    expect(openTask(request.id)?.id).toBe(step1.id);
  });

  it('refuses self-approval: Dana asks for Zoom Pro, which she alone approves', async () => {
    await world.driver.say(T.dana.id, 'request zoom pro because webinars');
    const request = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
    );
    const dana = await eventually(() => cardAbout(chatOf(T.dana), request.id));
    expect(openTask(request.id)?.assignees.map((a) => a.externalId)).toEqual([SEED.users.dana.id]);
    expect(verbsIn(dana.card)).not.toContain('approve');
    // Her card offers no Approve; a crafted client sends one with the request and step her Comment carries.
    const before = oktaWrites();
    await forge(T.dana, dana.target, 'approve', findExecute(dana.card, 'comment').action.data);
    expect(text(seenBy(T.dana, dana.target))).toMatch(/cannot decide a request for your own access/);
    expect(oktaWrites()).toBe(before);
    expect(status(request.id)).toBe('PENDING');
  });

  it('lets only the current step’s approver decide, one step at a time, and refuses forged steps', async () => {
    const { request, bob, step1 } = await twoStepRequest();
    const erins = await otherRequest();
    const before = oktaWrites();

    // Bob's Approve, forged to name Erin's request (Dana's to decide): refused, Erin's untouched.
    await forge(T.bob, bob.target, 'approve', { r: erins.id, t: erins.taskId });
    expect(text(seenBy(T.bob, bob.target))).toMatch(/not an approver/i);
    // Alice's request, but Erin's task: a step that is not this request's is no step Bob may decide.
    await forge(T.bob, bob.target, 'approve', { r: request.id, t: erins.taskId });
    expect(text(seenBy(T.bob, bob.target))).toMatch(/not an approver of step 1 /i);
    expect(status(erins.id)).toBe('PENDING');
    expect(openTask(erins.id)?.id).toBe(erins.taskId);
    expect(oktaWrites()).toBe(before);

    // Bob approves step 1 for real, from his card as Teams shows it after that (the bot redrew it).
    await eventually(() => verbsIn(seenBy(T.bob, bob.target)).includes('approve'));
    const answer = await press(T.bob, bob.target, 'approve');
    expect(text(answer.body)).toContain('Step 1 ✅ approved by Bob Martinez');
    await eventually(() => openTask(request.id) && openTask(request.id)?.id !== step1.id);
    expect(decisions()).toBe(1);
    const step2 = openTask(request.id);
    if (!step2) throw new Error('no step 2');
    const afterStep1 = oktaWrites();

    // Bob's card from before his decision, pressed again: told it is done, and by whom.
    await pressAs(T.bob, bob.target, bob.card, 'approve');
    expect(text(seenBy(T.bob, bob.target))).toMatch(/already approved by Bob Martinez/i);
    // The same stale card with step 2's task forged in, or with no step named: not his step.
    await forge(T.bob, bob.target, 'approve', { r: request.id, t: step2.id });
    expect(text(seenBy(T.bob, bob.target))).toMatch(/not an approver of step 2 /i);
    await forge(T.bob, bob.target, 'reject', { r: request.id, reason: 'changed my mind' });
    expect(text(seenBy(T.bob, bob.target))).toMatch(/not an approver of step 2 /i);

    // Grace, on her own card, with step 1's task forged in: that step is decided, nothing lands on hers.
    const grace = await eventually(() => cardAbout(chatOf(T.grace), request.id));
    await forge(T.grace, grace.target, 'reject', { r: request.id, t: step1.id, reason: 'too late' });
    expect(text(seenBy(T.grace, grace.target))).toMatch(/already approved by Bob Martinez/i);
    expect(oktaWrites()).toBe(afterStep1);
    expect(status(request.id)).toBe('PENDING');
    expect(openTask(request.id)?.id).toBe(step2.id);

    // Grace approves step 2: the request is approved, by exactly two decisions.
    await eventually(() => verbsIn(seenBy(T.grace, grace.target)).includes('approve'));
    await press(T.grace, grace.target, 'approve');
    await eventually(() => status(request.id) === 'APPROVED');
    expect(decisions()).toBe(2);

    // Grace's card from before her decision: a stale Reject cannot undo it.
    await pressAs(T.grace, grace.target, grace.card, 'reject', { reason: 'second thoughts' });
    expect(text(seenBy(T.grace, grace.target))).toMatch(/already approved by Grace Lee/i);
    expect(decisions()).toBe(2);
    expect(status(request.id)).toBe('APPROVED');
  });

  it('lets the step’s approver reject with a reason from the channel card, and stale clicks after it change nothing', async () => {
    const { request, channel, bob } = await twoStepRequest();
    // Teams refreshes the channel card for Bob (he is in its refresh.userIds): his view has the buttons.
    accepted(await world.driver.refresh(T.bob.id, channel.target));
    expect(verbsIn(seenBy(T.bob, channel.target))).toEqual(['approve', 'reject', 'comment', 'forward']);

    // Okta wants a reason for a rejection: an empty one is refused before anything is written.
    const before = oktaWrites();
    await press(T.bob, channel.target, 'reject', { reason: '  ' });
    expect(text(seenBy(T.bob, channel.target))).toMatch(/reason is required/i);
    expect(oktaWrites()).toBe(before);

    const answer = await press(T.bob, channel.target, 'reject', { reason: 'Admin is not for quarter-end reports' });
    expect(text(answer.body)).toContain('rejected by Bob Martinez');
    await eventually(() => status(request.id) === 'DENIED');
    expect(world.okta.tasks.find((t) => t.requestId === request.id)?.value).toBe('DENIED');
    expect(world.portal.notes(request.id).some((note) => note.includes('Admin is not for quarter-end reports'))).toBe(
      true,
    );
    expect(decisions()).toBe(1);
    const afterReject = oktaWrites();

    // Bob's DM card from before he rejected is told it is over; Grace forging his step (Okta never
    // named her, as her step never opened) learns nothing about the request.
    await pressAs(T.bob, bob.target, bob.card, 'approve');
    expect(text(seenBy(T.bob, bob.target))).toMatch(/already rejected by Bob Martinez/i);
    await pressAs(T.grace, channel.target, bob.card, 'approve');
    expect(text(seenBy(T.grace, channel.target))).toMatch(/You are not an approver of request/i);
    expect(oktaWrites()).toBe(afterReject);
    expect(status(request.id)).toBe('DENIED');
  });

  it.each([
    { role: 'the requester, on her own card', person: T.alice, allowed: true },
    { role: 'the current step’s approver, on his card', person: T.bob, allowed: true },
    // Okta names a step's approvers only once the step opens: until then Grace is no approver.
    { role: 'the next step’s approver (before her step opens)', person: T.grace, allowed: false },
    { role: 'an unrelated person', person: T.carol, allowed: false },
    { role: 'an administrator', person: T.dana, allowed: false },
  ])('comment from $role: allowed = $allowed', async ({ person, allowed }) => {
    const { request, channel, bob, alice } = await twoStepRequest();
    const words = `note from ${person.slug}`;
    const before = oktaWrites();
    if (allowed) {
      const own = person.id === T.alice.id ? alice : bob;
      const answer = await press(person, own.target, 'comment', { comment: words });
      expect(text(answer.body)).toContain('Comment posted');
      await eventually(() => world.portal.notes(request.id).some((note) => note.includes(words)));
      expect(notes()).toBe(1);
      // Everyone following the request reads it under the channel card.
      await eventually(() => world.teams.transcript(APPROVALS).some((a) => text(a).includes(words)));
    } else {
      await pressAs(person, channel.target, bob.card, 'comment', { comment: words });
      expect(text(seenBy(person, channel.target))).toMatch(/Only the requester and the approvers/);
      expect(oktaWrites()).toBe(before);
      expect(world.portal.notes().some((note) => note.includes(words))).toBe(false);
    }
    expect(status(request.id)).toBe('PENDING');
  });

  it.each([
    // The requester may still cancel an open request of theirs, and comment on it.
    { role: 'the requester', person: T.alice, buttons: ['comment', 'cancel'] },
    { role: 'the current step’s approver', person: T.bob, buttons: ['approve', 'reject', 'comment', 'forward'] },
    { role: 'the next step’s approver (before her step opens)', person: T.grace, buttons: null },
    { role: 'an unrelated person', person: T.carol, buttons: null },
    { role: 'an administrator', person: T.dana, buttons: null },
  ])('refresh naming the request from $role’s own chat shows only what they may see', async ({ person, buttons }) => {
    const { request } = await twoStepRequest();
    // Any message of the bot in their 1:1 chat will do: the refresh names the request in its data.
    await world.driver.say(person.id, 'help');
    const reply = await eventually(() =>
      world.teams.transcript(chatOf(person)).find((a) => a.from.id === TEAMS_SEED.bot.id),
    );
    const target = { conversationId: chatOf(person), activityId: reply.id };
    const before = oktaWrites();
    await forge(person, target, 'refresh', { r: request.id, t: openTask(request.id)?.id });
    const seen = seenBy(person, target);
    if (buttons) {
      expect(text(seen)).toContain('quarter-end reports');
      expect(verbsIn(seen)).toEqual(buttons);
    } else {
      expect(text(seen)).toMatch(/You can only see requests you made, are the subject of, or approve/);
      expect(text(seen)).not.toContain('quarter-end reports');
      expect(verbsIn(seen)).toEqual([]);
    }
    expect(oktaWrites()).toBe(before);
  });

  it('the pending list’s buttons follow the same rules, and answer with the list as it now stands', async () => {
    const { request, bob } = await twoStepRequest();
    const erins = await otherRequest();
    await world.driver.say(T.bob.id, 'pending');
    const list = await eventually(() => {
      const found = world.teams
        .transcript(chatOf(T.bob))
        .find((a) => a.from.id === TEAMS_SEED.bot.id && text(a).includes('Waiting for your decision'));
      const card = found && world.teams.cardOf(chatOf(T.bob), found.id);
      return found && card ? { target: { conversationId: chatOf(T.bob), activityId: found.id }, card } : undefined;
    });
    expect(verbsIn(list.card)).toEqual(['approve', 'reject', 'comment']);
    const before = oktaWrites();

    // The list's Approve forged to name Erin's request: refused, and the list still offers Bob his own.
    await forge(T.bob, list.target, 'approve', { r: erins.id, t: erins.taskId, from: 'list' });
    const refused = seenBy(T.bob, list.target);
    expect(text(refused)).toMatch(/not an approver/i);
    expect(text(refused)).toContain(request.id);
    expect(oktaWrites()).toBe(before);
    expect(status(erins.id)).toBe('PENDING');

    // Bob decides from his DM card; the list he has not redrawn then tells him it is done.
    await eventually(() => verbsIn(seenBy(T.bob, bob.target)).includes('approve'));
    await press(T.bob, bob.target, 'approve');
    await eventually(() => openTask(request.id)?.assignees.some((a) => a.externalId === SEED.users.grace.id));
    const afterStep1 = oktaWrites();
    await pressAs(T.bob, list.target, list.card, 'reject', { reason_0: 'never mind' });
    const stale = seenBy(T.bob, list.target);
    expect(text(stale)).toMatch(/already approved by Bob Martinez/i);
    expect(verbsIn(stale)).toEqual([]);
    expect(oktaWrites()).toBe(afterStep1);
    expect(decisions()).toBe(1);
  });

  it('never shows one person’s pending list to another who names its id', async () => {
    const { request } = await twoStepRequest();
    const erins = await otherRequest();
    await world.driver.say(T.bob.id, 'pending');
    const bobs = await eventually(() => {
      const found = world.teams
        .transcript(chatOf(T.bob))
        .find((a) => a.from.id === TEAMS_SEED.bot.id && text(a).includes('Waiting for your decision'));
      const card = found && world.teams.cardOf(chatOf(T.bob), found.id);
      return found && card ? { target: { conversationId: chatOf(T.bob), activityId: found.id }, card } : undefined;
    });
    const listId = /"l":"([^"]+)"/.exec(JSON.stringify(bobs.card))?.[1];
    expect(listId).toBeDefined();
    const dana = await eventually(() => cardAbout(chatOf(T.dana), erins.id));

    // Dana's client names Bob's list on a press she may not make, and on one she may.
    await forge(T.dana, dana.target, 'approve', { r: request.id, from: 'list', l: listId });
    expect(text(seenBy(T.dana, dana.target))).not.toContain('quarter-end reports');
    await forge(T.dana, dana.target, 'approve', { r: erins.id, t: erins.taskId, from: 'list', l: listId });
    await world.gatehouse.idle();
    expect(status(erins.id)).toBe('APPROVED');
    expect(JSON.stringify(seenBy(T.dana, dana.target))).not.toContain(request.id);
  });

  it('lets one of a step’s several approvers decide, and tells the other who did first', async () => {
    // Slack Workspace Admin goes to anyone in IT Security: Dana and Henry both get a card. Both
    // have opened Gatehouse before (see the next test for approvers it has never met).
    await world.driver.install(T.dana.id);
    await world.driver.install(T.henry.id);
    await world.driver.say(T.alice.id, 'request slack admin because channel clean-up');
    const request = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.slackWorkspaceAdmin.id),
    );
    const dana = await eventually(() => cardAbout(chatOf(T.dana), request.id));
    const henry = await eventually(() => cardAbout(chatOf(T.henry), request.id));
    expect(verbsIn(henry.card)).toContain('approve');

    await press(T.dana, dana.target, 'approve');
    await eventually(() => status(request.id) === 'APPROVED');
    expect(decisions()).toBe(1);
    const after = oktaWrites();
    // Henry's card as it was before Dana decided: his Reject cannot overturn hers.
    await pressAs(T.henry, henry.target, henry.card, 'reject', { reason: 'too broad' });
    expect(text(seenBy(T.henry, henry.target))).toMatch(/already approved by Dana Kowalski/i);
    expect(oktaWrites()).toBe(after);
    expect(status(request.id)).toBe('APPROVED');
  });

  it('sends every approver of a step their card, even those Gatehouse has never met', async () => {
    // The notifier posts to a step's approvers at once; two never met before both need the one
    // listing of the approvals channel's members to be found (once, only one of them was).
    await world.driver.say(T.alice.id, 'request slack admin because channel clean-up');
    const request = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.slackWorkspaceAdmin.id),
    );
    const dana = await eventually(() => cardAbout(chatOf(T.dana), request.id));
    const henry = await eventually(() => cardAbout(chatOf(T.henry), request.id));
    expect(verbsIn(dana.card)).toContain('approve');
    expect(verbsIn(henry.card)).toContain('approve');
  });

  it('ignores an Approve from another Microsoft 365 tenant, whoever it names', async () => {
    const { request, bob, step1 } = await twoStepRequest();
    const before = oktaWrites();
    const elsewhere = '00000000-0000-4000-8000-0000000e1e5e';
    const data = findExecute(bob.card, 'approve').action.data;
    const activity = invokeAction(
      {
        id: world.teams.ids.event(),
        timestamp: world.teams.now(),
        serviceUrl: world.driver.serviceUrl,
        conversation: { id: bob.target.conversationId, kind: 'personal' },
      },
      {
        user: { id: T.bob.id, name: T.bob.name, aadObjectId: T.bob.aadObjectId },
        replyToId: bob.target.activityId,
        verb: 'approve',
        data,
        trigger: 'manual',
      },
    );
    // Bob's very ids, from another organisation's Teams: its people are not ours.
    (activity.conversation as Json).tenantId = elsewhere;
    (activity.channelData as Json).tenant = { id: elsewhere };
    const answer = await world.driver.send(activity);
    expect(answer.statusCode).toBeLessThan(500);
    expect(text(answer.body)).not.toContain('quarter-end reports');
    expect(oktaWrites()).toBe(before);
    expect(status(request.id)).toBe('PENDING');
    expect(openTask(request.id)?.id).toBe(step1.id);
  });

  it('tells a non-approver which step waits without misstating how many steps there are', async () => {
    // Okta names only the steps it has opened: a two-step request must not read "step 1 of 1".
    const { channel, bob } = await twoStepRequest();
    await pressAs(T.alice, channel.target, bob.card, 'approve');
    const seen = text(seenBy(T.alice, channel.target));
    expect(seen).toMatch(/not an approver of step 1\b/i);
    expect(seen).not.toMatch(/step 1 of 1\b/);
  });

  it('trusts Teams for who pressed, never names in the data', async () => {
    const { request, channel, bob } = await twoStepRequest();
    const before = oktaWrites();
    const bobsData = (findExecute(bob.card, 'approve').action.data ?? {}) as Json;
    // Carol's crafted client claims in every way it can think of that Bob is pressing.
    await forge(T.carol, channel.target, 'approve', {
      ...bobsData,
      from: { id: T.bob.id, name: T.bob.name, aadObjectId: T.bob.aadObjectId },
      user: T.bob.id,
      email: T.bob.email,
      approver: SEED.users.bob.id,
    });
    expect(text(seenBy(T.carol, channel.target))).toMatch(REFUSED);
    expect(oktaWrites()).toBe(before);
    expect(status(request.id)).toBe('PENDING');
  });

  it('the Request button asks for the presser only, and only for what they may request', async () => {
    await world.driver.say(T.alice.id, 'request');
    const form = await eventually(() => {
      const found = world.teams
        .transcript(chatOf(T.alice))
        .find((a) => a.from.id === TEAMS_SEED.bot.id && verbsIn(a.attachments).includes('request'));
      return found && { conversationId: chatOf(T.alice), activityId: found.id };
    });
    const before = oktaWrites();
    // AWS Production is only for Engineering: Alice (Sales) cannot ask for it, whatever the data says.
    await forge(T.alice, form, 'request', {
      entry: SEED.entries.awsProductionReadOnly.id,
      justification: 'incident',
      requestedFor: SEED.users.carol.id,
    });
    expect(text(seenBy(T.alice, form))).toMatch(/Nothing you can request matches/);
    expect(oktaWrites()).toBe(before);

    // Naming Carol as the one it is for asks for Alice herself.
    await forge(T.alice, form, 'request', {
      entry: SEED.entries.zoomPro.id,
      justification: 'webinars',
      requestedFor: SEED.users.carol.id,
      requester: SEED.users.carol.id,
    });
    expect(text(seenBy(T.alice, form))).toContain('Requested');
    const created = await eventually(() =>
      world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id),
    );
    expect(created.requestedFor.externalId).toBe(SEED.users.alice.id);
    expect(world.okta.requests).toHaveLength(1);
  });
});
