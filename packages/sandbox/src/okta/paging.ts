import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalidQuery } from './errors.js';

/** One query parameter; repeated parameters count as their first value. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `limit`, refused outside 1–`max` as the governance APIs do (the core API clamps instead). */
export function readLimit(
  request: FastifyRequest,
  options: { fallback: number; max?: number; clamp?: boolean },
): number {
  const max = options.max ?? 200;
  const raw = queryParam(request, 'limit');
  if (raw === undefined || raw === '') return options.fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || (!options.clamp && (limit < 1 || limit > max))) {
    throw invalidQuery('limit', `limit must be an integer between 1 and ${max}`);
  }
  return Math.min(Math.max(limit, 1), max);
}

/** Orders a list by a timestamp, keeping the original order for ties so cursors stay stable. */
export function orderByTime<T>(items: readonly T[], time: (item: T) => string, direction: 'asc' | 'desc'): T[] {
  const sorted = items
    .map((item, index) => ({ item, index, at: Date.parse(time(item)) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ item }) => item);
  return direction === 'desc' ? sorted.reverse() : sorted;
}

/** Reads `orderBy` ("created desc") against the fields an endpoint sorts on. */
export function readOrderBy<F extends string>(
  request: FastifyRequest,
  fields: readonly F[],
  fallback: F,
): { field: F; direction: 'asc' | 'desc' } {
  const raw = queryParam(request, 'orderBy')?.trim();
  if (!raw) return { field: fallback, direction: 'asc' };
  const [field, direction = 'asc', ...rest] = raw.split(/\s+/);
  if (!fields.includes(field as F) || (direction !== 'asc' && direction !== 'desc') || rest.length > 0) {
    throw invalidQuery('orderBy', `orderBy must be one of ${fields.map((name) => `"${name} asc|desc"`).join(', ')}`);
  }
  return { field: field as F, direction };
}

/** The page after the `after` cursor (the id of the last item the client saw). */
export function pageAfter<T extends { id: string }>(
  items: readonly T[],
  request: FastifyRequest,
  limit: number,
): { page: T[]; nextAfter?: string } {
  const after = queryParam(request, 'after');
  let start = 0;
  if (after !== undefined) {
    const index = items.findIndex((item) => item.id === after);
    if (after === '' || index < 0) throw invalidQuery('after', `after "${after}" does not name an item of this list`);
    start = index + 1;
  }
  const page = items.slice(start, start + limit);
  const last = page.at(-1);
  return { page, ...(start + limit < items.length && last ? { nextAfter: last.id } : {}) };
}

interface Link {
  href: string;
  hints: Record<string, never>;
}

/** `_links.self` / `_links.next` for a list envelope, and the same as a Link header on the reply. */
export function listLinks(
  request: FastifyRequest,
  reply: FastifyReply,
  nextAfter: string | undefined,
): { self: Link; next?: Link } {
  const self = new URL(request.url, originOf(request)).toString();
  const links: { self: Link; next?: Link } = { self: { href: self, hints: {} } };
  const header = [`<${self}>; rel="self"`];
  if (nextAfter) {
    const next = new URL(self);
    next.searchParams.set('after', nextAfter);
    links.next = { href: next.toString(), hints: {} };
    header.push(`<${next.toString()}>; rel="next"`);
  }
  reply.header('link', header.join(', '));
  return links;
}

/** Scheme, host and port as the client addressed us. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
