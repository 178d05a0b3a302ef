/**
 * How typed search text becomes words, in any script: runs of letters, marks and digits (joined by
 * an inner hyphen, apostrophe, dot or underscore, so "on-call" stays one word), and each emoji as a
 * word of its own. Case is folded with the locale's rules, after NFC, so "ÉDITEUR" finds "Éditeur".
 */
const WORD =
  /\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|\u20E3|\u200D\p{Extended_Pictographic}\uFE0F?)*|[\p{L}\p{M}\p{N}]+(?:['’._-][\p{L}\p{M}\p{N}]+)*/gu;

/** Okta's `match` takes 3–50 characters (the document's minLength/maxLength). */
const MATCH_MIN = 3;
const MATCH_MAX = 50;

export function foldCase(text: string): string {
  return text.normalize('NFC').toLocaleLowerCase();
}

export function searchWords(text: string): string[] {
  return [...new Set(foldCase(text).match(WORD) ?? [])];
}

/**
 * The words Okta's `match` can take, longest first. A word counts as long enough when it has three
 * characters however they are counted (code points or UTF-16 units), and is cut to fifty both ways,
 * so Okta never answers "too short" or "too long". An emoji or a two-letter word is never a term:
 * it filters what the terms found instead.
 */
export function matchTerms(words: readonly string[]): string[] {
  return words
    .filter((word) => Array.from(word).length >= MATCH_MIN)
    .map((word) => cutTo(word, MATCH_MAX))
    .sort((a, b) => Array.from(b).length - Array.from(a).length);
}

function cutTo(word: string, max: number): string {
  let cut = '';
  for (const char of word) {
    if (cut.length + char.length > max) break;
    cut += char;
  }
  return cut;
}

/** Whether every word is in the text (already case-folded words; the text is folded here). */
export function holdsEvery(text: string, words: readonly string[]): boolean {
  const folded = foldCase(text);
  return words.every((word) => folded.includes(word));
}

export function countIn(text: string, words: readonly string[]): number {
  const folded = foldCase(text);
  return words.filter((word) => folded.includes(word)).length;
}
