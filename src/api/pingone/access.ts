import type { AccessGrant, Principal } from '../../domain/types.js';
import type { PingOneHttp } from './http.js';
import { entryOf } from './mapping.js';
import { GOV } from './paths.js';
import { grant, listOf } from './wire.js';

/** What a person holds now: their account, entitlement and role grants. */
export class PingOneAccess {
  constructor(private readonly http: PingOneHttp) {}

  async held(principal: Principal): Promise<AccessGrant[]> {
    const grants = await Promise.all(
      ['account', 'entitlement', 'role'].map(async (grantType) => {
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
      }),
    );
    return grants.flat();
  }
}
