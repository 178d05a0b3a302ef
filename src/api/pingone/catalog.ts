import type { CatalogEntry, CatalogItem, Principal } from '../../domain/types.js';
import type { PingOneHttp } from './http.js';
import { toCatalogItem } from './mapping.js';
import { GOV, withQuery } from './paths.js';
import type { PingOnePolicy } from './policy.js';
import { catalogItem, gatehouseGlossary, type IgaCatalogItem, listOf, type TargetFilter } from './wire.js';

/**
 * IGA's catalog (`/iga/governance/catalog`): what a person may request, and one item with the
 * rules its request follows (the tenant's policy and the item's Gatehouse glossary attributes).
 */
export class PingOneCatalog {
  constructor(
    private readonly http: PingOneHttp,
    private readonly policy: PingOnePolicy,
  ) {}

  async search(principal: Principal, text: string, limit: number): Promise<CatalogItem[]> {
    const words = text
      .toLowerCase()
      .split(/\s+/)
      .map((word) => word.replace(/[^\p{L}\p{N}-]/gu, ''))
      .filter(Boolean);
    const longest = [...words].sort((a, b) => b.length - a.length)[0];
    const items = await this.find(principal, longest ? nameContains(longest) : undefined, Math.max(limit * 4, 50));
    return items
      .map(toCatalogItem)
      .filter((item) => words.every((word) => item.name.toLowerCase().includes(word)))
      .slice(0, limit);
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

  private async find(principal: Principal, filter: TargetFilter | undefined, pageSize: number) {
    const { body } = await this.http.search(
      'searchCatalog',
      withQuery(`${GOV}/catalog?_action=search`, { userId: principal.id, _pageSize: pageSize }),
      listOf(catalogItem),
      filter ? { targetFilter: filter } : {},
    );
    return body.result;
  }
}

function glossaryRules(item: IgaCatalogItem) {
  for (const value of Object.values(item.glossary?.idx ?? {})) {
    const parsed = gatehouseGlossary.safeParse(value);
    if (parsed.success) return parsed.data;
  }
  return {};
}

/**
 * Items whose name holds the word. An entitlement's name is searched both where Ping's UI searches
 * it (`descriptor.idx./entitlement.displayName`, CatalogApi.searchCatalogEntitlements) and at
 * `entitlement.displayName`, so it is found wherever the tenant keeps it.
 */
const NAME_FIELDS = [
  'application.name',
  'descriptor.idx./entitlement.displayName',
  'entitlement.displayName',
  'assignment.name',
  'role.name',
];

function nameContains(word: string): TargetFilter {
  return {
    operator: 'OR',
    operand: NAME_FIELDS.map((targetName) => ({
      operator: 'CONTAINS' as const,
      operand: { targetName, targetValue: word },
    })),
  };
}
