import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { parseBody, validationFailed } from './errors.js';
import { seededId } from './ids.js';
import type { OktaOrg } from './org.js';
import { SEED } from './seed.js';

/**
 * Risk rules and the assessment of a potential grant (`POST /governance/api/v1/risk-rule-assessments`,
 * Beta; scope okta.governance.riskRule.read; the App Admin role). Written from Okta's OpenAPI
 * document: [potential-risk-assessment-request] in, [risk-assessment-response] out, one
 * [rule-conflict] per separation-of-duties rule the grant would break.
 *
 * Okta's rules compare entitlements a person holds ("principal.effective_grants"); the emulator's
 * compare what Acme's grants record: an app granted at all, or an entitlement bundle of one.
 */

const SCOPE = 'okta.governance.riskRule.read';
const ASSESSMENTS = '/governance/api/v1/risk-rule-assessments';

/** One side of a rule: an app (any access to it) or the bundle a catalog entry grants. */
type Holding = { app: string } | { entry: string };

interface RiskRule {
  id: string;
  name: string;
  description: string;
  /** Holding anything on one side and anything on the other breaks the rule. */
  sides: [Holding[], Holding[]];
}

const { apps: A, entries: E } = SEED;

/**
 * Acme's separation-of-duties rules. Carol (Engineering) holds GitHub from day one, so her asking
 * for AWS Production — Admin breaks the first; the second is broken by whoever holds one of the two
 * NetSuite bundles (once granted) and asks for the other.
 */
export const RISK_RULES: readonly RiskRule[] = [
  {
    id: seededId('rul', 'codeandprod'),
    name: 'Write code and administer production',
    description: 'Whoever pushes code to GitHub must not also administer the production AWS account.',
    sides: [[{ app: A.github }], [{ entry: E.awsProductionAdmin.id }]],
  },
  {
    id: seededId('rul', 'payandreport'),
    name: 'Enter vendor bills and review the books',
    description: 'Whoever enters and approves vendor bills must not also review the financial reports.',
    sides: [[{ entry: E.netsuiteApClerk.id }], [{ entry: E.netsuiteFinanceViewer.id }]],
  },
];

const assessmentBody = z.object({
  principalOrn: z.string().min(1),
  resourceOrn: z.string().min(1).optional(),
});

/** What a person holds or would hold, as keys a rule's side is matched against. */
type Keys = Set<string>;

export function riskRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;

  app.post(ASSESSMENTS, async (request) => {
    context.requireScope(request, SCOPE);
    const { principalOrn, resourceOrn } = parseBody(assessmentBody, request.body);
    const userId = userOf(principalOrn, org);
    const held = heldBy(userId, org);
    const requested = resourceOrn === undefined ? new Set<string>() : resourceKeys(resourceOrn);
    const data = RISK_RULES.filter((rule) => breaks(rule, held, requested, org)).map((rule) => ({
      id: `${userId}:${rule.id}`,
      principalOrn,
      ...(resourceOrn ? { resourceOrn } : {}),
      ruleId: rule.id,
      ruleName: rule.name,
      description: rule.description,
      type: 'SEPARATION_OF_DUTIES' as const,
    }));
    return { data, _links: { self: { href: `${context.base(request)}${ASSESSMENTS}` } } };
  });
}

function invalidOrn(location: string, summary: string) {
  return validationFailed([{ errorSummary: summary, reason: 'INVALID_VALUE', location, locationType: 'body' }]);
}

/** `orn:okta:directory:<org>:users:<id>` of a user of this org. */
function userOf(orn: string, org: OktaOrg): string {
  const match = /^orn:okta:directory:([^:]+):users:([^:]+)$/.exec(orn);
  if (!match || match[1] !== SEED.orgId) throw invalidOrn('/principalOrn', `${orn} is not a user of this org`);
  const userId = match[2] as string;
  if (!org.directory.user(userId)) throw invalidOrn('/principalOrn', `User ${userId} was not found`);
  return userId;
}

/** The resource an ORN names: an entitlement bundle (`…:entitlement-bundles:<id>`) or an app. */
function resourceKeys(orn: string): Keys {
  const bundle = new RegExp(`^orn:okta:governance:${SEED.orgId}:entitlement-bundles:([^:]+)$`).exec(orn);
  if (bundle) return new Set([`bundle:${bundle[1]}`]);
  const application = new RegExp(`^orn:okta:idp:${SEED.orgId}:apps:[^:]+:([^:]+)$`).exec(orn);
  if (application) return new Set([`app:${application[1]}`]);
  if (new RegExp(`^orn:okta:governance:${SEED.orgId}:(collections|entitlement-values):[^:]+$`).test(orn)) {
    return new Set();
  }
  throw invalidOrn('/resourceOrn', `${orn} is not a resource of this org`);
}

function heldBy(userId: string, org: OktaOrg): Keys {
  const keys: Keys = new Set();
  for (const grant of org.findGrants((one) => one.targetPrincipal.externalId === userId && one.status === 'ACTIVE')) {
    keys.add(`app:${grant.target.externalId}`);
    if (grant.entitlementBundleId) keys.add(`bundle:${grant.entitlementBundleId}`);
  }
  return keys;
}

function keyOf(holding: Holding, org: OktaOrg): string | undefined {
  if ('app' in holding) return `app:${holding.app}`;
  const entry = org.entries.find((one) => one.id === holding.entry);
  return entry?.accessScope.type === 'ENTITLEMENT_BUNDLE' ? `bundle:${entry.accessScope.id}` : undefined;
}

/** The grant asked for lands on one side while the person holds (or is granted) something on the other. */
function breaks(rule: RiskRule, held: Keys, requested: Keys, org: OktaOrg): boolean {
  const [left, right] = rule.sides.map((side) => side.map((holding) => keyOf(holding, org)));
  const has = (keys: Keys, side: (string | undefined)[] | undefined) =>
    (side ?? []).some((key) => key !== undefined && keys.has(key));
  const after = new Set([...held, ...requested]);
  if (requested.size === 0) return has(held, left) && has(held, right);
  return (has(requested, left) && has(after, right)) || (has(requested, right) && has(after, left));
}
