import { createOktaOrg, type OktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { type DriverResponse, type Json, SLACK_SEED } from '@gatehouse/sandbox/slack';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, S, type SlackWorld, startSlackWorld } from '../support/slack-world.js';
import { startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';

/**
 * Issue 9, injection: text people type, and names the governance system holds, reach chat inert
 * on both platforms, and still readable. Each carrier (a justification, a comment, a rejection
 * reason, an app name, a display name, a typed command echoed back) goes in through the real
 * surface, and then everything Gatehouse sent is read, not just the card the carrier was aimed at.
 *
 * The rules tested, from /work/shared/reference/platform-facts.md (A5, B2) and Microsoft's "Format
 * cards in Teams" and "Format your bot messages" pages:
 *
 * Slack. `&`, `<` and `>` are mrkdwn's only control characters, and every control sequence is
 * `<…>` (`<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`, `<#C…>`, `<!subteam^…>`, `<url|label>`).
 * So in every mrkdwn text (text objects, and a message's top-level `text`, which notifications
 * show) no `<` may remain except in Gatehouse's own date and portal-link tokens, no `>` but
 * Gatehouse's own quote marker at a line's start, and every `&` starts an entity. mrkdwn objects are `verbatim`, so Slack auto-links nothing in them; user
 * text never goes into `markdown` or rich-text blocks (where `[label](url)` and mention elements
 * are live); no `url` points where a person typed; no `link_names`/`parse: full`. plain_text is
 * never parsed, so it stays plain_text with the text as typed.
 *
 * Teams. TextBlock text, Fact titles and values, and text messages are Markdown (a CommonMark
 * subset: `**bold**`, `_italic_`, lists, `[label](url)`, bare addresses auto-linked); text
 * messages also take a subset of HTML; a mention is `<at>…</at>` plus a mention entity; TextBlocks
 * evaluate `{{DATE(…)}}` and `{{TIME(…)}}`; `${…}` is evaluated only by a templating SDK, on a
 * card with `$data`. So user text reaches Markdown only backslash-escaped (CommonMark lets any
 * ASCII punctuation be escaped), with bare addresses and `{{` broken by a word joiner; no `<` is
 * left for HTML, autolinks or `<at>`; no mention entities; no `$data`/`$when` bindings; user text
 * is a JSON string value, so it cannot add an element or an action (no `url` points at it).
 */

const HOSTILE = [
  '<!channel> <!here> <!everyone> <@U0HENRY> <#C0GENERAL> <!subteam^S0ADMINS|@admins>',
  '<https://evil.example/login|Approve here> [Approve here](https://evil.example/md)',
  '**loud** _slanted_ ~struck~ <at>Henry Adams</at> https://evil.example/bare www.evil.example',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template expression typed by a person, kept literal
  '${process.env.SECRET} {{DATE(2030-01-01T00:00:00Z, SHORT)}} Tom & Jerry &amp;',
  '"}]},{"type":"Action.OpenUrl","title":"Approve","url":"https://evil.example/card"}',
].join(' ');
/** Several lines, as only a form can carry them: line-start Markdown with user text after it. */
const MULTILINE = [
  'Quarter-end close <!channel>',
  '- listed item',
  '1. listed one',
  '# listed heading',
  '> listed quote',
  '+ listed plus',
  'due {{{DATE(2030-01-01T00:00:00Z, SHORT)}}}',
  '<@U0HENRY> [click](https://evil.example/ml) **loud**',
].join('\n');
const COMMENT = `Which accounts? ${HOSTILE}`;
const REASON = `Not this quarter. ${HOSTILE}`;

/** Names as an administrator (or an attacker with a profile) could set them in the governance system. */
const ALICE_NAME =
  'Alice <!channel> <@U0HENRY> [Alice](https://evil.example/a) **loud** <at>Alice</at> {{TIME(2030-01-01T00:00:00Z)}}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: a template expression in a name, kept literal
const DANA_NAME = 'Dana <!here> <https://evil.example/d|Dana> _slanted_ www.evil.example ${name}';
const ENTRY_NAME = 'Zoom — Pro License <!everyone> <#C0GENERAL> [Pro](https://evil.example/z) **loud** <at>Zoom</at>';

/** Short enough that no echo of it is cut; no spaces, so `status` takes it as one id. */
const ECHO = '<!channel> <@U0HENRY> <https://evil.example/e|Approve> [click](https://evil.example/f) **loud**';
const ECHO_ID = '<!here><@U0HENRY><https://evil.example/s|Approve>[click](https://evil.example/t)**loud**';
const ECHO_DURATION = '3 <!channel> [x](https://evil.example/g)';

const EVIL = /evil\.example/i;
/** Markers placed inside user-typed emphasis and line-start markup. */
const EMPHASISED = /[*_~]+(?:loud|slanted|struck)|(?:loud|slanted|struck)[*_~]+/;
const LINE_START = /^\s*(?:[-+*#>]|\d+\.)\s*listed/m;

const APPROVALS_SLACK = SLACK_SEED.channels.approvals.id;
const APPROVALS_TEAMS = TEAMS_SEED.channels.approvals.id;
const T = TEAMS_SEED.users;

/** A piece of text a person sees, and how the platform reads it. */
interface Piece {
  where: string;
  kind: 'mrkdwn' | 'fallback' | 'plain' | 'markdown';
  text: string;
  verbatim?: unknown;
  /** In an Adaptive Card, where the client evaluates {{DATE()}} and {{TIME()}}. */
  card?: boolean;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An org whose directory answers with hostile names: its records are live, and read on every call. */
function hostileOrg(): OktaOrg {
  const org = createOktaOrg();
  const rename = (id: string, displayName: string) => {
    const user = org.directory.user(id);
    if (!user) throw new Error(`no user ${id} in the org`);
    user.profile.displayName = displayName;
  };
  rename(SEED.users.alice.id, ALICE_NAME);
  rename(SEED.users.dana.id, DANA_NAME);
  const entry = org.directory.entries().find((candidate) => candidate.id === SEED.entries.zoomPro.id);
  if (!entry) throw new Error('no Zoom Pro entry in the org');
  entry.name = ENTRY_NAME;
  return org;
}

// ── Slack ────────────────────────────────────────────────────────────────────────────────────────

/** Web API methods that put something in front of a person. */
const SLACK_SURFACES = new Set([
  'chat.postMessage',
  'chat.update',
  'chat.postEphemeral',
  'chat.scheduleMessage',
  'views.open',
  'views.update',
  'views.push',
  'views.publish',
]);
/** Arguments @slack/web-api sends JSON-encoded inside a form body. */
const SLACK_JSON_ARGS = new Set(['blocks', 'view', 'attachments']);
/** Block Kit that makes text live: Markdown blocks, and rich-text mentions and links. */
const SLACK_LIVE_TYPES = new Set(['markdown', 'broadcast', 'user', 'usergroup', 'channel', 'link']);
const SLACK_DATE = /<!date\^\d+\^[^|<>]*\|([^<>]*)>/g;

function slackWalk(value: unknown, where: string, pieces: Piece[], problems: string[]): void {
  if (Array.isArray(value)) {
    for (const inner of value) slackWalk(inner, where, pieces, problems);
    return;
  }
  if (!isObject(value)) return;
  const type = value.type;
  if (typeof type === 'string' && SLACK_LIVE_TYPES.has(type))
    problems.push(`${where}: a ${type} element, whose text Slack makes live`);
  if (typeof value.text === 'string' && type !== 'markdown') {
    pieces.push(
      type === 'mrkdwn'
        ? { where, kind: 'mrkdwn', text: value.text, verbatim: value.verbatim }
        : type === 'plain_text'
          ? { where, kind: 'plain', text: value.text }
          : // A message's own `text` is mrkdwn too: it is what notifications and old clients show.
            { where, kind: 'fallback', text: value.text },
    );
  }
  if (value.link_names === true || value.link_names === 'true' || value.link_names === '1')
    problems.push(`${where}: link_names makes @names live`);
  if (value.parse === 'full') problems.push(`${where}: parse=full makes names and channels live`);
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'text' && typeof inner === 'string') continue;
    if (/url$/i.test(key) && typeof inner === 'string' && EVIL.test(inner))
      problems.push(`${where}: ${key} points at ${inner}`);
    let nested = inner;
    if (SLACK_JSON_ARGS.has(key) && typeof inner === 'string') {
      try {
        nested = JSON.parse(inner);
      } catch {
        problems.push(`${where}: ${key} is not JSON`);
      }
    }
    slackWalk(nested, where, pieces, problems);
  }
}

/** Why a piece is not inert in Slack, if it is not. */
function slackProblems(piece: Piece, baseUrl: string): string[] {
  if (piece.kind === 'plain') return [];
  const problems: string[] = [];
  if (piece.kind === 'mrkdwn' && piece.verbatim !== true)
    problems.push(`${piece.where}: mrkdwn without verbatim, which Slack auto-links: ${piece.text.slice(0, 80)}`);
  const ownLink = new RegExp(`<${escapeRegExp(baseUrl)}/[^|<>\\s]*\\|(?:Read the full text|Open the portal)>`, 'g');
  const rest = piece.text.replace(SLACK_DATE, '').replace(ownLink, '');
  // Every control sequence opens with `<`; a raw `>` starting a line is Gatehouse's own quote marker.
  for (const match of rest.matchAll(/<[^<>]{0,60}>?|(?<!^|\n)>/g))
    problems.push(`${piece.where}: a live control sequence ${match[0]}`);
  for (const match of rest.matchAll(/&(?!amp;|lt;|gt;)[^\s]{0,10}/g))
    problems.push(`${piece.where}: an unescaped & in ${match[0]}`);
  return problems;
}

/** What a person reads: Slack decodes exactly &lt; &gt; &amp;, and shows its own tokens as their text. */
function slackReads(pieces: Piece[]): string {
  return pieces
    .filter((piece) => piece.kind !== 'fallback')
    .map((piece) =>
      piece.kind === 'plain'
        ? piece.text
        : piece.text
            .replace(SLACK_DATE, '$1')
            .replace(/<[^|<>]+\|([^<>]*)>/g, '$1')
            .replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>')
            .replace(/&amp;/g, '&'),
    )
    .join('\n');
}

/** What a person reads of one message, ephemeral or view. */
function slackSays(value: unknown): string {
  const pieces: Piece[] = [];
  slackWalk(value, 'message', pieces, []);
  return slackReads(pieces);
}

/** Everything Gatehouse showed anyone in Slack: every Web API call, every ephemeral, every HTTP answer. */
function slackOutput(world: SlackWorld, answers: unknown[]): { pieces: Piece[]; problems: string[] } {
  const pieces: Piece[] = [];
  const problems: string[] = [];
  world.slack.calls.forEach((call, index) => {
    if (!SLACK_SURFACES.has(call.method)) return;
    const { token: _token, ...args } = call.args;
    slackWalk(
      args,
      `${call.method} #${index} (${String(args.channel ?? args.view_id ?? args.user_id ?? '')})`,
      pieces,
      problems,
    );
  });
  for (const user of Object.values(S)) {
    for (const ephemeral of world.slack.ephemeralsFor(user.id))
      slackWalk(ephemeral, `ephemeral to ${user.id} via ${ephemeral.via}`, pieces, problems);
  }
  answers.forEach((answer, index) => {
    slackWalk(answer, `HTTP answer #${index}`, pieces, problems);
  });
  for (const piece of pieces) problems.push(...slackProblems(piece, world.baseUrl));
  return { pieces, problems };
}

/** The whole Slack side of one test: a world, its driver's answers kept, and the sweep. */
function slackScene(world: SlackWorld) {
  const answers: unknown[] = [];
  const kept = (response: DriverResponse) => {
    expect(response.statusCode, JSON.stringify(response.body)).toBe(200);
    expect(response.answerProblems).toEqual([]);
    answers.push(response.body);
    return response;
  };
  const messageSaying = (channel: string, text: string) =>
    eventually(() => world.slack.messagesIn(channel).find((m) => squeeze(slackSays(m)).includes(squeeze(text))));
  /** A command, and its answer: the first one after it that says `answer`. */
  const command = async (userId: string, text: string, answer: string) => {
    const before = world.slack.ephemeralsFor(userId).length;
    kept(await world.driver.command(userId, text));
    return eventually(() =>
      world.slack
        .ephemeralsFor(userId)
        .slice(before)
        .find((m) => squeeze(slackSays(m)).includes(squeeze(answer))),
    );
  };
  const request = (entryId: string) =>
    eventually(() => world.okta.requests.find((candidate) => candidate.requested.entryId === entryId));
  return {
    kept,
    command,
    messageSaying,
    request,
    /** Every problem with everything sent so far; and everything a person could read. */
    sweep: () => {
      const { pieces, problems } = slackOutput(world, answers);
      return { problems, reads: squeeze(slackReads(pieces)) };
    },
  };
}

let slackWorld: SlackWorld | undefined;
let teamsWorld: TeamsWorld | undefined;
afterEach(async () => {
  await slackWorld?.close();
  await teamsWorld?.close();
  slackWorld = undefined;
  teamsWorld = undefined;
});

describe('Slack shows hostile text inert and readable', () => {
  it('a justification, a multi-line justification, a comment and a rejection reason, on every message, modal and Home', async () => {
    const world = await startSlackWorld();
    slackWorld = world;
    const scene = slackScene(world);

    scene.kept(await world.driver.command(S.alice.id, `request Jira Software User because ${HOSTILE}`));
    const jira = await scene.request(SEED.entries.jiraSoftwareUser.id);
    const bobJira = await scene.messageSaying(S.bob.id, jira.id);
    expect(squeeze(slackSays(bobJira))).toContain(squeeze(HOSTILE));

    scene.kept(await world.driver.command(S.alice.id, ''));
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));
    scene.kept(
      await world.driver.submit(S.alice.id, form.id, {
        entry: SEED.entries.salesforceSalesUser.id,
        justification: MULTILINE,
      }),
    );
    const salesforce = await scene.request(SEED.entries.salesforceSalesUser.id);
    const bobCard = await scene.messageSaying(S.bob.id, salesforce.id);
    // Lines stay lines: what Alice typed reads as she typed it.
    expect(slackSays(bobCard)).toContain(MULTILINE);
    await scene.messageSaying(APPROVALS_SLACK, salesforce.id);

    scene.kept(await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'comment'));
    const commentForm = await eventually(() => world.slack.openModalOf(S.bob.id));
    scene.kept(await world.driver.submit(S.bob.id, commentForm.id, { text: COMMENT }));
    await eventually(() =>
      world.slack
        .threadOf(bobCard.channel, bobCard.ts)
        .find((m) => m.ts !== bobCard.ts && squeeze(slackSays(m)).includes(squeeze(COMMENT))),
    );

    scene.kept(await world.driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'reject'));
    const rejectForm = await eventually(() => {
      const modal = world.slack.openModalOf(S.bob.id);
      return modal && modal.id !== commentForm.id ? modal : undefined;
    });
    scene.kept(await world.driver.submit(S.bob.id, rejectForm.id, { text: REASON }));
    await scene.messageSaying(S.alice.id, REASON);
    await eventually(() => world.slack.message(bobCard.channel, bobCard.ts)?.edited);

    scene.kept(await world.driver.openHome(S.alice.id));
    scene.kept(await world.driver.openHome(S.bob.id));
    await eventually(() => squeeze(slackSays(world.slack.homeOf(S.bob.id)?.view)).includes(jira.id));
    await scene.command(S.alice.id, 'mine', 'Your requests');
    await scene.command(S.bob.id, 'pending', 'Waiting for your decision');
    // The card quotes the reason's start; the requester's notice has all of it.
    await scene.command(S.bob.id, `status ${salesforce.id}`, REASON.slice(0, 40));

    const { problems, reads } = scene.sweep();
    expect(problems).toEqual([]);
    for (const text of [HOSTILE, MULTILINE, COMMENT, REASON]) expect(reads).toContain(squeeze(text));
  });

  it('an app name and display names from the governance system, on cards, notices, lists and type-ahead', async () => {
    const world = await startSlackWorld({ org: hostileOrg() });
    slackWorld = world;
    const scene = slackScene(world);

    await scene.command(S.alice.id, 'request zoom pro because webinars', `It waits for ${DANA_NAME}`);
    const zoom = await scene.request(SEED.entries.zoomPro.id);
    const danaCard = await scene.messageSaying(S.dana.id, zoom.id);
    expect(squeeze(slackSays(danaCard))).toContain(squeeze(ALICE_NAME));
    expect(squeeze(slackSays(danaCard))).toContain(squeeze(ENTRY_NAME));

    // Asking again names the open request's entry in the refusal.
    await scene.command(S.alice.id, 'request zoom pro because again', `already an open request for ${ENTRY_NAME}`);

    scene.kept(await world.driver.command(S.alice.id, ''));
    const form = await eventually(() => world.slack.openModalOf(S.alice.id));
    const typed = scene.kept(await world.driver.suggest(S.alice.id, form.id, 'entry', 'zoom'));
    expect(slackSays(typed.body)).toContain(ENTRY_NAME.slice(0, 70));

    scene.kept(await world.driver.click(S.dana.id, { channel: danaCard.channel, ts: danaCard.ts }, 'approve'));
    await scene.messageSaying(S.alice.id, `approved by ${DANA_NAME}`);
    await eventually(() => world.slack.message(danaCard.channel, danaCard.ts)?.edited);
    await scene.command(S.alice.id, 'mine', 'Your requests');
    scene.kept(await world.driver.openHome(S.alice.id));
    await eventually(() => world.slack.homeOf(S.alice.id));

    const { problems, reads } = scene.sweep();
    expect(problems).toEqual([]);
    for (const text of [ALICE_NAME, DANA_NAME, ENTRY_NAME]) expect(reads).toContain(squeeze(text));
  });

  it('what a typed command echoes back: an unknown command, an unknown id, an unknown app, a bad duration', async () => {
    const world = await startSlackWorld();
    slackWorld = world;
    const scene = slackScene(world);

    await scene.command(S.alice.id, `frobnicate ${ECHO}`, `I don’t know “frobnicate ${ECHO}”`);
    await scene.command(S.alice.id, `status ${ECHO_ID}`, `no request with id ${ECHO_ID}`);
    await scene.command(
      S.alice.id,
      `request Zoom Pro License for ${ECHO_DURATION}`,
      `“${ECHO_DURATION}” is not a duration`,
    );
    scene.kept(await world.driver.command(S.alice.id, `request ${ECHO}`));
    // Nothing matches, so the form opens saying what was typed.
    await eventually(() => squeeze(slackSays(world.slack.openModalOf(S.alice.id)?.view)).includes(squeeze(ECHO)));

    const { problems, reads } = scene.sweep();
    expect(problems).toEqual([]);
    for (const text of [ECHO, ECHO_ID, ECHO_DURATION]) expect(reads).toContain(squeeze(text));
    expect(world.okta.requests).toHaveLength(0);
  });
});

