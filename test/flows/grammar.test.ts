import { describe, expect, it } from 'vitest';
import { joinReason, namesBeforeFor, parseCommand } from '../../src/flows/grammar.js';

describe('the chat grammar', () => {
  it('opens the form on an empty command or a bare "request"', () => {
    expect(parseCommand('')).toEqual({ kind: 'form' });
    expect(parseCommand('   request  ')).toEqual({ kind: 'form' });
  });

  it('reads what, duration and reason of a one-line request', () => {
    expect(parseCommand('request Figma Editor for 3 days because design review')).toEqual({
      kind: 'request',
      what: 'Figma Editor',
      duration: '3 days',
      because: 'design review',
    });
  });

  it('takes the last "for" as the duration, and a "for" without a number as part of the name', () => {
    expect(parseCommand('request Salesforce for Sales for 4h')).toMatchObject({
      what: 'Salesforce for Sales',
      duration: '4h',
    });
    expect(parseCommand('request access for Salesforce')).toMatchObject({ what: 'access for Salesforce' });
    expect(parseCommand('request figma for 3 fortnights')).toMatchObject({ what: 'figma', duration: '3 fortnights' });
    expect(parseCommand('request Tableau for Q4 Reporting because board deck')).toMatchObject({
      what: 'Tableau for Q4 Reporting',
      because: 'board deck',
    });
  });

  it('keeps "for" inside the reason as part of the reason', () => {
    expect(parseCommand('request zoom because I cover for Dana for 2 weeks')).toEqual({
      kind: 'request',
      what: 'zoom',
      because: 'I cover for Dana for 2 weeks',
    });
  });

  it('reads status with and without an id, mine, pending and help', () => {
    expect(parseCommand('status')).toEqual({ kind: 'status' });
    expect(parseCommand('status reqABC')).toEqual({ kind: 'status', requestId: 'reqABC' });
    expect(parseCommand('MINE')).toEqual({ kind: 'mine' });
    expect(parseCommand('pending')).toEqual({ kind: 'pending' });
    expect(parseCommand('help')).toEqual({ kind: 'help' });
  });

  it('reads status by app name, cancel by id or app, and my access', () => {
    expect(parseCommand('status figma editor')).toEqual({ kind: 'status', requestId: 'figma editor' });
    expect(parseCommand('cancel reqABC')).toEqual({ kind: 'cancel', target: 'reqABC' });
    expect(parseCommand('Cancel  GitHub   Member')).toEqual({ kind: 'cancel', target: 'GitHub Member' });
    expect(parseCommand('withdraw figma')).toEqual({ kind: 'cancel', target: 'figma' });
    expect(parseCommand('my access')).toEqual({ kind: 'access' });
    expect(parseCommand('MY ACCESS')).toEqual({ kind: 'access' });
    expect(parseCommand('access')).toEqual({ kind: 'access' });
    expect(parseCommand('my')).toEqual({ kind: 'mine' });
  });

  it('reads delegate with a person, an end date and a note, as the platform sent them', () => {
    expect(parseCommand('delegate <@U123> until 2026-12-24 because parental leave')).toEqual({
      kind: 'delegate',
      to: '<@U123>',
      until: '2026-12-24',
      note: 'parental leave',
    });
    expect(parseCommand('delegate <@U123|dana> until 24 Dec')).toEqual({
      kind: 'delegate',
      to: '<@U123|dana>',
      until: '24 Dec',
    });
    expect(parseCommand('Delegate <at>Dana Scully</at>')).toEqual({ kind: 'delegate', to: '<at>Dana Scully</at>' });
    expect(parseCommand('delegate <at>Dana</at> because away until friday')).toEqual({
      kind: 'delegate',
      to: '<at>Dana</at>',
      note: 'away until friday',
    });
    expect(parseCommand('delegate <@U1> until friday')).toEqual({ kind: 'delegate', to: '<@U1>', until: 'friday' });
  });

  it('reads delegate alone as who stands in, and off/end/stop/none as ending it', () => {
    expect(parseCommand('delegate')).toEqual({ kind: 'delegate-show' });
    for (const word of ['off', 'end', 'STOP', 'none']) {
      expect(parseCommand(`delegate ${word}`)).toEqual({ kind: 'delegate-end' });
    }
    expect(parseCommand('delegate until friday')).toEqual({ kind: 'unknown', text: 'delegate until friday' });
    expect(parseCommand('delegate because away')).toEqual({ kind: 'unknown', text: 'delegate because away' });
  });

  it('calls anything else unknown, keeping the text to quote back', () => {
    expect(parseCommand('approve everything')).toEqual({ kind: 'unknown', text: 'approve everything' });
    expect(parseCommand('cancel')).toEqual({ kind: 'unknown', text: 'cancel' });
    expect(parseCommand('my access please')).toEqual({ kind: 'unknown', text: 'my access please' });
    expect(parseCommand('request for 4h')).toEqual({ kind: 'unknown', text: 'request for 4h' });
  });
});

describe('words after "for" that are not a duration', () => {
  it('reads a duration between the name and a "for" reason, the reason joined with "because"', () => {
    expect(parseCommand('request figma for 3 days for design review')).toEqual({
      kind: 'request',
      what: 'figma',
      duration: '3 days',
      because: 'design review',
    });
    expect(parseCommand('request figma for 3 days for design review because board deck')).toEqual({
      kind: 'request',
      what: 'figma',
      duration: '3 days',
      because: 'design review, because board deck',
    });
  });

  it('offers the readings a catalog decides between: the last "for", then the first', () => {
    expect(namesBeforeFor('figma for design review')).toEqual([{ what: 'figma', reason: 'design review' }]);
    expect(namesBeforeFor('Tableau for Q4 Reporting for the board')).toEqual([
      { what: 'Tableau for Q4 Reporting', reason: 'the board' },
      { what: 'Tableau', reason: 'Q4 Reporting for the board' },
    ]);
    expect(namesBeforeFor('figma editor')).toEqual([]);
    expect(namesBeforeFor('for design review')).toEqual([]);
  });

  it('joins a "for" reason and a "because" one', () => {
    expect(joinReason('design review', undefined)).toBe('design review');
    expect(joinReason(undefined, 'board deck')).toBe('board deck');
    expect(joinReason('design review', 'board deck')).toBe('design review, because board deck');
    expect(joinReason(undefined, undefined)).toBeUndefined();
  });
});
