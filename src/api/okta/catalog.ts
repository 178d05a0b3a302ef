import { LRUCache } from 'lru-cache';
import { GovernanceAuthFailed, GovernanceNotFound, GovernanceRejected } from '../../domain/errors.js';
import type { CatalogEntry, CatalogItem, Principal } from '../../domain/types.js';
import { orNull, quote } from '../lookup.js';
import type { OktaHttp } from './http.js';
import { toCatalogEntry, toCatalogItem } from './mapping.js';
import { entryPath, V2 } from './paths.js';
import { countIn, holdsEvery, matchTerms, searchWords } from './search-terms.js';
import {
  catalogEntry,
  catalogEntryList,
  type OktaCatalogEntry,
  type OktaRequestField,
  requestFieldList,
} from './wire.js';

const NAME_TTL_MS = 10 * 60_000;
/** Children fetched for at most this many parent apps per search, to bound type-ahead cost. */
const MAX_PARENTS_EXPANDED = 5;
/** App names looked up for at most this many apps of access levels found by their own name. */
const MAX_PARENTS_NAMED = 5;
/** Words tried as Okta's `match` term per search, longest first. */
const MAX_TERMS = 2;

/**
 * Okta's catalog v2: what a person may request (type-ahead search, one entry with its request
 * fields) and the names of entries, cached, for the requests and grants that only carry their ids.
 */
export class OktaCatalog {
  private readonly entryNames = new LRUCache<string, string>({ max: 5000, ttl: NAME_TTL_MS });

  constructor(private readonly http: OktaHttp) {}

  /**
   * Entries holding every typed word, in any script, found by their app's name or their own.
   * Calls to Okta (the catalog budget is 50 a minute): with a term Okta can `match`, per term tried
   * (at most MAX_TERMS), one for the apps it matches, one for the access levels it matches, up to
   * MAX_PARENTS_EXPANDED for the children of the best apps, and up to MAX_PARENTS_NAMED for the
   * names of the apps of access levels found (cached ten minutes). Without such a term (an emoji,
   * a two-letter word, an empty box), one listing plus the children of the best apps.
   */
  async search(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    const words = searchWords(text);
    // Okta's `match` takes one 3–50 character term and searches whichever entries the filter
    // selects. Try the longest words in turn until one finds entries holding every word: the
    // longest word can be someone else's ("workspace" finds Google Workspace for "slack workspace admin").
    const terms = matchTerms(words).slice(0, MAX_TERMS);
    if (terms.length === 0)
      return (await this.matchingIn(principal, await this.topLevelEntries(principal), words)).slice(0, limit);
    for (const term of terms) {
      const [top, levels] = await Promise.all([
        this.topLevelEntries(principal, term),
        this.accessLevelsMatching(principal, term),
      ]);
      if (top.length === 0 && levels.length === 0) continue;
      const [byApp, byLevel] = await Promise.all([
        this.matchingIn(principal, top, words),
        this.namedLevels(levels, top, words),
      ]);
      const seen = new Set<string>();
      const matching = [...byApp, ...byLevel].filter((item) => !seen.has(item.id) && seen.add(item.id));
      if (matching.length > 0) return matching.slice(0, limit);
    }
    return [];
  }

  async entry(principal: Principal, entryId: string): Promise<CatalogEntry | null> {
    const found = await orNull(async () => {
      const [{ body: entry }, fields] = await Promise.all([
        this.http.get('getCatalogEntry', entryPath(entryId), catalogEntry),
        this.requestFieldsFor(principal.id, entryId),
      ]);
      if (!fields || !entry.requestable) return null;
      const parentName = entry.parent ? await this.entryName(entry.parent) : undefined;
      const item = toCatalogItem(entry, parentName);
      this.entryNames.set(item.id, item.name);
      return toCatalogEntry(item, fields);
    });
    return found ?? null;
  }

  /** The form Okta shows this person for this entry: what a request for it must or may carry. */
  async requestFields(userId: string, entryId: string): Promise<OktaRequestField[]> {
    const path = `${entryPath(entryId)}/users/${encodeURIComponent(userId)}/request-fields`;
    return (await this.http.get('getCatalogEntry', path, requestFieldList)).body.data;
  }

  /** An entry's name as people know it ("App: Entitlement"), or its id when Okta no longer has it. */
  async entryName(entryId: string): Promise<string> {
    const cached = this.entryNames.get(entryId);
    if (cached) return cached;
    const entry = await orNull(
      async () => (await this.http.get('getCatalogEntry', entryPath(entryId), catalogEntry)).body,
    );
    if (!entry) return entryId;
    const parent = entry.parent ? await this.entryName(entry.parent) : undefined;
    const name = toCatalogItem(entry, parent).name;
    this.entryNames.set(entryId, name);
    return name;
  }

