import type { RateTable } from '../../notifier/pacing.js';

/**
 * Slack's documented limits for what the notifier calls (docs.slack.dev/apis/web-api/rate-limits):
 * chat.postMessage about one message per second per channel (short bursts tolerated), chat.update
 * Tier 3 (50+ per minute per workspace). Slack's tiers are minimums; CHAT_RATE_SCALE raises them
 * for a workspace known to allow more. A 429 still wins: its Retry-After pauses Slack deliveries.
 */
export const SLACK_RATES: RateTable = {
  // One per second on average, in windows of three so a short burst (a card and its notice) goes at once.
  'chat.postMessage': [{ points: 3, seconds: 3 }],
  'chat.update': [{ points: 50, seconds: 60 }],
  // App Home redraws after changes: Tier 4 (100+ per minute per workspace).
  'views.publish': [{ points: 100, seconds: 60 }],
};
