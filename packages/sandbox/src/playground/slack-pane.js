// The Slack pane: one conversation at a time, as the Slack client shows it (the DM with Gatehouse,
// #access-approvals, or the app's Home tab), messages oldest first with thread replies under their
// parent, and ephemeral answers where Slack puts them: in the conversation they answer, at the
// bottom, next to the composer.
import { $, act, api, atBottom, el, state, tsOrder } from './common.js';
import { plain, rich } from './mrkdwn.js';

const click = (body) => act('slack', () => api('/playground/slack/click', { user: state.slackUser, ...body }));

/** `inputs` are what the person ticked or picked in this message so far (the stand-in keeps them, as Slack's client does). */
export function renderBlocks(blocks, where, inputs = {}) {
  return (blocks ?? []).map((block) => {
    const node = renderBlock(block, where, inputs);
    if (node && block.block_id) node.dataset.block = block.block_id;
    return node;
  });
}

function renderBlock(block, where, inputs) {
  switch (block.type) {
    case 'header':
      return el('div', { class: 'block-header' }, plain(block.text));
    case 'section':
      return el(
        'div',
        {},
        block.text ? el('div', {}, rich(block.text.text)) : null,
        block.fields
          ? el(
              'div',
              { class: 'fields' },
              block.fields.map((f) => el('div', {}, rich(f.text))),
            )
          : null,
        block.accessory ? renderAction(block.accessory, block, where, inputs) : null,
      );
    case 'context':
      return el(
        'div',
        { class: 'context' },
        (block.elements ?? []).map((e) => el('div', {}, rich(e.text ?? ''))),
      );
    case 'divider':
      return el('hr');
    case 'actions':
      return el(
        'div',
        { class: 'actions' },
        (block.elements ?? []).map((e) => renderAction(e, block, where, inputs)),
      );
    case 'input':
      return renderInput(block, where);
    default:
      return null;
  }
}

/** A button says which block it sits in: the same action_id repeats under every item of a list. */
function renderAction(element, block, where, inputs = {}) {
  const kept = inputs[block.block_id]?.[element.action_id];
  if (element.type === 'checkboxes') {
    const ticked = kept?.selected_options?.map((option) => option.value);
    return checkboxes(element, block, (values) => tick(where, block, element, values), ticked);
  }
  if (element.type === 'users_select') {
    return usersSelect(element, block, (user) => user && pickUser(where, block, element, user), kept?.selected_user);
  }
  if (element.type !== 'button') return null;
  if (element.url)
    return el('a', { href: element.url, target: '_blank', rel: 'noopener' }, el('button', {}, plain(element.text)));
  return el(
    'button',
    {
      class: element.style ?? '',
      'data-action': element.action_id,
      'data-block': block.block_id,
      onclick: () => click({ ...where, actionId: element.action_id, blockId: block.block_id, value: element.value }),
    },
    plain(element.text),
  );
}

function renderInput(block, where) {
  const element = block.element ?? {};
  const id = `in-${block.block_id}`;
  const draft = state.modalDraft;
  let control;
  if (element.type === 'plain_text_input') {
    const attrs = { id, 'data-block': block.block_id, placeholder: plain(element.placeholder) };
    control = element.multiline ? el('textarea', { ...attrs, rows: 3 }) : el('input', attrs);
    control.value = draft[block.block_id] ?? element.initial_value ?? '';
    control.addEventListener('input', () => (draft[block.block_id] = control.value));
  } else if (element.type === 'static_select') {
    control = el(
      'select',
      { id, 'data-block': block.block_id },
      el('option', { value: '' }, plain(element.placeholder) || 'Choose…'),
      (element.options ?? []).map((o) => el('option', { value: o.value }, plain(o.text))),
    );
    control.value = draft[block.block_id] ?? element.initial_option?.value ?? '';
    control.addEventListener('change', () => {
      draft[block.block_id] = control.value;
      if (block.dispatch_action) select(where, block, element, control.value);
    });
  } else if (element.type === 'external_select') {
    control = externalSelect(block, element, id, where);
  } else if (element.type === 'checkboxes') {
    // In a modal's input block a tick is kept for the submission; Slack sends it at once only with dispatch_action.
    control = checkboxes(element, block, (values) => {
      draft[block.block_id] = values;
      if (block.dispatch_action) tick(where, block, element, values);
    });
  } else if (element.type === 'users_select') {
    control = usersSelect(element, block, (user) => {
      draft[block.block_id] = user;
      if (block.dispatch_action && user) pickUser(where, block, element, user);
    });
    control.id = id;
  } else {
    control = el('div', { class: 'context' }, `(${element.type} is not shown in the playground)`);
  }
  return el('div', {}, el('label', { for: id }, plain(block.label)), control);
}

