import { REMINDER_CHECK_SPACING_MS, reminderSettingsOf } from '../config/notifier.js';
import type { Config, OktaAuth } from '../config.js';
import { type Finding, ok, problem, unchecked } from './finding.js';
import type { FamilyName } from './okta-families.js';
import { type Probe, rateLimitOf } from './okta-probe.js';

const SUBJECT = 'rate limits';

/**
 * Polling's share of the requests family's budget may be at most this: the rest reads what changed
 * (each changed request costs a read of it and of its tasks) and answers people in chat.
 */
const POLLING_SHARE = 0.5;

/**
 * What each family answered in X-Rate-Limit-Limit, and whether the poller fits: every poll lists
 * changed requests once (`GET /governance/api/v2/requests`), and reminders (on by default) list
 * pending requests at most once every ten minutes.
 */
export function rateLimitFinding(
  probes: Readonly<Partial<Record<FamilyName, Probe<unknown>>>>,
  notifier: Config['notifier'],
  auth: OktaAuth,
): Finding {
  const limits = Object.entries(probes).flatMap(([family, result]) => {
    const limit = result && 'headers' in result ? rateLimitOf(result.headers) : undefined;
    return limit ? [{ family, limit }] : [];
  });
  if (limits.length === 0) {
    return unchecked(SUBJECT, 'not checked: no read was answered with X-Rate-Limit-Limit (see the lines above).');
  }
  const figures = limits.map(({ family, limit }) => `${family} ${limit}`).join(', ');
  const requests = limits.find(({ family }) => family === 'requests')?.limit;
  if (!requests) {
    return unchecked(
      SUBJECT,
      `calls a minute: ${figures}; the requests family gave no figure, so polling could not be weighed.`,
    );
  }
  const oauth = auth.kind === 'private_key_jwt';
  // Okta gives an OAuth app half of an endpoint's limit unless an admin raises the app's share.
  const usable = oauth ? Math.floor(requests / 2) : requests;
  // Reminders list pending requests at most once per REMINDER_CHECK_SPACING_MS, whatever the poll interval.
  const reminding = reminderSettingsOf(notifier) !== null;
  const remindersPerMinute = reminding ? 60_000 / REMINDER_CHECK_SPACING_MS : 0;
  const perMinute = 60_000 / notifier.pollIntervalMs + remindersPerMinute;
  const every = `polling every ${notifier.pollIntervalMs / 1000} s${reminding ? ' with reminders' : ''}`;
  const budget = oauth ? `the ${usable} an OAuth app gets by default (half of ${requests})` : `the ${requests}`;
  if (perMinute > usable * POLLING_SHARE) {
    const left = usable * POLLING_SHARE - remindersPerMinute;
    const minimumMs = Math.ceil(60_000 / Math.max(left, 0.1) / 1000) * 1000;
    return problem(
      SUBJECT,
      `calls a minute: ${figures}. ${capitalize(every)} lists requests ${round(perMinute)} times a minute, more than ` +
        `half of ${budget} Okta allows on /governance/api/v2/requests, leaving too little to read what changed: set ` +
        `POLL_INTERVAL_MS to at least ${minimumMs}${oauth ? ", or raise the app's rate-limit share (Admin Console > Applications > the app > Application rate limits)" : ''}.`,
    );
  }
  return ok(
    SUBJECT,
    `calls a minute: ${figures}; ${every} uses ${round(perMinute)} of ${budget} on /governance/api/v2/requests, ` +
      'leaving the rest to read what changed and answer people in chat.',
  );
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
