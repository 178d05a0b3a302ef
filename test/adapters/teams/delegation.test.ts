import { SEED } from '@gatehouse/sandbox/okta';
import { mentionEntity, TEAMS_SEED } from '@gatehouse/sandbox/teams';
import type { Activity, TurnContext } from 'botbuilder';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { delegationReply, namedMember } from '../../../src/adapters/teams/delegation.js';
import { TeamsDirectory } from '../../../src/adapters/teams/directory.js';
import { type ChatIdentity, parseCommand } from '../../../src/flows/index.js';
import { eventually, mentionOf, startTeamsWorld, type TeamsWorld } from '../../support/teams-world.js';
import { PROVIDERS } from '../../support/world.js';

const T = TEAMS_SEED.users;
type User = (typeof T)[keyof typeof T];

/**
 * Issue 21 point 4 on Teams: `delegate @person until <date>`, `delegate off` and `delegate`. The
 * message is what Teams posts (the mention as `<at>Name</at>` in the text and a `mention` entity
 * naming the person by Teams id), parsed by the shared grammar and answered by the handler in a
 * turn of Gatehouse's own adapter: Teams' 1:1 chat offers no one but its members to @mention, so a
 * mention of a colleague cannot be typed there (the messages typed through /api/messages follow).
 */
describe.each(PROVIDERS)('delegating approvals in Teams on %s', (provider) => {
  let world: TeamsWorld;
  beforeEach(async () => {
    world = await startTeamsWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const person = (user: User): ChatIdentity => ({
    platform: 'teams',
    userId: user.id,
    email: user.email ?? undefined,
    displayName: user.name,
  });

  /**
   * What Gatehouse answers `user` writing `parts` (strings, and people @mentioned), as Teams would
   * send it: the text with `<at>Name</at>`, and a mention entity for each person mentioned.
   */
  async function write(user: User, ...parts: (string | { mention: User })[]): Promise<string> {
    const teams = world.gatehouse.teams;
    if (!teams) throw new Error('no Teams adapter');
    await world.driver.install(user.id);
    const reference = await teams.people.personalReference(user.id);
    if (!reference) throw new Error(`no conversation with ${user.id}`);
    const text = parts.map((part) => (typeof part === 'string' ? part : `<at>${part.mention.name}</at>`)).join('');
    const entities = parts.flatMap((part) =>
      typeof part === 'string' ? [] : [mentionEntity({ id: part.mention.id, name: part.mention.name })],
    );
    const command = parseCommand(text);
    if (command.kind !== 'delegate' && command.kind !== 'delegate-end' && command.kind !== 'delegate-show') {
      throw new Error(`“${text}” is not a delegate command: ${command.kind}`);
    }
    const directory = new TeamsDirectory(teams.people, {
      approvalsChannel: world.gatehouse.config.notifier.approvalsChannels.teams,
      logger: world.gatehouse.logger,
    });
    let answer = '';
    await teams.adapter.continueConversationAsync(
      world.gatehouse.config.teams?.appId ?? '',
      reference,
      async (context: TurnContext) => {
        context.activity.entities = entities as Activity['entities'];
        answer = await delegationReply({ flows: world.gatehouse.flows, directory }, context, person(user), command);
      },
    );
    return answer;
  }

  if (provider === 'okta') {
    it('appoints the person mentioned until the date typed, shows it, and ends it', async () => {
      expect(await write(T.bob, 'delegate')).toContain('Nobody decides your approvals for you.');
      const appointed = await write(T.bob, 'delegate ', { mention: T.dana }, ' until 2027-01-15 because on leave');
      expect(appointed).toContain('✅ **Dana Kowalski** now decides your approvals');
      expect(appointed).toContain('until 2027-01-15');
      expect(appointed).toContain('(“on leave”)');
      expect(await write(T.bob, 'delegate')).toContain('**Dana Kowalski** decides your approvals');
      expect(await write(T.bob, 'delegate off')).toContain('no longer stands in for you');
      expect(await write(T.bob, 'delegate')).toContain('Nobody decides your approvals for you.');
      expect(await write(T.bob, 'delegate off')).toContain('Nobody was standing in for you');
    });

    it('takes an e-mail address instead of a mention', async () => {
      const appointed = await write(T.bob, `delegate ${T.erin.email} until 2027-01-15`);
      expect(appointed).toContain('✅ **Erin Walsh** now decides your approvals');
    });

    it('refuses oneself, and a date already past, with the reason', async () => {
      expect(await write(T.bob, 'delegate ', { mention: T.bob }, ' until 2027-01-15')).toMatch(/^⚠️ .*own delegate/);
      const past = await write(T.bob, 'delegate ', { mention: T.dana }, ' until 2020-01-01');
      expect(past).toMatch(/^⚠️ .*2020-01-01.* has passed/);
      expect(await write(T.bob, 'delegate')).toContain('Nobody decides your approvals for you.');
    });
  } else {
    it('says PingOne does not let Gatehouse appoint a delegate', async () => {
      const answer = await write(T.bob, 'delegate ', { mention: T.dana }, ' until 2027-01-15');
      expect(answer).toMatch(/⚠️ .*PingOne/);
      expect(answer).not.toContain('✅');
    });
  }

  it('refuses a bare name (names nobody) and someone not in Teams’ roster, inert', async () => {
    expect(await write(T.bob, 'delegate dana until 2027-01-15')).toContain('“dana” names nobody');
    expect(await write(T.bob, 'delegate [x](https://evil.example)')).not.toContain('](https://evil.example)');
    expect(await write(T.bob, 'delegate ', { mention: T.stranger }, ' until 2027-01-15')).toContain(
      'cannot find “Zoe Park” in Teams',
    );
  });
});

/**
 * The same commands typed in the 1:1 chat as Teams delivers them to /api/messages: the colleague by
 * sign-in e-mail (Teams suggests only the chat's members to @mention there), oneself by mention.
 * One world per backend; each test leaves Bob without a delegate.
 */
describe.each(PROVIDERS)('delegate typed in the Teams chat on %s', (provider) => {
  let world: TeamsWorld;
  beforeAll(async () => {
    world = await startTeamsWorld({ provider });
    for (const user of [T.alice, T.bob, T.erin]) await world.driver.install(user.id);
  });
  afterAll(async () => {
    await world.close();
  });

  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  /** What the bot says in `user`'s chat after they type `typed` (its first answer there, as text). */
  async function answerTo(user: User, typed: string | (string | { mention: string })[]): Promise<string> {
    const chat = world.teams.personalConversationOf(user.id);
    const before = world.teams.transcript(chat).length;
    const said = await world.driver.say(user.id, typed);
    expect(said.statusCode).toBe(200);
    const answer = await eventually(() =>
      world.teams
        .transcript(chat)
        .slice(before)
        .find((activity) => activity.from?.id === TEAMS_SEED.bot.id),
    );
    return JSON.stringify([answer.text ?? '', answer.attachments ?? []]);
  }

  if (provider === 'okta') {
    const appointments = () => world.okta.delegates.all().filter((one) => one.delegatorId === SEED.users.bob.id);

    it('appoints a colleague by e-mail until a day, who then finds Bob’s approvals waiting; shows it and ends it', async () => {
      const until = inDays(30);
      expect(await answerTo(T.bob, 'delegate')).toContain('Nobody decides your approvals for you.');
      await world.driver.say(T.alice.id, 'request Salesforce Sales User because new territory');
      const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
      // Bob's card about it is in his chat before he writes, so the next thing the bot says there answers him.
      await world.gatehouse.idle();

      const appointed = await answerTo(T.bob, `delegate ${T.erin.email} until ${until} because on leave`);
      expect(appointed).toContain('✅ **Erin Walsh** now decides your approvals');
      expect(appointed).toContain(`until ${until}`);
      expect(appointed).toContain('(“on leave”)');
      expect(appointments()).toEqual([expect.objectContaining({ delegateId: SEED.users.erin.id, note: 'on leave' })]);
      expect(world.okta.delegates.delegateOf(SEED.users.bob.id)).toBe(SEED.users.erin.id);

      // Erin asks what waits for her: Alice's request, which is Bob's.
      expect(await answerTo(T.erin, 'pending')).toContain(request.id);
      expect(await answerTo(T.bob, 'delegate')).toContain('**Erin Walsh** decides your approvals');

      expect(await answerTo(T.bob, 'delegate off')).toContain('no longer stands in for you');
      expect(world.okta.delegates.delegateOf(SEED.users.bob.id)).toBeUndefined();
      expect(await answerTo(T.bob, 'delegate')).toContain('Nobody decides your approvals for you.');
      expect(await answerTo(T.bob, 'delegate off')).toContain('Nobody was standing in for you');
    });

    it('refuses a day already past, a bare name and someone not in Teams, recording nothing', async () => {
      const before = world.okta.delegates.all().length;
      expect(await answerTo(T.bob, `delegate ${T.erin.email} until 2020-01-01`)).toMatch(/⚠️ .*2020-01-01.* has passed/);
      expect(await answerTo(T.bob, `delegate dana until ${inDays(30)}`)).toContain('“dana” names nobody');
      expect(await answerTo(T.bob, `delegate ${T.stranger.email} until ${inDays(30)}`)).toContain(
        `cannot find “${T.stranger.email}” in Teams`,
      );
      expect(world.okta.delegates.all().length).toBe(before);
      expect(world.okta.delegates.delegateOf(SEED.users.bob.id)).toBeUndefined();
    });

    // The bot answers in a later turn of its own: the message's mention entities must reach it.
    it('refuses oneself, @mentioned in the chat, as one’s own delegate', async () => {
      const answer = await answerTo(T.bob, ['delegate ', mentionOf(T.bob.id), ` until ${inDays(30)}`]);
      expect(answer).toMatch(/⚠️ .*own delegate/);
      expect(world.okta.delegates.delegateOf(SEED.users.bob.id)).toBeUndefined();
    });
  } else {
    it('says PingOne does not let Gatehouse appoint a delegate', async () => {
      const answer = await answerTo(T.bob, `delegate ${T.erin.email} until ${inDays(30)}`);
      expect(answer).toMatch(/⚠️ .*PingOne/);
      expect(answer).not.toContain('✅');
    });
  }

  it('cannot @mention a colleague outside the 1:1 chat (Teams offers only its members), so nothing reaches Gatehouse', async () => {
    const chat = world.teams.personalConversationOf(T.bob.id);
    const before = world.teams.transcript(chat).length;
    await expect(world.driver.say(T.bob.id, ['delegate ', mentionOf(T.dana.id), ' until 2027-01-15'])).rejects.toThrow(
      /only the conversation's members/,
    );
    expect(world.teams.transcript(chat).length).toBe(before);
    // What Bob is told when he writes the name instead: the e-mail form.
    expect(await answerTo(T.bob, 'delegate Dana until 2027-01-15')).toContain(
      'or their e-mail address instead of the mention',
    );
  });
});

describe('whom a delegate message names', () => {
  const activity = (entities: unknown[]): Partial<Activity> =>
    ({ entities, recipient: { id: TEAMS_SEED.bot.id, name: 'Gatehouse' } }) as Partial<Activity>;

  it('is the Teams id of the mention entity the text names, never the bot, or an e-mail address', () => {
    const dana = mentionEntity({ id: T.dana.id, name: T.dana.name });
    expect(namedMember(activity([dana]), '<at>Dana Kowalski</at>')).toBe(T.dana.id);
    expect(namedMember(activity([dana]), '<at>Erin Walsh</at>')).toBeUndefined();
    const bot = mentionEntity({ id: TEAMS_SEED.bot.id, name: 'Gatehouse' });
    expect(namedMember(activity([bot]), '<at>Gatehouse</at>')).toBeUndefined();
    expect(namedMember(activity([]), 'dana@acme.example')).toBe('dana@acme.example');
    expect(namedMember(activity([]), 'Dana')).toBeUndefined();
  });
});
