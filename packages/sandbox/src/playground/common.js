// What every part of the playground page shares: the chosen people, calls to the playground's own
// routes, building DOM nodes, and the notice bar each pane shows its problems in.
export const $ = (id) => document.getElementById(id);

export const state = {
  slackUser: '',
  teamsUser: '',
  people: null,
  /** Which Slack conversation is shown: a channel id, or 'home' for App Home. */
  slackView: '',
  /** 'chat' (the 1:1 chat with Gatehouse) or 'channel' (the approvals channel). */
  teamsView: 'chat',
  modalDraft: {},
};

export async function api(path, body) {
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

export function el(tag, attrs = {}, ...children) {
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

/** A line above the pane's composer: where a problem with what the person just did is seen, not in an alert. */
export function notify(pane, lines) {
  const host = $(`${pane}-notice`);
  if (!host) return;
  if (!lines?.length) {
    host.replaceChildren();
    host.hidden = true;
    return;
  }
  host.hidden = false;
  host.replaceChildren(
    el('span', {}, lines.join('\n')),
    el('button', { type: 'button', 'aria-label': 'Dismiss', onclick: () => notify(pane, []) }, '×'),
  );
}

let refresher = async () => {};
export const setRefresher = (refresh) => {
  refresher = refresh;
};

/** Does what the person asked, says in their pane what could not be done, then shows the new state. */
export async function act(pane, work) {
  const answer = await work();
  const lines = [...(answer?.notSent ?? []), ...(answer?.message ? [answer.message] : [])];
  notify(pane, lines);
  await refresher();
  return answer;
}

/** Slack's `ts` strings in order ("1700000000.000100"): compared as numbers they lose their last digits. */
export function tsOrder(a, b) {
  const [ai = '0', af = ''] = String(a).split('.');
  const [bi = '0', bf = ''] = String(b).split('.');
  return Number(ai) - Number(bi) || af.padEnd(6, '0').localeCompare(bf.padEnd(6, '0'));
}

/** Keeps a scrolled list at its newest entry when it was there already (as chat clients do). */
export function atBottom(node) {
  return node.scrollHeight - node.scrollTop - node.clientHeight < 40;
}
