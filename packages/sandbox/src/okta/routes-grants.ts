import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from './context.js';
import { invalidGrantFilter, notFound } from './errors.js';
import {
  compileFilter,
  conjuncts,
  type FilterAttributes,
  type FilterExpression,
  FilterRejected,
  parseFilter,
} from './filter.js';
import { listLinks, pageAfter, queryParam, readLimit } from './paging.js';
import type { GrantRecord } from './records.js';
import { type GrantNaming, renderGrant } from './render.js';
import { SEED } from './seed.js';

const SCOPE = 'okta.governance.entitlements.read';
const GRANTS = '/governance/api/v1/grants';

const GRANT_ATTRIBUTES: FilterAttributes<GrantRecord> = {
  'target.externalId': { operators: ['eq'], read: (grant) => grant.target.externalId },
  // [target-resource] `type` [resource-type-2]: APPLICATION only (the filter's own schema names more).
  'target.type': { operators: ['eq'], read: (grant) => grant.target.type, values: ['APPLICATION'] },
  'targetPrincipal.externalId': { operators: ['eq'], read: (grant) => grant.targetPrincipal.externalId },
  'targetPrincipal.type': { operators: ['eq'], read: (grant) => grant.targetPrincipal.type, values: ['OKTA_USER'] },
  entitlementBundleId: { operators: ['eq'], read: (grant) => grant.entitlementBundleId },
  action: { operators: ['eq'], read: (grant) => grant.action, values: ['ALLOW', 'DENY'] },
};

const TARGET = ['target.externalId', 'target.type'];

function mentionsTarget(expression: FilterExpression): boolean {
  switch (expression.kind) {
    case 'compare':
    case 'present':
      return TARGET.includes(expression.attribute);
    case 'not':
      return mentionsTarget(expression.term);
    default:
      return expression.terms.some(mentionsTarget);
  }
}

/** Okta answers grants for exactly one resource: the filter must pin target.externalId and target.type with `eq`. */
function grantQuery(request: FastifyRequest): (grant: GrantRecord) => boolean {
  const filter = queryParam(request, 'filter');
  if (!filter) throw invalidGrantFilter("Cannot find value found for target resource'");
  try {
    const expression = parseFilter(filter);
    const terms = conjuncts(expression);
    const pinned = (attribute: string) =>
      terms.filter((term) => term.kind === 'compare' && term.attribute === attribute && term.operator === 'eq').length;
    const nested = terms.some((term) => term.kind !== 'compare' && mentionsTarget(term));
    if (nested || TARGET.some((attribute) => pinned(attribute) > 1)) {
      throw invalidGrantFilter("Multiple values found for target resource'");
    }
    if (TARGET.some((attribute) => pinned(attribute) === 0)) {
      throw invalidGrantFilter("Cannot find value found for target resource'");
    }
    return compileFilter(expression, GRANT_ATTRIBUTES, { allowOr: true });
  } catch (error) {
    if (error instanceof FilterRejected) throw invalidGrantFilter(error.message);
    throw error;
  }
}

function grantNaming(org: EmulatorContext['org']): GrantNaming {
  return { orgId: SEED.orgId, appName: (appId) => org.appNameOf(appId) };
}

/**
 * Grants v1: who holds what on one resource; only ACTIVE grants are listed. Needs APP_ADMIN
 * (x-okta-iam-admin-roles) or SUPER_ADMIN besides the scope: context.requireScope.
 */
export function grantRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;

  app.get(GRANTS, async (request, reply) => {
    context.requireScope(request, SCOPE);
    const wanted = grantQuery(request);
    const limit = readLimit(request, { fallback: 20 });
    const grants = org.findGrants((grant) => grant.status === 'ACTIVE' && wanted(grant));
    const { page, nextAfter } = pageAfter(grants, request, limit);
    const base = context.base(request);
    const naming = grantNaming(org);
    return {
      data: page.map((grant) => renderGrant(grant, base, naming)),
      _links: listLinks(request, reply, nextAfter),
    };
  });

  app.get<{ Params: { id: string } }>(`${GRANTS}/:id`, async (request) => {
    context.requireScope(request, SCOPE);
    const grant = org.findGrants((candidate) => candidate.id === request.params.id)[0];
    if (!grant) throw notFound();
    return renderGrant(grant, context.base(request), grantNaming(org));
  });
}
