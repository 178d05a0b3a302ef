import type { TargetFilter } from './wire.js';

/** IGA's governance API: catalog, requests and each user's requests, approvals and grants. */
export const GOV = '/iga/governance';

/** `path` with these query parameters set (undefined ones left out), keeping those it has. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const [base, existing] = path.split('?');
  const params = new URLSearchParams(existing);
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return `${base}?${params.toString()}`;
}

/**
 * Date keys sort as dates only with `_sortType=date` (the reference: special fields "need to use
 * this parameter in order to be sorted properly"); without it they sort as text, which misorders
 * dates written in different UTC offsets.
 */
export const NEWEST_REQUEST_FIRST = { _sortKeys: '-decision.startDate', _sortType: 'date' } as const;
export const LATEST_CHANGE_FIRST = { _sortKeys: '-metadata.modifiedDate', _sortType: 'date' } as const;

/** A filter every request passes (no request has an empty id). */
export const ALL: TargetFilter = {
  operator: 'NOT',
  operand: [{ operator: 'EQUALS', operand: { targetName: 'id', targetValue: '' } }],
};

export function statusFilter(statuses: string[]): TargetFilter {
  return {
    operator: 'OR',
    operand: statuses.map((status) => ({
      operator: 'EQUALS',
      operand: { targetName: 'decision.status', targetValue: status },
    })),
  };
}
