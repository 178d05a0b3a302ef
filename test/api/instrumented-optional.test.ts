import { describe, expect, it } from 'vitest';
import type { Governance } from '../../src/api/governance.js';
import { instrumentGovernance } from '../../src/api/instrumented.js';
import { GovernanceUnsupported } from '../../src/domain/errors.js';
import type { Principal } from '../../src/domain/types.js';
import { createMetrics } from '../../src/metrics.js';

/**
 * What a backend may lack (a risk assessment, forwarding, delegates) stays absent once the backend
 * is wrapped for metrics, so flows can tell "not on this backend" from "failed"; what it has is
 * timed like everything else.
 */

const alice: Principal = { id: 'u1', email: 'alice@acme.example', displayName: 'Alice', active: true };

function backend(extra: Partial<Governance>): Governance {
  return { provider: 'okta', ...extra } as Governance;
}

async function observed(metrics: ReturnType<typeof createMetrics>, operation: string) {
  const metric = await metrics.governanceDuration.get();
  return metric.values.filter(
    (value) => value.labels.operation === operation && String(value.metricName).endsWith('_count'),
  );
}

describe('the metrics wrapper and what a backend may lack', () => {
  it('leaves assessRisk, forward and delegation absent where the backend has none', () => {
    const wrapped = instrumentGovernance(backend({}), createMetrics());
    expect(wrapped.assessRisk).toBeUndefined();
    expect(wrapped.forward).toBeUndefined();
    expect(wrapped.delegation).toBeUndefined();
  });

  it('passes them through, timed by operation and outcome, where the backend has them', async () => {
    const metrics = createMetrics();
    const wrapped = instrumentGovernance(
      backend({
        assessRisk: async () => ({ conflicts: [{ rule: 'R', type: 'SEPARATION_OF_DUTIES' }] }),
        delegation: {
          current: async () => null,
          appoint: async () => {
            throw new GovernanceUnsupported('policy', 'no delegates here');
          },
          end: async () => undefined,
          delegatorsOf: async () => [],
        },
      }),
      metrics,
    );
    expect(await wrapped.assessRisk?.({ principal: alice, entryId: 'e1' })).toEqual({
      conflicts: [{ rule: 'R', type: 'SEPARATION_OF_DUTIES' }],
    });
    expect(await wrapped.delegation?.current(alice)).toBeNull();
    await expect(wrapped.delegation?.appoint({ delegator: alice, delegate: alice })).rejects.toBeInstanceOf(
      GovernanceUnsupported,
    );
    expect((await observed(metrics, 'assessRisk')).map((value) => value.labels.outcome)).toEqual(['ok']);
    expect((await observed(metrics, 'delegation.appoint')).map((value) => value.labels.outcome)).toEqual([
      'governance_unsupported',
    ]);
  });
});
