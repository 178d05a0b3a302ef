import { SEED } from '@gatehouse/sandbox/okta';
import type { Json } from '@gatehouse/sandbox/slack';
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
 * A decision made from `/access pending` is confirmed in the list itself: Slack changes an ephemeral
 * message only through the click's response_url, so what Bob sees afterwards is what Gatehouse
 * posted there with replace_original.
 */
describe.each(PROVIDERS)('deciding from the pending list on %s', (provider) => {
  let world: SlackWorld;
  beforeEach(async () => {
    world = await startSlackWorld({ provider, homeSpacingMs: 50 });
  });
  afterEach(async () => {
    await world.close();
  });

  const ENTRIES = [SEED.entries.jiraSoftwareUser, SEED.entries.githubMember, SEED.entries.slackMember];

  /** Alice asks for three things Bob (her manager) approves; Bob opens his list. */
  async function bobsListOfThree() {
    const ids: string[] = [];
    for (const entry of ENTRIES) {
      await world.driver.command(S.alice.id, `request ${entry.name.replace(' — ', ' ')} because onboarding`);
      await world.gatehouse.idle();
      const request = world.portal.find(entry.id);
      expect(request && messageAbout(world.slack.dmWith(S.bob.id), request.id)).toBeDefined();
      ids.push(request?.id ?? '');
    }
    await world.driver.command(S.bob.id, 'pending');
    const list = await eventually(() =>
      world.slack.ephemeralsFor(S.bob.id).find((message) => shown(message).includes('Waiting for your decision')),
    );
    // The list shows them in its own order: the rows, by what each names.
    const rows = ids.map((id) => rowNaming(list.blocks ?? [], id));
    return { list, ids, rows };
  }

  /** The row (0-based) of the list that names this request. */
  function rowNaming(blocks: Json[], requestId: string): number {
    const block = blocks.find(
      (b) =>
        typeof b.block_id === 'string' && /^item_\d+$/.test(b.block_id) && shown({ blocks: [b] }).includes(requestId),
    );
    if (!block) throw new Error(`no row names ${requestId}`);
    return Number(String(block.block_id).slice('item_'.length));
  }

  /** Bob's list as he sees it now (same ephemeral, replaced in place or not). */
  const listNow = (ts: string) => world.slack.ephemeralsFor(S.bob.id).find((message) => message.ts === ts);
  const rowButtons = (blocks: Json[] | undefined, row: number) =>
    buttonsOf({ blocks: (blocks ?? []).filter((b) => b.block_id === `item_${row}_actions`) });
  const rowText = (blocks: Json[] | undefined, row: number) =>
    shown({ blocks: (blocks ?? []).filter((b) => String(b.block_id).startsWith(`item_${row}`)) });

  it('approving the second of three marks that row approved without buttons; the others keep theirs', async () => {
    const { list, ids, rows } = await bobsListOfThree();
    const [first, second, third] = rows as [number, number, number];
    // Slack delivers the clicked button's own block_id and value: the row's.
    await world.driver.click(S.bob.id, { channel: list.channel, ts: list.ts }, 'approve', {
      blockId: `item_${second}_actions`,
    });
    await world.gatehouse.idle();

    expect(world.portal.status(ids[1] ?? '')).toBe('approved');
    expect(world.portal.status(ids[0] ?? '')).toBe('pending');
    expect(world.portal.status(ids[2] ?? '')).toBe('pending');
    const now = listNow(list.ts);
    expect(rowText(now?.blocks, second)).toContain('You approved');
    expect(rowButtons(now?.blocks, second)).toEqual([]);
    expect(rowButtons(now?.blocks, first)).toEqual(['approve', 'reject', 'comment']);
    expect(rowButtons(now?.blocks, third)).toEqual(['approve', 'reject', 'comment']);
    expect(rowText(now?.blocks, first)).not.toContain('You approved');
    // Confirmed in place: no second list, no extra message under it.
    expect(world.slack.ephemeralsFor(S.bob.id)).toHaveLength(1);

    // A second decision from the same list keeps the first one's mark.
    await world.driver.click(S.bob.id, { channel: list.channel, ts: list.ts }, 'approve', {
      blockId: `item_${third}_actions`,
    });
    await world.gatehouse.idle();
    const after = listNow(list.ts);
    expect(rowText(after?.blocks, second)).toContain('You approved');
    expect(rowText(after?.blocks, third)).toContain('You approved');
    expect(rowButtons(after?.blocks, first)).toEqual(['approve', 'reject', 'comment']);
  });

  it('rejecting the second of three through its reason form marks that row rejected; the others keep their buttons', async () => {
    const { list, ids, rows } = await bobsListOfThree();
    const [first, second, third] = rows as [number, number, number];
    await world.driver.click(S.bob.id, { channel: list.channel, ts: list.ts }, 'reject', {
      blockId: `item_${second}_actions`,
    });
    const form = await eventually(() => world.slack.openModalOf(S.bob.id));
    expect(shown({ blocks: form.blocks })).toContain(ids[1]);
    await world.driver.submit(S.bob.id, form.id, { text: 'not this quarter' });
    await world.gatehouse.idle();

    expect(world.portal.status(ids[1] ?? '')).toBe(world.portal.rejected);
    const now = listNow(list.ts);
    expect(rowText(now?.blocks, second)).toContain('You rejected');
    expect(rowButtons(now?.blocks, second)).toEqual([]);
    expect(rowButtons(now?.blocks, first)).toEqual(['approve', 'reject', 'comment']);
    expect(rowButtons(now?.blocks, third)).toEqual(['approve', 'reject', 'comment']);
  });

  it('a refused decision leaves the row with its buttons and says why', async () => {
    const { list, ids, rows } = await bobsListOfThree();
    const second = rows[1] as number;
    // Bob approves on the request's own card first; the list in front of him is now stale for it.
    const card = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), ids[1] ?? ''));
    await world.driver.click(S.bob.id, { channel: card.channel, ts: card.ts }, 'approve');
    await eventually(() => world.portal.status(ids[1] ?? '') === 'approved');
    await world.gatehouse.idle();

    await world.driver.click(S.bob.id, { channel: list.channel, ts: list.ts }, 'approve', {
      blockId: `item_${second}_actions`,
    });
    await world.gatehouse.idle();

    const now = listNow(list.ts);
    expect(rowText(now?.blocks, second)).not.toContain('You approved');
    expect(rowButtons(now?.blocks, second)).toEqual(['approve', 'reject', 'comment']);
    const refusal = world.slack.ephemeralsFor(S.bob.id).at(-1);
    expect(refusal?.ts).not.toBe(list.ts);
    expect(shown(refusal)).toContain(':warning:');
    expect(world.portal.writes('decide')).toBe(1);
  });
});
