import { LRUCache } from 'lru-cache';
import type { GovernanceOperation } from '../../domain/errors.js';
import type { OktaHttp } from './http.js';
import { type OktaAccessRequest, orgMetadata } from './wire.js';

/** What a catalog entry grants, as a v2 request of it names it ([requested] accessScopeType, accessScopeId). */
interface AccessScope {
  type: string;
  id: string;
}

/**
 * Okta Resource Names for the calls that take them (the risk assessment): the org's id, read once
 * from Okta's public org metadata unless configured, and the resource a catalog entry grants.
 *
 * Okta's catalog entries carry no ORN and name no resource ([rcar-entry]: id, name, parent, links
 * to an app at most). The only documented link from an entry to what it grants is a request of it:
 * [requested] `accessScopeType`/`accessScopeId`. So the scope is learnt from the requests this
 * process reads (every approver's card reads its request first) and kept by entry, which costs no
 * call. The assessment takes "a collection, a bundle, or an entitlement"
 * ([potential-risk-assessment-request]): an ENTITLEMENT_BUNDLE scope has an ORN of its own
 * (`orn:okta:governance:<org>:entitlement-bundles:<id>`, as the document's examples spell it); an
 * APPLICATION or GROUP scope, or a legacy request type, has none the assessment takes, so those
 * entries are not assessed.
 */
export class OktaOrns {
  private readonly scopes = new LRUCache<string, AccessScope>({ max: 20_000 });
  private orgId: Promise<string> | undefined;

  constructor(
    private readonly http: OktaHttp,
    configuredOrgId?: string,
  ) {
    if (configuredOrgId) this.orgId = Promise.resolve(configuredOrgId);
  }

  /** Notes what the request's entry grants. */
  learn(request: OktaAccessRequest): void {
    const { entryId, accessScopeType, accessScopeId } = request.requested;
    if (accessScopeType && accessScopeId) this.scopes.set(entryId, { type: accessScopeType, id: accessScopeId });
  }

  /** `orn:okta:directory:<org>:users:<id>` ([potential-risk-assessment-request] `principalOrn`). */
  async user(operation: GovernanceOperation, userId: string): Promise<string> {
    return `orn:okta:directory:${await this.org(operation)}:users:${userId}`;
  }

  /** The bundle the entry grants, if a request of it was read and it grants one. */
  bundleOf(entryId: string): string | undefined {
    const scope = this.scopes.get(entryId);
    return scope?.type === 'ENTITLEMENT_BUNDLE' ? scope.id : undefined;
  }

  /** `orn:okta:governance:<org>:entitlement-bundles:<id>`, as the document's examples spell one. */
  async bundle(operation: GovernanceOperation, bundleId: string): Promise<string> {
    return `orn:okta:governance:${await this.org(operation)}:entitlement-bundles:${bundleId}`;
  }

  private org(operation: GovernanceOperation): Promise<string> {
    this.orgId ??= this.http
      .get(operation, '/.well-known/okta-organization', orgMetadata)
      .then(({ body }) => body.id)
      .catch((error: unknown) => {
        this.orgId = undefined;
        throw error;
      });
    return this.orgId;
  }
}
