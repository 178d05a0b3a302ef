import { describe, expect, it } from 'vitest';
import { publishHome } from '../../../src/adapters/slack/listeners/home.js';
import { withPriority } from '../../../src/api/priority.js';
import { failure } from '../../../src/flows/index.js';
import { testLogger } from '../../support/test-logger.js';

/**
 * An App Home redraw nobody asked for (after a change) that the governance budget held back keeps
 * the Home the person last saw, instead of replacing it with "the governance system is busy"; a
 * Home the person opens themselves says so plainly.
 */
function deps(published: unknown[]) {
  const busy = failure('governance_rate_limited', 'The governance system is busy; try again in a minute.');
  return {
    logger: testLogger(),
    people: { identity: async () => ({ platform: 'slack' as const, userId: 'U0BOB', email: 'bob@acme.example' }) },
    flows: {
      pendingApprovals: async () => ({ ok: false as const, error: busy }),
      status: async () => ({ ok: true as const, value: { title: 'Your open requests', items: [] } }),
    },
    client: { views: { publish: async (view: unknown) => void published.push(view) } },
  } as unknown as Parameters<typeof publishHome>[0];
}

describe('an App Home the budget held back', () => {
  it('is left as it was when Gatehouse redraws it on its own', async () => {
    const published: unknown[] = [];
    await withPriority('background', () => publishHome(deps(published), 'U0BOB'));
    expect(published).toEqual([]);
  });

  it('says the system is busy when the person opened it', async () => {
    const published: unknown[] = [];
    await publishHome(deps(published), 'U0BOB');
    expect(JSON.stringify(published)).toContain('busy');
  });
});
