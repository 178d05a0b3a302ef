import { SEED } from '@gatehouse/sandbox/okta';
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

let world: SlackWorld;
beforeEach(async () => {
  world = await startSlackWorld();
});
afterEach(async () => {
  await world.close();
});

const oktaRequest = (entryId: string) => world.okta.requests.find((request) => request.requested.entryId === entryId);
/** What `userId` was last told only to them (command answers and response_url posts). */
const lastEphemeral = (userId: string) => world.slack.ephemeralsFor(userId).at(-1);
const ephemeralWith = (userId: string, text: string) =>
  eventually(() => world.slack.ephemeralsFor(userId).find((message) => shown(message).includes(text)));

describe('waiting for Gatehouse to be idle', () => {
  it('covers what a command does after its ack: the request, its cards and the notifier', async () => {
    await world.driver.command(S.alice.id, 'request Zoom Pro License because webinars');
    // No polling here: idle() must not return before the work that followed the ack is done.
    await world.gatehouse.idle();
    const request = world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id);
    expect(request).toBeDefined();
    expect(messageAbout(world.slack.dmWith(S.dana.id), request?.id ?? 'none')).toBeDefined();
    expect(await world.gatehouse.queue.depth()).toEqual({ slack: 0, teams: 0 });
  });
});

describe('/access help and bad input', () => {
  it('explains the grammar on /access help', async () => {
    const answer = await world.driver.command(S.alice.id, 'help');
    expect(answer.statusCode).toBe(200);
    for (const word of ['request &lt;what&gt;', 'status', 'mine', 'pending'])
      expect(shown(lastEphemeral(S.alice.id))).toContain(word);
  });

  it('answers an unknown command with what it understands, quoting the text safely', async () => {
    await world.driver.command(S.alice.id, 'grant <!channel> everything');
    const answer = shown(lastEphemeral(S.alice.id));
    expect(answer).toContain('I don’t know “grant &lt;!channel&gt; everything”');
    expect(answer).not.toContain('<!channel>');
    expect(answer).toContain('request &lt;what&gt;');
  });

  it('refuses a garbled duration before asking the governance system anything', async () => {
    const before = world.okta.calls.length;
    await world.driver.command(S.alice.id, 'request Figma Editor for 3 fortnights');
    expect(shown(lastEphemeral(S.alice.id))).toContain('“3 fortnights” is not a duration');
    expect(world.okta.calls.length).toBe(before);
  });

  it('tells a Slack user whose email Okta does not know that they can do nothing here', async () => {
    await world.driver.command(S.stranger.id, 'mine');
    await ephemeralWith(S.stranger.id, 'No account in the governance system uses zoe@acme.example');
    await world.driver.command(S.stranger.id, 'request Zoom Pro License');
    await ephemeralWith(S.stranger.id, 'No account in the governance system uses zoe@acme.example');
    expect(world.okta.requests).toHaveLength(0);
  });

  it('tells a Slack user without an email, and one whose email two accounts share, why nothing happens', async () => {
    await world.driver.command(S.noEmail.id, 'pending');
    await ephemeralWith(S.noEmail.id, 'has no email address');
    await world.driver.command(S.jordanLee.id, 'request Zoom Pro License');
    await ephemeralWith(S.jordanLee.id, 'will not guess which one is you');
    expect(world.okta.requests).toHaveLength(0);
  });

  it('shows an unknown user why in the request form instead of a catalog', async () => {
    await world.driver.command(S.stranger.id, '');
    await eventually(() =>
      shown({ blocks: world.slack.openModalOf(S.stranger.id)?.blocks }).includes('No account in the governance system'),
    );
  });
});

describe('status, mine and pending', () => {
  it('lists my requests, shows one by id, and gives approvers buttons on their pending items', async () => {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
    await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));

    await world.driver.command(S.alice.id, 'mine');
    const mine = await ephemeralWith(S.alice.id, 'Your requests');
    expect(shown(mine)).toContain(request.id);
    expect(buttonsOf(mine)).not.toContain('approve');

    await world.driver.command(S.alice.id, `status ${request.id}`);
    const status = await ephemeralWith(S.alice.id, 'You asked for access to');
    expect(shown(status)).toContain('step 1');
    expect(shown(status)).toContain('Bob Martinez');

    await world.driver.command(S.carol.id, `status ${request.id}`);
    await ephemeralWith(S.carol.id, 'You can only see requests you made');

    await world.driver.command(S.bob.id, 'pending');
    const pending = await ephemeralWith(S.bob.id, 'Waiting for your decision');
    expect(shown(pending)).toContain(request.id);
    expect(buttonsOf(pending)).toEqual(['approve', 'reject', 'comment']);

    // The buttons on the list work like those on the card.
    await world.driver.click(S.bob.id, { channel: pending.channel, ts: pending.ts }, 'approve');
    await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === 'APPROVED');
  });

  it('says so when nothing waits for a decision', async () => {
    await world.driver.command(S.carol.id, 'pending');
    await ephemeralWith(S.carol.id, 'Nothing is waiting for your decision');
  });
});

