import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSlackSignature } from '../../../src/adapters/slack/verify.js';

const secret = 'sandbox';
const body = 'token=x&command=%2Faccess&text=help';
const sign = (ts: number, text = body, key = secret) =>
  `v0=${createHmac('sha256', key).update(`v0:${ts}:${text}`).digest('hex')}`;
const now = Date.parse('2026-11-26T12:00:00Z');
const ts = Math.floor(now / 1000);

describe('Slack request signatures', () => {
  it('accepts a request signed with the signing secret now', () => {
    expect(
      checkSlackSignature({
        signingSecret: secret,
        rawBody: body,
        signature: sign(ts),
        timestamp: String(ts),
        nowMs: now,
      }),
    ).toBeNull();
  });

  it('refuses a missing signature or timestamp', () => {
    expect(
      checkSlackSignature({
        signingSecret: secret,
        rawBody: body,
        signature: undefined,
        timestamp: String(ts),
        nowMs: now,
      }),
    ).toBe('missing_signature');
    expect(
      checkSlackSignature({ signingSecret: secret, rawBody: body, signature: sign(ts), timestamp: 'soon', nowMs: now }),
    ).toBe('missing_signature');
  });

  it('refuses a request older than five minutes, and one from more than five minutes ahead', () => {
    for (const skew of [-301, 301]) {
      const at = ts + skew;
      expect(
        checkSlackSignature({
          signingSecret: secret,
          rawBody: body,
          signature: sign(at),
          timestamp: String(at),
          nowMs: now,
        }),
      ).toBe('stale_timestamp');
    }
    const edge = ts - 299;
    expect(
      checkSlackSignature({
        signingSecret: secret,
        rawBody: body,
        signature: sign(edge),
        timestamp: String(edge),
        nowMs: now,
      }),
    ).toBeNull();
  });

  it('refuses another secret, a changed body and a reused signature with a new timestamp', () => {
    const check = (signature: string, rawBody = body, timestamp = ts) =>
      checkSlackSignature({ signingSecret: secret, rawBody, signature, timestamp: String(timestamp), nowMs: now });
    expect(check(sign(ts, body, 'other'))).toBe('bad_signature');
    expect(check(sign(ts), `${body}&user_id=U0BOB`)).toBe('bad_signature');
    expect(check(sign(ts), body, ts + 1)).toBe('bad_signature');
    expect(check('v0=short')).toBe('bad_signature');
  });

  it('checks the raw bytes Slack signed, not their UTF-8 decoding', () => {
    // A byte that is not UTF-8 (0xff): decoding it first would turn it into U+FFFD.
    const raw = Buffer.concat([Buffer.from(`${body}&note=`), Buffer.from([0xff])]);
    const overBytes = `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(raw).digest('hex')}`;
    const overDecoded = sign(ts, raw.toString('utf8'));
    expect(overDecoded).not.toBe(overBytes);
    const check = (signature: string) =>
      checkSlackSignature({ signingSecret: secret, rawBody: raw, signature, timestamp: String(ts), nowMs: now });
    expect(check(overBytes)).toBeNull();
    expect(check(overDecoded)).toBe('bad_signature');
  });
});
