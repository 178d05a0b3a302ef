import { describe, expect, it } from 'vitest';
import type { RequestView, StepView } from '../../src/flows/index.js';
import { DeliveryLedger } from '../../src/notifier/ledger.js';
import type { RequestCard } from '../../src/notifier/messenger.js';
import { MemoryStore, type MessageRef } from '../../src/store/index.js';

/**
 * Whoever draws a card (a notifier pass, a click's quick update, on any replica) goes through the
 * ledger, which must never let an older reading of the request land over a newer one: not when
 * Okta's `updated` stays put as a step is decided, and not when two drawers race on one message.
 */
const REF: MessageRef = {
  platform: 'slack',
  conversationId: 'D0BOB',
  messageId: '1700000000.000100',
  kind: 'approval',
};
const UPDATED = '2026-01-05T09:00:00.000Z';
const bob = { id: '00ubob', name: 'Bob Martinez' };
const grace = { id: '00ugrace', name: 'Grace Lee' };

function step(index: number, status: StepView['status'], by?: { id: string; name: string }): StepView {
  const approvers = [index === 1 ? bob : grace];
  return by
    ? { index, status, approvers, decision: { decision: 'approve', by, at: UPDATED } }
    : { index, status, approvers };
}

function card(status: RequestView['status'], steps: StepView[], updated = UPDATED): RequestCard {
  const current = steps.find((s) => s.status === 'pending');
  const request: RequestView = {
    id: 'reqAAAAAAAAAAAAAAAAA',
    status,
    statusLabel: status,
    entry: { id: 'cen1', name: 'Salesforce — Admin' },
    requestedFor: { id: '00ualice', name: 'Alice Nguyen' },
    requester: { id: '00ualice', name: 'Alice Nguyen' },
    created: '2026-01-05T08:00:00.000Z',
    updated,
    currentStep: current && { index: current.index, total: 2 },
    steps,
    comments: [],
    actions: current ? ['approve', 'reject'] : [],
  };
  return { role: 'approval', request };
}

// Okta does not move the request's `lastUpdated` when only a task changes: all three readings say 09:00.
const asked = card('pending', [step(1, 'pending'), step(2, 'waiting')]);
const firstDecided = card('pending', [step(1, 'approved', bob), step(2, 'pending')]);
const secondDecided = card('pending', [step(1, 'approved', bob), step(2, 'approved', grace)]);

/** A message in chat: what each drawer put on it, in the order the updates landed. */
function message() {
  const landed: RequestCard[] = [];
  return {
    landed,
    shows: () => landed.at(-1),
    drawer: (drawn: RequestCard) => async () => {
      landed.push(drawn);
    },
  };
}

/** An update that lands only when the test lets it, and says when it has started. */
function held(land: () => Promise<void>) {
  let release = () => {};
  let started = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const begun = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    begun,
    release: () => release(),
    update: async () => {
      started();
      await gate;
      await land();
    },
  };
}

describe('drawing a card over another', () => {
  it('does not draw a reading with fewer steps decided over one with more, though Okta gave both the same updated', async () => {
    const ledger = new DeliveryLedger(new MemoryStore());
    const chat = message();
    expect(await ledger.drawIfNewer(REF, firstDecided, chat.drawer(firstDecided))).toBe('drawn');

    expect(await ledger.drawIfNewer(REF, asked, chat.drawer(asked))).toBe('shown');
    expect(chat.shows()).toBe(firstDecided);
    expect(await ledger.drawIfNewer(REF, secondDecided, chat.drawer(secondDecided))).toBe('drawn');
    expect(chat.shows()).toBe(secondDecided);
  });

  it('draws a later reading whose steps Okta no longer shows (its Tasks API withheld), though updated stayed', async () => {
    const ledger = new DeliveryLedger(new MemoryStore());
    const chat = message();
    await ledger.drawIfNewer(REF, asked, chat.drawer(asked));
    const handledInOkta = card('pending', []);
    handledInOkta.request.approvalsHandledIn = { system: 'Okta' };

    expect(await ledger.drawIfNewer(REF, handledInOkta, chat.drawer(handledInOkta))).toBe('drawn');
    expect(chat.shows()).toBe(handledInOkta);
  });

  it('still draws a different picture of the same reading (a drawer that names someone else, say)', async () => {
    const ledger = new DeliveryLedger(new MemoryStore());
    const chat = message();
    await ledger.drawIfNewer(REF, firstDecided, chat.drawer(firstDecided));
    const renamed = card('pending', [step(1, 'approved', { ...bob, name: 'Robert Martinez' }), step(2, 'pending')]);

    expect(await ledger.drawIfNewer(REF, renamed, chat.drawer(renamed))).toBe('drawn');
  });

  it('compares by updated alone a card recorded before readings were ranked', async () => {
    const store = new MemoryStore();
    const ledger = new DeliveryLedger(store);
    await store.set(`rendered:slack:${REF.conversationId}:${REF.messageId}`, `${UPDATED}\nan-older-print`);
    const chat = message();

    expect(await ledger.drawIfNewer(REF, card('pending', [], '2026-01-05T08:59:00.000Z'), chat.drawer(asked))).toBe(
      'shown',
    );
    expect(await ledger.drawIfNewer(REF, firstDecided, chat.drawer(firstDecided))).toBe('drawn');
  });
});

