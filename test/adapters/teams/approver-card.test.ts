import { actionData, cardProblems, findExecute, type Json } from '@gatehouse/sandbox/teams';
import { describe, expect, it } from 'vitest';
import { listCard } from '../../../src/adapters/teams/render/lists.js';
import { INPUT, renderRequestCard } from '../../../src/adapters/teams/render/request-card.js';
import { severalOutcomeLines } from '../../../src/adapters/teams/render/several.js';
import { Failure } from '../../../src/domain/failure.js';
import type { RequestView } from '../../../src/flows/index.js';

/**
 * Issue 21 points 2, 4 and 5 as Teams draws them: what an approver's card says of who asks and of
 * the grant's risk, Approve asking for a reason where the backend requires one, Forward with Teams'
 * people picker, and the pending list's selection for deciding several at once. Cards are checked
 * against the Adaptive Card schema Teams renders and pressed as the Teams client would press them.
 */

const bob = { id: '00ubob', name: 'Bob Martinez', email: 'bob@acme.example' };
const alice = { id: '00ualice', name: 'Alice Nguyen', email: 'alice@acme.example' };
const dana = { id: '00udana', name: 'Dana Kowalski', email: 'dana@acme.example' };

function pending(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: 'req123',
    status: 'pending',
    statusLabel: 'Pending approval',
    entry: { id: 'cen1', name: 'Salesforce — Admin' },
    requestedFor: alice,
    requester: alice,
    justification: 'Quarter close',
    created: '2026-11-26T10:00:00.000Z',
    updated: '2026-11-26T10:00:00.000Z',
    currentStep: { index: 1, total: 1 },
    steps: [{ index: 1, taskId: 'task1', status: 'pending', approvers: [bob] }],
    comments: [],
    actions: ['approve', 'reject', 'comment'],
    ...overrides,
  };
}

const text = (value: unknown) => JSON.stringify(value);
const titles = (card: Json) => ((card.actions ?? []) as Json[]).map((action) => action.title);

describe('the context on an approver’s card', () => {
  const context = pending({
    waitingSince: '2026-11-26T10:05:00.000Z',
    requesterContext: { title: 'Account Executive', department: 'Sales', manager: dana },
    risk: {
      conflicts: [
        { rule: 'Sales vs. Finance', description: 'Salesforce Admin with NetSuite AP Clerk' },
        { rule: 'Admin separation' },
      ],
      approveNeedsReason: false,
    },
  });

  it('says who is asking, since when it waits, and each separation-of-duties conflict', () => {
    const card = renderRequestCard('approval', context);
    expect(cardProblems(card)).toEqual([]);
    expect(text(card)).toContain('Alice Nguyen: Account Executive · Sales · manager Dana Kowalski');
    expect(text(card)).toContain('{"title":"Waiting since","value":"2026-11-26 10:05 UTC"}');
    expect(text(card)).toContain(
      '⚠️ Separation of duties: **Sales vs. Finance**: Salesforce Admin with NetSuite AP Clerk',
    );
    expect(text(card)).toContain('⚠️ Separation of duties: **Admin separation**"');
  });

  it('says only what the directory gave, and nothing of it to the requester', () => {
    const partial = renderRequestCard('approval', pending({ requesterContext: { department: 'Sales' } }));
    expect(text(partial)).toContain('Alice Nguyen: Sales"');
    expect(text(renderRequestCard('approval', pending()))).not.toContain('Waiting since');
    const mine = text(renderRequestCard('requester', context));
    expect(mine).not.toContain('Account Executive');
    expect(mine).not.toContain('Separation of duties');
    expect(mine).not.toContain('Waiting since');
  });

  it('shows directory fields and rule texts inert', () => {
    const hostile = renderRequestCard(
      'approval',
      pending({
        requesterContext: { title: '[Approve now](https://evil.example)', manager: { ...dana, name: '*Boss*' } },
        risk: {
          conflicts: [{ rule: '{{DATE(2026-01-01T00:00:00Z)}}', description: '# heading' }],
          approveNeedsReason: false,
        },
      }),
    );
    expect(text(hostile)).not.toContain('](https://evil.example)');
    expect(text(hostile)).toContain('\\\\[Approve now\\\\]');
    expect(text(hostile)).toContain('manager \\\\*Boss\\\\*');
    expect(text(hostile)).not.toContain('{{DATE');
    expect(text(hostile)).toContain('\\\\# heading');
  });

  it('says whose approval a delegate decides', () => {
    expect(text(renderRequestCard('approval', pending({ onBehalfOf: dana })))).toContain(
      'You decide this for **Dana Kowalski**, as their delegate.',
    );
  });

  it('asks for the reason a risky grant needs before Approve is sent, and sends it as the decision’s reason', () => {
    const card = renderRequestCard('approval', pending({ risk: { conflicts: [], approveNeedsReason: true } }));
    expect(cardProblems(card)).toEqual([]);
    const approve = ((card.actions ?? []) as Json[]).find((action) => action.title === 'Approve');
    expect(approve?.type).toBe('Action.ShowCard');
    const found = findExecute(card, 'approve');
    // The client refuses to send it without a reason, as Teams does for a required input.
    expect(actionData(found, {})).toEqual({ refusals: ['Reason to approve (approveReason) is required'] });
    const sent = actionData(found, { [INPUT.approveReason]: 'Covering quarter close' }) as { data: Json };
    expect(sent.data).toMatchObject({ r: 'req123', t: 'task1', input: 'approveReason' });
    // card-actions.ts reads the box the button names, as it does for list rows.
    expect(sent.data[sent.data.input as string]).toBe('Covering quarter close');
  });

  it('approves at once where the backend requires no reason', () => {
    const card = renderRequestCard('approval', pending({ risk: { conflicts: [], approveNeedsReason: false } }));
    expect(((card.actions ?? []) as Json[])[0]).toMatchObject({ type: 'Action.Execute', verb: 'approve' });
  });
});

