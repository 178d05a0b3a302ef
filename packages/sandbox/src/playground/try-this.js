// "Try this": each thing a requester and an approver can do without leaving chat (issue 21), as the
// steps that show it. A step puts its command in the Slack or Teams composer for the person chosen
// there (nothing is sent until they press Send), or switches both panes to the person a step needs.
import { $, act, el, state } from './common.js';

/** A week from today, as the date people type after "until". */
const nextWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

/** Someone other than the person chosen, to delegate to: Carol, or Dana for Carol herself. */
function someoneElse(list, me) {
  const carol = list.find((person) => person.name.startsWith('Carol'));
  const dana = list.find((person) => person.name.startsWith('Dana'));
  return carol && carol.id !== me ? carol : dana;
}

/**
 * Steps: `say` is the command, the same words on both platforms (Slack adds `/access`); a function
 * gets the platform ('slack' or 'teams') and builds it for the person chosen there. `be` switches
 * both panes to that person.
 */
const ITEMS = [
  {
    title: 'Cancel a request',
    how: 'Ask, then withdraw it by app name (or press Cancel request on your own card).',
    steps: [{ say: 'request Figma Editor for 2 days because design review' }, { say: 'cancel Figma' }],
  },
  {
    title: 'What do I have',
    how: 'Alice and Carol hold Slack and Google Workspace from day one; time-bound grants say when they end.',
    steps: [{ be: 'Alice' }, { say: 'my access' }],
  },
  {
    title: 'Status by app name',
    how: 'Where your request for an app stands, without its id.',
    steps: [{ say: 'status Figma' }],
  },
  {
    title: 'Already have it',
    how: 'Google Workspace Standard is granted at once, with no approval: ask twice, and the second time you are told you hold it, not given a second request.',
    steps: [
      { say: 'request Google Workspace Standard because mail' },
      { say: 'request Google Workspace Standard because mail' },
    ],
  },
  {
    title: 'The form, prefilled',
    how: 'A request missing the reason it needs opens the form with what you typed.',
    steps: [{ say: 'request Salesforce Admin' }],
  },
  {
    title: 'Words after “for” stay the reason',
    how: '“for webinar prep” is no duration: it is kept as the reason.',
    steps: [{ say: 'request Zoom Pro License for webinar prep' }],
  },
  {
    title: 'Extend before it ends',
    how: 'Ask for an hour, let Bob (Alice’s manager) approve: the “ends soon” notice has an Extend button, and my access says when it ends.',
    steps: [
      { be: 'Alice' },
      { say: 'request Figma Editor for 1 hour because review' },
      { be: 'Bob' },
      { be: 'Alice' },
      { say: 'my access' },
    ],
  },
  {
    title: 'Who asks, since when, and the risk',
    how: 'Alice asks; Bob’s card says her title, department and manager, how long it has waited, and the backend’s separation-of-duties warnings.',
    steps: [{ be: 'Alice' }, { say: 'request Salesforce Sales User because new territory' }, { be: 'Bob' }],
  },
  {
    title: 'Reminders that act',
    how: 'Leave a request undecided: after the reminder interval its card comes again, buttons and all, in the thread of the original.',
    steps: [{ be: 'Alice' }, { say: 'request Jira Software User because sprint planning' }, { be: 'Bob' }],
  },
  {
    title: 'Forward one approval',
    how: 'As the approver, press Forward on the card and pick someone: a people menu in Slack, the directory’s people picker in Teams.',
    steps: [{ be: 'Alice' }, { say: 'request Salesforce Sales User because forecast' }, { be: 'Bob' }],
  },
  {
    title: 'A delegate while away',
    how: 'Someone decides your approvals until a date; “delegate” alone says who, “delegate off” ends it.',
    steps: [
      { be: 'Bob' },
      {
        say: (platform) => {
          const list = platform === 'slack' ? state.people.slack : state.people.teams;
          const me = platform === 'slack' ? state.slackUser : state.teamsUser;
          const other = someoneElse(list, me);
          // Slack: `@handle`, as the composer's autocomplete puts it. Teams offers no one outside a
          // 1:1 chat to @mention there, so the person is named by e-mail.
          const who = platform === 'slack' ? `@${other?.handle ?? 'carol'}` : (other?.email ?? 'carol@acme.example');
          return `delegate ${who} until ${nextWeek()}`;
        },
      },
      { say: 'delegate' },
      { say: 'delegate off' },
    ],
  },
  {
    title: 'Several at once',
    how: 'After Alice asked for two or three things, Bob ticks them in his pending list and approves or rejects them together.',
    steps: [
      { be: 'Alice' },
      { say: 'request Jira Software User because sprint' },
      { say: 'request GitHub Member because code review' },
      { be: 'Bob' },
      { say: 'pending' },
    ],
  },
];

/** Puts a command in a pane's composer, on the conversation it answers in. */
function compose(platform, text) {
  if (platform === 'slack') {
    const dm = `D${state.slackUser.slice(1)}`;
    if (state.slackView !== dm) {
      state.slackView = dm;
      act('slack', async () => ({}));
    }
    $('slack-command').value = `/access ${text}`;
    $('slack-command').focus();
    return;
  }
  if (state.teamsView !== 'chat') {
    state.teamsView = 'chat';
    act('teams', async () => ({}));
  }
  $('teams-say').value = text;
  $('teams-say').focus();
}

/** Both panes become this person, as choosing them in each "You are" menu does. */
function be(name) {
  for (const [select, list] of [
    [$('slack-user'), state.people.slack],
    [$('teams-user'), state.people.teams],
  ]) {
    const person = list.find((candidate) => candidate.name.startsWith(name));
    if (!person || select.value === person.id) continue;
    select.value = person.id;
    select.dispatchEvent(new Event('change'));
  }
}

function step(item) {
  if (item.be) return [el('button', { type: 'button', onclick: () => be(item.be) }, `be ${item.be}`)];
  const text = (platform) => (typeof item.say === 'function' ? item.say(platform) : item.say);
  const label = typeof item.say === 'function' ? text('slack').replace(/ @\S+/, ' @…') : item.say;
  return [
    el('button', { type: 'button', class: 'slack', onclick: () => compose('slack', text('slack')) }, `Slack: ${label}`),
    el('button', { type: 'button', class: 'teams', onclick: () => compose('teams', text('teams')) }, 'Teams'),
  ];
}

export function renderTryThis() {
  $('try-list').replaceChildren(
    ...ITEMS.map((item) =>
      el(
        'div',
        { class: 'try-item' },
        el('b', {}, item.title),
        el('span', { class: 'try-how' }, item.how),
        el('div', { class: 'try-steps' }, item.steps.flatMap(step)),
      ),
    ),
  );
}
