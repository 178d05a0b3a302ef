import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context.js';
import { invalidSearch, notFound } from './errors.js';
import { compileFilter, type FilterAttributes, FilterRejected, parseFilter } from './filter.js';
import { listLinks, pageAfter, queryParam, readLimit } from './paging.js';
import type { UserRecord } from './records.js';
import { renderUser } from './render.js';
import { SEED } from './seed.js';

const SCOPE = 'okta.users.read';

const text = (read: (user: UserRecord) => string | undefined) =>
  ({ operators: ['eq', 'sw', 'co', 'pr'], read, ignoreCase: true }) as const;
const date = (read: (user: UserRecord) => string) =>
  ({ operators: ['eq', 'gt', 'ge', 'lt', 'le'], read, kind: 'date' }) as const;

/** `search=` takes the richer operators; `filter=` only `eq` (and comparisons on lastUpdated). */
const SEARCH_ATTRIBUTES: FilterAttributes<UserRecord> = {
  id: { operators: ['eq'], read: (user) => user.id },
  status: { operators: ['eq'], read: (user) => user.status, ignoreCase: true },
  created: date((user) => user.created),
  lastUpdated: date((user) => user.lastUpdated),
  'profile.login': text((user) => user.profile.login),
  'profile.email': text((user) => user.profile.email),
  'profile.firstName': text((user) => user.profile.firstName),
  'profile.lastName': text((user) => user.profile.lastName),
  'profile.displayName': text((user) => user.profile.displayName),
  'profile.department': text((user) => user.profile.department),
  'profile.managerId': { operators: ['eq', 'pr'], read: (user) => user.profile.managerId },
};

const FILTER_ATTRIBUTES: FilterAttributes<UserRecord> = Object.fromEntries(
  Object.entries(SEARCH_ATTRIBUTES).map(([name, attribute]) => [
    name,
    { ...attribute, operators: attribute.kind === 'date' ? attribute.operators : ['eq'] },
  ]),
);

function matching(source: string, attributes: FilterAttributes<UserRecord>): (user: UserRecord) => boolean {
  try {
    return compileFilter(parseFilter(source), attributes, { allowOr: true, allowNot: false });
  } catch (error) {
    if (error instanceof FilterRejected) throw invalidSearch(error.message);
    throw error;
  }
}

/** `q` is a prefix match on first name, last name, email and login, and skips deprovisioned users. */
function quickSearch(q: string): (user: UserRecord) => boolean {
  const wanted = q.toLowerCase();
  return (user) =>
    user.status !== 'DEPROVISIONED' &&
    [user.profile.firstName, user.profile.lastName, user.profile.email, user.profile.login].some((value) =>
      value.toLowerCase().startsWith(wanted),
    );
}

/** The core Users API: search by email and read one user. Answers are plain arrays, paged by Link header. */
export function userRoutes(app: FastifyInstance, context: EmulatorContext): void {
  app.get('/api/v1/users', async (request, reply) => {
    context.requireScope(request, SCOPE);
    const all = context.org.users;
    let users = all.filter((user) => user.status !== 'DEPROVISIONED');
    const search = queryParam(request, 'search');
    const filter = queryParam(request, 'filter');
    const q = queryParam(request, 'q');
    if (search) users = all.filter(matching(search, SEARCH_ATTRIBUTES));
    if (filter) users = users.filter(matching(filter, FILTER_ATTRIBUTES));
    if (q) users = users.filter(quickSearch(q));
    // The core API clamps limit rather than refusing it.
    const { page, nextAfter } = pageAfter(users, request, readLimit(request, { fallback: 200, clamp: true }));
    listLinks(request, reply, nextAfter);
    const base = context.base(request);
    return page.map((user) => renderUser(user, base));
  });

  // Okta's public org metadata (management API getWellknownOrgMetadata): the org's id, which ORNs carry.
  app.get('/.well-known/okta-organization', async (request) => ({
    id: SEED.orgId,
    pipeline: 'idx',
    _links: { organization: { href: context.base(request) } },
  }));

  // Okta accepts the id or the login here.
  app.get<{ Params: { id: string } }>('/api/v1/users/:id', async (request) => {
    context.requireScope(request, SCOPE);
    const key = request.params.id;
    const user = context.org.users.find(
      (candidate) => candidate.id === key || candidate.profile.login.toLowerCase() === key.toLowerCase(),
    );
    if (!user) throw notFound();
    return renderUser(user, context.base(request));
  });
}
