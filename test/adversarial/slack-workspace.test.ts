import { SEED } from '@gatehouse/sandbox/okta';
import { createSlackWorkspace, type From, type MessageRecord, SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, messageAbout, S, type SlackWorld, shown, startSlackWorld } from '../support/slack-world.js';

/**
 * Issue 15 / audit F1: Slack's signing secret is per app, not per workspace, so a correctly signed
 * delivery can come from another workspace (a distributed app), another Enterprise Grid org, or a
 * Slack Connect partner in a shared channel. Gatehouse serves one workspace (or one Grid org): every
 * other delivery is answered with why, and nothing reaches the governance system. Each test waits
 * for what the person is shown, then reads Okta's records.
 */
let world: SlackWorld;
afterEach(async () => {
  await world?.close();
});

const APPROVALS = SLACK_SEED.channels.approvals.id;
const EVIL_TEAM: From = { teamId: 'T0EVILCORP' };
const EVIL_GRID: From = { enterprise: { id: 'E0EVILGRID', name: 'Evil Grid' } };
const ONLY_SERVES = /Gatehouse only serves .*another workspace or organisation, so nothing was done/;
const BELONGS_ELSEWHERE = /Your Slack account belongs to another workspace or organisation/;

/** Everything shown to one person: messages only to them, their DM, their open modal and their Home. */
function heardBy(userId: string): string[] {
  const modal = world.slack.openModalOf(userId);
  const home = world.slack.homeOf(userId);
  return [
    ...[...world.slack.ephemeralsFor(userId), ...world.slack.dmWith(userId)].map((message) => shown(message)),
    ...(modal ? [JSON.stringify(modal.blocks)] : []),
    ...(home ? [JSON.stringify(home.blocks)] : []),
  ];
}

const told = (userId: string, words: RegExp) => eventually(() => heardBy(userId).some((text) => words.test(text)));

/** What Okta has recorded, to compare before and after a refused delivery. */
function okta() {
  world.okta.settle();
  return {
    requests: world.okta.requests.length,
    decisions: world.writes('/resolve'),
    notes: world.writes('/messages'),
    lookups: world.portal.lookups(),
    openTasks: world.okta.tasks.filter((task) => task.status === 'OPEN').length,
  };
}

/** Erin asks for Zoom Pro from the workspace Gatehouse serves; Dana approves it (her DM and the channel get cards). */
async function erinsZoomRequest() {
  await world.driver.command(S.erin.id, 'request zoom pro because webinars');
  const request = await eventually(() =>
    world.okta.requests.find((candidate) => candidate.requested.entryId === SEED.entries.zoomPro.id),
  );
  const danaCard = await eventually(() => messageAbout(world.slack.dmWith(S.dana.id), request.id));
  const channelCard = await eventually(() => messageAbout(world.slack.messagesIn(APPROVALS), request.id));
  return { request, danaCard, channelCard };
}

const on = (card: MessageRecord) => ({ channel: card.channel, ts: card.ts });

