import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buttonsOf,
  eventually,
  messageAbout,
  S,
  type SlackWorld,
  shown,
  startSlackWorld,
} from '../../support/slack-world.js';
import { PROVIDERS } from '../../support/world.js';

/**
 * Issue 21 point 1, the rest of the requester's lifecycle on Slack: a warning instead of a request
 * for access already held (with Extend when it ends), the form opened and filled in when a reason
 * or duration the entry needs was left out, words after "for" kept as the reason, and Extend on the
 * expiring warning. Driven through /slack/events with Slack's payloads, against both emulators.
 */
let world: SlackWorld;
const E = SEED.entries;

const ephemeralWith = (userId: string, text: string) =>
  eventually(() => world.slack.ephemeralsFor(userId).find((message) => shown(message).includes(text)));

describe.each(PROVIDERS)('on %s', (provider) => {
  beforeEach(async () => {
    world = await startSlackWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  /** Alice asks for Figma Editor for 3 days and Bob, her manager, approves it from his card. */
  async function aliceHoldsFigmaFor3Days() {
    await world.driver.command(S.alice.id, 'request Figma Editor for 3 days because design review');
    const request = await eventually(() => world.portal.find(E.figmaEditor.id));
    const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
    await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
    // Not gatehouse.idle(): time-bound access keeps the notifier's expiry warning waiting.
    await eventually(() => world.portal.status(request.id) === 'approved');
    return request;
  }

  // Words first: a world's first command pays its cold start, and a form's trigger_id lives 3 s.
  describe('words after "for"', () => {
    it('keeps words that are not a duration as the reason the approver reads', async () => {
      await world.driver.command(S.alice.id, 'request Figma Editor for design review of the launch');
      const request = await eventually(() => world.portal.find(E.figmaEditor.id));
      await ephemeralWith(S.alice.id, request.id);
      const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
      expect(shown(bobCard)).toContain('*Figma — Editor*');
      expect(shown(bobCard)).toContain('design review of the launch');
      expect(world.portal.accessDuration(request.id)).toBeUndefined();
    });

    it('still refuses what no form fixes: a duration the entry does not take, or longer than it allows', async () => {
      await world.driver.command(S.alice.id, 'request Salesforce Sales User for 2 days because new territory');
      await ephemeralWith(S.alice.id, 'cannot be requested for a limited time');
      await world.driver.command(S.alice.id, 'request Figma Editor for 3 weeks because launch');
      await ephemeralWith(S.alice.id, 'at most 1 week');
      expect(world.portal.count()).toBe(0);
    });
  });

  describe('a missing reason or duration', () => {
    it('opens the form with the entry chosen instead of refusing, and the form then requests it', async () => {
      const asked = await world.driver.command(S.alice.id, 'request Salesforce Admin');
      expect(asked.answerProblems).toEqual([]);
      const form = await eventually(() => world.slack.openModalOf(S.alice.id));
      const text = shown({ blocks: form.blocks });
      expect(text).toContain('needs to know why you need it');
      expect(text).toContain('Salesforce — Admin');
      expect(text).toContain('Why do you need it? (required)');
      expect(world.portal.count()).toBe(0);
      expect(
        world.slack
          .ephemeralsFor(S.alice.id)
          .map((m) => shown(m))
          .join(),
      ).not.toContain('needs a justification');

      const submitted = await world.driver.submit(S.alice.id, form.id, {
        entry: E.salesforceAdmin.id,
        justification: 'quarter close',
      });
      expect(submitted.answerProblems).toEqual([]);
      const request = await eventually(() => world.portal.find(E.salesforceAdmin.id));
      await eventually(() => shown({ blocks: world.slack.view(form.id)?.blocks }).includes(request.id));
    });

    it('fills in what was typed: the reason, when the duration the entry needs is missing', async () => {
      await world.driver.command(S.carol.id, 'request AWS Production Admin because incident 4711');
      const form = await eventually(() => world.slack.openModalOf(S.carol.id));
      const text = shown({ blocks: form.blocks });
      expect(text).toContain('needs to know for how long');
      expect(text).toContain('AWS Production — Admin');
      expect(text).toContain('incident 4711');
      expect(text).toContain('For how long? (at most 8 hours)');
      expect(world.portal.count()).toBe(0);
    });
  });

  describe('access already held', () => {
    it('warns instead of requesting access with no end again, with nothing to extend', async () => {
      await world.driver.command(S.alice.id, 'request Google Workspace Standard because onboarding');
      const first = await eventually(() => world.portal.find(E.googleWorkspaceStandard.id));
      await eventually(() => world.portal.status(first.id) === 'approved');
      await world.gatehouse.idle();
      const before = world.portal.count();

      await world.driver.command(S.alice.id, 'request Google Workspace Standard because onboarding');
      const warning = await ephemeralWith(S.alice.id, 'You already have');
      expect(shown(warning)).toContain('You already have *Google Workspace — Standard*, with no end date');
      expect(shown(warning)).toContain('nothing to extend');
      expect(buttonsOf(warning)).toEqual([]);
      expect(world.portal.count()).toBe(before);
    });

    it('offers Extend for time-bound access, which asks again for the same time, approved as usual', async () => {
      await aliceHoldsFigmaFor3Days();
      const before = world.portal.count();

      await world.driver.command(S.alice.id, 'request Figma Editor for 2 days because still reviewing');
      const warning = await ephemeralWith(S.alice.id, 'You already have');
      expect(shown(warning)).toMatch(/You already have \*Figma — Editor\* \(until <!date\^\d+\^/);
      expect(shown(warning)).toContain('*Extend* asks again for another 2 days: a new request, approved as usual');
      expect(buttonsOf(warning)).toEqual(['request_again']);
      expect(shown(warning)).toContain('"text":"Extend"');
      expect(world.portal.count()).toBe(before);

      await world.driver.click(S.alice.id, { channel: warning.channel, ts: warning.ts }, 'request_again');
      const form = await eventually(() => world.slack.openModalOf(S.alice.id));
      expect(shown({ blocks: form.blocks })).toContain('This asks again for another 2 days');
      expect(JSON.stringify(form)).toContain('Extend access');
      const submitted = await world.driver.submit(S.alice.id, form.id, {
        entry: E.figmaEditor.id,
        justification: 'still reviewing',
        duration: 'P2D',
      });
      expect(submitted.answerProblems).toEqual([]);
      await eventually(() => world.portal.count() === before + 1);
      const done = await eventually(() => {
        const text = shown({ blocks: world.slack.view(form.id)?.blocks });
        return text.includes('Requested') ? text : undefined;
      });
      expect(done).not.toContain('already have');
    });

    it('refuses an Extend (a forged button) of access with no end', async () => {
      await world.driver.command(S.alice.id, 'request Google Workspace Standard because onboarding');
      const first = await eventually(() => world.portal.find(E.googleWorkspaceStandard.id));
      await eventually(() => world.portal.status(first.id) === 'approved');
      await world.gatehouse.idle();
      const before = world.portal.count();
      // An Extend button as another message drew it, for access Alice holds with no end.
      await aliceHoldsFigmaFor3Days();
      await world.driver.command(S.alice.id, 'request Figma Editor for 1 day because more');
      const warning = await ephemeralWith(S.alice.id, 'You already have');
      const forged = JSON.stringify({ e: E.googleWorkspaceStandard.id, x: 1 });
      await world.driver.click(S.alice.id, { channel: warning.channel, ts: warning.ts }, 'request_again', forged);
      const form = await eventually(() => world.slack.openModalOf(S.alice.id));
      await world.driver.submit(S.alice.id, form.id, { entry: E.googleWorkspaceStandard.id });
      const answer = await eventually(() => {
        const text = shown({ blocks: world.slack.view(form.id)?.blocks });
        return text.includes('already have') ? text : undefined;
      });
      expect(answer).toContain('nothing to extend');
      expect(world.portal.count()).toBe(before + 1);
    });
  });
});

describe('the expiring warning', () => {
  afterEach(async () => {
    await world.close();
  });

  it('says Extend and what it does, and its button asks again, not refused as access already held', async () => {
    let now = Date.parse('2026-11-20T09:00:00Z');
    const org = createOktaOrg({ now: () => now });
    world = await startSlackWorld({ org, now: () => now, env: { ACCESS_EXPIRY_WARNINGS: '1h' } });
    await world.driver.command(S.alice.id, 'request Figma Editor for 4h because design review');
    const request = await eventually(() => world.portal.find(E.figmaEditor.id));
    const task = await eventually(() => {
      world.okta.settle();
      return world.okta.tasks.find((t) => t.requestId === request.id && t.status === 'OPEN');
    });
    world.okta.resolveTaskAs(task.id, SEED.users.bob.id, 'APPROVED');
    world.okta.settle();
    await world.gatehouse.messages.sync(request.id);
    now += 3 * 3_600_000 + 5 * 60_000;
    await world.gatehouse.messages.sync(request.id);
    const warning = await eventually(() =>
      world.slack.dmWith(S.alice.id).find((m) => shown(m).includes(request.id) && shown(m).includes('Need it longer')),
    );
    expect(shown(warning)).toContain(
      '*Extend* asks again for another 4 hours, before it goes: a new request, approved as usual.',
    );
    expect(buttonsOf(warning)).toEqual(['request_again']);
    expect(shown(warning)).toContain('"text":"Extend"');

    // Typed again, the same request is refused as access already held: the button is the way on.
    await world.driver.command(S.alice.id, 'request Figma Editor for 4h because design review');
    await ephemeralWith(S.alice.id, 'You already have');
    const before = world.portal.count();
    await world.driver.click(S.alice.id, { channel: warning.channel, ts: warning.ts }, 'request_again');
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));
    expect(shown({ blocks: form.blocks })).toContain('This asks again for another 4 hours');
    await world.driver.submit(S.alice.id, form.id, {
      entry: E.figmaEditor.id,
      justification: 'design review, part two',
      duration: 'PT4H',
    });
    await eventually(() => world.portal.count() === before + 1);
    expect(shown({ blocks: world.slack.view(form.id)?.blocks })).not.toContain('already have');
  });
});
