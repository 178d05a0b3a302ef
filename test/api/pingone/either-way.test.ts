import { SEED } from '@gatehouse/sandbox/okta';
import {
  createPingOneTenant,
  type PingOneTenant,
  type PingOneTenantOptions,
  pingOneEmulator,
} from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance } from '../../../src/api/pingone/client.js';
import type { Principal } from '../../../src/domain/types.js';
import { pingOneClient } from './client.js';

/**
 * What the wire audit (../shared/reference/audits/governance-wire-2026-12.md) left unconfirmed,
 * handled whichever way a tenant answers: where entitlement names are kept (P5), what
 * `_action=create` answers (P7), and where and how everyone's requests are searched (P9). Each
 * way is a setting of the emulated tenant, whose default is what Ping's own UI code implies.
 */

const { users: U, entries: E } = SEED;
const HOUR = 3_600_000;
const GOV = '/iga/governance';

interface Served {
  tenant: PingOneTenant;
  governance: PingOneGovernance;
  /** Moves the tenant's (and Gatehouse's) clock on. */
  later(ms: number): void;
}

const opened: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function serve(options: PingOneTenantOptions = {}): Promise<Served> {
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const tenant = createPingOneTenant({ now, ...options });
  const app = Fastify();
  await app.register(pingOneEmulator, { tenant });
  await app.listen({ port: 0, host: '127.0.0.1' });
  opened.push(app);
  const tenantUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const governance = pingOneClient(tenantUrl, now);
  return { tenant, governance, later: (ms) => (ahead += ms) };
}

async function principal({ governance }: Served, id: string): Promise<Principal> {
  const found = await governance.getPrincipal(id);
  if (!found) throw new Error(`no principal ${id}`);
  return found;
}

function create({ tenant }: Served, userId: string, entryId: string) {
  const [created] = tenant.create(
    { users: [userId], catalogs: [{ type: 'entitlement', id: entryId }] },
    tenant.serviceAccountId,
  ).result;
  if (!created) throw new Error('not created');
  return created;
}

const calls = ({ tenant }: Served, method: string, path: string | RegExp) =>
  tenant.calls.filter(
    (call) => call.method === method && (typeof path === 'string' ? call.path === path : path.test(call.path)),
  );

describe('P5: an entitlement’s name, kept where Ping’s UI reads it or on the entitlement', () => {
  it.each([
    ['descriptor.idx./entitlement.displayName, as Ping’s UI reads and searches it (the default)', 'descriptor'],
    ['entitlement.displayName', 'entitlement'],
  ] as const)('is found by a catalog search and shown everywhere when kept at %s', async (_where, names) => {
    const served = await serve({ entitlementNames: names });
    // Renamed in IGA: only the entitlement's display name says "Pipeline Reviewer".
    served.tenant.renameEntitlement(E.salesforceSalesUser.id, 'Pipeline Reviewer');
    const alice = await principal(served, U.alice.id);

    const found = await served.governance.searchCatalog(alice, 'pipeline reviewer', 10);
    expect(found).toEqual([
      expect.objectContaining({ id: E.salesforceSalesUser.id, name: 'Salesforce — Pipeline Reviewer' }),
    ]);

    const request = create(served, U.alice.id, E.salesforceSalesUser.id);
    const read = await served.governance.getRequest(request.id);
    expect(read?.entry).toEqual({ id: E.salesforceSalesUser.id, name: 'Salesforce — Pipeline Reviewer' });
    served.tenant.decide(request.id, 'approve', undefined, U.bob.id);
    const held = await served.governance.listAccess(alice);
    expect(held.find((grant) => grant.entry.id === E.salesforceSalesUser.id)?.entry.name).toBe(
      'Salesforce — Pipeline Reviewer',
    );
  });
});

describe('P7: what `_action=create` answers', () => {
  async function createFor(served: Served) {
    const alice = await principal(served, U.alice.id);
    return served.governance.createRequest({ requester: alice, requestedFor: alice, entryId: E.zoomPro.id });
  }
  const reads = (served: Served) => calls(served, 'GET', new RegExp(`^${GOV}/requests/[^/]+$`));
  const lookBacks = (served: Served) => calls(served, 'POST', `${GOV}/user/${U.alice.id}/requests`);

  it('takes the created request as IGA gives it, whole (the default): nothing more is read', async () => {
    const served = await serve();
    const created = await createFor(served);
    expect(created).toMatchObject({ status: 'pending', entry: { id: E.zoomPro.id }, requestedFor: { id: U.alice.id } });
    expect(served.tenant.requests.map((r) => r.id)).toEqual([created.id]);
    expect([...reads(served), ...lookBacks(served)]).toEqual([]);
  });

  it('reads the request once when IGA answers with its id alone', async () => {
    const served = await serve({ createAnswer: 'ids' });
    const created = await createFor(served);
    expect(served.tenant.requests.map((r) => r.id)).toEqual([created.id]);
    expect(created).toMatchObject({ status: 'pending', entry: { id: E.zoomPro.id }, steps: [{ status: 'pending' }] });
    expect(reads(served).map((call) => call.path)).toEqual([`${GOV}/requests/${created.id}`]);
  });

  it('shows the request as submitted, not as failed, when it cannot be read back at once', async () => {
    const served = await serve({ createAnswer: 'ids' });
    served.tenant.faults.push({ method: 'GET', path: new RegExp(`^${GOV}/requests/`), status: 404, times: 1 });
    const created = await createFor(served);
    expect(served.tenant.requests.map((r) => r.id)).toEqual([created.id]);
    expect(created).toMatchObject({ status: 'submitted', entry: { id: E.zoomPro.id, name: 'Zoom — Pro License' } });
  });

  it('finds the request among the person’s newest when IGA names none, and creates nothing more', async () => {
    const served = await serve({ createAnswer: 'none' });
    // An older request for the same item, already decided, is not the one just made.
    const older = create(served, U.alice.id, E.zoomPro.id);
    served.tenant.decide(older.id, 'reject', undefined, U.dana.id, 'not now');
    served.later(2 * HOUR);
    const created = await createFor(served);
    const made = served.tenant.requests.at(-1);
    expect(served.tenant.requests).toHaveLength(2);
    expect(created).toMatchObject({ id: made?.id, status: 'pending', entry: { id: E.zoomPro.id } });
    expect(calls(served, 'POST', `${GOV}/requests`).filter((call) => call.action === 'create')).toHaveLength(1);
    expect(lookBacks(served)).toHaveLength(1);
  });
});

