import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { GovernanceAuthFailed, GovernanceNotFound, GovernanceRejected } from '../../domain/errors.js';
import type { CatalogEntry, CatalogItem, Principal } from '../../domain/types.js';
import { PersonCatalogs } from '../cached-catalog.js';
import { searchWords } from '../catalog-search.js';
import { orNull } from '../lookup.js';
import type { OktaHttp } from './http.js';
import { toCatalogEntry, toCatalogItem } from './mapping.js';
import { entryPath } from './paths.js';
import { type OktaCatalogLimits, OktaPersonCatalog } from './person-catalog.js';
import { catalogEntry, type OktaRequestField, requestFieldList } from './wire.js';

const NAME_TTL_MS = 10 * 60_000;

export interface OktaCatalogOptions {
  /** How long a person's catalog is searched as read before it is read afresh in the background. */
  freshMs?: number;
  limits?: OktaCatalogLimits;
  logger?: Logger;
}

/**
 * Okta's catalog v2: what a person may request (type-ahead search, one entry with its request
 * fields) and the names of entries, cached, for the requests and grants that only carry their ids.
 */
export class OktaCatalog {
  private readonly entryNames = new LRUCache<string, string>({ max: 5000, ttl: NAME_TTL_MS });
  private readonly people: PersonCatalogs<OktaPersonCatalog>;

  constructor(
    private readonly http: OktaHttp,
    options: OktaCatalogOptions = {},
  ) {
    this.people = new PersonCatalogs({
      load: (principal, previous, grew) =>
        OktaPersonCatalog.load(http, principal, { limits: options.limits, previous, grew }),
      now: http.now,
      freshMs: options.freshMs,
      sizeOf: (catalog) => catalog.size,
      onRefreshFailed: (error, principal) =>
        options.logger?.warn({ err: error, principal: principal.id }, 'catalog refresh failed; the last one is kept'),
    });
  }

  /**
   * Entries holding every typed word, in any script, found by their app's name or their own,
   * searched in the person's own catalog: its first read waits (a few calls: see OktaPersonCatalog),
   * every later search costs nothing until it is read afresh in the background.
   */
  async search(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    const catalog = await this.people.of(principal);
    const found = await catalog.search(searchWords(text), limit);
    for (const item of found) this.entryNames.set(item.id, item.name);
    return found;
  }

  /** Catalogs still being read (tests and the bench wait for these, not for time). */
  settled(): Promise<void> {
    return this.people.settled();
  }

  /**
   * The entry as this person may request it, with its form for them, or null when they may not.
   * Its name, and that it is open to them, come from their own catalog when it was read within
   * `freshMs` and holds the entry; otherwise from Okta. Either way their form is asked of Okta, and
   * its "not for you" wins over the catalog: a catalog read minutes ago never lets through what Okta
   * now refuses, and Okta's create decides again.
   */
  async entry(principal: Principal, entryId: string): Promise<CatalogEntry | null> {
    const item = this.people.fresh(principal)?.item(entryId);
    if (item) {
      const fields = await this.requestFieldsFor(principal.id, entryId);
      if (!fields) return null;
      this.entryNames.set(item.id, item.name);
      return toCatalogEntry(item, fields);
    }
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
