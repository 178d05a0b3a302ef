import { describe, expect, it } from 'vitest';
import { characterCount, firstCharacters } from '../src/domain/text.js';
import { cleanText, MAX_TEXT_LENGTH } from '../src/flows/deps.js';
import { TextInvalid } from '../src/flows/errors.js';

/** Lengths as the backends count them: code points (JSON Schema maxLength), not UTF-16 units. */
describe('text length', () => {
  it('counts an emoji, a rare CJK character and an accented letter as one character each', () => {
    expect(characterCount('🔑𠀋é')).toBe(3);
    expect('🔑𠀋é'.length).toBe(5);
    expect(firstCharacters('🔑🔑🔑', 2)).toBe('🔑🔑');
  });

  it('takes a reason of the longest length in emoji, and refuses one character more', () => {
    const longest = '🚀'.repeat(MAX_TEXT_LENGTH);
    expect(cleanText('justification', longest)).toBe(longest);
    expect(() => cleanText('justification', `${longest}🚀`)).toThrow(TextInvalid);
  });
});