describe('P9: where everyone’s requests are searched', () => {
  const at = (served: Served, path: string) =>
    calls(served, 'POST', `${GOV}${path}`).filter((call) => call.action === 'search');

  it('searches at /requests/search, as Ping’s UI has since 2026-03, on a tenant that retired the older search', async () => {
    const served = await serve({ servesRequestsSearchAction: false });
    const request = create(served, U.alice.id, E.zoomPro.id);
    const pending = await served.governance.listRequests({ status: ['pending'] });
    expect(pending.items.map((r) => r.id)).toEqual([request.id]);
    const changes = await served.governance.listChanges({ updatedSince: new Date(Date.now() - HOUR).toISOString() });
    expect(changes.items.map((change) => change.id)).toEqual([request.id]);
    expect(at(served, '/requests/search').length).toBeGreaterThanOrEqual(2);
    expect(at(served, '/requests')).toEqual([]);
  });

  it('falls back to /requests?_action=search on a tenant without the newer one (404), once for the process', async () => {
    const served = await serve({ servesRequestsSearch: false });
    const request = create(served, U.alice.id, E.zoomPro.id);
    const since = new Date(Date.now() - HOUR).toISOString();
    expect((await served.governance.listChanges({ updatedSince: since })).items.map((c) => c.id)).toEqual([request.id]);
    expect((await served.governance.listChanges({ updatedSince: since })).items.map((c) => c.id)).toEqual([request.id]);
    expect((await served.governance.listRequests({ status: ['pending'] })).items.map((r) => r.id)).toEqual([
      request.id,
    ]);
    expect(at(served, '/requests/search').map((call) => call.status)).toEqual([404]);
    // Each poll: the changes by date, then the open requests; then the list.
    expect(at(served, '/requests').map((call) => call.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('falls back too where the tenant reads `search` as a request id and refuses the action (400)', async () => {
    const served = await serve();
    served.tenant.faults.push({ path: new RegExp(`^${GOV}/requests/search$`), status: 400, times: 100 });
    const request = create(served, U.alice.id, E.zoomPro.id);
    const since = new Date(Date.now() - HOUR).toISOString();
    expect((await served.governance.listChanges({ updatedSince: since })).items.map((c) => c.id)).toEqual([request.id]);
    expect((await served.governance.listChanges({ updatedSince: since })).items.map((c) => c.id)).toEqual([request.id]);
    // The newer path refused once; the older one answers from then on.
    expect(at(served, '/requests/search')).toHaveLength(1);
    expect(at(served, '/requests').map((call) => call.status)).toEqual([200, 200, 200, 200]);
  });

  it.each([
    ['an array, as the reference’s samples', 'array'],
    ['a string', 'string'],
    ['null', 'null'],
  ] as const)('reads a search answer whose searchAfterKey is %s', async (_what, searchAfterKey) => {
    const served = await serve({ searchAfterKey });
    const request = create(served, U.alice.id, E.zoomPro.id);
    expect((await served.governance.listRequests({ status: ['pending'] })).items.map((r) => r.id)).toEqual([
      request.id,
    ]);
    expect((await served.governance.listRequests({ requestedFor: U.alice.id })).items.map((r) => r.id)).toEqual([
      request.id,
    ]);
    expect((await served.governance.searchCatalog(await principal(served, U.alice.id), 'zoom', 5)).length).toBe(1);
    expect((await served.governance.listPendingApprovals(await principal(served, U.dana.id))).length).toBe(1);
  });
});

describe('P9: the poll’s order', () => {
  // With _sortType=date every key is read as a date, so a second key (an id) is never sent.
  it('sorts by the modification date alone, as a date', async () => {
    const served = await serve();
    create(served, U.alice.id, E.zoomPro.id);
    await served.governance.listChanges({ updatedSince: new Date(Date.now() - HOUR).toISOString() });
    const sorts = served.tenant.calls
      .filter((call) => call.path === `${GOV}/requests/search`)
      .map((call) => [call.query._sortKeys, call.query._sortType]);
    // By modification date, then the open requests, newest first (the poll's second look).
    expect(sorts).toEqual([
      ['-metadata.modifiedDate', 'date'],
      ['-decision.startDate', 'date'],
    ]);
  });
});
