import { describe, expect, it } from 'vitest';
import { failureText } from '../../../src/adapters/teams/render/messages.js';
import { renderRequestCard } from '../../../src/adapters/teams/render/request-card.js';
import { escapeMarkdown } from '../../../src/adapters/teams/render/text.js';
import { Failure } from '../../../src/domain/failure.js';
import { DecideElsewhere } from '../../../src/flows/errors.js';
import type { RequestView } from '../../../src/flows/index.js';

const bob = { id: '00ubob', name: 'Bob Martinez', email: 'bob@acme.example' };
const alice = { id: '00ualice', name: 'Alice Nguyen', email: 'alice@acme.example' };

function pending(overrides: Partial<RequestView> = {}): RequestView {
  return {
    id: 'req123',
    status: 'pending',
    statusLabel: 'Pending approval',
    entry: { id: 'cen1', name: 'Salesforce — Admin' },
    requestedFor: alice,
    requester: alice,
    justification: 'Quarter close',
    duration: '4 hours',
    created: '2026-11-26T10:00:00.000Z',
    updated: '2026-11-26T10:00:00.000Z',
    currentStep: { index: 1, total: 2 },
    steps: [{ index: 1, taskId: 'task1', status: 'pending', approvers: [bob] }],
    comments: [],
    actions: ['approve', 'reject', 'comment'],
    ...overrides,
  };
}

type Json = Record<string, unknown>;
const verbs = (card: Json): string[] => {
  const found: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') {
      const object = value as Json;
      if (object.type === 'Action.Execute' && typeof object.verb === 'string') found.push(object.verb);
      Object.values(object).forEach(walk);
    }
  };
  walk(card.actions);
  return found;
};

describe('Teams text is inert', () => {
  it('escapes links, emphasis, autolinks and line-start markdown', () => {
    expect(escapeMarkdown('[Sign in](https://evil.example) *now* <https://evil.example>')).toBe(
      '\\[Sign in\\](https:/\u2060/evil.example) \\*now\\* \\<https:/\u2060/evil.example\\>',
    );
    expect(escapeMarkdown('see www.evil.example')).toBe('see www\u2060.evil.example');
    expect(escapeMarkdown('# Title\n> quote\n1. first\n- item')).toBe('\\# Title\n\\> quote\n1\\. first\n\\- item');
  });

  it('puts a hostile justification on the card only escaped', () => {
    const card = renderRequestCard('approval', pending({ justification: '[Approve here](https://evil.example)' }));
    const text = JSON.stringify(card);
    expect(text).toContain('\\\\[Approve here\\\\](https:/\u2060/evil.example)');
    expect(text).not.toContain('](https://evil.example)');
  });

  it('shows a duration the backend wrote in a form Gatehouse cannot read only escaped', () => {
    const card = renderRequestCard('approval', pending({ duration: '[forever](https://evil.example)' }));
    const text = JSON.stringify(card);
    expect(text).toContain('\\\\[forever\\\\]');
    expect(text).not.toContain('](https://evil.example)');
  });
});

describe('the Teams request card', () => {
  it('gives an approver Approve, Reject and Comment, with the step, the duration and the expiry', () => {
    const card = renderRequestCard('approval', pending({ expiresAt: '2026-12-03T10:00:00.000Z' }), {
      refreshFor: ['29:bob'],
    });
    expect(JSON.stringify(card)).toContain('2026-12-03 10:00 UTC if nobody decides');
    expect(card.version).toBe('1.5');
    expect(verbs(card)).toEqual(['approve', 'reject', 'comment']);
    expect(JSON.stringify(card)).toContain('step 1 of 2');
    expect(JSON.stringify(card)).toContain('4 hours');
    expect(card.refresh).toMatchObject({
      action: { verb: 'refresh', data: { r: 'req123', t: 'task1' } },
      userIds: ['29:bob'],
    });
  });

  it('is read-only in the channel, where approvers get buttons through the refresh', () => {
    const card = renderRequestCard('channel', pending(), { refreshFor: ['29:bob'] });
    expect(verbs(card)).toEqual([]);
    expect((card.refresh as Json).userIds).toEqual(['29:bob']);
  });

  it('says a request closed in a way Gatehouse cannot read closed there, never "Cancelled"', () => {
    const view = pending({
      status: 'canceled',
      statusLabel: 'Closed in PingOne',
      currentStep: undefined,
      expiresAt: undefined,
      steps: [],
      closedUnreadIn: 'PingOne',
    });
    const text = JSON.stringify(renderRequestCard('requester', view));
    expect(text).toContain('❔ Closed in PingOne: Gatehouse cannot tell how. Check it there.');
    expect(text).not.toContain('Cancelled');
  });

  it('says a request approved in Okta was approved there, not that nobody had to decide', () => {
    const view = pending({
      status: 'approved',
      statusLabel: 'Approved',
      currentStep: undefined,
      expiresAt: undefined,
      steps: [],
      approvalsHandledIn: { system: 'Okta', url: 'https://acme.okta.com/enduser/catalog' },
    });
    const text = JSON.stringify(renderRequestCard('requester', view));
    expect(text).toContain('✅ Approved in Okta.');
    expect(text).not.toContain('without a manual step');
  });

  it('drops the buttons and the refresh once decided, saying by whom', () => {
    const decided = pending({
      status: 'approved',
      statusLabel: 'Approved',
      currentStep: undefined,
      steps: [
        {
          index: 1,
          status: 'approved',
          approvers: [bob],
          decision: { decision: 'approve', by: bob, at: '2026-11-26T11:00:00.000Z' },
        },
      ],
      outcome: { decision: 'approve', by: bob, at: '2026-11-26T11:00:00.000Z' },
      actions: ['comment'],
    });
    const card = renderRequestCard('approval', decided, { refreshFor: ['29:bob'] });
    expect(verbs(card)).toEqual(['comment']);
    expect(card.refresh).toBeUndefined();
    expect(JSON.stringify(card)).toContain('✅ Approved by Bob Martinez at 2026-11-26 11:00 UTC');
  });
});

describe('a failure that says where to act instead', () => {
  it('ends with a Markdown link Teams makes clickable, not an address broken to stay inert', () => {
    const url = 'https://acme.id.forgerock.io/enduser/?realm=alpha#/approvals/a b(c)/active';
    const text = failureText(Failure.of(new DecideElsewhere('req_1', { system: 'Ping', url })));
    expect(text).toContain('req\\_1');
    expect(text).toMatch(
      / \[Decide in Ping\]\(https:\/\/acme\.id\.forgerock\.io\/enduser\/\?realm=alpha#\/approvals\/a%20b%28c%29\/active\)$/,
    );
    expect(text).not.toContain('\u2060');
  });
});
