import { describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import { SharedReadings } from '../../src/notifier/shared-readings.js';
import { MemoryStore } from '../../src/store/memory.js';

/**
 * The rule behind a shared reading (src/notifier/generations.ts), on its own: a job draws a
 * reading only if it was taken after the job's change was noticed, and while nothing newer was.
 */

const ID = 'req-1';

function request(status: AccessRequest['status']): AccessRequest {
  return {
    id: ID,
    status,
    requestedFor: { id: 'u-alice', displayName: 'Alice Nguyen' },
    requester: { id: 'u-alice', displayName: 'Alice Nguyen' },
    entry: { id: 'e-zoom', name: 'Zoom Pro License' },
    created: '2026-01-05T09:00:00.000Z',
    updated: '2026-01-05T09:00:00.000Z',
    steps: [{ index: 1, status: status === 'pending' ? 'pending' : 'approved', approvers: [{ id: 'u-dana' }] }],
    comments: [],
  };
}

/** What the governance system answers, counting the reads. */
function backend(initial: AccessRequest) {
  let now = initial;
  const counted = { reads: 0 };
  return {
    counted,
    set: (next: AccessRequest) => {
      now = next;
    },
    read: async () => {
      counted.reads += 1;
      return now;
    },
  };
}

describe('a shared reading', () => {
  it("is drawn by every job of the change it was read for, and by no later change's", async () => {
    const readings = new SharedReadings(new MemoryStore());
    const governance = backend(request('pending'));
    expect(await readings.draw(ID, 'change-a', governance.read)).toMatchObject({ status: 'pending' });
    expect(await readings.draw(ID, 'change-a', governance.read)).toMatchObject({ status: 'pending' });
    expect(governance.counted.reads).toBe(1);

    governance.set(request('approved'));
    expect(await readings.draw(ID, 'change-b', governance.read)).toMatchObject({ status: 'approved' });
    expect(governance.counted.reads).toBe(2);
  });

  it('is not kept when a change is noticed while it is being taken', async () => {
    const readings = new SharedReadings(new MemoryStore());
    const governance = backend(request('pending'));
    const slow = async () => {
      const answer = await governance.read();
      // A flow decides meanwhile and publishes it.
      governance.set(request('approved'));
      await readings.changed(ID);
      return answer;
    };
    expect(await readings.draw(ID, 'change-a', slow)).toMatchObject({ status: 'pending' });
    // The change's other job reads again rather than draw what came before the decision.
    expect(await readings.draw(ID, 'change-a', governance.read)).toMatchObject({ status: 'approved' });
    expect(governance.counted.reads).toBe(2);
  });

  it("is a poll's search answer when nothing was noticed since the search began", async () => {
    const readings = new SharedReadings(new MemoryStore());
    const governance = backend(request('pending'));
    const mark = await readings.mark();
    await readings.keep(ID, 'polled', request('pending'), mark);
    expect(await readings.draw(ID, 'polled', governance.read)).toMatchObject({ status: 'pending' });
    expect(governance.counted.reads).toBe(0);
  });

  it("is not a poll's search answer when the request was noticed changing after the search began", async () => {
    const readings = new SharedReadings(new MemoryStore());
    const governance = backend(request('approved'));
    const mark = await readings.mark();
    // The search answered `pending`; a decision was published before the poll queued the change.
    await readings.changed(ID);
    await readings.keep(ID, 'polled', request('pending'), mark);
    expect(await readings.draw(ID, 'polled', governance.read)).toMatchObject({ status: 'approved' });
    expect(governance.counted.reads).toBe(1);
  });

  it('survives its way through the store whole, every field of the request', async () => {
    const store = new MemoryStore();
    const full: AccessRequest = {
      ...request('pending'),
      justification: 'Webinars',
      accessDuration: 'PT4H',
      expiresAt: '2026-02-05T09:00:00.000Z',
      totalSteps: 2,
      steps: [
        {
          index: 1,
          taskId: 't1',
          name: 'Manager',
          status: 'approved',
          startedAt: '2026-01-05T09:00:00.000Z',
          approvers: [{ id: 'u-dana', displayName: 'Dana', email: 'dana@example.com' }],
          decision: { by: { id: 'u-dana' }, decision: 'approve', at: '2026-01-05T10:00:00.000Z', reason: 'ok' },
        },
      ],
      comments: [{ id: 'c1', author: { id: 'u-alice' }, text: 'Please', created: '2026-01-05T09:30:00.000Z' }],
      grantStatus: 'pending',
      revocationStatus: 'pending',
      revocationScheduled: '2026-01-05T13:00:00.000Z',
      portalUrl: 'https://portal.example.com/r/1',
      approvalUrl: 'https://portal.example.com/a/1',
      approvalsHandledIn: { system: 'Okta', url: 'https://example.okta.com' },
      closedUnreadIn: 'PingOne',
    };
    const mark = await new SharedReadings(store).mark();
    await new SharedReadings(store).keep(ID, 'polled', full, mark);
    // Another replica's notifier draws it.
    const drawn = await new SharedReadings(store).draw(ID, 'polled', async () => null);
    expect(drawn).toEqual(full);
  });
});

describe('a generation the store keeps refusing to move', () => {
  it('fails as a store that did not answer, so the sync is queued to try again rather than dropped', async () => {
    const { Generations } = await import('../../src/notifier/generations.js');
    const { StoreUnavailable } = await import('../../src/domain/errors.js');
    const store = new MemoryStore();
    // Every compare-and-swap lost to another writer.
    store.compareAndSwap = async () => false;
    await expect(new Generations(store).bump(ID)).rejects.toBeInstanceOf(StoreUnavailable);
  });
});
