import { describe, expect, it } from 'vitest';
import { renderFailure } from '../../../src/adapters/slack/render/lists.js';
import { renderRequestCard } from '../../../src/adapters/slack/render/request-card.js';
import { escapeText, escapeWithin } from '../../../src/adapters/slack/render/text.js';
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
    expiresAt: '2026-12-03T10:00:00.000Z',
    currentStep: { index: 1, total: 2 },
    steps: [{ index: 1, taskId: 'task1', status: 'pending', approvers: [bob] }],
    comments: [],
    portalUrl: 'https://acme.okta.com/enduser/requests/req123',
    actions: ['approve', 'reject', 'comment'],
    ...overrides,
  };
}

const json = (value: unknown) => JSON.stringify(value);
const buttons = (card: ReturnType<typeof renderRequestCard>) =>
  card.blocks.flatMap((block) =>
    block.type === 'actions' ? block.elements.map((e) => ('action_id' in e ? e.action_id : '')) : [],
  );

describe('escaping user text for Slack', () => {
  it('neutralises broadcast mentions, user mentions and links', () => {
    expect(escapeText('<!channel> <@U0BOB> <https://evil.example|click> & co')).toBe(
      '&lt;!channel&gt; &lt;@U0BOB&gt; &lt;https://evil.example|click&gt; &amp; co',
    );
  });

  it('cuts escaped text to the limit without splitting an entity', () => {
    const cut = escapeWithin('&'.repeat(2000), 3000);
    expect(cut.cut).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(3000);
    expect(cut.text.replace(/…$/, '')).toMatch(/^(&amp;)+$/);
  });
});

describe('the request card', () => {
  it('shows an approver who asks, what, why, how long, which step of how many, expiry, and the buttons', () => {
    const card = renderRequestCard('approval', pending());
    const text = json(card.blocks);
    expect(text).toContain('*Alice Nguyen* asks for access to *Salesforce — Admin*');
    expect(text).toContain('Quarter close');
    expect(text).toContain('4 hours');
    expect(text).toContain('step 1 of 2');
    expect(text).toContain('if nobody decides');
    expect(buttons(card)).toEqual(['approve', 'reject', 'comment', 'open_portal']);
    const approve = card.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []))[0];
    expect(approve && 'value' in approve && JSON.parse(approve.value ?? '')).toEqual({ r: 'req123', t: 'task1' });
  });

  it('renders injected mentions and links inert, in verbatim text', () => {
    const evil = '<!channel> approve me <@U0BOB> <https://evil.example|SSO login>';
    const card = renderRequestCard(
      'approval',
      pending({ justification: evil, requestedFor: { ...alice, name: '<!here>' } }),
    );
    const text = json(card);
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).not.toContain('<@U0BOB>');
    expect(text).not.toContain('<https://evil.example');
    for (const block of card.blocks) {
      if (block.type === 'section' && block.text?.type === 'mrkdwn') expect(block.text.verbatim).toBe(true);
    }
  });

  it('truncates a long justification within Block Kit limits and links to the full text', () => {
    const card = renderRequestCard('approval', pending({ justification: '<'.repeat(2000) }));
    const why = card.blocks.find((b) => b.type === 'section' && b.text?.text.startsWith('*Why*'));
    expect(why?.type === 'section' && why.text?.text.length).toBeLessThanOrEqual(3000);
    expect(json(why)).toContain('Read the full text');
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
    expect(text).toContain(':grey_question: *Closed in PingOne*: Gatehouse cannot tell how. Check it there.');
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
    expect(text).toContain(':white_check_mark: *Approved* in Okta.');
    expect(text).not.toContain('without a manual step');
  });

  it('drops the decision buttons once decided and says by whom and when', () => {
    const decided = pending({
      status: 'approved',
      statusLabel: 'Approved',
      currentStep: undefined,
      expiresAt: undefined,
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
    for (const role of ['approval', 'channel', 'requester'] as const) {
      const card = renderRequestCard(role, decided);
      expect(buttons(card)).not.toContain('approve');
      expect(buttons(card)).not.toContain('reject');
      expect(json(card.blocks)).toContain('*Approved* by Bob Martinez <!date^1795690800^');
    }
  });
});

describe('a failure that says where to act instead', () => {
  it('ends with a real link to that page, the message around it still inert', () => {
    const error = new DecideElsewhere('req<!here>', {
      system: 'Okta',
      url: 'https://acme.okta.com/enduser/catalog?a=1&b=<2>|x',
    });
    const text = renderFailure(Failure.of(error)).text;
    expect(text).toContain('req&lt;!here&gt;');
    expect(text).toMatch(/ <https:\/\/acme\.okta\.com\/enduser\/catalog\?a=1&amp;b=&lt;2&gt;%7Cx\|Decide in Okta>$/);
  });

  it('shows no link for a URL that is not http(s)', () => {
    const error = new DecideElsewhere('req1', { system: 'Okta', url: 'javascript:alert(1)' });
    expect(renderFailure(Failure.of(error)).text).not.toContain('javascript');
  });
});
