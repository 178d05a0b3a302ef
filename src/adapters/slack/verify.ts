import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window. Bolt only refuses old timestamps; Gatehouse refuses future ones too. */
export const SIGNATURE_WINDOW_SECONDS = 5 * 60;

export type SignatureProblem = 'missing_signature' | 'stale_timestamp' | 'bad_signature';

/**
 * Checks Slack's v0 request signature: HMAC-SHA256 of `v0:<timestamp>:<raw body>` keyed by the
 * signing secret, compared in constant time, with the timestamp within five minutes of now either
 * way. Returns what is wrong, or null when the request is Slack's.
 *
 * The body is the bytes as received: Slack signs bytes, and decoding first would turn a byte that
 * is not UTF-8 into U+FFFD, so Slack's own signature would fail and one over the decoded text would
 * pass. A string is taken as its UTF-8 bytes.
 */
export function checkSlackSignature(input: {
  signingSecret: string;
  rawBody: Buffer | string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs?: number;
}): SignatureProblem | null {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing_signature';
  const now = Math.floor((input.nowMs ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return 'stale_timestamp';
  const hmac = createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`);
  const expected = `v0=${hmac.update(input.rawBody).digest('hex')}`;
  const given = Buffer.from(signature);
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'bad_signature';
  return null;
}
