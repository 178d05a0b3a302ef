// The playground page: renders what the Slack and Teams stand-ins hold for the chosen people, and
// sends what they do to the stand-ins, which deliver it to Gatehouse as the real platforms would.
const $ = (id) => document.getElementById(id);
const state = { slackUser: '', teamsUser: '', people: null, last: null, modalDraft: {} };

async function api(path, body) {
  const response = await fetch(path, {
    method: body ? 'POST' : 'GET',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok)
    return { notSent: [answer.message ?? `The playground could not do that (HTTP ${response.status}).`] };
  return answer;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false)
      node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// ── Slack mrkdwn ─────────────────────────────────────────────────────────────────────────────────
// Slack's own control sequences are the raw `<…>` tokens; what people typed arrives entity-escaped
// (&lt; &gt; &amp;), so it can never form one. Tokens are read from the raw text first, everything
// else is decoded, then escaped for HTML, then formatted.
const html = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const decode = (text) => String(text).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function formatted(text) {
  return html(decode(text))
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/^&gt;(.*)$/gm, '<blockquote>$1</blockquote>')
    .replace(/:([a-z_]+):/g, (_m, name) => (Object.hasOwn(EMOJI, name) ? EMOJI[name] : `:${name}:`))
    .replace(/\n/g, '<br>');
}

function token(inner) {
  const date = /^!date\^\d+\^[^|]*\|(.*)$/.exec(inner);
  if (date) return html(decode(date[1]));
  const link = /^(https?:\/\/[^|\s]+)(?:\|(.*))?$/.exec(inner);
  if (link)
    return `<a href="${html(decode(link[1]))}" target="_blank" rel="noopener">${html(decode(link[2] ?? link[1]))}</a>`;
  const mention = /^@(U\w+)$/.exec(inner);
  if (mention) return `@${html(mention[1])}`;
  return html(`<${decode(inner)}>`);
}

function mrkdwn(text) {
  const raw = String(text ?? '');
  let out = '';
  let last = 0;
  for (const match of raw.matchAll(/<([^<>]*)>/g)) {
    out += formatted(raw.slice(last, match.index));
    out += token(match[1]);
    last = (match.index ?? 0) + match[0].length;
  }
  return out + formatted(raw.slice(last));
}
const EMOJI = {
  white_check_mark: '✅',
  x: '❌',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  lock: '🔒',
  unlock: '🔓',
  speech_balloon: '💬',
  alarm_clock: '⏰',
  rotating_light: '🚨',
  warning: '⚠️',
  wave: '👋',
};

function rich(text) {
  const span = el('span');
  span.innerHTML = mrkdwn(text);
  return span;
}

function plain(text) {
  return typeof text === 'string' ? text : (text?.text ?? '');
}

function renderBlocks(blocks, where) {
  return (blocks ?? []).map((block) => {
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
          (block.elements ?? []).map((e) => renderAction(e, where)),
        );
      case 'input':
        return renderInput(block, where);
      default:
        return null;
    }
  });
}

function renderAction(element, where) {
  if (element.type !== 'button') return null;
  if (element.url)
    return el('a', { href: element.url, target: '_blank', rel: 'noopener' }, el('button', {}, plain(element.text)));
  return el(
    'button',
    {
      class: element.style ?? '',
      'data-action': element.action_id,
      onclick: () =>
        act(() =>
          api('/playground/slack/click', {
            user: state.slackUser,
            ...where,
            actionId: element.action_id,
            value: element.value,
          }),
        ),
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
      if (block.dispatch_action) select(where, element, control.value);
    });
  } else if (element.type === 'external_select') {
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
      (element.initial_option
        ? { text: plain(element.initial_option.text), value: element.initial_option.value }
        : null);
    if (chosen) input.value = chosen.text;
    let asked = 0;
    const search = async () => {
      const known = [...list.options].find((o) => o.value === input.value);
      if (known) {
        draft[block.block_id] = { text: known.value, value: known.dataset.value };
        if (block.dispatch_action) select(where, element, known.dataset.value);
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
    };
    input.addEventListener('input', search);
    if ((element.min_query_length ?? 3) === 0) input.addEventListener('focus', search, { once: true });
    control = el('div', {}, input, list);
  } else {
    control = el('div', { class: 'context' }, `(${element.type} is not shown in the playground)`);
  }
  return el('div', {}, el('label', { for: id }, plain(block.label)), control);
}

/** A choice in a select whose block dispatches its actions: Slack sends block_actions at once. */
function select(where, element, selected) {
  act(() => api('/playground/slack/click', { user: state.slackUser, ...where, actionId: element.action_id, selected }));
}

