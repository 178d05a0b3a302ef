// The emulated governance portal: every request, its steps and notes, and a portal user's
// decisions, which reach chat through Gatehouse's notifier, never through the page.
import { $, act, api, el, state } from './common.js';

/** Reasons being typed survive a redraw (the portal is redrawn whenever anything changes). */
const reasons = new Map();
/** Which reason boxes are open: part of what the portal shows, so opening one redraws it. */
export const portalKey = () => [...reasons.keys()].join(',');

export function renderPortal(requests) {
  $('portal-feed').replaceChildren(
    ...(requests.length
      ? requests.map(item)
      : [el('p', { class: 'context' }, 'No requests yet. Ask for something in Slack or Teams.')]),
  );
}

function item(r) {
  const open = ['PENDING', 'in-progress'].includes(r.status);
  return el(
    'div',
    { class: 'portal-item', 'data-request': r.id },
    el(
      'div',
      { class: 'portal-head' },
      el('div', {}, el('div', { class: 'entry' }, r.entry), el('div', { class: 'context' }, `for ${r.for} · ${r.id}`)),
      el(
        'div',
        { class: 'portal-status' },
        el('div', { class: 'status' }, r.status),
        r.grant ? el('div', { class: 'context' }, `grant: ${r.grant}`) : null,
      ),
    ),
    r.steps.map((s) =>
      el('div', { class: 'context' }, `${s.label}: ${s.value ?? s.status} (${s.assignees.join(', ')})`),
    ),
    (r.history ?? []).map((note) => el('div', { class: 'context' }, `“${note}”`)),
    open ? decisions(r) : null,
  );
}

function decisions(r) {
  const decide = (decision, reason) =>
    act('portal', () => api('/playground/portal/decide', { requestId: r.id, decision, ...(reason ? { reason } : {}) }));
  const buttons = el(
    'div',
    { class: 'actions' },
    el('button', { type: 'button', class: 'primary', onclick: () => decide('approve') }, 'Approve'),
    el(
      'button',
      {
        type: 'button',
        class: 'danger',
        onclick: () => {
          if (!state.people?.portalReason) return decide('reject');
          reasons.set(r.id, reasons.get(r.id) ?? '');
          act('portal', async () => ({}));
        },
      },
      'Reject',
    ),
    el(
      'button',
      { type: 'button', onclick: () => act('portal', () => api('/playground/portal/expire', { requestId: r.id })) },
      'Expire',
    ),
  );
  if (!reasons.has(r.id)) return buttons;
  // The backend keeps a reason with a rejection: ask for it, as its portal does.
  const box = el('textarea', { rows: 2, placeholder: 'Why are you rejecting this request?', 'aria-label': 'Reason' });
  box.value = reasons.get(r.id);
  box.addEventListener('input', () => reasons.set(r.id, box.value));
  const confirm = () => {
    const reason = box.value.trim();
    reasons.delete(r.id);
    return decide('reject', reason);
  };
  const cancel = () => {
    reasons.delete(r.id);
    act('portal', async () => ({}));
  };
  return el(
    'div',
    {},
    buttons,
    el(
      'div',
      { class: 'portal-reason' },
      box,
      el(
        'div',
        { class: 'actions' },
        el('button', { type: 'button', class: 'danger', onclick: confirm }, 'Reject with this reason'),
        el('button', { type: 'button', onclick: cancel }, 'Cancel'),
      ),
    ),
  );
}
