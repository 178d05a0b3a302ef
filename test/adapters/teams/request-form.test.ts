import { SEED } from '@gatehouse/sandbox/okta';
import { type Json, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';

const T = TEAMS_SEED.users;
let world: TeamsWorld;
beforeEach(async () => {
  world = await startTeamsWorld();
});
afterEach(async () => {
  await world.close();
});

const text = (value: unknown) => JSON.stringify(value ?? null);
const inputOf = (card: Json | undefined, id: string) =>
  ((card?.body as Json[] | undefined) ?? []).find((element) => element.id === id);
const valuesOf = (input: Json | undefined) => ((input?.choices as Json[] | undefined) ?? []).map((c) => c.value);

/** Alice writes `request`: the form, as her chat shows it. */
async function aliceForm() {
  const aliceChat = world.teams.personalConversationOf(T.alice.id);
  await world.driver.say(T.alice.id, 'request');
  await world.gatehouse.idle();
  const form = world.teams
    .transcript(aliceChat)
    .find((activity) => activity.from?.id === TEAMS_SEED.bot.id && text(activity).includes('What do you need?'));
  if (!form) throw new Error('no request form in Alice’s chat');
  const target = { conversationId: aliceChat, activityId: form.id };
  return { target, card: () => world.teams.viewOf(T.alice.id, target.conversationId, target.activityId) };
}

describe('the Teams request form', () => {
  it('offers the first catalog entries as static choices beside the dynamic search, within what Teams shows', async () => {
    const { card } = await aliceForm();
    const entry = inputOf(card(), 'entry');
    const choices = valuesOf(entry);
    expect(choices.length).toBeGreaterThan(0);
    expect(choices.length).toBeLessThanOrEqual(15);
    expect(entry?.['choices.data']).toEqual({ type: 'Data.Query', dataset: 'catalog' });
    // A client without dynamic search can complete it with a static choice.
    const first = String(choices[0]);
    const answer = await world.driver.execute(T.alice.id, (await aliceForm()).target, 'request', {
      entry: first,
      justification: 'onboarding',
    });
    expect(answer.answerProblems).toEqual([]);
    expect(answer.notSent ?? []).toEqual([]);
  });

  it('offers only the durations the chosen entry allows, before anything is requested', async () => {
    const { target, card } = await aliceForm();
    // Nothing chosen yet: no duration the entry might refuse.
    expect(inputOf(card(), 'duration')).toBeUndefined();

    // Figma — Editor allows at most one week.
    await world.driver.execute(T.alice.id, target, 'request', {
      entry: SEED.entries.figmaEditor.id,
      justification: 'design reviews',
    });
    await world.gatehouse.idle();
    expect(world.portal.count()).toBe(0);
    const durations = valuesOf(inputOf(card(), 'duration'));
    expect(durations).toContain('P7D');
    expect(durations).not.toContain('P30D');
    expect(durations).not.toContain('P90D');
    expect(text(card())).toContain('at most 1 week');

    // A longer one cannot even be picked; a shorter one is requested as chosen.
    await expect(world.driver.execute(T.alice.id, target, 'request', { duration: 'P30D' })).rejects.toThrow(
      /offers none, PT1H, PT4H, PT8H, P1D, P3D, P7D, not P30D/,
    );
    await world.driver.execute(T.alice.id, target, 'request', { duration: 'P3D' });
    await world.gatehouse.idle();
    const request = world.portal.find(SEED.entries.figmaEditor.id);
    expect(request).toBeDefined();
    expect(world.portal.accessDuration(request?.id ?? '')).toBe('P3D');
    expect(text(card())).toContain('Requested');
  });
});
