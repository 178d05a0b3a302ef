// The playground page: renders what the Slack and Teams stand-ins hold for the chosen people, and
// sends what they do to the stand-ins, which deliver it to Gatehouse as the real platforms would.
import { $, act, api, el, setRefresher, state } from './common.js';
import { portalKey, renderPortal } from './portal.js';
import { renderSlack } from './slack-pane.js';
import { renderTeams } from './teams-pane.js';
import { renderTryThis } from './try-this.js';

/** What each pane last drew from: a pane is redrawn only when what it shows changed. */
const drawn = { slack: '', teams: '', governance: '' };
const views = () => JSON.stringify([state.slackUser, state.teamsUser, state.slackView, state.teamsView]);

let refreshing = null;
let again = false;
async function refresh() {
  if (refreshing) {
    // A change during a read: read once more after it, or the page would miss it.
    again = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      again = false;
      const data = await api(
        `/playground/state?slack=${encodeURIComponent(state.slackUser)}&teams=${encodeURIComponent(state.teamsUser)}`,
      );
      const key = views();
      const parts = {
        slack: [key, data.slack],
        teams: [key, data.teams],
        governance: [data.governance, portalKey()],
      };
      const draw = { slack: renderSlack, teams: renderTeams, governance: renderPortal };
      for (const [name, value] of Object.entries(parts)) {
        const seen = JSON.stringify(value);
        if (seen === drawn[name]) continue;
        drawn[name] = seen;
        draw[name](name === 'governance' ? data.governance : data[name]);
      }
    } while (again);
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}
setRefresher(refresh);

async function start() {
  const people = await api('/playground/people');
  state.people = people;
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
  renderTryThis();
  $('slack-user').addEventListener('change', (e) => {
    state.slackUser = e.target.value;
    if (state.slackView !== 'home') state.slackView = '';
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
    // A command runs in the conversation it was typed in; its answers appear there.
    const channel = state.slackView.startsWith('C') ? { channel: state.slackView } : {};
    act('slack', () => api('/playground/slack/command', { user: state.slackUser, text, ...channel }));
  };
  $('slack-send').addEventListener('click', sendSlack);
  $('slack-command').addEventListener('keydown', (e) => e.key === 'Enter' && sendSlack());
  const sendTeams = () => {
    const text = $('teams-say').value.trim();
    if (!text) return;
    $('teams-say').value = '';
    act('teams', () => api('/playground/teams/say', { user: state.teamsUser, text }));
  };
  $('teams-send').addEventListener('click', sendTeams);
  $('teams-say').addEventListener('keydown', (e) => e.key === 'Enter' && sendTeams());
  new EventSource('/playground/events').addEventListener('change', () => refresh());
  await api('/playground/teams/install', { user: state.teamsUser });
  await refresh();
  document.body.dataset.ready = '1';
}

start();
