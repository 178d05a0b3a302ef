import type { CatalogItem, Principal } from '../../domain/types.js';
import { BudgetYield } from '../budget.js';
import { bestMatches, nameScore, type SearchableItem, searchable } from '../catalog-search.js';
import { quote } from '../lookup.js';
import { withPriority } from '../priority.js';
import type { OktaHttp } from './http.js';
import { toCatalogItem } from './mapping.js';
import { V2 } from './paths.js';
import { catalogEntryList, type OktaCatalogEntry } from './wire.js';

/** What reading one person's catalog may cost Okta (the catalog budget is 50 calls a minute). */
export interface OktaCatalogLimits {
  /** Apps are read `pageSize` at a time, at most `maxAppPages` pages (a larger catalog is cut, and says so). */
  maxAppPages: number;
  /** Pages of one app's access levels read at most. */
  maxLevelPages: number;
  /** Apps whose access levels are read with the catalog, before anyone searches for them. */
  prefetchApps: number;
  /** Reads of access levels in flight at once, so the catalog never crowds out a person's own calls. */
  concurrency: number;
  /** Apps a search singles out whose access levels are read then, when they were not yet. */
  expandPerSearch: number;
  /**
   * Apps beyond the first `prefetchApps` whose levels a refresh reads again: those used (singled
   * out by a search, or an entry of theirs asked for) since the last read, most recent first.
   */
  refreshApps: number;
  /**
   * How long reading the catalog waits for the first levels before answering from what it has
   * (Slack gives options 3 seconds, and the apps' pages come first).
   */
  firstAnswerWaitMs: number;
}

export const OKTA_CATALOG_LIMITS: OktaCatalogLimits = {
  maxAppPages: 50,
  maxLevelPages: 5,
  prefetchApps: 25,
  concurrency: 4,
  expandPerSearch: 5,
  refreshApps: 10,
  firstAnswerWaitMs: 500,
};

/** The document's largest `limit` for catalog entries. */
const PAGE_SIZE = 200;

/**
 * One person's requestable catalog, read with the documented filters only: `not(parent pr)` for
 * the apps, paged, then `parent eq "<app>"` for each app's access levels (the document: to return
 * child entries "you must specify the parent ID with the eq operator"). Searched locally.
 *
 * An access level can be found by its own name ("editor" finds Figma — Editor) only once its app's
 * levels were read, and reading them costs one call per app: so the levels of the first
 * `prefetchApps` apps are read with the catalog, and beyond them a search that singles out a few
 * apps by name reads theirs then (once each). In a catalog of more apps than that, an access level
 * of an app not yet read is found by its app's name, not by its own alone.
 *
 * Only the first answer is the person's: levels still being read after it are background work,
 * which gives way to people in the budget. A refresh reads again the first apps' levels and those of
 * the few apps used since the last read, not every app ever expanded.
 */
export class OktaPersonCatalog {
  private readonly entries = new Map<string, SearchableItem>();
  /** Apps whose levels were read, or are being read. */
  private readonly levels = new Map<string, Promise<void>>();
  private readonly read = new Set<string>();
  /** Each access level's app. */
  private readonly appOf = new Map<string, string>();
  /** Apps used since this catalog was read, least recent first, at most `refreshApps`. */
  private readonly used = new Set<string>();
  private readonly parents: { app: OktaCatalogEntry; searchable: SearchableItem }[];
  /** The levels read with the catalog, until they all are. */
  private prefetching: Promise<unknown> | undefined;
  /** Whether the first answer was given: from then on the levels read with the catalog are background work. */
  private answered = false;

  private constructor(
    private readonly http: OktaHttp,
    private readonly principal: Principal,
    apps: OktaCatalogEntry[],
    /** Whether the person may request more apps than were read (maxAppPages). */
    readonly cut: boolean,
    private readonly limits: OktaCatalogLimits,
    private readonly grew: (catalog: OktaPersonCatalog) => void,
  ) {
    for (const app of apps) if (app.requestable) this.add(toCatalogItem(app));
    this.parents = apps
      .filter((app) => !app.requestable)
      .map((app) => ({ app, searchable: searchable(toCatalogItem(app)) }));
  }

