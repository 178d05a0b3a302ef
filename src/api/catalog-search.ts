import type { CatalogItem } from '../domain/types.js';

/**
 * How typed search text becomes words, in any script: runs of letters, marks and digits (joined by
 * an inner hyphen, apostrophe, dot or underscore, so "on-call" stays one word), and each emoji as a
 * word of its own. Case is folded with the locale's rules, after NFC, so "ÉDITEUR" finds "Éditeur".
 */
const WORD =
  /\p{Regional_Indicator}{2}|\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|\u20E3|\u200D\p{Extended_Pictographic}\uFE0F?)*|[\p{L}\p{M}\p{N}]+(?:['’._-][\p{L}\p{M}\p{N}]+)*/gu;

export function foldCase(text: string): string {
  return text.normalize('NFC').toLocaleLowerCase();
}

export function searchWords(text: string): string[] {
  return [...new Set(foldCase(text).match(WORD) ?? [])];
}

/** How many of the (already folded) words the text holds. */
export function countIn(text: string, words: readonly string[]): number {
  const folded = foldCase(text);
  return words.filter((word) => folded.includes(word)).length;
}

/** An entry ready to be searched on every keystroke: its text folded and its name's words split once. */
export interface SearchableItem {
  item: CatalogItem;
  /** Name, other names and description, folded. */
  text: string;
  name: string;
  nameWords: readonly string[];
}

/** `otherNames`: what else the backend calls the entry, found by a search as its name is. */
export function searchable(item: CatalogItem, otherNames: readonly string[] = []): SearchableItem {
  const name = foldCase(item.name);
  return {
    item,
    text: [name, ...otherNames.map(foldCase), foldCase(item.description ?? '')].join('\n'),
    name,
    nameWords: name.match(WORD) ?? [],
  };
}

/**
 * The entries holding every typed word (in their name or description), best first: a word that is
 * one of the name's words counts most ("beacon 12" puts Beacon 12 before Beacon 120 and Beacon 112),
 * then one that starts a word of it, then one anywhere in it; ties keep the name order. No words:
 * the first `limit` entries. Nothing holding them all: an empty answer.
 */
export function bestMatches(items: Iterable<SearchableItem>, words: readonly string[], limit: number): CatalogItem[] {
  const found: { entry: SearchableItem; score: number }[] = [];
  for (const entry of items) {
    if (words.every((word) => entry.text.includes(word))) found.push({ entry, score: nameScore(entry, words) });
  }
  found.sort((a, b) => b.score - a.score || (a.entry.name < b.entry.name ? -1 : a.entry.name > b.entry.name ? 1 : 0));
  return found.slice(0, limit).map(({ entry }) => entry.item);
}

/** How well a name holds the words: each of its whole words 3, each start of one 2, anywhere in it 1. */
export function nameScore(entry: SearchableItem, words: readonly string[]): number {
  let score = 0;
  for (const word of words) {
    if (entry.nameWords.includes(word)) score += 3;
    else if (entry.nameWords.some((nameWord) => nameWord.startsWith(word))) score += 2;
    else if (entry.name.includes(word)) score += 1;
  }
  return score;
}
