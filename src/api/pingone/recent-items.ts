import type { Principal } from '../../domain/types.js';
import { PingOneCatalog, type PingOneCatalogOptions } from './catalog.js';
import type { PingOneHttp } from './http.js';
import type { PingOnePolicy } from './policy.js';
import type { IgaCatalogItem } from './wire.js';

/** Long enough for a form opened and submitted (describe, then create); IGA validates the request on create. */
const ITEM_TTL_MS = 60_000;
const MAX_ITEMS = 5_000;

/**
 * The catalog, with each catalog item a person looked up kept for a minute: asking for access
 * looks the item up to check what the request must carry, then creates the request for the same
 * item, and the item a person was shown a moment ago is the one they submit. Only an item IGA
 * found is kept; one it did not is asked again.
 */
export class PingOneCatalogRecentItems extends PingOneCatalog {
  private readonly items = new Map<string, { item: IgaCatalogItem; at: number }>();

  constructor(
    http: PingOneHttp,
    policy: PingOnePolicy,
    private readonly now: () => number,
    options: PingOneCatalogOptions = {},
  ) {
    super(http, policy, options);
  }

  override async item(principal: Principal, id: string): Promise<IgaCatalogItem | null> {
    const key = `${principal.id} ${id}`;
    const now = this.now();
    const kept = this.items.get(key);
    if (kept && now - kept.at <= ITEM_TTL_MS) return kept.item;
    const found = await super.item(principal, id);
    this.items.delete(key);
    if (found) this.items.set(key, { item: found, at: now });
    if (this.items.size > MAX_ITEMS) this.items.delete(this.items.keys().next().value as string);
    return found;
  }
}
