import type { ActionLink } from '../../../domain/errors.js';

/**
 * Slack text, made safe. `&`, `<` and `>` are the only control characters of Slack's mrkdwn; escaping
 * them in everything a person typed neutralises `<!channel>`, `<!here>`, `<@U…>`, `<#C…>` and
 * `<url|label>` links. Text objects carrying user text are also `verbatim`, so Slack does not
 * auto-link names or channels in them. Limits are counted after escaping, because Slack counts the
 * escaped characters.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (char) => ENTITIES[char] ?? char);
}

/** Escaped and cut to at most `max` characters (never inside an entity), with … when cut. */
export function escapeWithin(text: string, max: number): { text: string; cut: boolean } {
  let out = '';
  for (const char of text) {
    const piece = ENTITIES[char] ?? char;
    if (out.length + piece.length > max - 1) return { text: `${out}…`, cut: true };
    out += piece;
  }
  return { text: out, cut: false };
}

/**
 * A page of the governance system as a Slack link, `<url|label>`: our own words and a URL from
 * configuration, made safe anyway (entities in both, no `|` in the URL). Empty for anything but a
 * short http(s) URL, so a link never breaks the message it ends.
 */
export function linkText(link: ActionLink): string {
  if (!/^https?:\/\//i.test(link.url) || link.url.length > 500) return '';
  const url = escapeText(link.url).replace(/\|/g, '%7C');
  return `<${url}|${escapeText(link.label).replace(/\|/g, '/')}>`;
}

/** A person's name in mrkdwn: escaped, and short enough that several fit in one text object. */
export function nameText(name: string): string {
  return escapeWithin(name, 200).text;
}

/** A catalog entry's name in mrkdwn, likewise bounded. */
export function entryText(name: string): string {
  return escapeWithin(name, 300).text;
}

/** Slack's limit for one text object (section text, a field is 2000). */
export const TEXT_MAX = 3000;

/** Plain text cut to `max` characters (plain_text objects are not parsed, so no escaping). */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim: true;
}

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji: true;
}

/** Our own mrkdwn, with user-supplied parts already escaped by the caller. */
export function mrkdwn(text: string): MrkdwnText {
  return { type: 'mrkdwn', text: text || ' ', verbatim: true };
}

export function plain(text: string, max = 3000): PlainText {
  return { type: 'plain_text', text: clip(text || ' ', max), emoji: true };
}

/**
 * A time every reader sees in their own time zone (Slack's date formatting), with a UTC fallback
 * for clients that cannot render it.
 */
export function slackTime(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return escapeText(iso);
  const fallback = new Date(at).toISOString().slice(0, 16).replace('T', ' ');
  return `<!date^${Math.floor(at / 1000)}^{date_short_pretty} at {time}|${fallback} UTC>`;
}
