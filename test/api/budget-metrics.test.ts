import { createOktaOrg, REAL_ORG_RATE_LIMITS } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { withPriority } from '../../src/api/priority.js';
import { type SlackWorld, startSlackWorld } from '../support/slack-world.js';

let world: SlackWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** One sample of a metric in Prometheus' text format, by its labels in any order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('the governance budget in /metrics', () => {
  it('shows what is left per family, what each priority spent and where background work gave way', async () => {
    // One clock for the org and Gatehouse, a second into a minute, so every call falls in one window.
    const start = Date.now();
    const base = Math.ceil(start / 60_000) * 60_000 + 1_000;
    const now = () => base + (Date.now() - start);
    const org = createOktaOrg({ now, rateLimits: REAL_ORG_RATE_LIMITS });
    world = await startSlackWorld({ org, now });
    const { governance, server } = world.gatehouse;

    // A poll's worth of background reads until the budget stops them, then one person's.
    let yielded = false;
    for (let i = 0; i < 40 && !yielded; i++) {
      await withPriority('background', () => governance.listRequests({ limit: 1 })).catch(() => {
        yielded = true;
      });
    }
    expect(yielded).toBe(true);
    await governance.listRequests({ limit: 1 });

    const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body;
    const requests = { provider: 'okta', family: 'requests' };
    const used = org.calls.filter((call) => call.path.startsWith('/governance/api/v2/requests')).length;
    expect(sample(metrics, 'gatehouse_governance_budget_remaining', requests)).toBe(30 - used);
    expect(sample(metrics, 'gatehouse_governance_budget_spent_total', { ...requests, priority: 'background' })).toBe(
      used - 1,
    );
    expect(sample(metrics, 'gatehouse_governance_budget_spent_total', { ...requests, priority: 'person' })).toBe(1);
    expect(
      sample(metrics, 'gatehouse_governance_budget_held_total', {
        ...requests,
        priority: 'background',
        outcome: 'yielded',
      }),
    ).toBe(1);
    expect(sample(metrics, 'gatehouse_governance_rate_limited_total', { priority: 'person' })).toBeUndefined();
  });
});
