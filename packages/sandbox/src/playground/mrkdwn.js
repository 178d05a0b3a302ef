// Slack mrkdwn, as the Slack client shows it. Slack's own control sequences are the raw `<…>`
// tokens; what people typed arrives entity-escaped (&lt; &gt; &amp;), so it can never form one.
// Tokens are read from the raw text first, everything else is decoded, then escaped for HTML, then
// formatted.
import { el } from './common.js';

export const html = (text) =>
  String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const decode = (text) => String(text).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every shortcode Gatehouse's Slack messages use (src/adapters/slack), and a few a person might type. */
const EMOJI = {
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
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
  tada: '🎉',
  grey_question: '❔',
  no_entry_sign: '🚫',
  no_entry: '⛔',
  bell: '🔔',
  memo: '📝',
  eyes: '👀',
  information_source: 'ℹ️',
  calendar: '📆',
  thumbsup: '👍',
  '+1': '👍',
};

function formatted(text) {
  return html(decode(text))
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/(^|[\s(])\*([^*\n]+)\*/g, '$1<b>$2</b>')
    .replace(/(^|[\s(])_([^_\n]+)_/g, '$1<i>$2</i>')
    .replace(/^&gt;(.*)$/gm, '<blockquote>$1</blockquote>')
    .replace(/:([a-z0-9_+-]+):/g, (_m, name) => (Object.hasOwn(EMOJI, name) ? EMOJI[name] : `:${name}:`))
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

export function mrkdwn(text) {
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

export function rich(text) {
  const span = el('span');
  span.innerHTML = mrkdwn(text);
  return span;
}

export function plain(text) {
  return typeof text === 'string' ? text : (text?.text ?? '');
}
