import type { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackPeople, SlackUserForeign } from '../../../src/adapters/slack/people.js';
import { MemoryStore } from '../../../src/store/index.js';
import { eventually, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

/**
 * Audit F14 (Slack half): who a Slack user is costs one users.info however many of their deliveries
 * arrive at once, and a look-up that failed is kept nowhere, so the next action asks again.
 */
let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const infoCallsFor = (w: SlackWorld, userId: string) =>
  w.slack.callsTo('users.info').filter((call) => call.args.user === userId);
const heard = (w: SlackWorld, userId: string, words: RegExp) =>
  w.slack.ephemeralsFor(userId).filter((message) => words.test(shown(message))).length;

describe('looking up a Slack user', () => {
  it('asks users.info once for 50 concurrent commands by one person not yet known', async () => {
    const w = await startSlackWorld();
    world = w;
    // Slack answers slowly, so every command is waiting for Carol's look-up at the same time.
    w.slack.faults.add({ method: 'users.info', kind: 'delay', ms: 300, times: 50 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => w.driver.command(S.carol.id, 'pending')));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(50).fill(200));
    await eventually(() => heard(w, S.carol.id, /Nothing is waiting for your decision/) === 50, 30_000);
    expect(infoCallsFor(w, S.carol.id)).toHaveLength(1);
  });

  it('keeps a failed look-up nowhere: the next command asks Slack again and is served', async () => {
    const w = await startSlackWorld();
    world = w;
    w.slack.faults.add({ method: 'users.info', kind: 'error', error: 'fatal_error' });
    await w.driver.command(S.carol.id, 'pending');
    await eventually(() => heard(w, S.carol.id, /Slack did not tell Gatehouse who you are/) === 1);
    await w.driver.command(S.carol.id, 'pending');
    await eventually(() => heard(w, S.carol.id, /Nothing is waiting for your decision/) === 1);
    expect(infoCallsFor(w, S.carol.id)).toHaveLength(2);
  });
});

describe('SlackPeople, on Slack’s user objects', () => {
  const home = { teamId: 'T0OURS', teamName: 'Ours' };
  function people(user: Record<string, unknown>, calls: string[] = []) {
    const client = {
      users: {
        info: async ({ user: id }: { user: string }) => {
          calls.push(id);
          return { ok: true, user: { id, ...user } };
        },
        lookupByEmail: async () => ({ ok: true, user: { id: 'U0FOUND', ...user } }),
      },
    } as unknown as WebClient;
    return new SlackPeople(client, new MemoryStore(), async () => home);
  }
  const member = { team_id: 'T0OURS', profile: { email: 'carol@acme.example', real_name: 'Carol' } };

  it('serves members and guests of our workspace', async () => {
    expect((await people(member).identity('U1')).email).toBe('carol@acme.example');
    const guest = { ...member, is_restricted: true, is_ultra_restricted: true };
    expect((await people(guest).identity('U2')).email).toBe('carol@acme.example');
  });

  it.each([
    { who: 'a Slack Connect partner', user: { ...member, team_id: 'T0PARTNER' } },
    { who: 'a stranger', user: { ...member, is_stranger: true } },
    {
      who: 'a person of another Grid org',
      user: { ...member, team_id: 'E0OTHER', enterprise_user: { enterprise_id: 'E0OTHER', teams: ['T0X'] } },
    },
  ])('refuses $who, and never maps their email to one of our cards', async ({ user }) => {
    await expect(people(user).identity('U3')).rejects.toBeInstanceOf(SlackUserForeign);
    expect(await people(user).userIdFor({ id: 'p1', name: 'Carol', email: 'carol@acme.example' })).toBeNull();
  });

  it('remembers a person: two uses, one users.info', async () => {
    const calls: string[] = [];
    const lookup = people(member, calls);
    await lookup.identity('U4');
    await lookup.identity('U4');
    expect(calls).toEqual(['U4']);
  });
});