function renderSlack(slack) {
  const feed = $('slack-feed');
  const parts = [];
  if (slack.ephemerals.length) {
    parts.push(el('div', { class: 'tab' }, 'Only visible to you'));
    for (const m of slack.ephemerals)
      parts.push(
        el(
          'div',
          { class: 'msg ephemeral' },
          renderBlocks(m.blocks, { channel: m.channel, ts: m.ts }),
          m.blocks ? null : rich(m.text),
        ),
      );
  }
  parts.push(el('div', { class: 'tab' }, 'Direct messages with Gatehouse'));
  parts.push(...slack.dm.map(slackMessage));
  parts.push(el('div', { class: 'tab' }, '#access-approvals'));
  parts.push(...slack.approvals.map(slackMessage));
  feed.replaceChildren(...parts);
  renderModal(slack.modal);
}

function slackMessage(m) {
  return el(
    'div',
    { class: `msg${m.thread_ts && m.thread_ts !== m.ts ? ' thread' : ''}`, 'data-ts': m.ts },
    el('div', { class: 'who' }, m.bot_id ? 'Gatehouse' : m.user),
    m.blocks?.length ? renderBlocks(m.blocks, { channel: m.channel, ts: m.ts }) : rich(m.text),
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
    await act(() => api('/playground/slack/submit', { user: state.slackUser, viewId: modal.id, values }));
  };
  host.replaceChildren(
    el(
      'div',
      { class: 'modal', role: 'dialog' },
      el('div', { class: 'title' }, plain(modal.view.title)),
      el('div', { class: 'body' }, renderBlocks(modal.blocks, where)),
      el(
        'div',
        { class: 'foot' },
        el(
          'button',
          { onclick: () => act(() => api('/playground/slack/close', { user: state.slackUser, viewId: modal.id })) },
          plain(modal.view.close) || 'Close',
        ),
        modal.view.submit ? el('button', { class: 'primary', onclick: submit }, plain(modal.view.submit)) : null,
      ),
    ),
  );
}

// ── Teams: Adaptive Cards rendered by Microsoft's own library ─────────────────────────────────────
/** The Markdown subset Teams renders, escaped first; backslash escapes keep what people typed literal. */
function teamsMarkdown(text) {
  const keep = [];
  const escaped = String(text ?? '')
    .replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, (_m, c) => `\uE000${keep.push(c) - 1}\uE001`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  const html = escaped
    .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
    .replace(/(^|\s)_([^_]+)_/g, '$1<i>$2</i>')
    .replace(/\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g, '<a href="$2" target="_blank" rel="noopener">$1</a>')
    .replace(/^- (.*)$/gm, '• $1')
    .replace(/^&gt; ?(.*)$/gm, '<blockquote>$1</blockquote>')
    .replace(/\n/g, '<br>');
  return html.replace(/\uE000(\d+)\uE001/g, (_m, i) => {
    const c = keep[Number(i)];
    return c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c;
  });
}
AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = teamsMarkdown(text);
  result.didProcess = true;
};

function renderTeams(teams) {
  const feed = $('teams-feed');
  const parts = [el('div', { class: 'tab' }, 'Chat with Gatehouse')];
  for (const activity of teams.messages) {
    if (!activity.card && !activity.text) continue;
    const mine = activity.from?.id === state.teamsUser;
    const node = el(
      'div',
      { class: 'msg', 'data-activity': activity.id },
      el('div', { class: 'who' }, mine ? 'You' : 'Gatehouse'),
    );
    if (activity.card) node.append(cachedCard(activity.card, teams.chat, activity.id));
    if (activity.text) {
      const text = el('div', { class: 'teams-text' });
      text.innerHTML = teamsMarkdown(activity.text);
      node.append(text);
    }
    parts.push(node);
  }
  feed.replaceChildren(...parts);
}

/** A card already drawn with the same JSON keeps its DOM: an opened Reject and its typed reason stay. */
const drawnCards = new Map();
function cachedCard(json, conversationId, activityId) {
  const key = `${state.teamsUser}|${conversationId}|${activityId}`;
  const text = JSON.stringify(json);
  const known = drawnCards.get(key);
  if (known && known.text === text) return known.node;
  const node = renderCard(json, conversationId, activityId);
  drawnCards.set(key, { text, node });
  return node;
}

