import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaFlows, ok, refused, slackPerson, startOktaFlows } from '../../flows/helpers.js';

/**
 * A request takes its entry (name, app name, open to this person) from the person's own catalog
 * when it was read within its time, as it is after they looked at it to choose: only what Okta
 * alone can say is asked (their form for the entry, their open requests, the create and what it
 * settled into). Counted by the emulated org, which receives every call.
 */

const { users: U, entries: E, groups: G } = SEED;
const FRESH_MS = 5 * 60_000;

const started: OktaFlows[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((one) => one.close()));
});

async function emulated(): Promise<OktaFlows & { advance: (ms: number) => void; made: (from: number) => string[] }> {
  let ahead = 0;
  const now = () => Date.now() + ahead;
  const world = await startOktaFlows({}, { org: { now }, client: { now, catalogFreshMs: FRESH_MS } });
  started.push(world);
  return {
    ...world,
    advance: (ms) => {
      ahead += ms;
    },
    made: (from) => world.org.calls.slice(from).map((call) => `${call.method} ${call.path}`),
  };
}

const entryRead = (id: string) => `GET /governance/api/v2/catalogs/default/entries/${id}`;

describe("an Okta request for an entry in the person's catalog", () => {
  it('costs seven calls, none of them a read of the entry or of its app', async () => {
    const world = await emulated();
    const erin = slackPerson(U.erin);
    expect(ok(await world.flows.searchCatalog(erin, 'jira')).map((item) => item.name)).toContain(
      E.jiraSoftwareUser.name,
    );
    const before = world.org.calls.length;

    const created = ok(
      await world.flows.requestAccess(erin, { entryId: E.jiraSoftwareUser.id, justification: 'Sprint work' }),
    );

    if (created.kind !== 'created') throw new Error('not created');
    // The name as a read of the entry and its app would give it, app name first.
    expect(created.request.entry.name).toBe(E.jiraSoftwareUser.name);
    // People's names (the users API) are read once and kept: not the request's own cost.
    const made = world.made(before).filter((call) => call.includes('/governance/'));
    expect([...made].sort()).toEqual(
      [
        `GET /governance/api/v2/catalogs/default/entries/${E.jiraSoftwareUser.id}/users/${U.erin.id}/request-fields`,
        'GET /governance/api/v2/requests',
        'GET /governance/api/v2/requests',
        // What Erin was granted already (issue 21: a warning instead of asking again for access held).
        'GET /governance/api/v2/requests',
        'POST /governance/api/v2/requests',
        `GET /governance/api/v2/requests/${created.request.id}`,
        'GET /governance/api/v2/tasks',
      ].sort(),
    );
  });

  it('reads the entry and its app from Okta when the catalog is past its time, or was never read', async () => {
    const world = await emulated();
    const erin = slackPerson(U.erin);
    const dana = slackPerson(U.dana);
    ok(await world.flows.searchCatalog(erin, 'jira'));
    world.advance(FRESH_MS + 1_000);

    let before = world.org.calls.length;
    const late = ok(await world.flows.requestAccess(erin, { entryId: E.jiraSoftwareUser.id, justification: 'Sprint' }));
    if (late.kind !== 'created') throw new Error('not created');
    expect(late.request.entry.name).toBe(E.jiraSoftwareUser.name);
    expect(world.made(before)).toContain(entryRead(E.jiraSoftwareUser.id));

    // Dana never looked at her catalog: asking reads no catalog, only the entry.
    before = world.org.calls.length;
    const direct = ok(await world.flows.describeEntry(dana, E.zoomPro.id));
    expect(direct.name).toBe(E.zoomPro.name);
    const made = world.made(before);
    expect(made).toContain(entryRead(E.zoomPro.id));
    expect(made.filter((call) => call.includes('/catalogs/default/user/'))).toEqual([]);
  });

  it('is refused, and nothing is created, when Okta no longer lets the person request what their catalog showed', async () => {
    const world = await emulated();
    const carol = slackPerson(U.carol);
    expect(ok(await world.flows.searchCatalog(carol, 'aws')).map((item) => item.name)).toContain(
      'AWS Production — Admin',
    );
    const admin = ok(await world.flows.searchCatalog(carol, 'aws admin'))[0];
    if (!admin) throw new Error('no AWS admin entry');
    // Carol leaves Engineering, the only group AWS Production is open to, moments after looking.
    const engineering = world.org.directory.groups().find((group) => group.id === G.engineering.id);
    engineering?.memberIds.splice(engineering.memberIds.indexOf(U.carol.id), 1);
    const before = world.org.calls.length;

    refused(
      await world.flows.requestAccess(carol, { entryId: admin.id, justification: 'Incident' }),
      'entry_not_found',
    );

    expect(world.made(before).filter((call) => call.startsWith('POST'))).toEqual([]);
    expect(world.org.requests.filter((request) => request.requested.entryId === admin.id)).toEqual([]);
  });
});
