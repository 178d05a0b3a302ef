import { SEED } from '@gatehouse/sandbox/okta';
import type { Json } from '@gatehouse/sandbox/slack';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outcomeText, selectionBlocks } from '../../../src/adapters/slack/render/several.js';
import { failure, type RequestView } from '../../../src/flows/index.js';
import { pressWithTicked } from '../../support/slack-ticks.js';
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

function row(n: number, extra: Partial<RequestView> = {}): RequestView {
  return {
    id: `req${n}`,
    status: 'pending',
    statusLabel: 'Pending approval',
    entry: { id: `e${n}`, name: `App ${n}` },
    requestedFor: { id: 'p1', name: 'Alice' },
    requester: { id: 'p1', name: 'Alice' },
    created: '2026-12-01T09:00:00.000Z',
    updated: '2026-12-01T09:00:00.000Z',
    currentStep: { index: 1 },
    steps: [{ index: 1, taskId: `t${n}`, status: 'pending', approvers: [] }],
    comments: [],
    actions: ['approve', 'reject', 'comment'],
    ...extra,
  };
}

describe('the selection under a pending list, as rendered', () => {
  it('puts at most ten boxes in one checkboxes element, leaving out rows decided or not theirs', () => {
    const items = Array.from({ length: 14 }, (_, n) => row(n));
    items[3] = row(3, { actions: ['comment'] });
    const blocks = selectionBlocks(items, {
      id: 'list1',
      done: { req5: { kind: 'approve', at: '2026-12-01T10:00:00Z' } },
    });
    const groups = blocks.filter((b) => String(b.block_id).startsWith('several_pick_')) as unknown as Json[];
    const optionsOf = (g: Json) => ((g.elements as Json[])[0]?.options ?? []) as Json[];
    const sizes = groups.map((g) => optionsOf(g).length);
    expect(sizes).toEqual([10, 2]);
    const values = groups.flatMap((g) => optionsOf(g).map((o) => String(o.value)));
    expect(values).not.toContain(JSON.stringify({ r: 'req3', t: 't3' }));
    expect(values).not.toContain(JSON.stringify({ r: 'req5', t: 't5' }));
    expect(values).toContain(JSON.stringify({ r: 'req0', t: 't0' }));
  });

  it('keeps an option value within 150 characters, and offers nothing for fewer than two rows', () => {
    const long = row(1, {
      id: 'r'.repeat(100),
      steps: [{ index: 1, taskId: 't'.repeat(100), status: 'pending', approvers: [] }],
    });
    const blocks = selectionBlocks([long, row(2)], { id: 'l', done: {} }) as unknown as Json[];
    const options = blocks.flatMap((b) =>
      ((b.elements as Json[] | undefined) ?? []).flatMap((e) => (e.options as Json[]) ?? []),
    );
    expect(options.map((o) => String(o.value))).toContain(JSON.stringify({ r: 'r'.repeat(100) }));
    expect(selectionBlocks([row(1)], { id: 'l', done: {} })).toEqual([]);
  });

  it('reports each outcome, escaping names and reasons', () => {
    const text = outcomeText('approve', [
      { requestId: 'req1', ok: true, request: row(1, { entry: { id: 'e', name: 'R&D <wiki>' } }) },
      { requestId: 'req2', ok: false, failure: failure('already_decided', 'Already <approved>'), entryName: 'Zoom' },
      { requestId: 'req3', ok: false, failure: failure('not_an_approver', 'Not yours') },
    ]);
    expect(text).toContain('*1 of 3 approved*');
    expect(text).toContain(':white_check_mark: Approved *R&amp;D &lt;wiki&gt;* for Alice (`req1`)');
    expect(text).toContain(':warning: Not decided: *Zoom* (`req2`): Already &lt;approved&gt;');
    expect(text).toContain(':warning: Not decided: `req3`: Not yours');
  });
});

/**
 * Issue 21, point 5 on Slack: `/access pending` offers checkboxes and "Approve selected" / "Reject
 * selected"; what is ticked arrives in the click's state.values; each item is decided on its own and
 * reported; the list is redrawn in place (through the click's response_url) without the decided ones.
 */