describe('Forward on an approver’s card', () => {
  const forwardable = pending({ actions: ['approve', 'reject', 'comment', 'forward'] });

  it('unfolds Teams’ people picker (the organisation’s directory) and an optional reason', () => {
    const card = renderRequestCard('approval', forwardable);
    expect(cardProblems(card)).toEqual([]);
    expect(titles(card)).toEqual(['Approve', 'Reject', 'Comment', 'Forward']);
    const forward = ((card.actions ?? []) as Json[]).find((action) => action.title === 'Forward') as Json;
    expect(forward.type).toBe('Action.ShowCard');
    const picker = ((forward.card as Json).body as Json[]).find((element) => element.id === INPUT.forwardTo);
    expect(picker).toMatchObject({
      type: 'Input.ChoiceSet',
      isRequired: true,
      'choices.data': { type: 'Data.Query', dataset: 'graph.microsoft.com/users' },
    });
    expect(picker?.isMultiSelect).toBeUndefined();
    const found = findExecute(card, 'forward');
    expect('refusals' in actionData(found, {})).toBe(true);
    expect(
      actionData(found, { forwardTo: '00000000-0000-4000-9000-000000000004', forwardReason: 'I am away' }),
    ).toEqual({
      data: { r: 'req123', t: 'task1', forwardTo: '00000000-0000-4000-9000-000000000004', forwardReason: 'I am away' },
    });
  });

  it('is offered only where the flow says this person may forward, and never on the channel’s or requester’s card', () => {
    expect(titles(renderRequestCard('approval', pending()))).not.toContain('Forward');
    expect(titles(renderRequestCard('channel', forwardable))).toEqual([]);
    expect(titles(renderRequestCard('requester', pending({ actions: ['forward', 'cancel'] })))).not.toContain(
      'Forward',
    );
  });
});