// ── Teams ────────────────────────────────────────────────────────────────────────────────────────

/** Gatehouse's own buttons; user text cannot add another. */
const OWN_ACTION_TITLES = new Set([
  'Approve',
  'Reject',
  'Comment',
  'Open in portal',
  'Request',
  'Request again',
  'Cancel request',
  'Yes, cancel request',
  // Issue 21: Extend on an ending grant, Forward with its people picker, bulk decisions from pending.
  'Extend',
  'Forward',
  'Approve selected',
  'Reject selected',
]);

function teamsWalk(value: unknown, where: string, pieces: Piece[], problems: string[]): void {
  if (Array.isArray(value)) {
    for (const inner of value) teamsWalk(inner, where, pieces, problems);
    return;
  }
  if (!isObject(value)) return;
  const type = value.type;
  if (type === 'message' && typeof value.text === 'string') {
    // Teams renders a bot's text as Markdown unless it says plain; xml would be HTML.
    pieces.push({ where, kind: value.textFormat === 'plain' ? 'plain' : 'markdown', text: value.text });
  }
  if (type === 'TextBlock' && typeof value.text === 'string')
    pieces.push({ where, kind: 'markdown', text: value.text, card: true });
  if (type === 'FactSet' && Array.isArray(value.facts)) {
    for (const fact of value.facts) {
      if (!isObject(fact)) continue;
      for (const part of [fact.title, fact.value])
        if (typeof part === 'string') pieces.push({ where, kind: 'markdown', text: part, card: true });
    }
  }
  if (type === 'TextRun' && typeof value.text === 'string') pieces.push({ where, kind: 'plain', text: value.text });
  if (type === 'Input.Text' && typeof value.value === 'string')
    pieces.push({ where, kind: 'plain', text: value.value });
  if (type === 'Input.ChoiceSet' && Array.isArray(value.choices)) {
    for (const choice of value.choices)
      if (isObject(choice) && typeof choice.title === 'string')
        pieces.push({ where, kind: 'plain', text: choice.title });
  }
  if (type === 'application/vnd.microsoft.activity.message' && typeof value.value === 'string')
    pieces.push({ where, kind: 'markdown', text: value.value });
  if (type === 'mention') problems.push(`${where}: a mention entity`);
  // Only the card's refresh action has no title.
  if (
    typeof type === 'string' &&
    type.startsWith('Action.') &&
    'title' in value &&
    !OWN_ACTION_TITLES.has(String(value.title))
  )
    problems.push(`${where}: an action Gatehouse never makes: ${JSON.stringify(value).slice(0, 120)}`);
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith('$') && key !== '$schema') problems.push(`${where}: a template binding ${key}`);
    if (/url$/i.test(key) && typeof inner === 'string' && EVIL.test(inner))
      problems.push(`${where}: ${key} points at ${inner}`);
    teamsWalk(inner, where, pieces, problems);
  }
}

