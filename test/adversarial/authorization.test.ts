import { SEED } from '@gatehouse/sandbox/okta';
import {
  blockActions,
  FORM_CONTENT_TYPE,
  type Json,
  type MessageRecord,
  SLACK_SEED,
  signSlackRequest,
} from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';

/**
 * Every action × every role on a two-step request (issue 9): Alice asks for Salesforce Admin;
 * Bob (her manager) approves step 1, Grace (the app owner) step 2; Carol is unrelated; Dana is an
 * IT Security administrator, which gives her no say here. Buttons are pressed on the approvals
 * channel card, which everyone can see, and values are forged to name another request or another
 * step. Only what the rules allow reaches Okta; everyone else is told why, and nothing is written.
 */
let world: SlackWorld;
beforeEach(async () => {
  world = await startSlackWorld();
});
afterEach(async () => {
  await world.close();
});

const APPROVALS = SLACK_SEED.channels.approvals.id;
type Person = (typeof S)[keyof typeof S];

async function twoStepRequest() {
  await world.driver.command(S.alice.id, 'request Salesforce Admin because quarter-end reports');
  const request = await eventually(() =>
    world.okta.requests.find((r) => r.requested.entryId === SEED.entries.salesforceAdmin.id),
  );
  const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
  const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
  return { request, channelCard, bobCard };
}

/** Erin's request for Zoom Pro, which only Dana approves. */
async function otherRequest() {
  const created = world.okta.createRequest(
    {
      requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
      requestedFor: { type: 'OKTA_USER', externalId: SEED.users.erin.id },
      requesterFieldValues: [],
    },
    world.okta.actorFor(SEED.users.erin.id),
  );
  world.okta.settle();
  const task = world.okta.tasks.find((t) => t.requestId === created.id && t.status === 'OPEN');
  if (!task) throw new Error('no open task for the other request');
  return { id: created.id, taskId: task.id };
}

const openTask = (requestId: string) => {
  world.okta.settle();
  return world.okta.tasks.find((t) => t.requestId === requestId && t.status === 'OPEN');
};
const status = (requestId: string) => world.okta.requests.find((r) => r.id === requestId)?.status;
const decisions = () => world.writes('/resolve');
const notes = () => world.writes('/messages');

/** Presses a button on `card` as `person`, optionally with a forged value, and waits for their answer. */
async function press(person: Person, card: MessageRecord, action: string, value?: { r: string; t?: string }) {
  const before = world.slack.ephemeralsFor(person.id).length + world.slack.dmWith(person.id).length;
  const answer = await world.driver.click(
    person.id,
    { channel: card.channel, ts: card.ts },
    action,
    value ? { value: JSON.stringify(value) } : {},
  );
  expect(answer.statusCode).toBe(200);
  return before;
}

/**
 * A click on a card as it was when first posted (a client that has not redrawn it yet, or a
 * crafted payload): Slack delivers whatever the message said then.
 */
async function staleClick(person: Person, card: MessageRecord, action: string, value?: { r: string; t?: string }) {
  const block = (card.blocks ?? []).find((b) =>
    ((b.elements as Json[] | undefined) ?? []).some((e) => e.action_id === action),
  );
  const element = ((block?.elements as Json[] | undefined) ?? []).find((e) => e.action_id === action);
  if (!block || !element) throw new Error(`the card never had ${action}`);
  const body = blockActions({
    user: { id: person.id, name: person.handle },
    actionId: action,
    blockId: String(block.block_id),
    element,
    value: value ? JSON.stringify(value) : String(element.value),
    triggerId: world.slack.mintTriggerId(person.id),
    channel: { id: card.channel, name: 'directmessage' },
    message: { ...card } as unknown as Json,
  });
  const answer: { statusCode: number } = await world.gatehouse.server.inject({
    method: 'POST',
    url: '/slack/events',
    headers: {
      ...signSlackRequest({ signingSecret: SANDBOX_SECRETS.slackSigningSecret, body, contentType: FORM_CONTENT_TYPE }),
    },
    payload: body,
  });
  expect(answer.statusCode).toBe(200);
}

/** Everything `person` has been shown since `before`: messages only to them, and the modal they have open. */
function heardBy(person: Person, extra: string[] = []): string[] {
  const modal = world.slack.openModalOf(person.id);
  return [
    ...[...world.slack.ephemeralsFor(person.id), ...world.slack.dmWith(person.id)].map((m) => shown(m)),
    ...(modal ? [JSON.stringify(modal.blocks)] : []),
    ...extra,
  ];
}

async function toldOff(person: Person, words: RegExp, extra: string[] = []) {
  await eventually(() => heardBy(person, extra).some((text) => words.test(text)));
}

