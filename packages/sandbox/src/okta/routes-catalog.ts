import type { FastifyInstance, FastifyRequest } from 'fastify';
import { conditionFor, isVisibleTo, requestFields } from './catalog.js';
import type { EmulatorContext } from './context.js';
import { invalidQuery, notFound, validationFailed } from './errors.js';
import { compileFilter, type FilterAttributes, FilterRejected, parseFilter } from './filter.js';
import { listLinks, pageAfter, queryParam, readLimit } from './paging.js';
import type { CatalogEntryRecord } from './records.js';
import { renderEntry } from './render.js';

const CATALOG_SCOPE = 'okta.accessRequests.catalog.read';
const FIELDS_SCOPE = 'okta.accessRequests.request.read';
const ENTRIES = '/governance/api/v2/catalogs/default/entries';

/** The catalog filter only speaks of `parent`: `not(parent pr)` for the top level, `parent eq "cen…"` below it. */
const CATALOG_ATTRIBUTES: FilterAttributes<CatalogEntryRecord> = {
  parent: { operators: ['eq', 'pr'], read: (entry) => entry.parent },
};

const MATCH_MIN = 3;
const MATCH_MAX = 50;

interface CatalogQuery {
  wanted: (entry: CatalogEntryRecord) => boolean;
  /** Set when the filter names one parent: only its children can match (read from an index). */
  parent?: string;
}

function catalogQuery(request: FastifyRequest): CatalogQuery {
  const filter = queryParam(request, 'filter');
  if (!filter) throw invalidQuery('filter', 'filter is required', 'REQUIRED_PROPERTY_MISSING');
  let inFilter: (entry: CatalogEntryRecord) => boolean;
  let parent: string | undefined;
  try {
    const expression = parseFilter(filter);
    inFilter = compileFilter(expression, CATALOG_ATTRIBUTES, { allowNot: true });
    if (expression.kind === 'compare' && expression.attribute === 'parent' && expression.operator === 'eq') {
      parent = expression.value;
    }
  } catch (error) {
    if (error instanceof FilterRejected) throw invalidQuery('filter', error.message);
    throw error;
  }
  const match = queryParam(request, 'match');
  if (match === undefined) return { wanted: inFilter, parent };
  // Okta's own wording for a match outside 3–50 characters.
  if (match.length < MATCH_MIN || match.length > MATCH_MAX) {
    const problem =
      match.length < MATCH_MIN
        ? `is too short (length: ${match.length}, required minimum: ${MATCH_MIN})`
        : `is too long (length: ${match.length}, maximum allowed: ${MATCH_MAX})`;
    throw validationFailed(
      [
        {
          errorSummary: `AccessRequestCatalog - String "${match}" ${problem}`,
          reason: 'INVALID_VALUE',
          location: '/query/match',
          locationType: 'query',
        },
      ],
      'AccessRequestCatalog',
    );
  }
  const term = match.toLowerCase();
  return { wanted: (entry) => inFilter(entry) && searchText(entry).includes(term), parent };
}

/** Name and description in lower case, computed once per entry (searches scan the whole catalog). */
const searchTexts = new WeakMap<CatalogEntryRecord, string>();
function searchText(entry: CatalogEntryRecord): string {
  let text = searchTexts.get(entry);
  if (text === undefined) {
    text = `${entry.name}\n${entry.description}`.toLowerCase();
    searchTexts.set(entry, text);
  }
  return text;
}

const byName = (a: CatalogEntryRecord, b: CatalogEntryRecord) => a.name.localeCompare(b.name, 'en');

/** Catalog v2: what can be requested, by everyone (admin view) or by one user, and what a request needs. */
export function catalogRoutes(app: FastifyInstance, context: EmulatorContext): void {
  const { org } = context;

  const list = (
    request: FastifyRequest,
    reply: Parameters<typeof listLinks>[1],
    visible: (entry: CatalogEntryRecord) => boolean,
  ) => {
    const { wanted, parent } = catalogQuery(request);
    const limit = readLimit(request, { fallback: 20 });
    // The live list, not a copy: a catalog runs to tens of thousands of entries and this only reads.
    const candidates = parent === undefined ? org.directory.entries() : org.directory.childrenOf(parent);
    const entries = candidates.filter((entry) => wanted(entry) && visible(entry)).sort(byName);
    const { page, nextAfter } = pageAfter(entries, request, limit);
    const base = context.base(request);
    return { data: page.map((entry) => renderEntry(entry, base)), _links: listLinks(request, reply, nextAfter) };
  };

  app.get(ENTRIES, async (request, reply) => {
    context.requireScope(request, CATALOG_SCOPE);
    return list(request, reply, () => true);
  });

  app.get<{ Params: { userId: string } }>(
    '/governance/api/v2/catalogs/default/user/:userId/entries',
    async (request, reply) => {
      context.requireScope(request, CATALOG_SCOPE);
      const user = org.directory.user(request.params.userId);
      if (!user) throw notFound();
      return list(request, reply, (entry) => isVisibleTo(entry, user, org.directory));
    },
  );

  app.get<{ Params: { entryId: string } }>(`${ENTRIES}/:entryId`, async (request) => {
    context.requireScope(request, CATALOG_SCOPE);
    const entry = org.directory.entries().find((candidate) => candidate.id === request.params.entryId);
    if (!entry) throw notFound();
    return renderEntry(entry, context.base(request));
  });

  app.get<{ Params: { entryId: string; userId: string } }>(
    `${ENTRIES}/:entryId/users/:userId/request-fields`,
    async (request) => {
      context.requireScope(request, FIELDS_SCOPE);
      const entry = org.directory.entries().find((candidate) => candidate.id === request.params.entryId);
      const user = org.directory.user(request.params.userId);
      if (!entry || !user) throw notFound();
      const condition = conditionFor(entry, user, org.directory);
      // What Okta answers for an entry this user may not request is not published; the operation
      // documents 200, 401 and 404 only, so: not found, for this user.
      if (!condition) throw notFound();
      return { data: requestFields(condition) };
    },
  );
}
