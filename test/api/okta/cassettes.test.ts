import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OktaGovernance } from '../../../src/api/okta/client.js';
import { accessRequestList, catalogEntryList } from '../../../src/api/okta/wire.js';
import type { Principal } from '../../../src/domain/types.js';
import { createMetrics } from '../../../src/metrics.js';
import { header, jsonOf, loadAllCassettes, loadCassette, type RecordedInteraction } from '../../support/cassettes.js';

/**
 * Okta's own answers, recorded by its Go SDK against a real preview org (PROVENANCE.md in
 * test/fixtures/okta-cassettes), replayed through Gatehouse's Okta client. Unlike the emulator and
 * the hand-written fixtures, nobody on this project wrote these bodies or headers.
 */

const REQUESTS = '/governance/api/v2/requests';
const ADMIN_ENTRIES = '/governance/api/v2/catalogs/default/entries';
const USER_ENTRIES = '/governance/api/v2/catalogs/default/user/{userId}/entries';

const all = loadAllCassettes();
const requestList = only('requests/list_all_requests_v2');
const userEntries = only('catalogs/list_all_default_user_entries');
// The org the SDK recorded against, so the client calls exactly the recorded host.
const ORG = requestList.url.origin;
const recordedUser: Principal = {
  id: /\/user\/([^/]+)\//.exec(userEntries.url.pathname)?.[1] ?? '',
  email: 'recorded-user@example.com',
  displayName: 'Recorded user',
  active: true,
};

function only(cassette: string): RecordedInteraction {
  const [interaction, ...rest] = loadCassette(cassette);
  if (!interaction || rest.length > 0) throw new Error(`${cassette}: expected exactly one interaction`);
  return interaction;
}

/** The endpoint an interaction hit, with the user id in the path generalised. */
function endpointOf(interaction: RecordedInteraction): string {
  return interaction.url.pathname.replace(/\/user\/[^/]+\//, '/user/{userId}/');
}

/**
 * A client whose clock reads the recording's own Date, so the recorded X-Rate-Limit-Reset lies
 * ahead of it as it did for the SDK; and which refuses to wait for any rate-limit pause, so a
 * pause the recorded headers caused would surface as an error instead of a slow test.
 */
function clientAt(interaction: RecordedInteraction, options: { catalogFreshMs?: number } = {}): OktaGovernance {
  const recordedAt = Date.parse(header(interaction, 'date') ?? '');
  return new OktaGovernance({
    ...options,
    orgUrl: ORG,
    auth: { kind: 'ssws', token: 'test-token' },
    timeoutMs: 2000,
    baseBackoffMs: 5,
    maxRateLimitWaitMs: 0,
    metrics: createMetrics(),
    now: () => recordedAt,
  });
}

/**
 * Answers the recorded body and headers (every value: Link is sent as several headers, as Okta
 * did) on the recorded path, whatever query the client sends: Gatehouse asks for its own filters
 * and page sizes, and Okta's answer shape does not depend on them. Returns the paths+queries sent.
 */
function replay(interaction: RecordedInteraction, times = 1): string[] {
  const sent: string[] = [];
  nock(ORG)
    .intercept(interaction.url.pathname, interaction.method)
    .query(true)
    .times(times)
    .reply(interaction.status, interaction.body, interaction.headers)
    .on('request', (req: { path: string }) => sent.push(decodeURIComponent(req.path.replace(/\+/g, ' '))));
  return sent;
}

interface RecordedLink {
  rel: string;
  host: string;
  path: string;
}

function linkHeaderOf(interaction: RecordedInteraction): RecordedLink[] {
  return (interaction.headers.link ?? []).flatMap((value) =>
    value.split(/,(?=\s*<)/).map((part) => {
      const [, href = '', rel = ''] = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part) ?? [];
      const url = new URL(href);
      return { rel, host: url.host, path: url.pathname };
    }),
  );
}

function bodyLinksOf(interaction: RecordedInteraction): RecordedLink[] {
  const body = jsonOf(interaction) as { _links?: Record<string, { href: string }> };
  return Object.entries(body._links ?? {}).map(([rel, { href }]) => {
    const url = new URL(href);
    return { rel, host: url.host, path: url.pathname };
  });
}

