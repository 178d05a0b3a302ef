import { blockProblems, viewProblems } from '@gatehouse/sandbox/slack';
import { describe, expect, it } from 'vitest';
import { confirmation } from '../../../src/adapters/slack/render/confirmation.js';
import { renderHome } from '../../../src/adapters/slack/render/home.js';
import { renderList, renderText } from '../../../src/adapters/slack/render/lists.js';
import { decisionForm, requestForm } from '../../../src/adapters/slack/render/modals.js';
import { renderNotice } from '../../../src/adapters/slack/render/notices.js';
import { renderRequestCard } from '../../../src/adapters/slack/render/request-card.js';
import type { PersonView, RequestView } from '../../../src/flows/index.js';

/**
 * The largest things Gatehouse can be asked to show, checked with the Slack stand-in's Block Kit
 * validator (the limits Slack enforces): nothing the governance system or a person can type may
 * make Slack refuse a message.
 */

const long = (n: number, char = 'x') => char.repeat(n);
const person = (i: number): PersonView => ({
  id: `00u${i}`,
  name: `${long(180, 'N')} ${i}`,
  email: `p${i}@acme.example`,
});

function huge(overrides: Partial<RequestView> = {}): RequestView {
  const approvers = Array.from({ length: 40 }, (_, i) => person(i));
  return {
    id: long(60, 'r'),
    status: 'pending',
    statusLabel: 'Pending approval',
    entry: { id: 'cen1', name: long(400, '&') },
    requestedFor: person(1),
    requester: person(2),
    justification: long(2000, '<'),
    duration: '90 days',
    created: '2026-11-26T10:00:00.000Z',
    updated: '2026-11-26T10:00:00.000Z',
    expiresAt: '2026-12-26T10:00:00.000Z',
    currentStep: { index: 30, total: 30, name: long(300) },
    steps: Array.from({ length: 30 }, (_, i) => ({
      index: i + 1,
      taskId: `task${i}`,
      status: i < 29 ? ('approved' as const) : ('pending' as const),
      approvers,
      ...(i < 29
        ? {
            decision: {
              decision: 'approve' as const,
              by: person(i),
              at: '2026-11-26T11:00:00.000Z',
              reason: long(2000, '>'),
            },
          }
        : {}),
    })),
    comments: [],
    portalUrl: `https://acme.okta.com/${long(200, 'p')}`,
    actions: ['approve', 'reject', 'comment'],
    ...overrides,
  };
}

describe('Block Kit limits hold for the largest inputs', () => {
  it('a request card with 30 steps, 40 approvers, long names and a 2000-character justification', () => {
    for (const role of ['approval', 'requester', 'channel'] as const) {
      const card = renderRequestCard(role, huge());
      expect(blockProblems(card.blocks, 'message')).toEqual([]);
      expect(card.text.length).toBeLessThanOrEqual(3000);
    }
  });

  it('the confirmation of a request waiting for 40 approvers names a few and counts the rest', () => {
    const text = confirmation(
      huge({ currentStep: { index: 1 }, steps: [{ ...(huge().steps[29] as RequestView['steps'][number]), index: 1 }] }),
    );
    expect(blockProblems(renderText(text).blocks, 'message')).toEqual([]);
    expect(text).toContain('and 37 others');
  });

  it('notices with a 2000-character comment and reason', () => {
    const request = huge({ status: 'denied', statusLabel: 'Denied', currentStep: undefined });
    const outcome = {
      decision: 'reject' as const,
      by: person(3),
      at: '2026-11-26T12:00:00.000Z',
      reason: long(2000, '<'),
    };
    for (const notice of [
      renderNotice({ kind: 'comment', request, author: person(4), text: long(2000, '&') }),
      renderNotice({ kind: 'closed', request: { ...request, outcome } }),
      renderNotice({ kind: 'step-decided', request, step: 3 }),
    ]) {
      expect(blockProblems(notice.blocks, 'message')).toEqual([]);
    }
  });

  it('a list of 60 requests stays within 50 blocks and says how many more there are', () => {
    const items = Array.from({ length: 60 }, (_, i) => huge({ id: `req${i}` }));
    const list = renderList({ title: long(300, 'T'), items }, 'none');
    expect(blockProblems(list.blocks, 'message')).toEqual([]);
    expect(JSON.stringify(list.blocks)).toContain('…and 50 more');
  });

  it('App Home with 60 pending approvals and 60 open requests stays within 100 blocks', () => {
    const items = Array.from({ length: 60 }, (_, i) => huge({ id: `req${i}` }));
    const home = renderHome({
      pending: { title: 'Waiting for your decision', items },
      open: { title: 'Yours', items },
    });
    expect(viewProblems(home)).toEqual([]);
  });

  it('the request form offering 150 candidates with long names, and the decision form', () => {
    const choices = Array.from({ length: 150 }, (_, i) => ({
      id: `cen${i}`,
      name: `${long(200, 'E')} ${i}`,
      description: long(500, 'd'),
      kind: 'app' as const,
    }));
    const form = requestForm({ query: long(4000, '<'), choices, justification: long(2000), duration: 'P3D' });
    expect(viewProblems(form)).toEqual([]);
    const entry = {
      ...choices[0],
      id: 'cen0',
      name: choices[0]?.name ?? '',
      kind: 'app' as const,
      justificationRequired: true,
      justificationMaxLength: 2000,
      duration: { allowed: true, required: true, max: 'P365D', maxLabel: '365 days' },
    };
    expect(viewProblems(requestForm({ entry, justification: long(2000) }))).toEqual([]);
    const metadata = { r: long(200, 'r'), t: long(200, 't'), k: 'reject' as const, c: 'D0BOB', m: '1795697154.359000' };
    expect(viewProblems(decisionForm(huge(), metadata, true))).toEqual([]);
  });
});
