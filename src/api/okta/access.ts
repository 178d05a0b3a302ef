import type { AccessGrant, Principal } from '../../domain/types.js';
import { quote } from '../lookup.js';
import type { OktaCatalog } from './catalog.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import { toAccessGrant } from './mapping.js';
import { V2 } from './paths.js';
import { accessRequestList, grantList } from './wire.js';

/** What a person holds now: the active grants behind the requests that granted them access. */
export class OktaAccess {
  constructor(
    private readonly http: OktaHttp,
    private readonly catalog: OktaCatalog,
    private readonly reads: OktaFullReads,
  ) {}

  async held(principal: Principal): Promise<AccessGrant[]> {
    const { body } = await this.http.get('listAccess', `${V2}/requests`, accessRequestList, {
      filter: `requestedFor eq "${quote(principal.id)}" AND grantStatus eq "GRANTED"`,
      limit: 200,
    });
    const held = body.data.filter((request) => request.revocationStatus !== 'REVOKED' && request.requested.resourceId);
    // Okta answers grants one resource at a time; ask once per resource the person was granted.
    const byResource = new Map(
      held.map((request) => [`${request.requested.resourceType}:${request.requested.resourceId}`, request]),
    );
    const grants = await Promise.all(
      [...byResource.values()].map(async (request) => {
        const page = await this.http.get('listAccess', '/governance/api/v1/grants', grantList, {
          filter: [
            `target.externalId eq "${quote(request.requested.resourceId ?? '')}"`,
            `target.type eq "${quote(request.requested.resourceType ?? 'APPLICATION')}"`,
            `targetPrincipal.externalId eq "${quote(principal.id)}"`,
            'targetPrincipal.type eq "OKTA_USER"',
          ].join(' AND '),
        });
        // When time-bound access ends is on the request's own read (lists are sparse), else on the grant.
        const [name, whole] = await Promise.all([
          this.catalog.entryName(request.requested.entryId),
          request.revocationStatus === 'PENDING' ? this.reads.complete(request) : request,
        ]);
        const entry = { id: request.requested.entryId, name };
        return page.body.data
          .filter((grant) => grant.status === 'ACTIVE')
          .map((grant) => ({
            ...toAccessGrant(grant, entry, request.granted ?? undefined),
            expiresAt: whole.revocationScheduled ?? grant.scheduleSettings?.expirationDate ?? undefined,
          }));
      }),
    );
    return grants.flat();
  }
}