describe('a workspace that is not on Enterprise Grid (learned from auth.test)', () => {
  it('refuses a signed command from another workspace in its answer, creating nothing', async () => {
    world = await startSlackWorld();
    const before = okta();
    const answer = await world.driver.command(S.alice.id, 'request zoom pro because webinars', { from: EVIL_TEAM });
    expect(answer.statusCode).toBe(200);
    expect(answer.answerProblems).toEqual([]);
    // The refusal is the command's own answer: shown to Alice at once, naming the workspace served.
    const heard = heardBy(S.alice.id).join('\n');
    expect(heard).toMatch(ONLY_SERVES);
    expect(heard).toContain('Acme Sandbox');
    expect(okta()).toEqual(before);
    expect(world.slack.callsTo('users.info')).toHaveLength(0);
  });

  it('refuses Approve clicked from another workspace: the task stays open and the approver is told why', async () => {
    world = await startSlackWorld();
    const { request, danaCard } = await erinsZoomRequest();
    const before = okta();
    const answer = await world.driver.click(S.dana.id, on(danaCard), 'approve', { from: EVIL_TEAM });
    expect(answer.statusCode).toBe(200);
    await told(S.dana.id, ONLY_SERVES);
    expect(okta()).toEqual(before);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('PENDING');
  });

  it('refuses type-ahead and a modal submitted from another workspace, creating nothing', async () => {
    world = await startSlackWorld();
    await world.driver.command(S.alice.id, '');
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));
    // whoAmI, run when the form opens, is Gatehouse's last call to Okta for Alice.
    await eventually(() => world.portal.lookups() > 0);
    const before = okta();
    const oktaCalls = world.okta.calls.length;
    const typed = await world.driver.suggest(S.alice.id, form.id, 'entry', 'figma', { from: EVIL_TEAM });
    expect(typed.body).toEqual({ options: [] });
    expect(world.okta.calls.length).toBe(oktaCalls);
    const answer = await world.driver.submit(
      S.alice.id,
      form.id,
      { entry: SEED.entries.figmaEditor.id, justification: 'Design review' },
      { from: EVIL_TEAM },
    );
    expect(answer.statusCode).toBe(200);
    expect(answer.answerProblems).toEqual([]);
    expect(shown({ blocks: world.slack.view(form.id)?.blocks })).toMatch(ONLY_SERVES);
    expect(okta()).toEqual(before);
  });

  it('refuses an event from another workspace: the Home says why and nobody is looked up', async () => {
    world = await startSlackWorld();
    const before = okta();
    const opened = await world.driver.openHome(S.bob.id, { from: EVIL_TEAM });
    expect(opened.statusCode).toBe(200);
    await told(S.bob.id, ONLY_SERVES);
    expect(okta()).toEqual(before);
    expect(world.slack.callsTo('users.info')).toHaveLength(0);
  });

  it('refuses a Slack Connect partner’s click in a shared channel, even with an approver’s email', async () => {
    world = await startSlackWorld();
    const { request, channelCard } = await erinsZoomRequest();
    // Another organisation's admin gave their person Dana's address; they share #access-approvals.
    world.slack.addUser({
      id: 'U0PARTNER',
      realName: 'Pat Partner',
      email: SEED.users.dana.email,
      teamId: 'T0PARTNERCO',
      channels: [APPROVALS],
    });
    const before = okta();
    const answer = await world.driver.click('U0PARTNER', on(channelCard), 'approve');
    expect(answer.statusCode).toBe(200);
    // The click arrived in our workspace (team.id ours, user.team_id theirs): users.info says whose they are.
    await told('U0PARTNER', BELONGS_ELSEWHERE);
    expect(world.slack.callsTo('users.info').some((call) => call.args.user === 'U0PARTNER')).toBe(true);
    expect(okta()).toEqual(before);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('PENDING');
  });

  it.each([
    { who: 'a Slack Connect partner', user: { id: 'U0PARTNER', teamId: 'T0PARTNERCO' } },
    { who: 'a stranger', user: { id: 'U0OUTSIDER', teamId: 'T0ELSEWHERE', stranger: true } },
  ])('tells $who, looked up by users.info, that their account belongs elsewhere (not “unknown”)', async ({ user }) => {
    world = await startSlackWorld();
    world.slack.addUser({ ...user, realName: 'Someone Else', email: SEED.users.dana.email, channels: [APPROVALS] });
    const before = okta();
    // The event names our workspace (it is our App Home); only users.info tells who they are.
    await world.driver.openHome(user.id);
    await told(user.id, BELONGS_ELSEWHERE);
    expect(world.slack.callsTo('users.info').some((call) => call.args.user === user.id)).toBe(true);
    expect(okta()).toEqual(before);
  });

  it('serves a guest of its own workspace like any member', async () => {
    world = await startSlackWorld();
    world.slack.addUser({
      id: 'U0GUESTCAROL',
      realName: 'Carol Okafor',
      email: SEED.users.carol.email,
      restricted: true,
    });
    await world.driver.command('U0GUESTCAROL', 'mine');
    await told('U0GUESTCAROL', /You have not requested anything yet/);
  });
});

describe('a workspace on Enterprise Grid (auth.test names the org)', () => {
  const gridWorld = () =>
    startSlackWorld({ slack: createSlackWorkspace({ enterprise: { id: 'E0ACME', name: 'Acme Group' } }) });

  it('refuses Approve clicked from another org and a command from a workspace outside any org', async () => {
    world = await gridWorld();
    const { request, danaCard } = await erinsZoomRequest();
    const before = okta();
    await world.driver.click(S.dana.id, on(danaCard), 'approve', { from: EVIL_GRID });
    await told(S.dana.id, ONLY_SERVES);
    expect(heardBy(S.dana.id).join('\n')).toContain('E0ACME');
    await world.driver.command(S.alice.id, 'request figma because design', {
      from: { ...EVIL_TEAM, enterprise: null },
    });
    await told(S.alice.id, ONLY_SERVES);
    expect(okta()).toEqual(before);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('PENDING');
  });

  it('serves another workspace of the same org, and refuses a person of another org', async () => {
    world = await gridWorld();
    // An org-wide install: the same org, another workspace. Alice is an org member: served.
    await world.driver.command(S.alice.id, 'request zoom pro because webinars', { from: { teamId: 'T0ACMEEUROPE' } });
    await eventually(() => world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id));
    // A person of another org, with Bob's address, opening the Home: told they belong elsewhere.
    world.slack.addUser({
      id: 'W0OTHERORG',
      realName: 'Other Person',
      email: SEED.users.bob.email,
      teamId: 'T0OTHERORG',
      enterpriseId: 'E0OTHERORG',
      enterpriseName: 'Other Org',
    });
    const lookups = world.portal.lookups();
    await world.driver.openHome('W0OTHERORG');
    await told('W0OTHERORG', BELONGS_ELSEWHERE);
    expect(world.portal.lookups()).toBe(lookups);
  });
});