function externalSelect(block, element, id, where) {
  const draft = state.modalDraft;
  const list = el('datalist', { id: `${id}-list` });
  const input = el('input', {
    id,
    list: `${id}-list`,
    'data-block': block.block_id,
    'data-external': '1',
    placeholder: plain(element.placeholder) || 'Type to search…',
  });
  const chosen =
    draft[block.block_id] ??
    (element.initial_option ? { text: plain(element.initial_option.text), value: element.initial_option.value } : null);
  if (chosen) input.value = chosen.text;
  let asked = 0;
  const search = async () => {
    const known = [...list.options].find((o) => o.value === input.value);
    if (known) {
      draft[block.block_id] = { text: known.value, value: known.dataset.value };
      if (block.dispatch_action) select(where, block, element, known.dataset.value);
      return;
    }
    // What is typed now is no choice: a stale one must not be submitted.
    delete draft[block.block_id];
    if (input.value.length < (element.min_query_length ?? 3)) return;
    const ticket = ++asked;
    const answer = await api('/playground/slack/suggest', {
      user: state.slackUser,
      viewId: where.viewId,
      actionId: element.action_id,
      text: input.value,
    });
    if (ticket !== asked) return;
    list.replaceChildren(
      ...(answer.options ?? []).map((o) => el('option', { value: plain(o.text), 'data-value': o.value })),
    );
    hint.textContent = answer.hint ?? (answer.options?.length === 0 && input.value ? 'No results' : '');
  };
  input.addEventListener('input', search);
  if ((element.min_query_length ?? 3) === 0) input.addEventListener('focus', search, { once: true });
  const hint = el('div', { class: 'hint' });
  return el('div', {}, input, list, hint);
}

/**
 * Checkboxes, as Slack draws them: each change reports every option ticked now. In a message, Slack
 * sends the change to the bot and keeps it for the next button pressed there (state.values).
 */
function checkboxes(element, block, changed, kept) {
  const draft = kept ?? state.modalDraft[block.block_id];
  const ticked = new Set(Array.isArray(draft) ? draft : (element.initial_options ?? []).map((option) => option.value));
  const boxes = (element.options ?? []).map((option) => {
    const box = el('input', {
      type: 'checkbox',
      value: option.value,
      'data-action': element.action_id,
      'data-block': block.block_id,
    });
    box.checked = ticked.has(option.value);
    const about = option.description ? el('span', { class: 'context' }, plain(option.description)) : null;
    return el(
      'label',
      { class: 'check' },
      box,
      ' ',
      option.text?.type === 'mrkdwn' ? rich(option.text.text) : plain(option.text),
      about,
    );
  });
  const node = el(
    'div',
    { class: 'checkboxes', 'data-action': element.action_id, 'data-block': block.block_id },
    boxes,
  );
  node.addEventListener('change', () => {
    changed([...node.querySelectorAll('input:checked')].map((box) => box.value));
  });
  return node;
}

/** A users_select lists the workspace's people, as Slack's does; the pick is sent as selected_user. */
function usersSelect(element, block, changed, kept) {
  const people = state.people?.slack ?? [];
  const select = el(
    'select',
    { 'data-action': element.action_id, 'data-block': block.block_id, 'data-users-select': '1' },
    el('option', { value: '' }, plain(element.placeholder) || 'Choose a person…'),
    people.map((person) => el('option', { value: person.id }, person.name)),
  );
  select.value = kept ?? state.modalDraft[block.block_id] ?? element.initial_user ?? '';
  select.addEventListener('change', () => changed(select.value));
  return select;
}

const tick = (where, block, element, values) =>
  act('slack', () =>
    api('/playground/slack/tick', {
      user: state.slackUser,
      ...where,
      actionId: element.action_id,
      blockId: block.block_id,
      values,
    }),
  );

const pickUser = (where, block, element, picked) =>
  act('slack', () =>
    api('/playground/slack/pick-user', {
      user: state.slackUser,
      ...where,
      actionId: element.action_id,
      blockId: block.block_id,
      picked,
    }),
  );

/** A choice in a select whose block dispatches its actions: Slack sends block_actions at once. */
function select(where, block, element, selected) {
  click({ ...where, actionId: element.action_id, blockId: block.block_id, selected });
}

// ── The conversation shown ──────────────────────────────────────────────────────────────────────
const seenEphemerals = new Set();
let drawnFor = '';

export function renderSlack(slack) {
  const conversations = slack.conversations;
  if (!conversations.some((c) => c.id === state.slackView) && state.slackView !== 'home')
    state.slackView = conversations[0]?.id ?? '';
  renderTabs(conversations);
  const feed = $('slack-feed');
  const shown = conversations.find((c) => c.id === state.slackView);
  const freshView = drawnFor !== `${state.slackUser}|${state.slackView}`;
  const stick = freshView || atBottom(feed);
  $('slack-compose').hidden = !shown?.member;
  if (!shown) {
    feed.replaceChildren(...homeTab(slack.home));
  } else {
    const ephemerals = slack.ephemerals.filter((m) => m.channel === shown.id);
    feed.replaceChildren(...timeline(shown, ephemerals));
    // An answer only the person sees came in: bring it into view, as Slack does next to the composer.
    const fresh = ephemerals.filter((m) => !seenEphemerals.has(m.ts));
    for (const m of slack.ephemerals) seenEphemerals.add(m.ts);
    const newest = fresh.at(-1);
    if (!freshView && newest)
      feed.querySelector(`[data-ts="${CSS.escape(newest.ts)}"]`)?.scrollIntoView({ block: 'end' });
    else if (stick) feed.scrollTop = feed.scrollHeight;
  }
  drawnFor = `${state.slackUser}|${state.slackView}`;
  renderModal(slack.modal);
}

