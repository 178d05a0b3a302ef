import type { Logger } from 'pino';
import { GovernanceAuthFailed, GovernanceNotFound, GovernanceRejected } from '../../domain/errors.js';
import type { AccessGrant, Principal } from '../../domain/types.js';
import { quote } from '../lookup.js';
import type { OktaCatalog } from './catalog.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import { toAccessGrant } from './mapping.js';
import { V2 } from './paths.js';
import { accessRequestList, grantList, type OktaAccessRequest } from './wire.js';

/** How long a grants API that refused Gatehouse's role, or that the org does not serve, is not asked again. */
const GRANTS_RECHECK_MS = 10 * 60_000;

/** What is said of access shown from its request because Okta refused the grant look-up for want of a role. */
export const GRANTS_ROLE_MISSING =
  "Shown from the request that granted it: Okta's grants API needs the Application Administrator role (APP_ADMIN), which Gatehouse's Okta account lacks, so whether the grant is still in place and its own end date are not known here.";
/** What is said of access shown from its request because the org does not serve the grants API (Beta) at all. */
export const GRANTS_API_ABSENT =
  'Shown from the request that granted it: this Okta org does not offer Gatehouse its grants API (Beta), so whether the grant is still in place and its own end date are not known here.';
const REQUEST_TYPE_ACCESS =
  'Granted through an Okta request type, which keeps no grant record Gatehouse can read: shown from the request.';
const NO_RESOURCE = 'Okta did not name the app this access is to, so its grant was not read: shown from the request.';

/**
 * What a person holds now: the active grants behind the requests that granted them access.
 *
 * Grants are Okta's for apps only ([target-resource] `type` is APPLICATION): a request of a legacy
 * request type (REQUEST_TYPE) has none to look up, so it is shown from the request itself, as is
 * any access whose grant Okta will not show. `listGrants` needs the APP_ADMIN role
 * (x-okta-iam-admin-roles), which an Access Requests Admin does not have, and is Beta, which an org
 * may not serve: a 403 or a 404 there costs the grants' own dates, said on each item, never the
 * list, and is not asked again for a while.
 */
export class OktaAccess {
  private grantsRefusedUntil = 0;
  /** Why the grants API is not being asked now: the note each item shown from its request carries. */
  private grantsRefusal = GRANTS_ROLE_MISSING;

  constructor(
    private readonly http: OktaHttp,
    private readonly deps: { catalog: OktaCatalog; reads: OktaFullReads; logger?: Logger },
  ) {}

  async held(principal: Principal): Promise<AccessGrant[]> {
    return this.fromRequests(principal, await this.granted(principal));
  }

  /**
   * Whether the person holds one entry: the requests that granted them access, and only where one
   * was for this entry its app's grants. One read for what they do not hold, whatever else they have.
   */
  async holds(principal: Principal, entryId: string): Promise<AccessGrant | null> {
    const granting = (await this.granted(principal)).filter((request) => request.requested.entryId === entryId);
    if (granting.length === 0) return null;
    const held = await this.fromRequests(principal, granting);
    return held.find((grant) => grant.entry.id === entryId && grant.status === 'active') ?? null;
  }

  /** The person's requests that granted access not since revoked. */
  private async granted(principal: Principal): Promise<OktaAccessRequest[]> {
    const { body } = await this.http.get('listAccess', `${V2}/requests`, accessRequestList, {
      filter: `requestedFor eq "${quote(principal.id)}" AND grantStatus eq "GRANTED"`,
      limit: 200,
    });
    return body.data.filter((request) => request.revocationStatus !== 'REVOKED');
  }

  private async fromRequests(principal: Principal, held: OktaAccessRequest[]): Promise<AccessGrant[]> {
    // Okta answers grants one app at a time; ask once per app the person was granted.
    const byApp = new Map<string, OktaAccessRequest>();
    const others: { request: OktaAccessRequest; caveat: string }[] = [];
    for (const request of held) {
      const { resourceId, resourceType } = request.requested;
      if ((resourceType ?? 'APPLICATION') !== 'APPLICATION') others.push({ request, caveat: REQUEST_TYPE_ACCESS });
      else if (!resourceId) others.push({ request, caveat: NO_RESOURCE });
      else byApp.set(resourceId, request);
    }
    const found = await Promise.all([
      ...[...byApp.values()].map((request) => this.fromGrants(principal, request)),
      ...others.map(async ({ request, caveat }) => [await this.fromRequest(request, caveat)]),
    ]);
    return found.flat();
  }

