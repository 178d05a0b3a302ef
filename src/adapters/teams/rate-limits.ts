import type { RateTable } from '../../notifier/pacing.js';

/**
 * Teams' documented bot limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
 * per bot and conversation, 7 sends per second and 60 per 30 s (creating a conversation counts the
 * same); per app and tenant about 30 requests per second (another Microsoft answer says 50; the
 * lower one is kept). A 429 still wins: Teams deliveries back off and retry.
 */
export const TEAMS_RATES: RateTable = {
  send: [
    { points: 7, seconds: 1 },
    { points: 60, seconds: 30 },
  ],
  create: [
    { points: 7, seconds: 1 },
    { points: 60, seconds: 30 },
  ],
  tenant: [{ points: 30, seconds: 1 }],
};