function renderCard(json, conversationId, activityId) {
  const card = new AdaptiveCards.AdaptiveCard();
  card.hostConfig = new AdaptiveCards.HostConfig({ fontFamily: 'Segoe UI, Helvetica Neue, sans-serif' });
  card.onExecuteAction = (action) => {
    if (action.getJsonTypeName() === 'Action.OpenUrl') {
      if (/^https?:\/\//.test(action.url ?? '')) window.open(action.url, '_blank', 'noopener');
      return;
    }
    // Only the inputs this action gathers (an opened Reject does not send its reason with Approve).
    const inputs = {};
    for (const input of Object.values(action.getReferencedInputs?.() ?? {})) {
      if (input.value !== undefined) inputs[input.id] = String(input.value);
    }
    act(() =>
      api('/playground/teams/execute', {
        user: state.teamsUser,
        conversationId,
        activityId,
        verb: action.verb,
        inputs,
      }),
    );
  };
  try {
    card.parse(json);
    const rendered = card.render();
    return el('div', { class: 'card' }, rendered);
  } catch (error) {
    return el('div', { class: 'context' }, `This card could not be shown: ${error}`);
  }
}

// ── The governance portal ────────────────────────────────────────────────────────────────────────
function renderPortal(requests) {
  const rows = requests.map((r) =>
    el(
      'tr',
      { 'data-request': r.id },
      el(
        'td',
        {},
        el('div', {}, r.entry),
        el('div', { class: 'context' }, `for ${r.for}`),
        el('div', { class: 'context' }, r.id),
      ),
      el(
        'td',
        {},
        el('div', { class: 'status' }, r.status),
        r.grant ? el('div', { class: 'context' }, `grant: ${r.grant}`) : null,
      ),
      el(
        'td',
        {},
        r.steps.map((s) =>
          el('div', { class: 'context' }, `${s.label}: ${s.value ?? s.status} (${s.assignees.join(', ')})`),
        ),
        (r.history ?? []).map((note) => el('div', { class: 'context' }, `“${note}”`)),
      ),
      el(
        'td',
        {},
        ['PENDING', 'in-progress'].includes(r.status)
          ? [
              el(
                'button',
                {
                  onclick: () => act(() => api('/playground/portal/decide', { requestId: r.id, decision: 'approve' })),
                },
                'Approve',
              ),
              el(
                'button',
                { onclick: () => act(() => api('/playground/portal/decide', { requestId: r.id, decision: 'reject' })) },
                'Reject',
              ),
              el(
                'button',
                { onclick: () => act(() => api('/playground/portal/expire', { requestId: r.id })) },
                'Expire',
              ),
            ]
          : null,
      ),
    ),
  );
  $('portal-feed').replaceChildren(
    requests.length
      ? el(
          'table',
          {},
          el('tr', {}, el('th', {}, 'Request'), el('th', {}, 'Status'), el('th', {}, 'Steps'), el('th', {})),
          rows,
        )
      : el('p', { class: 'context' }, 'No requests yet. Ask for something in Slack or Teams.'),
  );
}

// ── Wiring ───────────────────────────────────────────────────────────────────────────────────────
async function act(work) {
  const answer = await work();
  if (answer?.notSent?.length) alert(answer.notSent.join('\n'));
  await refresh();
}

let refreshing = null;
async function refresh() {
  refreshing ??= (async () => {
    const data = await api(
      `/playground/state?slack=${encodeURIComponent(state.slackUser)}&teams=${encodeURIComponent(state.teamsUser)}`,
    );
    const seen = JSON.stringify([state.slackUser, state.teamsUser, data]);
    if (seen === state.last) return;
    state.last = seen;
    renderSlack(data.slack);
    renderTeams(data.teams);
    renderPortal(data.governance);
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function start() {
  const people = await api('/playground/people');
  $('portal-title').textContent =
    people.provider === 'okta' ? 'Okta Identity Governance (emulated)' : 'PingOne AIC IGA (emulated)';
  const fill = (select, list, chosen) => {
    select.replaceChildren(
      ...list.map((p) => el('option', { value: p.id }, p.title ? `${p.name} — ${p.title}` : p.name)),
    );
    select.value = chosen;
  };
  const params = new URLSearchParams(location.search);
  state.slackUser = params.get('slack') ?? people.slack[0]?.id;
  state.teamsUser = params.get('teams') ?? people.teams[1]?.id;
  fill($('slack-user'), people.slack, state.slackUser);
  fill($('teams-user'), people.teams, state.teamsUser);
  $('slack-user').addEventListener('change', (e) => {
    state.slackUser = e.target.value;
    refresh();
  });
  $('teams-user').addEventListener('change', async (e) => {
    state.teamsUser = e.target.value;
    await api('/playground/teams/install', { user: state.teamsUser });
    refresh();
  });
  const sendSlack = () => {
    const text = $('slack-command').value.trim();
    if (!text) return;
    $('slack-command').value = '';
    act(() => api('/playground/slack/command', { user: state.slackUser, text }));
  };
  $('slack-send').addEventListener('click', sendSlack);
  $('slack-command').addEventListener('keydown', (e) => e.key === 'Enter' && sendSlack());
  const sendTeams = () => {
    const text = $('teams-say').value.trim();
    if (!text) return;
    $('teams-say').value = '';
    act(() => api('/playground/teams/say', { user: state.teamsUser, text }));
  };
  $('teams-send').addEventListener('click', sendTeams);
  $('teams-say').addEventListener('keydown', (e) => e.key === 'Enter' && sendTeams());
  new EventSource('/playground/events').addEventListener('change', () => refresh());
  await api('/playground/teams/install', { user: state.teamsUser });
  await refresh();
  document.body.dataset.ready = '1';
}

start();
