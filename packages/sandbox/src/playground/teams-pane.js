// The Teams pane: the 1:1 chat with Gatehouse, and the approvals channel of the Acme team with each
// post's replies under it, as Teams shows them; Adaptive Cards drawn by Microsoft's own library.
import { registerChoiceSet, withCard } from './choice-set.js';
import { $, act, api, atBottom, el, state } from './common.js';

/** The Markdown subset Teams renders, escaped first; backslash escapes keep what people typed literal. */
export function teamsMarkdown(text) {
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
registerChoiceSet(AdaptiveCards);

let drawnFor = '';

export function renderTeams(teams) {
  renderTabs(teams.channel);
  const feed = $('teams-feed');
  const freshView = drawnFor !== `${state.teamsUser}|${state.teamsView}`;
  const stick = freshView || atBottom(feed);
  $('teams-compose').hidden = state.teamsView !== 'chat';
  feed.replaceChildren(...(state.teamsView === 'chat' ? chat(teams) : channel(teams.channel)));
  if (stick) feed.scrollTop = feed.scrollHeight;
  drawnFor = `${state.teamsUser}|${state.teamsView}`;
}

function renderTabs(channel) {
  const tab = (view, label) =>
    el(
      'button',
      {
        type: 'button',
        role: 'tab',
        class: 'tab-button',
        'data-view': view,
        'aria-selected': String(state.teamsView === view),
        onclick: () => {
          state.teamsView = view;
          act('teams', async () => ({}));
        },
      },
      label,
    );
  $('teams-tabs').replaceChildren(tab('chat', 'Chat with Gatehouse'), tab('channel', `Acme › ${channel.name}`));
}

function chat(teams) {
  const parts = [];
  for (const activity of teams.messages) {
    if (!activity.card && !activity.text) continue;
    parts.push(post(activity, teams.chat));
  }
  if (parts.length === 0)
    parts.push(
      el('p', { class: 'context' }, 'Say “help”, “request Figma Editor for 4 hours”, or “request” for the form.'),
    );
  return parts;
}

/** A channel's posts, each followed by its replies (a thread), as Teams lays out a channel. */
function channel(channel) {
  if (!channel.member) return [el('p', { class: 'context' }, `You are not in the team that holds ${channel.name}.`)];
  // A reply whose post is older than those shown (a reminder in an old thread) still shows, as a post.
  const shownIds = new Set(channel.messages.map((m) => m.id));
  const roots = channel.messages.filter((m) => !m.replyToId || !shownIds.has(m.replyToId));
  const parts = [];
  for (const root of roots) {
    parts.push(post(root, channel.id));
    for (const reply of channel.messages.filter((m) => m.replyToId === root.id && m.id !== root.id))
      parts.push(post(reply, channel.id, true));
  }
  if (parts.length === 0)
    parts.push(
      el(
        'p',
        { class: 'context' },
        `Nothing in ${channel.name} yet: new requests are posted here for their approvers.`,
      ),
    );
  return parts;
}

function post(activity, conversationId, reply = false) {
  const mine = activity.from?.id === state.teamsUser;
  const node = el(
    'div',
    { class: `msg${reply ? ' thread' : ''}`, 'data-activity': activity.id },
    el('div', { class: 'who' }, mine ? 'You' : (activity.from?.name ?? 'Gatehouse')),
  );
  if (activity.card) {
    node.append(cachedCard(activity.card, conversationId, activity.id));
    refreshOnShow(activity, conversationId);
  }
  if (activity.text) {
    const text = el('div', { class: 'teams-text' });
    text.innerHTML = teamsMarkdown(activity.text);
    node.append(text);
  }
  return node;
}

/**
 * Teams runs a card's refresh action when it shows the card to someone in `refresh.userIds` (each
 * time the card was updated since): that is how an approver sees buttons others do not.
 */
const refreshed = new Set();
function refreshOnShow(activity, conversationId) {
  const userIds = activity.card?.refresh?.userIds;
  if (!Array.isArray(userIds) || !userIds.includes(state.teamsUser)) return;
  const key = `${state.teamsUser}|${conversationId}|${activity.id}|${activity.version ?? 0}`;
  if (refreshed.has(key)) return;
  refreshed.add(key);
  const body = { user: state.teamsUser, conversationId, activityId: activity.id };
  queueMicrotask(() => act('teams', () => api('/playground/teams/refresh', body)));
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

/**
 * Each Action.Execute is remembered as the card defines it, so a press says which one it was (a
 * list has an Approve per item, with the same verb and different data); the library is given an id
 * for those without one, to tell them apart.
 */
function executesOf(json) {
  const found = new Map();
  const visit = (node) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    if (node.type === 'Action.Execute') {
      const own = typeof node.id === 'string' && node.id !== '';
      if (!own) node.id = `pg-execute-${found.size}`;
      found.set(node.id, { own, verb: node.verb, data: node.data });
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(json);
  return found;
}

function renderCard(original, conversationId, activityId) {
  const json = structuredClone(original);
  const executes = executesOf(json);
  const where = { conversationId, activityId };
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
    const pressed = executes.get(action.id) ?? { own: false, verb: action.verb, data: undefined };
    act('teams', () =>
      api('/playground/teams/execute', {
        user: state.teamsUser,
        ...where,
        ...(pressed.own ? { actionId: action.id } : {}),
        verb: pressed.verb ?? action.verb,
        data: pressed.data ?? null,
        inputs,
      }),
    );
  };
  try {
    const rendered = withCard(where, () => {
      card.parse(json);
      return card.render();
    });
    return el('div', { class: 'card' }, rendered);
  } catch (error) {
    return el('div', { class: 'context' }, `This card could not be shown: ${error}`);
  }
}
