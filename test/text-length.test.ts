import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { characterCount, firstCharacters, oneLine } from '../src/domain/text.js';
import { cleanText, MAX_TEXT_LENGTH } from '../src/flows/deps.js';
import { TextInvalid } from '../src/flows/errors.js';
import { type OktaFlows, ok, refused, slackPerson, startOktaFlows } from './flows/helpers.js';

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

describe('a line of the log', () => {
  it('stays one line whatever a name holds: C0 and C1 controls, separators, bidirectional overrides', () => {
    const forged = 'Eve\nINFO: approved\u0085x\u009b31m\u2028y\u202Ez\u2066w';
    expect(oneLine(forged)).toBe('Eve INFO: approved x 31m y z w');
    expect(oneLine('Zoë Ünal — 山田')).toBe('Zoë Ünal — 山田');
  });
});

describe('a reason Okta counts as 1,000 characters', () => {
  let world: OktaFlows;
  afterEach(async () => {
    await world.close();
  });

  it('reaches Okta in emoji, and one more is refused before anything is sent', async () => {
    world = await startOktaFlows();
    const alice = slackPerson(SEED.users.alice);
    const entryId = SEED.entries.zoomPro.id;
    const over = await world.flows.requestAccess(alice, { entryId, justification: '🚀'.repeat(1001) });
    expect(refused(over, 'governance_rejected')).toContain('at most 1,000 characters; yours has 1,001');
    const created = ok(await world.flows.requestAccess(alice, { entryId, justification: '🚀'.repeat(1000) }));
    expect(created.kind).toBe('created');
  });
});
