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