function listItemsOf(interaction: RecordedInteraction): Record<string, unknown>[] {
  return (jsonOf(interaction) as { data: Record<string, unknown>[] }).data;
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('recorded responses through the Okta client', () => {
  describe(`GET ${REQUESTS} (requests/list_all_requests_v2)`, () => {
    // The preview org had no requests: the recording is `{"data":[],"_links":{"self":…}}`, so what
    // it can show is that Gatehouse parses the envelope, its links and headers, not an item.
    it('listRequests shows the recorded list (empty) and finds no next page in the rel="self"-only links', async () => {
      const sent = replay(requestList);
      const page = await clientAt(requestList).listRequests({ requestedFor: recordedUser.id });
      expect(page).toEqual({ items: [], cursor: undefined });
      expect(sent).toEqual([`${REQUESTS}?filter=requestedFor eq "${recordedUser.id}"&limit=50&orderBy=created desc`]);
    });

    it('listChanges shows no changes and no next page, then asks which tasks changed', async () => {
      const sent = replay(requestList);
      // No cassette records the Tasks API (Beta): its empty page here is ours, in TaskList's shape.
      const tasksAsked: string[] = [];
      nock(ORG)
        .get('/governance/api/v2/tasks')
        .query(true)
        .reply(200, { data: [], _links: { self: { href: `${ORG}/governance/api/v2/tasks` } } })
        .on('request', (req: { path: string }) => tasksAsked.push(decodeURIComponent(req.path.replace(/\+/g, ' '))));
      const since = '2026-03-11T09:00:00.000Z';
      const page = await clientAt(requestList).listChanges({ updatedSince: since });
      expect(page).toEqual({ items: [], cursor: undefined });
      expect(sent).toEqual([`${REQUESTS}?filter=lastUpdated gt "${since}"&limit=100&orderBy=lastUpdated asc`]);
      expect(tasksAsked).toEqual([
        `/governance/api/v2/tasks?filter=updatedAt gt "${since}"&orderBy=updatedAt asc&limit=200`,
      ]);
    });

    it('listAccess finds no granted request, so it looks up no grants', async () => {
      const sent = replay(requestList);
      await expect(clientAt(requestList).listAccess(recordedUser)).resolves.toEqual([]);
      expect(sent).toHaveLength(1);
    });

    it('ping accepts it', async () => {
      replay(requestList);
      await expect(clientAt(requestList).ping()).resolves.toBeUndefined();
    });

    it('the recorded window (29 of 30 left, Reset 60 s ahead) does not hold the next call', async () => {
      expect([header(requestList, 'x-rate-limit-remaining'), header(requestList, 'x-rate-limit-limit')]).toEqual([
        '29',
        '30',
      ]);
      const sent = replay(requestList, 2);
      const client = clientAt(requestList);
      await client.listRequests({});
      await expect(client.listRequests({})).resolves.toEqual({ items: [], cursor: undefined });
      expect(sent).toHaveLength(2);
    });
  });

  describe(`GET ${USER_ENTRIES} (catalogs/list_all_default_user_entries)`, () => {
    it('searchCatalog with no search term lists the top-level entries: none, and no children are fetched', async () => {
      const sent = replay(userEntries);
      await expect(clientAt(userEntries).searchCatalog(recordedUser, '', 10)).resolves.toEqual([]);
      expect(sent).toEqual([`${userEntries.url.pathname}?filter=not(parent pr)&limit=200`]);
    });

    it('searchCatalog with a term reads the person’s apps with the documented filter and finds nothing', async () => {
      // The recorded user may request nothing: no app, so no access level to read either.
      const sent = replay(userEntries, 1);
      await expect(clientAt(userEntries).searchCatalog(recordedUser, 'test', 10)).resolves.toEqual([]);
      expect(sent).toEqual([`${userEntries.url.pathname}?filter=not(parent pr)&limit=200`]);
    });

    it('the recorded window (49 of 50 left) does not hold the next call', async () => {
      const sent = replay(userEntries, 2);
      // Read afresh on every search, so the second call meets the window the first one left.
      const client = clientAt(userEntries, { catalogFreshMs: 0 });
      await client.searchCatalog(recordedUser, '', 10);
      await expect(client.searchCatalog(recordedUser, '', 10)).resolves.toEqual([]);
      expect(sent).toHaveLength(2);
    });
  });

  // Gatehouse never calls the admin listing (it lists per user), but its answer has the same
  // schema in the spec, so its recorded bodies check the client's schema too.
  describe("every recorded body parses with the client's wire schema", () => {
    const schemaFor: Record<string, typeof accessRequestList | typeof catalogEntryList> = {
      [REQUESTS]: accessRequestList,
      [ADMIN_ENTRIES]: catalogEntryList,
      [USER_ENTRIES]: catalogEntryList,
    };
    it.each(all.map((interaction) => [interaction.cassette, interaction] as const))('%s', (_name, interaction) => {
      const schema = schemaFor[endpointOf(interaction)];
      if (!schema) throw new Error(`no client schema for ${endpointOf(interaction)}: copy only what the client reads`);
      const parsed = schema.safeParse(jsonOf(interaction));
      expect(parsed.error?.issues).toBeUndefined();
    });
  });
});

/**
 * The truth the Okta emulator (packages/sandbox) must match, read straight from the recordings.
 * Each check states what the recordings show, including where they cannot settle a question.
 */
describe('what a real org answers', () => {
  it('X-Rate-Limit-Limit is 30 on requests and 50 on both catalog listings', () => {
    const limits: Record<string, string[]> = {};
    for (const interaction of all) {
      const endpoint = `${interaction.method} ${endpointOf(interaction)}`;
      limits[endpoint] = [
        ...new Set([...(limits[endpoint] ?? []), ...(interaction.headers['x-rate-limit-limit'] ?? [])]),
      ];
    }
    expect(limits).toEqual({
      [`GET ${REQUESTS}`]: ['30'],
      [`GET ${ADMIN_ENTRIES}`]: ['50'],
      [`GET ${USER_ENTRIES}`]: ['50'],
    });
  });

  // Calls one or two seconds apart: the admin listing's three share one window (47, 46, 45 left,
  // same Reset), while the user listing a second later starts a window of its own at 49, so the
  // two catalog endpoints are counted apart. Reset is epoch seconds, at most a minute ahead.
  it('each endpoint counts calls in its own window; Reset is epoch seconds at most 60 s ahead', () => {
    const windows = all.map((interaction) => ({
      cassette: interaction.cassette,
      remaining: Number(header(interaction, 'x-rate-limit-remaining')),
      resetInSeconds:
        Number(header(interaction, 'x-rate-limit-reset')) - Date.parse(header(interaction, 'date') ?? '') / 1000,
    }));
    expect(windows).toEqual([
      { cassette: 'catalogs/get_catalog_entry', remaining: 45, resetInSeconds: 18 },
      { cassette: 'catalogs/list_all_default_entries', remaining: 47, resetInSeconds: 19 },
      { cassette: 'catalogs/list_all_default_entries_with_match', remaining: 46, resetInSeconds: 19 },
      { cassette: 'catalogs/list_all_default_user_entries', remaining: 49, resetInSeconds: 60 },
      { cassette: 'requests/list_all_requests_v2', remaining: 29, resetInSeconds: 60 },
    ]);
  });

  it('no recording shows a spent window (X-Rate-Limit-Remaining: 0) or a 429', () => {
    expect(all.filter((interaction) => header(interaction, 'x-rate-limit-remaining') === '0')).toEqual([]);
    expect(all.map((interaction) => interaction.status)).toEqual(all.map(() => 200));
  });

  // The spec's request-sparse-2 says list items leave out requesterFieldValues and accessDuration;
  // the preview org had no requests, so no recording holds a list item to show it.
  it('the recorded request list holds no items, so it cannot show which fields list items leave out', () => {
    expect(listItemsOf(requestList)).toEqual([]);
  });

  it.skipIf(listItemsOf(requestList).length === 0)(
    `list items of ${REQUESTS} carry no requesterFieldValues or accessDuration`,
    () => {
      for (const item of listItemsOf(requestList)) {
        expect(item).not.toHaveProperty('requesterFieldValues');
        expect(item).not.toHaveProperty('accessDuration');
      }
    },
  );

  it('requests link to the -admin host; catalog listings link to the org host itself, and to atspoke', () => {
    const links = Object.fromEntries(
      all.map((interaction) => [
        interaction.cassette,
        { header: linkHeaderOf(interaction), body: bodyLinksOf(interaction) },
      ]),
    );
    const orgHost = new URL(ORG).host;
    const adminHost = orgHost.replace(/^([^.]+)\./, '$1-admin.');
    const atspokeHost = orgHost.replace(/^([^.]+)\./, '$1.at.');
    const catalogLinks = [
      // The user listing's self link names the admin listing's path, not the path that was called.
      { rel: 'self', host: orgHost, path: ADMIN_ENTRIES },
      { rel: 'atspoke', host: atspokeHost, path: '/next/request-types/all' },
      { rel: 'match', host: orgHost, path: ADMIN_ENTRIES },
    ];
    const catalogs = {
      header: catalogLinks,
      body: catalogLinks,
    };
    expect(links).toEqual({
      'catalogs/get_catalog_entry': catalogs,
      'catalogs/list_all_default_entries': catalogs,
      'catalogs/list_all_default_entries_with_match': catalogs,
      'catalogs/list_all_default_user_entries': catalogs,
      'requests/list_all_requests_v2': {
        header: [{ rel: 'self', host: adminHost, path: REQUESTS }],
        body: [{ rel: 'self', host: adminHost, path: REQUESTS }],
      },
    });
  });

  it('no recording has a next link, so none shows how Okta pages', () => {
    const nextLinks = all.flatMap((interaction) =>
      [...linkHeaderOf(interaction), ...bodyLinksOf(interaction)].filter((link) => link.rel === 'next'),
    );
    expect(nextLinks).toEqual([]);
  });
});
