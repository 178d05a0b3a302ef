import type { AccessView } from '../../../flows/index.js';
import { CARD_VERSION, type Card } from './request-card.js';
import { entryText, escapeWithin, teamsTime } from './text.js';

/** Entries on one "my access" card; Teams cards stay small (28 KB) and readable. */
export const ACCESS_LIMIT = 30;

export const NO_ACCESS =
  'You have no access through Gatehouse yet. To ask for something, write “request” and what you need, e.g. “request Figma Editor for 3 days because design review”, or just “request” for the form.';

const STATUS: Record<AccessView['status'], string> = {
  active: 'Active',
  scheduled: 'Scheduled',
  expired: 'Ended',
  inactive: 'Not active',
};

/**
 * `my access` as one card: each thing the person holds, whether it is active, when time-bound access
 * ends (dates as the request cards show them), and what could not be read about it when the backend
 * did not say.
 */
export function accessCard(items: AccessView[]): Card {
  const body: Card[] = [{ type: 'TextBlock', text: 'Your access', size: 'Medium', weight: 'Bolder', wrap: true }];
  if (items.length === 0) body.push({ type: 'TextBlock', text: NO_ACCESS, wrap: true });
  // In the flow's order (the soonest to end first), as every platform shows it.
  for (const item of items.slice(0, ACCESS_LIMIT)) body.push(row(item));
  if (items.length > ACCESS_LIMIT) {
    body.push({
      type: 'TextBlock',
      text: `…and ${items.length - ACCESS_LIMIT} more in the governance portal.`,
      wrap: true,
    });
  }
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
  };
}

function row(item: AccessView): Card {
  const items: Card[] = [
    { type: 'TextBlock', text: `**${entryText(item.entry.name)}**`, wrap: true },
    { type: 'TextBlock', text: whenLine(item), wrap: true, isSubtle: true, spacing: 'None' },
  ];
  if (item.caveat) {
    items.push({ type: 'TextBlock', text: `ℹ️ ${escapeWithin(item.caveat, 500)}`, wrap: true, spacing: 'None' });
  }
  return { type: 'Container', separator: true, items };
}

function whenLine(item: AccessView): string {
  const status = STATUS[item.status] ?? STATUS.inactive;
  const since = item.grantedAt ? ` · since ${teamsTime(item.grantedAt)}` : '';
  if (!item.expiresAt) return `${status}${since} · no end date`;
  const verb = item.status === 'expired' ? 'ended' : 'ends';
  return `${status}${since} · ${verb} ${teamsTime(item.expiresAt)}`;
}
