import type { AccessGrant, CatalogEntry, CatalogEntryKind, Principal } from '../../domain/types.js';
import type { PingOneHttp } from './http.js';
import { entryOf } from './mapping.js';
import { GOV } from './paths.js';
import { grant, listOf } from './wire.js';

type GrantType = 'account' | 'entitlement' | 'role';

const GRANT_TYPES: GrantType[] = ['account', 'entitlement', 'role'];

/** Which grants hold a catalog item of each kind (mapping.ts reads accountGrant, entitlementGrant, roleMembership). */
const GRANT_TYPE_OF: Partial<Record<CatalogEntryKind, GrantType>> = {
  app: 'account',
  entitlement: 'entitlement',
  group: 'role',
};

/** What a person holds now: their account, entitlement and role grants. */
export class PingOneAccess {
  constructor(private readonly http: PingOneHttp) {}

  async held(principal: Principal): Promise<AccessGrant[]> {
    return (await Promise.all(GRANT_TYPES.map((grantType) => this.ofType(principal, grantType)))).flat();
  }

  /** Whether the person holds one entry: only the grants of its kind are read (one call, not three). */
  async holds(principal: Principal, entry: Pick<CatalogEntry, 'id' | 'kind'>): Promise<AccessGrant | null> {
    const grantType = GRANT_TYPE_OF[entry.kind];
    const held = grantType ? await this.ofType(principal, grantType) : await this.held(principal);
    return held.find((found) => found.entry.id === entry.id) ?? null;
  }

  private async ofType(principal: Principal, grantType: GrantType): Promise<AccessGrant[]> {
    const path = `${GOV}/user/${encodeURIComponent(principal.id)}/grants`;
    const { body } = await this.http.get('listAccess', path, listOf(grant), { grantType, _pageSize: 200 });
    return body.result.map<AccessGrant>((held) => {
      const dates = held.item?.decision?.accessRequest;
      return {
        id: held.id ?? entryOf(held).id,
        entry: entryOf(held),
        status: 'active',
        expiresAt: dates?.grantEndDate ?? held.grantEndDate ?? undefined,
        grantedAt: dates?.grantStartDate ?? held.grantStartDate ?? undefined,
      };
    });
  }
}
