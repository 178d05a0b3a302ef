import { IgaProblem, type SearchAfterKey } from './records.js';

/**
 * IGA's search semantics over JSON records: targetFilter matching, `_sortKeys` with `_sortType`,
 * and `_pageSize` / `_pagedResultsOffset` paging into `{ result, resultCount, totalCount, searchAfterKey }`.
 */

/** A targetFilter node: `{ operator, operand }`, with leaves `{ targetName, targetValue }`. */
export type FilterNode = { operator: string; operand: unknown };

export function filterOf(body: unknown): FilterNode | undefined {
  return (body as { targetFilter?: FilterNode } | undefined)?.targetFilter;
}

/** Dotted target names, EQUALS exact, CONTAINS case-insensitive. */
export function matches(record: unknown, node: FilterNode): boolean {
  const operator = String(node.operator ?? '').toUpperCase();
  if (operator === 'AND' || operator === 'OR' || operator === 'NOT') {
    const children = (Array.isArray(node.operand) ? node.operand : []) as FilterNode[];
    if (operator === 'AND') return children.every((child) => matches(record, child));
    if (operator === 'OR') return children.some((child) => matches(record, child));
    return !children.every((child) => matches(record, child));
  }
  const { targetName, targetValue } = (node.operand ?? {}) as { targetName?: string; targetValue?: unknown };
  if (!targetName) throw new IgaProblem(400, 'A filter leaf needs targetName');
  const value = valueAt(record, targetName);
  if (operator === 'EQUALS') return value !== undefined && value !== null && String(value) === String(targetValue);
  if (operator === 'CONTAINS') {
    return typeof value === 'string' && value.toLowerCase().includes(String(targetValue).toLowerCase());
  }
  if (operator === 'EXISTS') return value !== undefined && value !== null;
  throw new IgaProblem(400, `Unsupported filter operator ${operator}`);
}

/**
 * Sorts in place by `_sortKeys` (`-` for descending). Values compare as text unless
 * `_sortType=date` is honoured, when those that read as dates compare as instants: the reference
 * says date fields "need to use this parameter in order to be sorted properly", so without it
 * `…T18:00+09:00` sorts after `…T02:00-08:00`, though it is an hour earlier.
 */
export function sortRecords<T>(records: T[], query: Record<string, string>, honoursSortType: boolean): T[] {
  const keys = (query._sortKeys ?? '').split(',').filter(Boolean);
  const asDates = honoursSortType && query._sortType === 'date';
  return records.sort((a, b) => {
    for (const key of keys) {
      const path = key.replace(/^[-+]/, '');
      const order = compare(valueAt(a, path), valueAt(b, path), asDates);
      if (order !== 0) return key.startsWith('-') ? -order : order;
    }
    return 0;
  });
}

function compare(a: unknown, b: unknown, asDates: boolean): number {
  const x = String(a ?? '');
  const y = String(b ?? '');
  if (asDates) {
    const [s, t] = [Date.parse(x), Date.parse(y)];
    if (Number.isFinite(s) && Number.isFinite(t)) return s - t;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * One page, with `searchAfterKey` (the last entry's id) written as the tenant writes it: an array
 * (the reference's samples), a string or null (Frodo's `SearchResult` type allows all three).
 */
export function page<T>(items: T[], query: Record<string, string>, searchAfterKey: SearchAfterKey = 'array') {
  const size = Math.min(Math.max(Number(query._pageSize ?? 50) || 50, 1), 1000);
  const offset = Math.max(Number(query._pagedResultsOffset ?? 0) || 0, 0);
  const result = items.slice(offset, offset + size);
  const last = (result.at(-1) as { id?: unknown } | undefined)?.id;
  const key = typeof last === 'string' ? last : undefined;
  const after = { array: key ? [key] : [], string: key ?? '', null: null }[searchAfterKey];
  return { result, resultCount: result.length, totalCount: items.length, searchAfterKey: after };
}

export function valueAt(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
