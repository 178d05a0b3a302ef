import { createHmac } from 'node:crypto';

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type'?: string;
}

/**
 * Signs a request body as Slack signs what it sends to the app's Request URL: `v0=` and the hex
 * HMAC-SHA256, keyed by the signing secret, of `v0:<timestamp>:<raw body>`
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack/). `timestamp` is in seconds
 * (default: now). `contentType` is added when given, so the headers can be sent as they are.
 */
export function signSlackRequest(options: {
  signingSecret: string;
  /** The body as sent: Slack signs its bytes (a string is signed as its UTF-8 bytes). */
  body: string | Buffer;
  timestamp?: number;
  contentType?: string;
}): SlackSignatureHeaders {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const digest = createHmac('sha256', options.signingSecret)
    .update(`v0:${timestamp}:`)
    .update(options.body)
    .digest('hex');
  return {
    'x-slack-signature': `v0=${digest}`,
    'x-slack-request-timestamp': String(timestamp),
    ...(options.contentType ? { 'content-type': options.contentType } : {}),
  };
}
