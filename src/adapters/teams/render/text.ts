/**
 * Text for Adaptive Card TextBlocks, made inert. Teams renders a Markdown subset in TextBlocks
 * (emphasis, lists, links `[label](url)`), so anything a person typed is escaped with backslashes
 * before it goes into one: a justification cannot become a disguised link (`[label](url)` or
 * `<url>`), emphasis, a heading or a list. Cards render no HTML. TextBlocks also evaluate
 * `{{DATE(…)}}` and `{{TIME(…)}}` before any Markdown, so escapes cannot stop those: a word joiner
 * between the braces does, and the text still reads as typed.
 */

import type { ActionLink } from '../../../domain/errors.js';

/** Characters that start emphasis, code, links or autolinks anywhere in a line. */
const INLINE = /[\\`*_[\]<>~]/g;
/** Headings, quotes, list bullets and numbered items, which only count at the start of a line. */
const LINE_START = /^(\s*)(#|>|-|\+|\d+\.)/gm;

/** Bare addresses Teams turns into links by itself: a word joiner stops it, and the text reads the same. */
const AUTOLINK = /(:\/\/|\bwww\.)/gi;

/** Where a client-side date or time function could start: every brace another follows, so `{{{` is split too. */
const FUNCTION = /\{(?=\{)/g;

export function escapeMarkdown(text: string): string {
  return text
    .replace(AUTOLINK, (match: string) => `${match.slice(0, -1)}\u2060${match.slice(-1)}`)
    .replace(FUNCTION, '{\u2060')
    .replace(INLINE, (char) => `\\${char}`)
    .replace(LINE_START, (_all, space: string, marker: string) =>
      marker.endsWith('.') ? `${space}${marker.slice(0, -1)}\\.` : `${space}\\${marker}`,
    );
}

/**
 * A page of the governance system as a Markdown link, `[label](url)`: a URL from configuration,
 * not escaped like user text (that would break it) but with the characters that end a link
 * destination percent-encoded. Empty for anything but a short http(s) URL.
 */
export function linkText(link: ActionLink): string {
  if (!/^https?:\/\//i.test(link.url) || link.url.length > 500) return '';
  const url = link.url.replace(
    /[\s()<>\\]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `[${escapeMarkdown(link.label)}](${url})`;
}

/** Escaped and cut to at most `max` characters of the original text, with … when cut. */
export function escapeWithin(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? escapeMarkdown(text) : `${escapeMarkdown(chars.slice(0, max - 1).join(''))}…`;
}

/** Names and entry names are short in practice; bounded so a card stays far below Teams' 28 KB. */
export const nameText = (name: string) => escapeWithin(name, 200);
export const entryText = (name: string) => escapeWithin(name, 300);

/** "2026-11-26 12:05 UTC"; Teams shows it as written (DATE()/TIME() need RFC 3339 and work only in some clients). */
export function teamsTime(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return escapeMarkdown(iso);
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
