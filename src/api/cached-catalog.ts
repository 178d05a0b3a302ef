import { LRUCache } from 'lru-cache';
import type { CatalogItem, Principal } from '../domain/types.js';
import type { Governance } from './governance.js';

export interface CatalogCacheOptions {
  /** How long one person's answer to one query is reused (CATALOG_CACHE_SECONDS); 0 turns caching off. */
  ttlMs: number;
  /** How many answers are kept at most, least recently used dropped first. */
  max?: number;
}

/**
 * Type-ahead asks the catalog once per keystroke, and a form opened twice asks the same queries
 * again: answers are kept per person and query for a short while, and identical queries in flight
 * share one call, so each distinct query costs the governance system at most one search. Keyed by
 * the person because what one may request is not what another may; the catalog itself changes
 * rarely, so a minute-old answer is fine for a suggestion list (requests are still validated
 * against the live entry when submitted).
 */
export function cacheCatalogSearches(governance: Governance, options: CatalogCacheOptions): Governance {
  if (options.ttlMs <= 0) return governance;
  const answers = new LRUCache<string, CatalogItem[], { principal: Principal; text: string; limit: number }>({
    max: options.max ?? 10_000,
    ttl: options.ttlMs,
    fetchMethod: (_key, _stale, { context }) =>
      governance.searchCatalog(context.principal, context.text, context.limit),
  });
  const cached: Governance = Object.create(governance);
  cached.searchCatalog = async (principal, text, limit) => {
    // Both backends split on whitespace and ignore case, so these spell the same query.
    const normalized = text.trim().toLowerCase().replace(/\s+/g, ' ');
    const key = JSON.stringify([principal.id, limit, normalized]);
    const items = await answers.fetch(key, { context: { principal, text: normalized, limit } });
    return items ?? [];
  };
  return cached;
}