function renderTabs(conversations) {
  const tab = (id, label) =>
    el(
      'button',
      {
        type: 'button',
        role: 'tab',
        class: 'tab-button',
        'data-view': id,
        'aria-selected': String(state.slackView === id),
        onclick: () => openSlackView(id),
      },
      label,
    );
  $('slack-tabs').replaceChildren(tab('home', 'Home'), ...conversations.map((c) => tab(c.id, c.name)));
}

/** Opening App Home is what makes Slack send app_home_opened, as it does every time the tab is opened. */
export async function openSlackView(id) {
  state.slackView = id;
  if (id === 'home') await act('slack', () => api('/playground/slack/home', { user: state.slackUser }));
  else await act('slack', async () => ({}));
}

function homeTab(home) {
  if (!home) return [el('p', { class: 'context' }, 'Opening the Home tab… (Gatehouse publishes it when it is opened)')];
  return [el('div', { class: 'msg home', 'data-view-id': home.id }, renderBlocks(home.blocks, { viewId: home.id }))];
}

/** Top-level messages and the person's ephemerals in time order, each thread's replies under its parent. */
function timeline(conversation, ephemerals) {
  if (!conversation.member) return [el('p', { class: 'context' }, `You are not a member of ${conversation.name}.`)];
  const messages = conversation.messages.map((m) => ({ ...m, ephemeral: false }));
  const all = [...messages, ...ephemerals.map((m) => ({ ...m, ephemeral: true }))];
  const parents = new Set(messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts).map((m) => m.ts));
  const isReply = (m) => m.thread_ts && m.thread_ts !== m.ts && parents.has(m.thread_ts);
  const replies = new Map();
  for (const m of all.filter(isReply)) replies.set(m.thread_ts, [...(replies.get(m.thread_ts) ?? []), m]);
  const top = all.filter((m) => !isReply(m)).sort((a, b) => tsOrder(a.ts, b.ts));
  const nodes = [];
  if (top.length === 0) nodes.push(el('p', { class: 'context' }, emptyHint(conversation)));
  for (const m of top) {
    nodes.push(slackMessage(m, false));
    for (const reply of (replies.get(m.ts) ?? []).sort((a, b) => tsOrder(a.ts, b.ts)))
      nodes.push(slackMessage(reply, true));
  }
  return nodes;
}

const emptyHint = (conversation) =>
  conversation.kind === 'im'
    ? 'Nothing here yet. Type /access help, /access request Zoom Pro License because webinars, or /access alone for the form.'
    : `Nothing in ${conversation.name} yet: new requests are posted here for their approvers.`;

function slackMessage(m, reply) {
  const classes = ['msg', reply ? 'thread' : '', m.ephemeral ? 'ephemeral' : ''].filter(Boolean).join(' ');
  return el(
    'div',
    { class: classes, 'data-ts': m.ts },
    el('div', { class: 'who' }, m.ephemeral || m.bot_id ? 'Gatehouse' : m.user),
    m.ephemeral ? el('div', { class: 'only-you' }, 'Only visible to you') : null,
    m.blocks?.length ? renderBlocks(m.blocks, { channel: m.channel, ts: m.ts }, m.inputs) : rich(m.text),
  );
}

function renderModal(modal) {
  const host = $('slack-modal');
  if (!modal) {
    state.modalDraft = {};
    state.modalDrawn = null;
    host.replaceChildren();
    return;
  }
  if (state.modalId !== modal.id) state.modalDraft = {};
  // The same view as drawn: keep it, with what is being typed and where the cursor is.
  const drawn = JSON.stringify([modal.id, modal.blocks, modal.view.title, modal.view.submit]);
  if (state.modalDrawn === drawn && host.firstChild) return;
  state.modalDrawn = drawn;
  state.modalId = modal.id;
  const where = { viewId: modal.id };
  const submit = async () => {
    const values = {};
    const current = new Set(modal.blocks.map((block) => block.block_id));
    for (const [blockId, value] of Object.entries(state.modalDraft)) {
      if (current.has(blockId) && value !== '' && value !== undefined) values[blockId] = value;
    }
    await act('slack', () => api('/playground/slack/submit', { user: state.slackUser, viewId: modal.id, values }));
  };
  const close = () => act('slack', () => api('/playground/slack/close', { user: state.slackUser, viewId: modal.id }));
  host.replaceChildren(
    el(
      'div',
      { class: 'modal', role: 'dialog' },
      el('div', { class: 'title' }, plain(modal.view.title)),
      el('div', { class: 'body' }, renderBlocks(modal.blocks, where)),
      el(
        'div',
        { class: 'foot' },
        el('button', { onclick: close }, plain(modal.view.close) || 'Close'),
        modal.view.submit ? el('button', { class: 'primary', onclick: submit }, plain(modal.view.submit)) : null,
      ),
    ),
  );
}
