import { describe, expect, it } from 'vitest';
import { measureActionCosts } from '../../bench/action-costs.js';
import { allowedCalls, type Backend, floorOf } from '../../bench/action-floors.js';

/**
 * What each action costs the governance system's API budget, counted by the emulator that received
 * the calls, through the real client and the notifier: an action costing more than its written
 * figure (its floor, or what bench/action-floors.ts says and why) fails here, so a regression shows.
 */
describe.each(['okta', 'pingone'] as Backend[])('calls per action on %s', (backend) => {
  it('costs no action more than its written figure, and none less than its floor', async () => {
    const costs = await measureActionCosts(backend);
    expect(costs.map((cost) => cost.action)).toEqual([
      'request',
      'status',
      'mine',
      'pending',
      'app home',
      'comment',
      'approve',
      'reject',
      'cancel',
      'sync',
      'poll cycle',
    ]);
    for (const cost of costs) {
      const seen = `${backend} ${cost.action}: ${cost.calls} calls\n  ${cost.made.join('\n  ')}`;
      expect(cost.calls, seen).toBeLessThanOrEqual(allowedCalls(backend, cost.action));
      // A figure below the floor means the floor is wrong, or the action skipped what it must do.
      expect(cost.calls, seen).toBeGreaterThanOrEqual(floorOf(backend, cost.action));
    }
  }, 60_000);
});