  /** The app's active grants to this person, or the request's picture of them when Okta will not say. */
  private async fromGrants(principal: Principal, request: OktaAccessRequest): Promise<AccessGrant[]> {
    if (this.http.now() < this.grantsRefusedUntil) return [await this.fromRequest(request, this.grantsRefusal)];
    let grants: Awaited<ReturnType<OktaAccess['grantsOf']>>;
    try {
      grants = await this.grantsOf(principal, request.requested.resourceId ?? '');
    } catch (error) {
      if (error instanceof GovernanceAuthFailed && error.status === 403) {
        this.refuseGrants(GRANTS_ROLE_MISSING);
        this.deps.logger?.warn(
          { status: 403, vendorCode: error.vendorCode },
          "Okta refused the grants API: give Gatehouse's Okta account the Application Administrator role (APP_ADMIN) and okta.governance.entitlements.read; access is shown from requests meanwhile",
        );
        return [await this.fromRequest(request, GRANTS_ROLE_MISSING)];
      }
      if (error instanceof GovernanceNotFound) {
        // The grants API is Beta: an org without it answers 404 on the list itself.
        this.refuseGrants(GRANTS_API_ABSENT);
        this.deps.logger?.warn(
          { status: 404 },
          'Okta does not serve the grants API (Beta) in this org; access is shown from requests meanwhile',
        );
        return [await this.fromRequest(request, GRANTS_API_ABSENT)];
      }
      if (!(error instanceof GovernanceRejected)) throw error;
      // One app Okta will not look up does not cost the rest of the list.
      this.deps.logger?.warn({ err: error, requestId: request.id }, 'Okta refused a grant look-up');
      return [
        await this.fromRequest(
          request,
          `Shown from the request that granted it: Okta refused to look up its grant (${error.userMessage}).`,
        ),
      ];
    }
    // When time-bound access ends is on the request's own read (lists are sparse), else on the grant.
    const [entry, whole] = await Promise.all([this.entryOf(request), this.whole(request)]);
    return grants
      .filter((grant) => grant.status === 'ACTIVE')
      .map((grant) => ({
        ...toAccessGrant(grant, entry, request.granted ?? undefined),
        expiresAt: whole.revocationScheduled ?? grant.scheduleSettings?.expirationDate ?? undefined,
      }));
  }

  /** Not asked again for GRANTS_RECHECK_MS; meanwhile each item says why. */
  private refuseGrants(caveat: string): void {
    this.grantsRefusedUntil = this.http.now() + GRANTS_RECHECK_MS;
    this.grantsRefusal = caveat;
  }

  private async grantsOf(principal: Principal, appId: string) {
    const page = await this.http.get('listAccess', '/governance/api/v1/grants', grantList, {
      filter: [
        `target.externalId eq "${quote(appId)}"`,
        // [target-resource] `type` is APPLICATION only; nothing else is ever sent.
        'target.type eq "APPLICATION"',
        `targetPrincipal.externalId eq "${quote(principal.id)}"`,
        'targetPrincipal.type eq "OKTA_USER"',
      ].join(' AND '),
    });
    return page.body.data;
  }

  /** Access as its request tells it: granted when the request says, ending when its revocation is scheduled. */
  private async fromRequest(request: OktaAccessRequest, caveat: string): Promise<AccessGrant> {
    const [entry, whole] = await Promise.all([this.entryOf(request), this.whole(request)]);
    return {
      id: request.id,
      entry,
      status: 'active',
      grantedAt: request.granted ?? undefined,
      expiresAt: whole.revocationScheduled ?? undefined,
      caveat,
    };
  }

  private async entryOf(request: OktaAccessRequest): Promise<{ id: string; name: string }> {
    return { id: request.requested.entryId, name: await this.deps.catalog.entryName(request.requested.entryId) };
  }

  /** The request with its scheduled revocation, which only a read of it carries. */
  private whole(request: OktaAccessRequest): Promise<OktaAccessRequest> | OktaAccessRequest {
    return request.revocationStatus === 'PENDING' ? this.deps.reads.complete(request, { decisions: false }) : request;
  }
}