describe.each(PROVIDERS)('deciding several at once from the pending list on %s', (provider) => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider, homeSpacingMs: 50 });
  });
  afterEach(async () => {
    await world.close();
  });

  const ENTRIES = [SEED.entries.jiraSoftwareUser, SEED.entries.githubMember, SEED.entries.slackMember];

  /** Alice asks for two or three things Bob (her manager) approves; Bob opens his list. */
  async function bobsListOf(count: 2 | 3 = 3) {
    const ids: string[] = [];
    for (const entry of ENTRIES.slice(0, count)) {
      await world.driver.command(S.alice.id, `request ${entry.name.replace(' — ', ' ')} because onboarding`);
      const request = await eventually(() => world.portal.find(entry.id));
      await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
      ids.push(request.id);
    }
    await world.gatehouse.idle();
    await world.driver.command(S.bob.id, 'pending');
    const list = await eventually(() =>
      world.slack.ephemeralsFor(S.bob.id).find((message) => shown(message).includes('Waiting for your decision')),
    );
    return { list, ids: ids as [string, string, string] };
  }

  const listNow = (ts: string) => world.slack.ephemeralsFor(S.bob.id).find((message) => message.ts === ts);
  /** The rows of a list (not its outcome or selection): what each names. */
  const rows = (blocks: Json[] | undefined) =>
    shown({ blocks: (blocks ?? []).filter((b) => /^item_\d+$/.test(String(b.block_id))) });
  const outcome = (blocks: Json[] | undefined) =>
    shown({ blocks: (blocks ?? []).filter((b) => b.block_id === 'several_outcome') });
  const ticks = (blocks: Json[] | undefined) =>
    (blocks ?? [])
      .filter((b) => String(b.block_id).startsWith('several_pick_'))
      .flatMap((b) => (b.elements as Json[]).flatMap((e) => (e.options as Json[]).map((o) => String(o.value))));

  it('offers a box per row, approves the two ticked, reports each, and redraws the list without them', async () => {
    const { list, ids } = await bobsListOf();
    const offered = ticks(list.blocks).map((value) => (JSON.parse(value) as { r: string }).r);
    expect(offered.sort()).toEqual([...ids].sort());
    expect(buttonsOf(list)).toEqual(expect.arrayContaining(['approve_selected', 'reject_selected']));

    await pressWithTicked(world, S.bob.id, list, 'approve_selected', [ids[0], ids[2]]);
    await world.gatehouse.idle();

    expect(world.portal.status(ids[0])).toBe('approved');
    expect(world.portal.status(ids[2])).toBe('approved');
    expect(world.portal.status(ids[1])).toBe('pending');
    const now = listNow(list.ts);
    expect(outcome(now?.blocks)).toContain('2 of 2 approved');
    expect(outcome(now?.blocks)).toContain(ids[0]);
    expect(outcome(now?.blocks)).toContain(ids[2]);
    expect(rows(now?.blocks)).toContain(ids[1]);
    expect(rows(now?.blocks)).not.toContain(ids[0]);
    expect(rows(now?.blocks)).not.toContain(ids[2]);
    // One row left: nothing to tick several of.
    expect(ticks(now?.blocks)).toEqual([]);
    // In place: no second message.
    expect(world.slack.ephemeralsFor(S.bob.id)).toHaveLength(1);
    // Alice's own cards say approved, as after any decision.
    const card = messageAbout(world.slack.dmWith(S.alice.id), ids[0]);
    expect(shown(card)).toContain('Approved');
  });

  it('decides the rest when one ticked item was decided meanwhile or is not theirs, and says why for each', async () => {
    const { list, ids } = await bobsListOf();
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), ids[1]));
    await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    await eventually(() => world.portal.status(ids[1]) === 'approved');
    await world.gatehouse.idle();
    const decidedBefore = world.portal.writes('decide');

    // Carol's request waits for Frank, her manager, not for Bob: a forged tick names it.
    await world.driver.command(
      S.carol.id,
      `request ${SEED.entries.salesforceSalesUser.name.replace(' — ', ' ')} because pipeline`,
    );
    const carols = (await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id))).id;
    await world.gatehouse.idle();

    await pressWithTicked(world, S.bob.id, list, 'approve_selected', [ids[0], ids[1]], {
      blockId: 'several_pick_9',
      values: [JSON.stringify({ r: carols })],
    });
    await world.gatehouse.idle();

    expect(world.portal.status(ids[0])).toBe('approved');
    expect(world.portal.status(carols)).toBe('pending');
    expect(world.portal.writes('decide')).toBe(decidedBefore + 1);
    const said = outcome(listNow(list.ts)?.blocks);
    expect(said).toContain('1 of 3 approved');
    const lines = said.split('\\n');
    const already = lines.find((line) => line.includes(ids[1]));
    expect(already).toMatch(/Not decided: \*[^*]+\* \(`[^`]+`\): .*already/i);
    // Not Bob's to see: refused by its id alone, without what it is for.
    const notHis = lines.find((line) => line.includes(`Not decided: \`${carols}\``));
    expect(notHis).toMatch(/not an approver/i);
    expect(notHis).not.toContain('Salesforce');
  });

  it('rejects the ticked ones with the reason asked in a form when the policy wants one', async () => {
    const { list, ids } = await bobsListOf();
    const needed = await world.gatehouse.flows.reasonRequired('reject');
    await pressWithTicked(world, S.bob.id, list, 'reject_selected', [ids[0], ids[1]]);
    await world.gatehouse.idle();
    if (needed) {
      const form = await eventually(() => world.slack.openModalOf(S.bob.id));
      expect(shown({ blocks: form.blocks })).toContain('Reject 2 requests');
      // Slack's client refuses an empty required reason before sending anything.
      expect((await world.driver.submit(S.bob.id, form.id, {})).notSent).toBeDefined();
      await world.driver.submit(S.bob.id, form.id, { several_reason_text: 'not this quarter' });
      await world.gatehouse.idle();
      expect(shown({ blocks: world.slack.view(form.id)?.blocks })).toContain('Rejected');
    } else {
      expect(world.slack.openModalOf(S.bob.id)).toBeUndefined();
    }
    expect(world.portal.status(ids[0])).toBe(world.portal.rejected);
    expect(world.portal.status(ids[1])).toBe(world.portal.rejected);
    expect(world.portal.status(ids[2])).toBe('pending');
    if (needed) expect(world.portal.notes(ids[0]).join(' ')).toContain('not this quarter');
    const now = listNow(list.ts);
    expect(outcome(now?.blocks)).toContain('2 of 2 rejected');
    expect(rows(now?.blocks)).toContain(ids[2]);
    expect(rows(now?.blocks)).not.toContain(ids[0]);
  });

  it('says what to do when nothing is ticked, and refuses more than one action may take as a whole', async () => {
    const { list, ids } = await bobsListOf(2);
    // Ticking a box is reported by Slack too: acknowledged, and nothing is decided for it.
    const tick = await world.driver.click(S.bob.id, { channel: list.channel, ts: list.ts }, 'several_pick', {
      value: ticks(list.blocks)[0],
    });
    expect(tick.statusCode).toBe(200);
    await pressWithTicked(world, S.bob.id, list, 'approve_selected', []);
    await world.gatehouse.idle();
    expect(shown(world.slack.ephemeralsFor(S.bob.id).at(-1))).toContain('Tick the requests to decide first');

    const forged = Array.from({ length: 26 }, (_, n) => JSON.stringify({ r: `${ids[0]}-${n}` }));
    await pressWithTicked(world, S.bob.id, list, 'approve_selected', [], { blockId: 'several_pick_5', values: forged });
    await world.gatehouse.idle();
    expect(shown(world.slack.ephemeralsFor(S.bob.id).at(-1))).toMatch(/26 at once; decide at most 25/);
    expect(world.portal.decideCalls()).toBe(0);
    expect(rows(listNow(list.ts)?.blocks)).toContain(ids[0]);
  });
});

