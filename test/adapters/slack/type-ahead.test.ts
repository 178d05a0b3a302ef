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

/** "Figma" as a person types it, one keystroke at a time, from Slack's 3-character minimum. */
const keystrokes = (name: string) => Array.from({ length: name.length - 2 }, (_, i) => name.slice(0, i + 3));

describe.each(PROVIDERS)('type-ahead against %s', (provider) => {
  it("reads a person's catalog once: every keystroke after that costs the governance system nothing", async () => {
    world = await startSlackWorld({ provider });
    const w = world;
    const before = catalogSearches(w);
    const aliceForm = await openForm(w, S.alice.id);
    const first = await suggest(w, S.alice.id, aliceForm, 'figma');
    expect(first).toContain(SEED.entries.figmaEditor.id);
    const once = catalogSearches(w) - before;
    expect(once).toBeGreaterThan(0);

    // Many queries, typed keystroke by keystroke, spelt differently, and several at once.
    for (const name of ['figma editor', 'salesforce', 'zoom pro', 'google workspace', 'nothing like it']) {
      for (const text of keystrokes(name)) await suggest(w, S.alice.id, aliceForm, text);
    }
    expect(await suggest(w, S.alice.id, aliceForm, '  Figma ')).toEqual(first);
    const together = await Promise.all(Array.from({ length: 5 }, () => suggest(w, S.alice.id, aliceForm, 'zoom')));
    expect(together.every((values) => values.length > 0 && values.join() === together[0]?.join())).toBe(true);
    expect(catalogSearches(w) - before).toBe(once);

    // What one person may request is not what another may: Carol's catalog is read for her.
    const carolForm = await openForm(w, S.carol.id);
    await suggest(w, S.carol.id, carolForm, 'figma');
    expect(catalogSearches(w) - before).toBeGreaterThan(once);
  });
});

describe('type-ahead on Okta', () => {
  it('never suggests what the person may not request', async () => {
    world = await startSlackWorld();
    const w = world;
    const carolForm = await openForm(w, S.carol.id);
    expect(await suggest(w, S.carol.id, carolForm, 'aws production')).toContain(SEED.entries.awsProductionAdmin.id);
    const aliceForm = await openForm(w, S.alice.id);
    expect(await suggest(w, S.alice.id, aliceForm, 'aws production')).toEqual([]);
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

    // Within the org's real budget (50 catalog calls a minute) for 4,000 apps: more of Beacon 12
    // costs nothing, and another app singled out by name costs the one read of its access levels.
    const calls = catalogSearches(w);
    for (const text of ['beacon 12', 'beacon', 'Beacon 12 editor', 'beacon 12 viewer']) {
      await suggest(w, S.alice.id, form, text);
    }
    expect(catalogSearches(w)).toBe(calls);
    expect(await suggest(w, S.alice.id, form, 'beacon 13 admin')).toHaveLength(1);
    expect(await suggest(w, S.alice.id, form, 'beacon 13')).toHaveLength(4);
    expect(catalogSearches(w)).toBe(calls + 1);
  });
});

describe('type-ahead when the catalog cannot be read', () => {
  it('keeps nothing of a failed first read: the next keystroke reads it and shows the entries', async () => {
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
});
