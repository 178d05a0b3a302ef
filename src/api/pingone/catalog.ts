import type { Logger } from 'pino';
import type { CatalogEntry, CatalogItem, Principal } from '../../domain/types.js';
import { PersonCatalogs } from '../cached-catalog.js';
import { bestMatches, type SearchableItem, searchable, searchWords } from '../catalog-search.js';
import type { PingOneHttp } from './http.js';
import { toCatalogItem } from './mapping.js';
import { GOV, withQuery } from './paths.js';
import type { PingOnePolicy } from './policy.js';
import { catalogItem, gatehouseGlossary, type IgaCatalogItem, listOf, type TargetFilter } from './wire.js';

/** Items read per page of a person's catalog, and pages at most (a larger catalog is cut there). */
const PAGE_SIZE = 200;
const MAX_PAGES = 50;

/** One person's requestable items, searched locally. */
export interface PingOnePersonCatalog {
  items: SearchableItem[];
  /** Whether the person may request more than was read (MAX_PAGES). */
  cut: boolean;
}

export interface PingOneCatalogOptions {
  /** How long a person's catalog is searched as read before it is read afresh in the background. */
  freshMs?: number;
  logger?: Logger;
}

/**
 * IGA's catalog (`/iga/governance/catalog`): what a person may request, and one item with the
 * rules its request follows (the tenant's policy and the item's Gatehouse glossary attributes).
 */
export class PingOneCatalog {
  private readonly people: PersonCatalogs<PingOnePersonCatalog>;

  constructor(
    private readonly http: PingOneHttp,
    private readonly policy: PingOnePolicy,
    options: PingOneCatalogOptions = {},
  ) {
    this.people = new PersonCatalogs({
      load: (principal) => this.readAll(principal),
      now: http.now,
      freshMs: options.freshMs,
      sizeOf: (catalog) => catalog.items.length,
      onRefreshFailed: (error, principal) =>
        options.logger?.warn({ err: error, principal: principal.id }, 'catalog refresh failed; the last one is kept'),
    });
  }

  /**
   * Items holding every typed word, in any script, best first, searched in the person's own
   * catalog: read once (one call per PAGE_SIZE items), then afresh in the background.
   */
  async search(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    const { items } = await this.people.of(principal);
    return bestMatches(items, searchWords(text), limit);
  }

  /** Catalogs still being read (tests wait for these, not for time). */
  settled(): Promise<void> {
    return this.people.settled();
  }

  async entry(principal: Principal, entryId: string): Promise<CatalogEntry | null> {
    const item = await this.item(principal, entryId);
    if (!item) return null;
    const policy = await this.policy.read();
    const rules = glossaryRules(item);
    return {
      ...toCatalogItem(item),
      justificationRequired: policy.requireRequestJustification || (rules.requireJustification ?? false),
      // IGA takes an end date on any request; the item's glossary may forbid, require or cap it.
      duration: {
        allowed: rules.accessDuration !== 'none',
        required: rules.accessDuration === 'required',
        ...(rules.maxAccessDuration ? { max: rules.maxAccessDuration } : {}),
      },
    };
  }

  async item(principal: Principal, id: string): Promise<IgaCatalogItem | null> {
    // A request names an entitlement by its assignment and a role by itself, which need not be the
    // catalog item's own id: find the item by any of them.
    const names = ['id', 'assignment.id', 'entitlement.id', 'role.id'];
    const items = await this.find(
      principal,
      {
        operator: 'OR',
        operand: names.map((targetName) => ({ operator: 'EQUALS' as const, operand: { targetName, targetValue: id } })),
      },
      5,
    );
    return (
      items.find((item) => item.id === id) ??
      items.find((item) => [item.assignment?.id, item.entitlement?.id, item.role?.id].includes(id)) ??
      null
    );
  }

  /** Everything the person may request, as Ping's catalog search pages it. */
  private async readAll(principal: Principal): Promise<PingOnePersonCatalog> {
    const items: SearchableItem[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const { body } = await this.page(principal, undefined, PAGE_SIZE, page * PAGE_SIZE);
      // An entitlement is named where Ping's UI reads it, and found by its other name too.
      items.push(...body.result.map((item) => searchable(toCatalogItem(item), otherNames(item))));
      const total = body.totalCount ?? undefined;
      if (body.result.length < PAGE_SIZE || (total !== undefined && total >= 0 && items.length >= total)) {
        return { items, cut: false };
      }
    }
    return { items, cut: true };
  }

  private async find(principal: Principal, filter: TargetFilter | undefined, pageSize: number) {
    return (await this.page(principal, filter, pageSize)).body.result;
  }

  private page(principal: Principal, filter: TargetFilter | undefined, pageSize: number, offset?: number) {
    return this.http.search(
      'searchCatalog',
      withQuery(`${GOV}/catalog?_action=search`, {
        userId: principal.id,
        _pageSize: pageSize,
        ...(offset ? { _pagedResultsOffset: offset } : {}),
      }),
      listOf(catalogItem),
      filter ? { targetFilter: filter } : {},
    );
  }
}

function glossaryRules(item: IgaCatalogItem) {
  for (const value of Object.values(item.glossary?.idx ?? {})) {
    const parsed = gatehouseGlossary.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return {};
}

function otherNames(item: IgaCatalogItem): string[] {
  const name = item.entitlement?.displayName;
  return name ? [name] : [];
}
