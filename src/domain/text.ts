/**
 * How long a text is, as the governance APIs count it: in Unicode code points (JSON Schema's
 * `maxLength`, which Okta's document uses), not JavaScript's UTF-16 units, in which one emoji or a
 * rare CJK character counts twice. Counting units would refuse a reason the backend accepts.
 */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The first `max` code points of `text`, never half a surrogate pair. */
export function firstCharacters(text: string, max: number): string {
  if (text.length <= max) return text;
  return Array.from(text).slice(0, max).join('');
}

/**
 * Text that reads as one line wherever a log is shown: control characters (C0 and C1, so NEL and
 * 8-bit CSI too), line and paragraph separators, and the bidirectional overrides and isolates that
 * could make a line read other than it is, each run replaced by a space. A name from a directory
 * or a vendor's echoed answer must not forge a second log line.
 */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]+/gu, ' ');
}
