import { createOktaOrg, generatedCatalog, SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, S, type SlackWorld, startSlackWorld } from '../../support/slack-world.js';
import { PROVIDERS } from '../../support/world.js';

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

type Options = { options?: { text: { text: string }; value: string }[] };

/** Calls the governance system received for catalog searches so far. */
function catalogSearches(w: SlackWorld): number {
  return w.provider === 'okta'
    ? w.okta.calls.filter((call) => /\/catalogs\/default\/user\/[^/]+\/entries$/.test(call.path)).length
    : w.pingone.calls.filter((call) => call.path.includes('/catalog') && call.method === 'POST').length;
}

async function openForm(w: SlackWorld, userId: string): Promise<string> {
  await w.driver.command(userId, '');
  return (await eventually(() => w.slack.openModalOf(userId))).id;
}

async function suggest(w: SlackWorld, userId: string, formId: string, text: string): Promise<string[]> {
  const answer = await w.driver.suggest(userId, formId, 'entry', text);
  expect(answer.statusCode).toBe(200);
  expect(answer.answerProblems).toEqual([]);
  return ((answer.body as Options).options ?? []).map((option) => option.value);
}

describe.each(PROVIDERS)('type-ahead against %s', (provider) => {
  it('asks the governance system once per person and distinct query, however often it is typed', async () => {
    world = await startSlackWorld({ provider });
    const w = world;
    const aliceForm = await openForm(w, S.alice.id);

    const before = catalogSearches(w);
    const first = await suggest(w, S.alice.id, aliceForm, 'figma');
    const once = catalogSearches(w) - before;
    expect(once).toBeGreaterThan(0);
    expect(first).toContain(SEED.entries.figmaEditor.id);

    // The same query again, and spelt differently (case, spaces): same answer, no new search.
    expect(await suggest(w, S.alice.id, aliceForm, 'figma')).toEqual(first);
    expect(await suggest(w, S.alice.id, aliceForm, '  Figma ')).toEqual(first);
    expect(catalogSearches(w) - before).toBe(once);

    // What one person may request is not what another may: Carol's query is her own.
    const carolForm = await openForm(w, S.carol.id);
    await suggest(w, S.carol.id, carolForm, 'figma');
    expect(catalogSearches(w) - before).toBe(2 * once);

    // Identical queries in flight at once share one search.
    const mark = catalogSearches(w);
    const together = await Promise.all(Array.from({ length: 5 }, () => suggest(w, S.alice.id, aliceForm, 'zoom')));
    expect(together.every((values) => values.length > 0 && values.join() === together[0]?.join())).toBe(true);
    const zoomSearches = catalogSearches(w) - mark;
    const single = catalogSearches(w);
    await suggest(w, S.carol.id, carolForm, 'zoom');
    expect(zoomSearches).toBe(catalogSearches(w) - single);
  });
});

describe('type-ahead in a large Okta catalog', () => {
  it('finds "Beacon 12" among hundreds of apps whose names hold "beacon"', async () => {
    const org = createOktaOrg();
    org.addEntries(generatedCatalog(20_000));
    world = await startSlackWorld({ org });
    const w = world;
    const form = await openForm(w, S.alice.id);
    const answer = await w.driver.suggest(S.alice.id, form, 'entry', 'beacon 12');
    const labels = ((answer.body as Options).options ?? []).map((option) => option.text.text);
    expect(labels).toContain('Beacon 12 — Viewer');
    // Every word typed is in every suggestion ("Beacon 112" holds both too).
    expect(labels.filter((label) => !/beacon/i.test(label) || !label.includes('12'))).toEqual([]);
  });
});

describe('type-ahead cache', () => {
  it('does not keep a failed search: the next keystroke asks again and shows the entries', async () => {
    world = await startSlackWorld();
    const w = world;
    const form = await openForm(w, S.alice.id);
    w.okta.faults.add({ kind: 'status', status: 403, path: /\/catalogs\/default\/user\/[^/]+\/entries$/ });
    const answer = await w.driver.suggest(S.alice.id, form, 'entry', 'figma');
    expect(answer.statusCode).toBe(200);
    expect((answer.body as Options).options?.map((option) => option.value) ?? []).not.toContain(
      SEED.entries.figmaEditor.id,
    );
    expect(await suggest(w, S.alice.id, form, 'figma')).toContain(SEED.entries.figmaEditor.id);
  });

  it('asks every time when CATALOG_CACHE_SECONDS=0', async () => {
    world = await startSlackWorld({ env: { CATALOG_CACHE_SECONDS: '0' } });
    const w = world;
    const form = await openForm(w, S.alice.id);
    const before = catalogSearches(w);
    await suggest(w, S.alice.id, form, 'figma');
    const once = catalogSearches(w) - before;
    await suggest(w, S.alice.id, form, 'figma');
    expect(catalogSearches(w) - before).toBe(2 * once);
  });
});
