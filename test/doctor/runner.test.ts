import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Check, ok, problem, unchecked } from '../../src/doctor/finding.js';
import { printReport } from '../../src/doctor/printer.js';
import { runChecks } from '../../src/doctor/runner.js';

/** The doctor's frame: checks stand alone, each has a deadline, and no secret reaches a line. */

afterEach(() => {
  vi.useRealTimers();
});

describe('runChecks', () => {
  it('keeps going when a check throws or never answers, in the order the checks were listed', async () => {
    vi.useFakeTimers();
    const checks: Check[] = [
      { subject: 'hangs', run: () => new Promise(() => {}) },
      {
        subject: 'throws',
        run: async () => {
          throw new TypeError('boom');
        },
      },
      { subject: 'answers', run: async () => [ok('answers', 'fine.'), problem('answers', 'but also this.')] },
    ];
    const running = runChecks(checks, 20_000);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(await running).toEqual([
      unchecked('hangs', 'no answer within 20 s; run the doctor again'),
      unchecked('throws', 'the check itself failed (TypeError: boom)'),
      ok('answers', 'fine.'),
      problem('answers', 'but also this.'),
    ]);
  });
});

describe('printReport', () => {
  it('marks each line, tallies them and exits 1 on any problem', () => {
    const report = printReport('heading', [ok('a', 'yes.'), unchecked('b', 'maybe.'), problem('c', 'no: fix it.')], []);
    expect(report.lines).toEqual([
      'heading',
      '✓ a: yes.',
      '! b: maybe.',
      '✗ c: no: fix it.',
      '1 problem to fix, 1 thing not checked.',
    ]);
    expect(report.exitCode).toBe(1);
    expect(printReport('heading', [ok('a', 'yes.')], []).exitCode).toBe(0);
  });

  it('masks every configured secret and anything shaped like a credential, whatever a vendor echoed', () => {
    const secret = 'a-configured-secret-value';
    const jwt = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln';
    const report = printReport(
      'heading',
      [problem('echo', `refused ${secret}, header SSWS 00abcdefghijkl, token ${jwt}, -----BEGIN PRIVATE KEY-----abc`)],
      [secret],
    );
    expect(report.lines[1]).toBe('✗ echo: refused [secret], header SSWS [secret], token [token], [key]');
  });
});