describe('deciding several at once when one grant is risky, on okta', () => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider: 'okta' });
  });
  afterEach(async () => {
    await world.close();
  });

  it('asks the reason in a form, with the conflict, before approving any', async () => {
    // Carol holds GitHub: AWS Production — Admin breaks a separation-of-duties rule; Jira does not.
    await world.driver.command(S.carol.id, 'request AWS Production Admin for 4h because incident');
    await world.driver.command(S.carol.id, 'request Jira Software User because sprint');
    await world.gatehouse.idle();
    const risky = await eventually(() => world.portal.find(SEED.entries.awsProductionAdmin.id));
    const plain = await eventually(() => world.portal.find(SEED.entries.jiraSoftwareUser.id));
    await world.driver.command(S.frank.id, 'pending');
    const list = await eventually(() =>
      world.slack.ephemeralsFor(S.frank.id).find((message) => shown(message).includes(plain.id)),
    );
    expect(shown(list)).toContain('Conflicts with *Write code and administer production*');

    await pressWithTicked(world, S.frank.id, list, 'approve_selected', [risky.id, plain.id]);
    const form = await eventually(() => world.slack.openModalOf(S.frank.id));
    expect(shown({ blocks: form.blocks })).toContain('Write code and administer production');
    expect(world.portal.writes('decide')).toBe(0);
    expect((await world.driver.submit(S.frank.id, form.id, {})).notSent).toBeDefined();

    await world.driver.submit(S.frank.id, form.id, { several_reason_text: 'incident bridge, security knows' });
    await world.gatehouse.idle();
    expect(world.portal.writes('decide')).toBe(2);
    expect(world.portal.status(plain.id)).toBe('approved');
    expect(world.portal.notes(risky.id).join(' ')).toContain('incident bridge');
    const now = world.slack.ephemeralsFor(S.frank.id).find((message) => message.ts === list.ts);
    expect(shown(now)).toContain('2 of 2 approved');
  });
});
