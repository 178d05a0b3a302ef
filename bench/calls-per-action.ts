import { measureActionCosts } from './action-costs.js';
import { type Backend, POLL_CHANGES, WRITTEN } from './action-floors.js';
import { type Row, row } from './report.js';

/**
 * Calls per action (issue 19, items 2 and 4): what each action costs the governance system on
 * Okta and on PingOne, counted by the emulator that received the calls, beside its floor (the least
 * the vendor's API allows, bench/action-floors.ts says why for each). The baseline of each row is
 * its floor; the ratio is how many times the floor the action costs.
 */
export async function callsPerAction(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const backend of ['okta', 'pingone'] as Backend[]) {
    for (const cost of await measureActionCosts(backend)) {
      const written = WRITTEN[backend][cost.action];
      rows.push(
        row({
          bench: 'calls per action',
          subject: `${backend}: ${cost.action}${cost.action === 'poll cycle' ? `, ${POLL_CHANGES} changed` : ''}`,
          metric: 'governance calls',
          value: cost.calls,
          unit: 'calls',
          baseline: { subject: 'floor', value: cost.floor },
          target: 'at the floor, or within one call of it',
          met: cost.calls <= cost.floor + 1,
          ...(written && cost.calls > cost.floor + 1 ? { note: `above the floor: ${written.why}` } : {}),
        }),
      );
    }
  }
  return rows;
}
