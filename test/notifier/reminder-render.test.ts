import { describe, expect, it } from 'vitest';
import { renderCardWithReason as slackCard } from '../../src/adapters/slack/render/reminder.js';
import { renderCardWithReason as teamsCard } from '../../src/adapters/teams/render/reminder.js';
import type { RequestView } from '../../src/flows/index.js';
import type { CardReason } from '../../src/notifier/index.js';

/** A reason line carries names from the directory: escaped for each surface like the card's own text. */

const request: RequestView = {
  id: 'req1',
  status: 'pending',
  statusLabel: 'Pending approval',
  entry: { id: 'e1', name: 'Zoom — Pro License' },
  requestedFor: { id: 'p1', name: 'Alice Nguyen' },
  requester: { id: 'p1', name: 'Alice Nguyen' },
  created: '2026-12-07T09:00:00.000Z',
  updated: '2026-12-07T09:00:00.000Z',
  currentStep: { index: 1, total: 1 },
  steps: [{ index: 1, taskId: 't1', status: 'pending', approvers: [{ id: 'p2', name: 'Dana <!channel> **K**' }] }],
  comments: [],
  actions: ['approve', 'reject', 'comment'],
};
const approver = { id: 'p2', name: 'Dana <!channel> **K**' };
const escalation: CardReason = {
  kind: 'escalation',
  to: 'manager',
  approvers: [approver],
  waitingSince: '2026-12-07T09:00:00.000Z',
};

describe('a card with its reason', () => {
  it('in Slack: the line first, names escaped, the buttons kept, and the line as the notification text', () => {
    const drawn = slackCard({ role: 'approval', request, reason: escalation });
    const first = JSON.stringify(drawn.blocks[0]);
    expect(first).toContain('Dana &lt;!channel&gt; **K**');
    expect(first).not.toContain('<!channel>');
    expect(first).toContain('you are their manager');
    expect(drawn.text).toContain('has not decided on this request since 2026-12-07 09:00 UTC; you are their manager.');
    expect(drawn.text).not.toContain('<!channel>');
    expect(JSON.stringify(drawn.blocks)).toContain('"action_id":"approve"');
  });

  it('in Teams: the line on top, markdown escaped', () => {
    const drawn = teamsCard({ role: 'approval', request, reason: escalation });
    const body = (drawn.body as { text?: string }[])[0]?.text ?? '';
    expect(body).toContain('you are their manager');
    expect(body).not.toContain('**K**');
  });

  it('without a reason: exactly the card', () => {
    const plain = slackCard({ role: 'approval', request });
    expect(JSON.stringify(plain.blocks[0])).not.toContain('Reminder');
  });
});
