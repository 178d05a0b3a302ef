import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mentionedUser } from '../../../src/adapters/slack/listeners/chosen-person.js';
import { renderDelegated, renderDelegation } from '../../../src/adapters/slack/render/delegation.js';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../../support/slack-world.js';

/**
 * Issue 21, point 4 on Slack: `/access delegate @person until <date>`, `/access delegate off` and
 * `/access delegate`, answered to the person alone.
 */

describe('the person named in /access delegate', () => {
  it("reads Slack's mention, with or without a label", () => {
    expect(mentionedUser('<@U0DANA>')).toBe('U0DANA');
    expect(mentionedUser('<@U0DANA|dana>')).toBe('U0DANA');
    expect(mentionedUser('<@W0GRID|someone>')).toBe('W0GRID');
  });

  it('takes nothing else for a person: a bare name, a channel, two people, a broadcast', () => {
    for (const sent of ['@dana', 'dana', '<#C0123|general>', '<@U0DANA> <@U0BOB>', '<!here>', '<@U0DANA|a>b>']) {
      expect(mentionedUser(sent)).toBeUndefined();
    }
  });
});

describe('the delegation answers, as rendered', () => {
  it('names the delegate escaped and the end in Slack date markup', () => {
    const text = shown(
      renderDelegated({
        delegate: { id: 'p1', name: 'Dana <!channel>' },
        until: '2026-12-24T23:59:59.000Z',
        note: 'back on the <25th>',
      }) as never,
    );
    expect(text).toContain('*Dana &lt;!channel&gt;* decides your approvals until <!date^');
    expect(text).toContain('“back on the &lt;25th&gt;”');
    expect(text).not.toContain('<!channel>');
  });

  it('says how to appoint someone when nobody stands in', () => {
    expect(shown(renderDelegation(null) as never)).toContain('/access delegate @person until &lt;date&gt;');
  });
});

/** `/access <text>` by this person, and the answer they alone see (sent after the command's ack). */
async function ask(world: SlackWorld, userId: string, text: string): Promise<string> {
  const before = world.slack.ephemeralsFor(userId).length;
  // Slack's wire form: a mention arrives as `<@U…>` or `<@U…|name>`.
  await world.driver.command(userId, text, { asSent: true });
  const answer = await eventually(() => world.slack.ephemeralsFor(userId)[before]);
  return shown(answer);
}

describe('/access delegate on okta', () => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider: 'okta' });
  });
  afterEach(async () => {
    await world.close();
  });

  it('appoints the person mentioned until the day typed, shows it, sends them the cards, and ends it', async () => {
    expect(await ask(world, S.bob.id, `delegate <@${S.dana.id}|dana> until 2026-12-24 because skiing`)).toMatch(
      /\*Dana Kowalski\* decides your approvals until <!date\^/,
    );

    expect(await ask(world, S.bob.id, 'delegate')).toContain('*Dana Kowalski* decides your approvals');

    // Alice's request waits for Bob: Dana gets the card as his delegate.
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
    await world.gatehouse.idle();
    await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));

    expect(await ask(world, S.bob.id, 'delegate off')).toContain('no longer decides your approvals');
    expect(await ask(world, S.bob.id, 'delegate')).toContain('Nobody decides your approvals for you');
    expect(await ask(world, S.bob.id, 'delegate off')).toContain('You had no delegate');
  });

  it('refuses, specifically: no mention, oneself, someone unknown, a day gone or unreadable', async () => {
    expect(await ask(world, S.bob.id, 'delegate dana until friday')).toContain('Name the person with an @-mention');
    expect(await ask(world, S.bob.id, `delegate <@${S.bob.id}>`)).toContain('You cannot be your own delegate');
    // A guest whose Slack profile shows no email, and a member the governance system does not know.
    expect(await ask(world, S.bob.id, `delegate <@${S.noEmail.id}>`)).toContain('shows no confirmed email in Slack');
    expect(await ask(world, S.bob.id, `delegate <@${S.stranger.id}>`)).toContain(
      'has no account in the governance system',
    );
    expect(await ask(world, S.bob.id, `delegate <@${S.dana.id}> until 2020-01-01`)).toContain('has passed');
    expect(await ask(world, S.bob.id, `delegate <@${S.dana.id}> until someday`)).toContain(':warning:');
    expect(await ask(world, S.bob.id, 'delegate')).toContain('Nobody decides your approvals for you');
  });
});

describe('/access delegate on pingone', () => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider: 'pingone' });
  });
  afterEach(async () => {
    await world.close();
  });

  it('says PingOne does not let Gatehouse appoint delegates, for each of the three', async () => {
    for (const text of [`delegate <@${S.dana.id}> until 2026-12-24`, 'delegate', 'delegate off']) {
      expect(await ask(world, S.bob.id, text)).toContain('PingOne does not let Gatehouse appoint delegates');
    }
  });
});