  /**
   * The person's apps, and the levels of the first few, waiting for those at most `firstAnswerWaitMs`.
   * `grew` is told each time levels are added after that (the bound on catalogs kept counts them).
   */
  static async load(
    http: OktaHttp,
    principal: Principal,
    options: {
      limits?: OktaCatalogLimits;
      previous?: OktaPersonCatalog;
      grew?: (catalog: OktaPersonCatalog) => void;
    } = {},
  ): Promise<OktaPersonCatalog> {
    const limits = options.limits ?? OKTA_CATALOG_LIMITS;
    const { entries: apps, more } = await readPages(http, principal, 'not(parent pr)', limits.maxAppPages);
    const catalog = new OktaPersonCatalog(http, principal, apps, more, limits, options.grew ?? (() => {}));
    // Levels of the apps the person used lately are read again first, then those of the first apps.
    const known = new Set(catalog.parents.map(({ app }) => app.id));
    const again = [...(options.previous?.used ?? [])].reverse().filter((id) => known.has(id));
    const first = catalog.parents.slice(0, limits.prefetchApps).map(({ app }) => app.id);
    const prefetch = catalog.readLevelsOf([...new Set([...again, ...first])]);
    catalog.prefetching = prefetch;
    void prefetch.finally(() => {
      catalog.prefetching = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limits.firstAnswerWaitMs);
    });
    const outcome = await Promise.race([prefetch, waited]);
    clearTimeout(timer);
    catalog.answered = true;
    // Apps alone would answer "nothing matches" for every access level: an Okta that let the apps
    // be read but none of their levels is down, and is said to be.
    if (outcome && outcome.tried > 0 && outcome.failed.length === outcome.tried) throw outcome.failed[0];
    return catalog;
  }

  /** Once the levels read with the catalog are all in (the bench measures the whole first read). */
  async prefetched(): Promise<void> {
    await this.prefetching;
  }

  /** Entries held, for the bound on all people's catalogs kept. */
  get size(): number {
    return this.parents.length + this.entries.size;
  }

  /** Whether every app's access levels were read, so any access level can be found by its own name. */
  get complete(): boolean {
    return !this.cut && this.read.size === this.parents.length;
  }

  /**
   * A requestable entry of this catalog, by id, when it was read: the person may request it as of
   * this read (Okta decides again on the request). Its app counts as used.
   */
  item(entryId: string): CatalogItem | undefined {
    const found = this.entries.get(entryId)?.item;
    const app = this.appOf.get(entryId);
    if (found && app) this.use(app);
    return found;
  }

  /**
   * The requestable entries holding every word, best first. Costs Okta a call only for apps this
   * search singles out by name whose levels were not read yet (at most `expandPerSearch`).
   */
  async search(words: readonly string[], limit: number): Promise<CatalogItem[]> {
    const singled = this.singledOut(words);
    for (const id of singled) this.use(id);
    const unread = singled.filter((id) => !this.read.has(id));
    const failed = (await Promise.allSettled(unread.map((id) => this.levelsForPerson(id)))).find(
      (outcome) => outcome.status === 'rejected',
    );
    let found = bestMatches(this.entries.values(), words, limit);
    // Nothing among what was read yet: an access level named so may be among those still coming.
    if (found.length === 0 && this.prefetching) {
      await this.prefetching;
      found = bestMatches(this.entries.values(), words, limit);
    }
    // Whatever was found is worth showing; "nothing matches" is not said when Okta could not answer.
    if (found.length === 0 && failed) throw failed.reason;
    return found;
  }

  /**
   * The apps that best match the words by name, when there are at most `expandPerSearch` of them:
   * "bea" names two hundred apps and singles out none; "beacon 12" names one.
   */
  private singledOut(words: readonly string[]): string[] {
    if (words.length === 0) return [];
    let best = 0;
    let tier: string[] = [];
    for (const { app, searchable: entry } of this.parents) {
      const score = nameScore(entry, words);
      if (score === 0 || score < best) continue;
      if (score > best) [best, tier] = [score, []];
      tier.push(app.id);
    }
    return tier.length <= this.limits.expandPerSearch ? tier : [];
  }

  /** Marks an app used now, forgetting the least recent beyond `refreshApps`. */
  private use(appId: string): void {
    this.used.delete(appId);
    this.used.add(appId);
    for (const oldest of this.used) {
      if (this.used.size <= this.limits.refreshApps) break;
      this.used.delete(oldest);
    }
  }

  /**
   * An app's levels for a person waiting on them. A read of them already running in the background
   * may give way to people in the budget (BudgetYield): then it is read again, at the person's turn.
   */
  private levelsForPerson(appId: string): Promise<void> {
    return this.levelsOf(appId).catch((error: unknown) => {
      if (error instanceof BudgetYield) return this.levelsOf(appId);
      throw error;
    });
  }

  /** Reads apps' levels `concurrency` at a time; says how many reads were tried and which failed. */
  private async readLevelsOf(ids: string[]): Promise<{ tried: number; failed: unknown[] }> {
    const queue = [...ids];
    const failed: unknown[] = [];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const appId = id;
        const read = () => this.levelsOf(appId);
        // Nobody waits for what is read after the first answer: it gives way to people in the budget.
        await (this.answered ? withPriority('background', read) : read()).catch((error: unknown) => failed.push(error));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.limits.concurrency) }, worker));
    return { tried: ids.length, failed };
  }

  private levelsOf(appId: string): Promise<void> {
    const running = this.levels.get(appId);
    if (running) return running;
    const app = this.parents.find((parent) => parent.app.id === appId)?.app;
    if (!app) return Promise.resolve();
    const reading = readPages(this.http, this.principal, `parent eq "${quote(appId)}"`, this.limits.maxLevelPages).then(
      ({ entries }) => {
        for (const level of entries) {
          if (!level.requestable) continue;
          this.add(toCatalogItem(level, app.name));
          this.appOf.set(level.id, appId);
        }
        this.read.add(appId);
        if (this.answered && entries.length > 0) this.grew(this);
      },
      (error: unknown) => {
        // Not kept: a later search or refresh tries this app again.
        this.levels.delete(appId);
        throw error;
      },
    );
    this.levels.set(appId, reading);
    return reading;
  }

  private add(item: CatalogItem): void {
    this.entries.set(item.id, searchable(item));
  }
}

async function readPages(
  http: OktaHttp,
  principal: Principal,
  filter: string,
  maxPages: number,
): Promise<{ entries: OktaCatalogEntry[]; more: boolean }> {
  const path = `${V2}/catalogs/default/user/${encodeURIComponent(principal.id)}/entries`;
  const entries: OktaCatalogEntry[] = [];
  let after: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { body, nextCursor } = await http.get('searchCatalog', path, catalogEntryList, {
      filter,
      limit: PAGE_SIZE,
      after,
    });
    entries.push(...body.data);
    if (!nextCursor || body.data.length === 0) return { entries, more: false };
    after = nextCursor;
  }
  return { entries, more: true };
}
