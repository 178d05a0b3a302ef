import type { Logger } from 'pino';
import {
  GovernanceAuthFailed,
  GovernanceNotFound,
  type GovernanceOperation,
  GovernanceUnsupported,
} from '../../domain/errors.js';
import type { RiskAssessment } from '../../domain/types.js';
import type { RiskInput } from '../governance.js';
import type { OktaHttp } from './http.js';
import type { OktaOrns } from './orns.js';
import { V1 } from './paths.js';
import { riskAssessment } from './wire.js';

const ASSESS_RISK = 'assessRisk' satisfies GovernanceOperation;

/** How long an org that refused the assessment is taken at its word before it is asked again. */
export const RISK_RECHECK_MS = 10 * 60_000;

/** What a card shows when there is no assessment: nothing, the flow says so. */
function noAssessment(why: string): GovernanceUnsupported {
  return new GovernanceUnsupported(ASSESS_RISK, `Okta gives no risk assessment here (${why}).`);
}

/**
 * Okta's risk assessment of a potential grant (`POST /governance/api/v1/risk-rule-assessments`,
 * Beta, scope `okta.governance.riskRule.read`, the App Admin role): each separation-of-duties rule
 * granting the entry to the person would break.
 *
 * No assessment is not an error a card shows: an entry whose resource has no ORN the assessment
 * takes (see OktaOrns), and an org that refuses the call (403: the Beta, the scope or the role
 * missing; 404: no such API), throw GovernanceUnsupported. A refusing org is not asked again for
 * RISK_RECHECK_MS, so cards cost no refused call meanwhile. 401 stays a credentials failure.
 */
export class OktaRisk {
  private unavailableUntil = 0;

  constructor(
    private readonly http: OktaHttp,
    private readonly orns: OktaOrns,
    private readonly logger?: Logger,
  ) {}

  async assess({ principal, entryId }: RiskInput): Promise<RiskAssessment> {
    if (this.http.now() < this.unavailableUntil) throw noAssessment('not available to Gatehouse in this org');
    const bundleId = this.orns.bundleOf(entryId);
    if (!bundleId) throw noAssessment('this access is not a bundle Okta assesses');
    try {
      const [principalOrn, resourceOrn] = await Promise.all([
        this.orns.user(ASSESS_RISK, principal.id),
        this.orns.bundle(ASSESS_RISK, bundleId),
      ]);
      const { body } = await this.http.search(ASSESS_RISK, `${V1}/risk-rule-assessments`, riskAssessment, {
        principalOrn,
        resourceOrn,
      });
      return {
        conflicts: body.data.map((conflict) => ({
          rule: conflict.ruleName,
          description: conflict.description ?? undefined,
          type: conflict.type ?? 'SEPARATION_OF_DUTIES',
        })),
      };
    } catch (error) {
      const refused =
        (error instanceof GovernanceAuthFailed && error.status === 403) || error instanceof GovernanceNotFound;
      if (!refused) throw error;
      this.unavailableUntil = this.http.now() + RISK_RECHECK_MS;
      this.logger?.warn(
        { status: error instanceof GovernanceAuthFailed ? error.status : 404, recheckMs: RISK_RECHECK_MS },
        'Okta refused its risk assessment (Beta not enabled, or the okta.governance.riskRule.read scope or App Admin role missing): cards show no risk',
      );
      throw noAssessment('not available to Gatehouse in this org');
    }
  }
}
