import type { Environment } from './environment.js';
import { parseDurationMs, splitList } from './environment.js';
import { parseRoutes } from './routes.js';
import type { Config } from './types.js';

/** The notifier: approvals channels, routes, polling, reminders and expiry warnings. */

export function notifierConfig(
  vars: Environment,
  hookSecret: string | undefined,
  problems: string[],
): Config['notifier'] {
  const approvalsChannels: Record<string, string> = {};
  for (const item of splitList(vars.APPROVALS_CHANNELS ?? '', ',')) {
    const match = /^(slack|teams)\s*[:=]\s*(\S+)$/.exec(item);
    if (match?.[1] && match[2]) approvalsChannels[match[1]] = match[2];
    else problems.push(`APPROVALS_CHANNELS entry "${item}" must look like slack:C0123456 or teams:19:abc@thread.tacv2`);
  }
  const { routes, problems: routeProblems } = parseRoutes(vars.APPROVALS_ROUTES ?? '');
  problems.push(...routeProblems);
  const expiryWarningsMs: number[] = [];
  const warningList =
    vars.ACCESS_EXPIRY_WARNINGS?.toLowerCase() === 'none' ? '' : (vars.ACCESS_EXPIRY_WARNINGS ?? '24h,1h');
  for (const item of splitList(warningList, ',')) {
    const ms = parseDurationMs(item);
    if (ms && ms > 0) expiryWarningsMs.push(ms);
    else problems.push(`ACCESS_EXPIRY_WARNINGS entry "${item}" must be a duration like 24h or 30m`);
  }
  return {
    approvalsChannels,
    pollIntervalMs: vars.POLL_INTERVAL_MS,
    reminderAfterMs: vars.REMINDER_AFTER,
    oktaEventHookSecret: hookSecret,
    routes,
    expiryWarningsMs: [...new Set(expiryWarningsMs)].sort((a, b) => b - a),
    rateScale: vars.CHAT_RATE_SCALE,
  };
}