  /** The requestable entries among `top` and its apps' children that hold every typed word. */
  private async matchingIn(principal: Principal, top: OktaCatalogEntry[], words: string[]): Promise<CatalogItem[]> {
    // In a large catalog the term alone matches hundreds of apps ("beacon" in "beacon 12"): expand
    // first the apps whose names hold the most of the typed words.
    const parents = top
      .filter((entry) => !entry.requestable)
      .map((entry) => ({ entry, score: countIn(entry.name, words) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, MAX_PARENTS_EXPANDED)
      .map(({ entry }) => entry);
    const children = await Promise.all(
      parents.map(async (parent) => {
        const page = await this.http.get('searchCatalog', userEntriesPath(principal), catalogEntryList, {
          filter: `parent eq "${quote(parent.id)}"`,
          limit: 200,
        });
        return page.body.data.filter((child) => child.requestable).map((child) => toCatalogItem(child, parent.name));
      }),
    );
    const all = [...top.filter((entry) => entry.requestable).map((entry) => toCatalogItem(entry)), ...children.flat()];
    for (const item of all) this.entryNames.set(item.id, item.name);
    return all.filter((item) => holdsEvery(`${item.name} ${item.description ?? ''}`, words));
  }

  /**
   * Requestable entries below an app whose own name or description holds `term` ("editor" finds
   * Figma's Editor), across the catalog in one call: `parent pr` selects every child, as
   * `not(parent pr)` selects every app (the filter takes `parent` with `eq` and `pr`). An org that
   * refuses the filter leaves search to the apps' names, as before.
   */
  private async accessLevelsMatching(principal: Principal, term: string): Promise<OktaCatalogEntry[]> {
    try {
      const { body } = await this.http.get('searchCatalog', userEntriesPath(principal), catalogEntryList, {
        filter: 'parent pr',
        match: term,
        limit: 200,
      });
      return body.data.filter((entry) => entry.requestable && entry.parent);
    } catch (error) {
      if (error instanceof GovernanceRejected) return [];
      throw error;
    }
  }

  /** Access levels named as people know them ("Figma: Editor"), holding every word; apps not yet named are looked up for the first few only. */
  private async namedLevels(
    levels: OktaCatalogEntry[],
    apps: OktaCatalogEntry[],
    words: string[],
  ): Promise<CatalogItem[]> {
    const names = new Map(apps.map((app) => [app.id, app.name]));
    const unnamed = [...new Set(levels.map((level) => level.parent ?? ''))].filter((id) => !names.has(id));
    const looked = await Promise.all(
      unnamed.slice(0, MAX_PARENTS_NAMED).map(async (id) => [id, await this.entryName(id)] as const),
    );
    for (const [id, name] of looked) names.set(id, name);
    const items = levels.flatMap((level) => {
      const parentName = names.get(level.parent ?? '');
      return parentName === undefined ? [] : [toCatalogItem(level, parentName)];
    });
    for (const item of items) this.entryNames.set(item.id, item.name);
    return items.filter((item) => holdsEvery(`${item.name} ${item.description ?? ''}`, words));
  }

  private async topLevelEntries(principal: Principal, match?: string) {
    const { body } = await this.http.get('searchCatalog', userEntriesPath(principal), catalogEntryList, {
      filter: 'not(parent pr)',
      match,
      limit: 200,
    });
    return body.data;
  }

  /**
   * Request fields, or null when Okta says this person may not request the entry. The document
   * answers 404 for that (getCatalogEntryRequestFieldsV2 lists 200/401/404) but does not say so in
   * words; an org answering 400 or 403 instead is read the same way. A 403 here cannot be
   * Gatehouse's own credentials failing: the entry read beside it needs the same scope and role,
   * and fails on its own if they are missing.
   */
  async requestFieldsFor(userId: string, entryId: string): Promise<OktaRequestField[] | null> {
    try {
      return await this.requestFields(userId, entryId);
    } catch (error) {
      if (error instanceof GovernanceRejected || error instanceof GovernanceNotFound) return null;
      if (error instanceof GovernanceAuthFailed && error.status === 403) return null;
      throw error;
    }
  }
}

function userEntriesPath(principal: Principal): string {
  return `${V2}/catalogs/default/user/${encodeURIComponent(principal.id)}/entries`;
}