describe('the request form', () => {
  it('searches the catalog as you type, adapts to the entry chosen, and submits once', async () => {
    await world.driver.command(S.alice.id, '');
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));

    // The empty box offers a first few under a label saying there is more; typing searches it all.
    const first = await world.driver.suggest(S.alice.id, form.id, 'entry', '');
    expect(first.answerProblems).toEqual([]);
    const groups = (first.body as { option_groups?: { label: { text: string }; options: unknown[] }[] }).option_groups;
    expect(groups?.[0]?.label.text).toMatch(/type to search it all/);
    expect(groups?.[0]?.options.length).toBeGreaterThan(0);

    const found = await world.driver.suggest(S.alice.id, form.id, 'entry', 'figma');
    expect(found.answerProblems).toEqual([]);
    const options = (found.body as { options: { text: { text: string }; value: string }[] }).options;
    expect(options.map((option) => option.value)).toContain(SEED.entries.figmaEditor.id);

    await world.driver.click(S.alice.id, { viewId: form.id }, 'entry', SEED.entries.figmaEditor.id);
    const adapted = await eventually(() => {
      const view = world.slack.view(form.id);
      return view && shown({ blocks: view.blocks }).includes('For how long?') ? view : undefined;
    });
    expect(shown({ blocks: adapted.blocks })).toContain('at most 1 week');
    expect(shown({ blocks: adapted.blocks })).not.toContain('14 days');
    // Okta takes a reason of at most 1,000 characters: the form stops typing there, not the backend.
    const reason = adapted.blocks.find((block) => block.block_id === 'justification') as
      | { element?: { max_length?: number } }
      | undefined;
    expect(reason?.element?.max_length).toBe(1000);

    const submitted = await world.driver.submit(S.alice.id, form.id, {
      entry: SEED.entries.figmaEditor.id,
      justification: 'Design review of the Q1 launch',
      duration: 'P3D',
    });
    expect(submitted.answerProblems).toEqual([]);
    const request = await eventually(() => oktaRequest(SEED.entries.figmaEditor.id));
    expect(request.accessDuration).toBe('P3D');
    await eventually(() => shown({ blocks: world.slack.view(form.id)?.blocks }).includes(request.id));
    await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));

    // Submitting the same view again (a retried or forged delivery) asks Okta nothing and creates nothing.
    await world.gatehouse.idle();
    const oktaCalls = world.okta.calls.length;
    await world.driver.resend(submitted.request);
    await world.gatehouse.idle();
    expect(world.okta.calls.length).toBe(oktaCalls);
    expect(world.okta.requests.filter((r) => r.requested.entryId === SEED.entries.figmaEditor.id)).toHaveLength(1);
  });

  it('opens the form prefilled with the candidates when the one-line text names several entries', async () => {
    await world.driver.command(S.alice.id, 'request google for 4h because onboarding');
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));
    const text = shown({ blocks: form.blocks });
    expect(text).toContain('Several things you can request match “google”');
    expect(text).toContain(SEED.entries.googleWorkspaceStandard.id);
    expect(text).toContain('onboarding');
    expect(world.okta.requests).toHaveLength(0);
  });

  it('opens the form on the matching search when the text names nothing', async () => {
    await world.driver.command(S.alice.id, 'request quantum flux capacitor');
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));
    expect(shown({ blocks: form.blocks })).toContain('Nothing you can request matches “quantum flux capacitor”');
  });
});

describe('App Home', () => {
  it('shows my pending approvals with buttons and my open requests, and refreshes after a decision', async () => {
    await world.driver.command(S.alice.id, 'request Salesforce Sales User because new territory');
    const request = await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id));
    await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));

    const opened = await world.driver.openHome(S.bob.id);
    expect(opened.statusCode).toBe(200);
    const home = await eventually(() => world.slack.homeOf(S.bob.id));
    expect(shown({ blocks: home.blocks })).toContain(request.id);
    expect(buttonsOf({ blocks: home.blocks })).toContain('approve');

    await world.driver.openHome(S.alice.id);
    const aliceHome = await eventually(() => world.slack.homeOf(S.alice.id));
    expect(shown({ blocks: aliceHome.blocks })).toContain('Your open requests');
    expect(shown({ blocks: aliceHome.blocks })).toContain(request.id);

    await world.driver.click(S.bob.id, { viewId: home.id }, 'approve');
    await eventually(() => oktaRequest(SEED.entries.salesforceSalesUser.id)?.status === 'APPROVED');
    // Both Homes move without anyone reopening them: Bob has nothing pending, Alice nothing open.
    for (const user of [S.bob.id, S.alice.id]) {
      await eventually(() => {
        const now = world.slack.homeOf(user);
        return now && !shown({ blocks: now.blocks }).includes(request.id);
      });
    }
  });
});