/** Why a piece of Teams Markdown is not inert, if it is not. */
function teamsProblems(piece: Piece, baseUrl: string): string[] {
  if (piece.kind !== 'markdown') return [];
  const at = (what: string) => `${piece.where}: ${what} in ${JSON.stringify(piece.text.slice(0, 120))}`;
  // What a backslash escapes is literal text; the rest is what Markdown acts on.
  const live = piece.text.replace(/\\[\s\S]/g, '\u0000');
  const problems: string[] = [];
  const links = /\[([^\]]*)\]\(([^)]*)\)/g;
  for (const [, label, url] of live.matchAll(links)) {
    if (label !== 'Open the portal' || !url?.startsWith(baseUrl)) problems.push(at(`a link [${label}](${url})`));
  }
  const rest = live.replace(links, '');
  if (rest.includes('<')) problems.push(at('a < (HTML, an autolink or <at>)'));
  if (rest.includes('[')) problems.push(at('an unescaped ['));
  if (/(?:https?:\/\/|www\.)\S/i.test(rest)) problems.push(at('a bare address Teams links'));
  if (piece.card && /\{\{\s*(?:DATE|TIME)\(/.test(rest))
    problems.push(at('a {{DATE()}}/{{TIME()}} the client evaluates'));
  if (EMPHASISED.test(rest)) problems.push(at('emphasis a person typed'));
  if (LINE_START.test(rest)) problems.push(at('line-start Markdown a person typed'));
  return problems;
}

/** What a person reads: escapes and word joiners are invisible. */
function teamsReads(pieces: Piece[]): string {
  return pieces
    .map((piece) =>
      piece.kind === 'markdown' ? piece.text.replace(/\u2060/g, '').replace(/\\([\s\S])/g, '$1') : piece.text,
    )
    .join('\n');
}

function teamsSays(value: unknown): string {
  const pieces: Piece[] = [];
  teamsWalk(value, 'activity', pieces, []);
  return teamsReads(pieces);
}

/**
 * The Teams side of one test. The connector stand-in keeps each activity's latest version, so the
 * transcripts are read after every step: each version of a card a person could see is looked at.
 */
function teamsScene(world: TeamsWorld) {
  const seen = new Map<string, { where: string; value: unknown }>();
  const conversations = [
    ...Object.values(T).map((user) => world.teams.personalConversationOf(user.id)),
    ...Object.values(TEAMS_SEED.channels).map((channel) => channel.id),
  ];
  const look = () => {
    for (const conversation of conversations) {
      for (const entry of world.teams.transcript(conversation)) {
        const sent = entry.from.id === TEAMS_SEED.bot.id ? entry.activity : undefined;
        // An invoke's answer is the card the person who pressed now sees.
        const answered = entry.type === 'invoke' ? entry.response?.body : undefined;
        for (const value of [sent, answered]) {
          if (value === undefined) continue;
          const key = JSON.stringify(value);
          if (!seen.has(key)) seen.set(key, { where: `${conversation} ${entry.id} (${entry.type})`, value });
        }
      }
    }
  };
  /** The bot's first activity there that says `text`, among those from index `since` on. */
  const botSaying = async (conversation: string, text: string, since = 0) => {
    const found = await eventually(() =>
      world.teams
        .transcript(conversation)
        .slice(since)
        .find(
          (entry) => entry.from.id === TEAMS_SEED.bot.id && squeeze(teamsSays(entry.activity)).includes(squeeze(text)),
        ),
    );
    look();
    return found;
  };
  const answered = (response: { statusCode: number; body: unknown; answerProblems: string[] }) => {
    expect(response.statusCode).toBe(200);
    expect(response.answerProblems).toEqual([]);
    look();
    return response;
  };
  /** A message typed to the bot, and its answer: the first one after it that says `answer`. */
  const say = async (userId: string, text: string, answer: string) => {
    const chat = world.teams.personalConversationOf(userId);
    const before = world.teams.transcript(chat).length;
    const response = await world.driver.say(userId, text);
    // Teams gets its HTTP answer at once; what the bot says comes after, in the chat.
    expect(response.statusCode).toBe(200);
    expect(response.answerProblems).toEqual([]);
    return botSaying(chat, answer, before);
  };
  const request = (entryId: string) => eventually(() => world.portal.find(entryId));
  return {
    look,
    botSaying,
    say,
    answered,
    request,
    sweep: () => {
      look();
      const pieces: Piece[] = [];
      const problems: string[] = [];
      for (const { where, value } of seen.values()) teamsWalk(value, where, pieces, problems);
      for (const piece of pieces) problems.push(...teamsProblems(piece, world.baseUrl));
      return { problems, reads: squeeze(teamsReads(pieces)) };
    },
  };
}

describe('Teams shows hostile text inert and readable', () => {
  it('a justification, a multi-line justification, a comment and a rejection reason, on every card and message', async () => {
    const world = await startTeamsWorld();
    teamsWorld = world;
    const scene = teamsScene(world);
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    const bobChat = world.teams.personalConversationOf(T.bob.id);
    await world.driver.install(T.bob.id);

    await scene.say(T.alice.id, `request Jira Software User because ${HOSTILE}`, 'Requested');
    const jira = await scene.request(SEED.entries.jiraSoftwareUser.id);
    const bobJira = await scene.botSaying(bobChat, jira.id);
    expect(squeeze(teamsSays(bobJira.activity))).toContain(squeeze(HOSTILE));

    // Several entries match, so a form comes back; lines can only be typed there.
    const form = await scene.say(T.alice.id, 'request Salesforce', 'Request access');
    scene.answered(
      await world.driver.execute(T.alice.id, { conversationId: aliceChat, activityId: form.id }, 'request', {
        entry: SEED.entries.salesforceSalesUser.id,
        justification: MULTILINE,
      }),
    );
    const salesforce = await scene.request(SEED.entries.salesforceSalesUser.id);
    const bobCard = await scene.botSaying(bobChat, salesforce.id);
    expect(teamsSays(bobCard.activity)).toContain(MULTILINE);
    const channelCard = await scene.botSaying(APPROVALS_TEAMS, salesforce.id);
    // Bob's own view of the channel card, with his buttons.
    scene.answered(
      await world.driver.refresh(T.bob.id, { conversationId: APPROVALS_TEAMS, activityId: channelCard.id }),
    );

    const target = { conversationId: bobChat, activityId: bobCard.id };
    scene.answered(await world.driver.execute(T.bob.id, target, 'comment', { comment: COMMENT }));
    await scene.botSaying(APPROVALS_TEAMS, COMMENT);
    scene.answered(await world.driver.execute(T.bob.id, target, 'reject', { reason: REASON }));
    await scene.botSaying(aliceChat, REASON);
    await eventually(() => (world.teams.activity(bobChat, bobCard.id)?.updates ?? 0) > 0);
    scene.look();

    await scene.say(T.alice.id, 'mine', 'Your requests');
    await scene.say(T.bob.id, 'pending', 'Waiting for your decision');
    // The card quotes the reason's start; the requester's notice has all of it.
    await scene.say(T.bob.id, `status ${salesforce.id}`, REASON.slice(0, 40));

    const { problems, reads } = scene.sweep();
    expect(problems).toEqual([]);
    for (const text of [HOSTILE, MULTILINE, COMMENT, REASON]) expect(reads).toContain(squeeze(text));
  });

  it('an app name and display names from the governance system, on cards, notices and lists', async () => {
    const world = await startTeamsWorld({ org: hostileOrg() });
    teamsWorld = world;
    const scene = teamsScene(world);
    const aliceChat = world.teams.personalConversationOf(T.alice.id);
    const danaChat = world.teams.personalConversationOf(T.dana.id);
    await world.driver.install(T.dana.id);

    await scene.say(T.alice.id, 'request zoom pro because webinars', `It waits for ${DANA_NAME}`);
    const zoom = await scene.request(SEED.entries.zoomPro.id);
    const danaCard = await scene.botSaying(danaChat, zoom.id);
    expect(squeeze(teamsSays(danaCard.activity))).toContain(squeeze(ALICE_NAME));
    expect(squeeze(teamsSays(danaCard.activity))).toContain(squeeze(ENTRY_NAME));

    await scene.say(T.alice.id, 'request zoom pro because again', `already an open request for ${ENTRY_NAME}`);

    scene.answered(
      await world.driver.execute(T.dana.id, { conversationId: danaChat, activityId: danaCard.id }, 'approve'),
    );
    await scene.botSaying(aliceChat, `approved by ${DANA_NAME}`);
    await eventually(() => (world.teams.activity(danaChat, danaCard.id)?.updates ?? 0) > 0);
    await scene.say(T.alice.id, 'mine', 'Your requests');

    const { problems, reads } = scene.sweep();
    expect(problems).toEqual([]);
    for (const text of [ALICE_NAME, DANA_NAME, ENTRY_NAME]) expect(reads).toContain(squeeze(text));
  });

  it('what a typed message echoes back: an unknown command, an unknown id, an unknown app, a bad duration', async () => {
    const world = await startTeamsWorld();
    teamsWorld = world;
    const scene = teamsScene(world);

    await scene.say(T.alice.id, `frobnicate ${ECHO}`, `I don’t know “frobnicate ${ECHO}”`);
    await scene.say(T.alice.id, `status ${ECHO_ID}`, `no request with id ${ECHO_ID}`);
    await scene.say(
      T.alice.id,
      `request Zoom Pro License for ${ECHO_DURATION}`,
      `“${ECHO_DURATION}” is not a duration`,
    );
    await scene.say(T.alice.id, `request ${ECHO}`, `Nothing you can request matches "${ECHO}"`);

    const { problems, reads } = scene.sweep();
    expect(problems).toEqual([]);
    for (const text of [ECHO, ECHO_ID, ECHO_DURATION]) expect(reads).toContain(squeeze(text));
    expect(world.portal.count()).toBe(0);
  });
});
