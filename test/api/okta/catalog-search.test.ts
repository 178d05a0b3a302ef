import { type CatalogEntryRecord, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { searchWords } from '../../../src/api/catalog-search.js';
import type { Flows } from '../../../src/flows/index.js';
import { type OktaFlows, slackPerson, startOktaFlows } from '../../flows/helpers.js';

/**
 * Catalog search through Gatehouse's real Okta client against the emulated org, in the person's
 * catalog read once: words in any script and emoji filter, and an access level is found by its own
 * name as well as its app's.
 */

const { users: U, entries: E } = SEED;

const started: OktaFlows[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((one) => one.close()));
});

async function emulated(): Promise<{ org: OktaOrg; flows: Flows; catalogCalls: () => number }> {
  const current = await startOktaFlows();
  started.push(current);
  const { org, flows } = current;
  org.addEntries(unicodeEntries(org));
  return {
    org,
    flows,
    catalogCalls: () => org.calls.filter((call) => call.path.startsWith('/governance/api/v2/catalogs')).length,
  };
}

/** Apps named in Cyrillic, Chinese and with an emoji, each with one level anyone may request (Figma's rules). */
function unicodeEntries(org: OktaOrg): CatalogEntryRecord[] {
  const entries = org.directory.entries();
  const app = entries.find((entry) => entry.id === E.figma.id);
  const level = entries.find((entry) => entry.id === E.figmaEditor.id);
  if (!app || !level) throw new Error('the seed has no Figma');
  const pair = (slug: string, appName: string, levelName: string): CatalogEntryRecord[] => {
    const appId = `cenU${slug}`.padEnd(20, '0');
    return [
      { ...app, id: appId, name: appName, description: '' },
      { ...level, id: `cenU${slug}L`.padEnd(20, '0'), name: levelName, description: '', parent: appId },
    ];
  };
  return [
    ...pair('ru', 'Бухгалтерия', 'Бухгалтерия — Отчёты'),
    ...pair('zh', '财务报表', '财务报表 — 查看'),
    ...pair('rocket', '🚀 Launchpad', '🚀 Launchpad — Crew'),
  ];
}

const alice = slackPerson(U.alice);

async function found(flows: Flows, text: string): Promise<string[]> {
  const outcome = await flows.searchCatalog(alice, text, 25);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.value.map((item) => item.name);
}

describe('search words', () => {
  it('are runs of letters and digits in any script, each emoji its own word, case folded', () => {
    expect(searchWords('Бухгалтерия ОТЧЁТЫ')).toEqual(['бухгалтерия', 'отчёты']);
    expect(searchWords('🚀launch 👩‍💻 on-call مالية')).toEqual(['🚀', 'launch', '👩‍💻', 'on-call', 'مالية']);
    expect(searchWords('Figma — Editor')).toEqual(['figma', 'editor']);
  });
});

describe('catalog search on Okta', () => {
  it('finds an entry by a word in Cyrillic, Chinese or an emoji, and only that entry', async () => {
    const { flows } = await emulated();
    // Before: words without an ASCII letter were dropped, so each of these listed the whole catalog.
    expect(await found(flows, 'бухгалтерия')).toEqual(['Бухгалтерия — Отчёты']);
    expect(await found(flows, 'ОТЧЁТЫ')).toEqual(['Бухгалтерия — Отчёты']);
    expect(await found(flows, '财务报表')).toEqual(['财务报表 — 查看']);
    expect(await found(flows, '🚀')).toEqual(['🚀 Launchpad — Crew']);
  });

  it('finds an access level by its own name, and every search after the first costs no call', async () => {
    const { flows, catalogCalls } = await emulated();
    // Before: `match` searched apps only, so "editor" and "admin" found nothing (1 call each).
    expect(await found(flows, 'editor')).toEqual(['Figma — Editor']);
    const first = catalogCalls();
    expect(await found(flows, 'Editor')).toEqual(['Figma — Editor']);
    expect((await found(flows, 'admin')).sort()).toEqual(['Salesforce — Admin', 'Slack — Workspace Admin']);
    expect(await found(flows, 'salesforce admin')).toEqual(['Salesforce — Admin']);
    expect(catalogCalls()).toBe(first);
  });

  it('says plainly that nothing matches, in any script', async () => {
    const { flows } = await emulated();
    expect(await found(flows, 'xyzzy')).toEqual([]);
    expect(await found(flows, 'несуществующее')).toEqual([]);
    for (const text of ['xyzzy', 'несуществующее', '🦄']) {
      const outcome = await flows.requestAccess(alice, { text });
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error.message).toBe(
        `Nothing you can request matches "${text}". Try a shorter name, or open the request form to browse.`,
      );
    }
  });
});
