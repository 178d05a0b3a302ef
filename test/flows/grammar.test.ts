import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/flows/grammar.js';

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

  it('calls anything else unknown, keeping the text to quote back', () => {
    expect(parseCommand('approve everything')).toEqual({ kind: 'unknown', text: 'approve everything' });
    expect(parseCommand('cancel')).toEqual({ kind: 'unknown', text: 'cancel' });
    expect(parseCommand('my access please')).toEqual({ kind: 'unknown', text: 'my access please' });
    expect(parseCommand('request for 4h')).toEqual({ kind: 'unknown', text: 'request for 4h' });
  });
});