describe('selecting several rows of the pending list', () => {
  const rows = [
    pending({ id: 'req1', steps: [{ index: 1, taskId: 't1', status: 'pending', approvers: [bob] }] }),
    pending({
      id: 'req2',
      entry: { id: 'cen2', name: 'Figma — Editor' },
      steps: [{ index: 1, status: 'pending', approvers: [bob] }],
    }),
    pending({ id: 'req3', actions: ['comment'] }),
  ];
  const list = { title: 'Waiting for your decision (3)', items: rows };

  it('gives each row that may be decided a switch, and Approve selected / Reject selected under the list', () => {
    const card = listCard(list, 'Nothing', { id: 'list1', done: {} });
    expect(cardProblems(card)).toEqual([]);
    const toggles = text(card).match(/"type":"Input.Toggle"/g) ?? [];
    expect(toggles).toHaveLength(2);
    const approve = findExecute(card, 'approveSelected');
    const sent = actionData(approve, { pick_0: 'true' }) as { data: Json };
    expect(sent.data).toMatchObject({
      picks: [
        { r: 'req1', t: 't1', p: 'pick_0' },
        { r: 'req2', p: 'pick_1' },
      ],
      l: 'list1',
      pick_0: 'true',
      pick_1: 'false',
    });
    // Reject unfolds a reason box first; optional unless policy requires one.
    const reject = findExecute(card, 'rejectSelected');
    expect('data' in actionData(reject, { pick_1: 'true' })).toBe(true);
    const strict = listCard(list, 'Nothing', undefined, undefined, { rejectNeedsReason: true });
    expect(actionData(findExecute(strict, 'rejectSelected'), { pick_1: 'true' })).toEqual({
      refusals: ['Reason (selectedReason) is required'],
    });
    const given = actionData(findExecute(strict, 'rejectSelected'), { pick_1: 'true', selectedReason: 'No' }) as {
      data: Json;
    };
    expect(given.data).toMatchObject({ input: 'selectedReason', selectedReason: 'No' });
  });

  it('asks a reason to approve the selection when a selectable grant needs one', () => {
    const risky = {
      ...list,
      items: [
        rows[0] as RequestView,
        { ...(rows[1] as RequestView), risk: { conflicts: [], approveNeedsReason: true } },
      ],
    };
    const card = listCard(risky, 'Nothing');
    expect(cardProblems(card)).toEqual([]);
    expect(actionData(findExecute(card, 'approveSelected'), { pick_0: 'true' })).toEqual({
      refusals: ['Reason (selectedApproveReason) is required'],
    });
  });

  it('offers no selection for a single row, a row already decided, or a list of one’s own requests', () => {
    expect(
      text(listCard({ ...list, items: [rows[0] as RequestView, rows[2] as RequestView] }, 'Nothing')),
    ).not.toContain('approveSelected');
    const oneDone = listCard(list, 'Nothing', {
      id: 'l',
      done: { req1: { kind: 'approve', at: '2026-11-26T11:00:00Z' } },
    });
    expect(text(oneDone)).not.toContain('Input.Toggle');
    const mine = listCard(
      { title: 'Your requests', items: rows.map((row) => ({ ...row, actions: ['cancel'] as RequestView['actions'] })) },
      'None',
    );
    expect(text(mine)).not.toContain('Input.Toggle');
  });

  it('says what became of each item decided together, refusals with their reason, names inert', () => {
    const decided = pending({
      id: 'req1',
      entry: { id: 'c', name: '[Figma](https://evil.example)' },
      actions: ['comment'],
      currentStep: undefined,
    });
    const lines = severalOutcomeLines(
      {
        results: [
          { requestId: 'req1', ok: true, request: decided },
          { requestId: 'req2', ok: true, request: pending({ id: 'req2', currentStep: { index: 2, total: 2 } }) },
          {
            requestId: 'req3',
            ok: false,
            failure: new Failure('already_decided', 'Bob Martinez already approved this.'),
            entryName: 'Jira',
          },
          { requestId: 'forged_id', ok: false, failure: new Failure('request_not_found', 'No such request.') },
        ],
      },
      'approve',
    );
    expect(lines).toEqual([
      '✅ Approved **\\[Figma\\](https:/\u2060/evil.example)** for Alice Nguyen.',
      '✅ Approved **Salesforce — Admin** for Alice Nguyen; it now waits for step 2.',
      '⚠️ **Jira**: Bob Martinez already approved this.',
      '⚠️ forged\\_id: No such request.',
    ]);
    const card = listCard(
      { title: 'Waiting for your decision (0)', items: [] },
      'Nothing else.',
      undefined,
      undefined,
      {
        outcomes: lines,
      },
    );
    expect(cardProblems(card)).toEqual([]);
    expect(text(card)).toContain('Nothing else.');
  });
});

describe('a risky row of the pending list', () => {
  it('asks the reason its Approve needs under the row, and sends it as the decision’s reason', () => {
    const risky = pending({ risk: { conflicts: [{ rule: 'Code and production' }], approveNeedsReason: true } });
    const card = listCard({ title: 'Waiting for your decision (1)', items: [risky] }, 'Nothing', {
      id: 'l1',
      done: {},
    });
    expect(cardProblems(card)).toEqual([]);
    expect(text(card)).toContain('⚠️ Separation of duties: Code and production');
    const found = findExecute(card, 'approve');
    expect(actionData(found, {})).toEqual({
      refusals: ['Reason to approve (a risky grant) (approveReason_0) is required'],
    });
    const sent = actionData(found, { approveReason_0: 'On call' }) as { data: Json };
    expect(sent.data).toMatchObject({
      r: 'req123',
      from: 'list',
      l: 'l1',
      input: 'approveReason_0',
      approveReason_0: 'On call',
    });
  });
});
