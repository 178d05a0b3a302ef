import { LRUCache } from 'lru-cache';
import { OktaCatalog } from './catalog.js';
import type { OktaRequestField } from './wire.js';

/** Long enough for a form opened and submitted (describe, then create); Okta checks the form again on create. */
const FORM_TTL_MS = 60_000;

/**
 * The catalog, with each person's request form for an entry kept for a minute: asking for access
 * reads the form to check what the request must carry, then creates the request from the same
 * form, and the form a person was shown a moment ago is the one they submit. Only a form Okta
 * gave is kept; "not for you" is asked again.
 */
export class OktaCatalogRecentForms extends OktaCatalog {
  private readonly forms = new LRUCache<string, OktaRequestField[]>({ max: 5_000, ttl: FORM_TTL_MS });

  override async requestFieldsFor(userId: string, entryId: string): Promise<OktaRequestField[] | null> {
    const key = `${userId} ${entryId}`;
    const kept = this.forms.get(key);
    if (kept) return kept;
    const fields = await super.requestFieldsFor(userId, entryId);
    if (fields) this.forms.set(key, fields);
    return fields;
  }
}