describe('two drawers on one message, on two replicas', () => {
  it('ends showing the newer reading when it is drawn while an older one is on its way', async () => {
    const store = new MemoryStore();
    const [clickReplica, passReplica] = [new DeliveryLedger(store), new DeliveryLedger(store)];
    const chat = message();
    await clickReplica.drawIfNewer(REF, asked, chat.drawer(asked));

    // The click's update of its decision's reading is slow to land...
    const slow = held(chat.drawer(firstDecided));
    const click = clickReplica.drawIfNewer(REF, firstDecided, slow.update);
    await slow.begun;
    // ...while a pass elsewhere has read the next step decided and draws it.
    const pass = passReplica.drawIfNewer(REF, secondDecided, chat.drawer(secondDecided));
    slow.release();

    expect(await click).toBe('drawn');
    expect(await pass).toBe('drawn');
    expect(chat.landed).toEqual([asked, firstDecided, secondDecided]);
  });

  it('does not land the older reading after a newer one another drawer has on its way', async () => {
    const store = new MemoryStore();
    const [clickReplica, passReplica] = [new DeliveryLedger(store), new DeliveryLedger(store)];
    const chat = message();
    await passReplica.drawIfNewer(REF, asked, chat.drawer(asked));

    const slow = held(chat.drawer(secondDecided));
    const pass = passReplica.drawIfNewer(REF, secondDecided, slow.update);
    await slow.begun;
    const click = clickReplica.drawIfNewer(REF, firstDecided, chat.drawer(firstDecided));
    slow.release();

    expect(await pass).toBe('drawn');
    expect(await click).toBe('shown');
    expect(chat.shows()).toBe(secondDecided);
  });

  it('gives up (the notifier draws it) when the other drawer keeps the message past its wait', async () => {
    const store = new MemoryStore();
    const [clickReplica, passReplica] = [new DeliveryLedger(store), new DeliveryLedger(store)];
    const chat = message();
    const slow = held(chat.drawer(secondDecided));
    const pass = passReplica.drawIfNewer(REF, secondDecided, slow.update);
    await slow.begun;

    expect(await clickReplica.drawIfNewer(REF, firstDecided, chat.drawer(firstDecided), 30)).toBe('busy');
    slow.release();
    await pass;
    expect(chat.landed).toEqual([secondDecided]);
  });

  it('frees the message when an update fails, recording nothing, so the next drawer draws it', async () => {
    const store = new MemoryStore();
    const [clickReplica, passReplica] = [new DeliveryLedger(store), new DeliveryLedger(store)];
    const chat = message();
    const refused = clickReplica.drawIfNewer(REF, firstDecided, async () => {
      throw new Error('chat.update failed: fatal_error');
    });
    await expect(refused).rejects.toThrow('fatal_error');

    expect(await passReplica.drawIfNewer(REF, firstDecided, chat.drawer(firstDecided), 0)).toBe('drawn');
    expect(chat.shows()).toBe(firstDecided);
  });
});