/** Reject and Comment ask for text in a modal first (or refuse at once): fills it in when it opens. */
async function fillModal(person: Person, before: number, text: string): Promise<string[]> {
  const opened = await eventually(
    () =>
      world.slack.openModalOf(person.id) ??
      (world.slack.ephemeralsFor(person.id).length + world.slack.dmWith(person.id).length > before
        ? 'told'
        : undefined),
  );
  if (opened === 'told') return [];
  const answer = await world.driver.submit(person.id, opened.id, { text });
  return [JSON.stringify(answer.body ?? '')];
}

describe('authorization matrix in Slack', () => {
  const REFUSED = /not an approver|your own|You are not/i;
  const outsiders = [
    { role: 'the requester', person: S.alice },
    { role: 'the next step’s approver', person: S.grace },
    { role: 'an unrelated person', person: S.carol },
    { role: 'an administrator', person: S.dana },
  ];
  it.each(outsiders.flatMap((who) => (['approve', 'reject'] as const).map((action) => ({ ...who, action }))))(
    'refuses $action from $role, writing nothing',
    async ({ action, person }) => {
      const { request, channelCard } = await twoStepRequest();
      const before = await press(person, channelCard, action);
      // Reject asks for a reason first; the refusal comes at once or when it is submitted.
      const extra = action === 'reject' ? await fillModal(person, before, 'no') : [];
      await toldOff(person, REFUSED, extra);
      expect(decisions()).toBe(0);
      expect(status(request.id)).toBe('PENDING');
    },
  );

  it('lets only the current step’s approver decide, one step at a time, and refuses forged steps', async () => {
    const { request, bobCard } = await twoStepRequest();
    const step1 = openTask(request.id);
    if (!step1) throw new Error('no step 1');

    // Bob's button, forged to name Erin's request (Dana's to decide): refused, Erin's untouched.
    const erins = await otherRequest();
    await press(S.bob, bobCard, 'approve', { r: erins.id, t: erins.taskId });
    await toldOff(S.bob, /not an approver|You are not/i);
    expect(status(erins.id)).toBe('PENDING');
    expect(decisions()).toBe(0);

    // Bob approves step 1 for real.
    await press(S.bob, bobCard, 'approve');
    await eventually(() => openTask(request.id) && openTask(request.id)?.id !== step1.id);
    expect(decisions()).toBe(1);
    const step2 = openTask(request.id);
    if (!step2) throw new Error('no step 2');

    // Bob again, on his old card and with step 2's task forged in: refused both times.
    const bobHeard = heardBy(S.bob).length;
    await staleClick(S.bob, bobCard, 'approve');
    await eventually(() =>
      heardBy(S.bob)
        .slice(bobHeard)
        .some((text) => /already/i.test(text)),
    );
    const bobHeardAgain = heardBy(S.bob).length;
    await staleClick(S.bob, bobCard, 'approve', { r: request.id, t: step2.id });
    await eventually(() =>
      heardBy(S.bob)
        .slice(bobHeardAgain)
        .some((text) => /not an approver|You are not/i.test(text)),
    );
    // Grace with step 1's task forged in: that step is decided, nothing lands on hers.
    const graceCard = await eventually(() => messageAbout(world.slack.dmWith(S.grace.id), request.id));
    await staleClick(S.grace, graceCard, 'approve', { r: request.id, t: step1.id });
    await toldOff(S.grace, /already/i);
    expect(decisions()).toBe(1);
    expect(status(request.id)).toBe('PENDING');

    // Grace approves step 2: the request is approved, by exactly two decisions.
    await press(S.grace, graceCard, 'approve');
    await eventually(() => status(request.id) === 'APPROVED');
    expect(decisions()).toBe(2);
  });

  it.each([
    { role: 'the requester', person: S.alice, allowed: true },
    { role: 'the current step’s approver', person: S.bob, allowed: true },
    // Okta names a step's approvers only once the step opens: until then Grace is no approver.
    { role: 'the next step’s approver (before her step opens)', person: S.grace, allowed: false },
    { role: 'an unrelated person', person: S.carol, allowed: false },
    { role: 'an administrator', person: S.dana, allowed: false },
  ])('comment from $role: allowed = $allowed', async ({ person, allowed }) => {
    const { request, channelCard } = await twoStepRequest();
    const before = await press(person, channelCard, 'comment');
    const extra = await fillModal(person, before, `note from ${person.id}`);
    if (allowed) {
      await eventually(() => world.portal.notes().some((note) => note.includes(`note from ${person.id}`)));
      expect(notes()).toBe(1);
    } else {
      await toldOff(person, /only the requester|cannot comment|not allowed|You are not|Only/i, extra);
      expect(notes()).toBe(0);
    }
    expect(status(request.id)).toBe('PENDING');
  });
});