describe('a workspace on Enterprise Grid configured alone (SLACK_TEAM_ID, no org)', () => {
  const gridWorkspaceAlone = () =>
    startSlackWorld({
      slack: createSlackWorkspace({ enterprise: { id: 'E0ACME', name: 'Acme Group' } }),
      slackConfig: { teamId: SLACK_SEED.teamId },
    });

  it('serves Approve from a member whose home is a sister workspace of the org (user.team_id is not where they clicked)', async () => {
    world = await gridWorkspaceAlone();
    const { request, channelCard } = await erinsZoomRequest();
    // Dana as Grid knows her: her home is Acme Europe, and she is a member of this workspace too, so
    // her clicks here carry team.id = this workspace and user.team_id = T0ACMEEUROPE (slackapi/bolt-js#1875).
    world.slack.addUser({
      id: 'W0DANA',
      realName: 'Dana Kowalski',
      email: SEED.users.dana.email,
      teamId: 'T0ACMEEUROPE',
      enterpriseId: 'E0ACME',
      teams: ['T0ACMEEUROPE', SLACK_SEED.teamId],
      channels: [APPROVALS],
    });
    const decisions = world.writes('/resolve');
    const answer = await world.driver.click('W0DANA', on(channelCard), 'approve');
    expect(answer.statusCode).toBe(200);
    await eventually(() => world.okta.requests.find((r) => r.id === request.id)?.status === 'APPROVED');
    expect(world.writes('/resolve')).toBe(decisions + 1);
    expect(heardBy('W0DANA').join('\n')).not.toMatch(ONLY_SERVES);
  });

  it('still refuses a member of a sister workspace who is not a member of this one', async () => {
    world = await gridWorkspaceAlone();
    const { request, channelCard } = await erinsZoomRequest();
    world.slack.addUser({
      id: 'W0EUROPE',
      realName: 'Eve Europe',
      email: SEED.users.dana.email,
      teamId: 'T0ACMEEUROPE',
      enterpriseId: 'E0ACME',
      channels: [APPROVALS],
    });
    const before = okta();
    await world.driver.click('W0EUROPE', on(channelCard), 'approve');
    await told('W0EUROPE', BELONGS_ELSEWHERE);
    expect(okta()).toEqual(before);
    expect(world.okta.requests.find((r) => r.id === request.id)?.status).toBe('PENDING');
  });
});

describe('the workspace Gatehouse serves', () => {
  it('is the configured SLACK_TEAM_ID, whatever auth.test says', async () => {
    world = await startSlackWorld({ slackConfig: { teamId: 'T0CONFIGURED' } });
    const before = okta();
    // From the workspace the bot token belongs to (auth.test's), but not the configured one.
    await world.driver.command(S.alice.id, 'request zoom pro because webinars');
    await told(S.alice.id, /Gatehouse only serves the Slack workspace T0CONFIGURED/);
    // Claiming the configured workspace does not help: users.info says where Alice belongs.
    await world.driver.command(S.alice.id, 'request zoom pro because webinars', { from: { teamId: 'T0CONFIGURED' } });
    await told(S.alice.id, BELONGS_ELSEWHERE);
    expect(okta()).toEqual(before);
  });

  it('is unknown while auth.test fails and nothing is configured: every delivery is refused, then served once Slack answers', async () => {
    const slack = createSlackWorkspace();
    slack.faults.add({ method: 'auth.test', kind: 'error', error: 'fatal_error', times: Number.POSITIVE_INFINITY });
    world = await startSlackWorld({ slack });
    const before = okta();
    await world.driver.command(S.alice.id, 'request zoom pro because webinars');
    await told(S.alice.id, /could not confirm which Slack workspace it serves.*try again/);
    expect(okta()).toEqual(before);

    slack.faults.clear();
    await world.driver.command(S.alice.id, 'request zoom pro because webinars');
    await eventually(() => world.okta.requests.find((r) => r.requested.entryId === SEED.entries.zoomPro.id));
  });
});
