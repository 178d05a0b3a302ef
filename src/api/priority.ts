import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Whose turn a governance call spends, when the vendor's budget runs short:
 *
 * - `person`: someone is waiting in chat (a command, a click, a form, type-ahead). May spend a
 *   family's budget down to zero.
 * - `sync`: the notifier redrawing messages after a change. Stops short of a reserve kept for people.
 * - `background`: the poll, reminders, expiry sweeps, App Home redraws nobody asked for. Stops short
 *   of a larger reserve, so the notifier's syncs come before it.
 */
export type Priority = 'person' | 'sync' | 'background';

export const PRIORITIES: readonly Priority[] = ['person', 'sync', 'background'];

const current = new AsyncLocalStorage<Priority>();

/**
 * Runs `work`, and every call it makes however deep, at `priority`. Set where work starts (a queue's
 * job handler, the poller, reminders, a Home redraw), so no signature in between carries it.
 */
export function withPriority<T>(priority: Priority, work: () => T): T {
  return current.run(priority, work);
}

/** The priority of the work running now: a person's unless whoever started it said otherwise. */
export function currentPriority(): Priority {
  return current.getStore() ?? 'person';
}
