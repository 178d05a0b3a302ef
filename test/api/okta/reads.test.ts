import { type OktaOrg, type OktaOrgOptions, SEED, type UserRecord } from '@gatehouse/sandbox/okta';
import { afterEach, describe, expect, it } from 'vitest';
import { type OktaFlows, ok, slackPerson as person, portalRequest, startOktaFlows } from '../../flows/helpers.js';

/**
 * What Gatehouse reads of Okta and what it costs: lists are sparse, so each request a list shows is
 * read whole once and kept against its `lastUpdated`; and a person is found by e-mail among what
 * Okta's `search` answers, former employees included. Gatehouse's real client against the emulated
 * org, through the flows, as people see it.
 */

const { users: U, entries: E } = SEED;
/** A request read whole: `GET /governance/api/v2/requests/{id}` ([rcar-request-id]). */
const FULL_READ = /^\/governance\/api\/v2\/requests\/(req[0-9a-zA-Z]{17})$/;

const started: OktaFlows[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((one) => one.close()));
});

async function emulated(options: OktaOrgOptions = {}) {
  // The org's clock, moved so that each change stamps a request anew.
  const orgClock = { ahead: 0 };
  const current = await startOktaFlows({}, { org: { now: () => Date.now() + orgClock.ahead, ...options } });
  started.push(current);
  const { org, flows } = current;
  /** The requests read whole so far, by id, one entry per call. */
  const fullReads = () =>
    org.calls.flatMap((call) => {
      const id = call.method === 'GET' ? FULL_READ.exec(call.path)?.[1] : undefined;
      return id ? [id] : [];
    });
  const later = () => {
    orgClock.ahead += 60_000;
  };
  return { org, flows, fullReads, later };
}

/** The open step's first approver decides in Okta. */
function decideOpenStep(org: OktaOrg, requestId: string, value: 'APPROVED' | 'DENIED') {
  const [approver] = org.openStepAssignees(requestId);
  if (!approver) throw new Error(`request ${requestId} has no open step`);
  org.decideInOkta(requestId, approver, value);
}

describe('sparse lists at the fewest calls', () => {
  it('reads each listed request whole once per change of its lastUpdated, and only when the change can show', async () => {
    const { org, flows, fullReads, later } = await emulated();
    const zoom = portalRequest(org, E.zoomPro.id, U.alice.id, 'Customer webinars');
    const admin = portalRequest(org, E.salesforceAdmin.id, U.alice.id, 'Quarter-end data export');
    const sales = portalRequest(org, E.salesforceSalesUser.id, U.alice.id, 'New territory');
    const mine = async () => ok(await flows.myRequests(person(U.alice))).items;

    const first = await mine();
    expect(first.map((item) => item.justification).sort()).toEqual([
      'Customer webinars',
      'New territory',
      'Quarter-end data export',
    ]);
    expect(fullReads().sort()).toEqual([zoom.id, admin.id, sales.id].sort());

    // Nothing changed: the same list costs no read of any request.
    const before = fullReads().length;
    expect(await mine()).toEqual(first);
    expect(fullReads()).toHaveLength(before);

    // One decided, its steps in the Tasks API: who decided comes from there, so its own read adds
    // nothing the list shows. A first step of two decided: still open, likewise. Neither is read.
    later();
    decideOpenStep(org, zoom.id, 'APPROVED');
    decideOpenStep(org, admin.id, 'APPROVED');
    expect(org.request(admin.id)?.status).toBe('PENDING');
    const third = await mine();
    expect(fullReads().slice(before)).toEqual([]);
    expect(third.find((item) => item.id === zoom.id)).toMatchObject({
      status: 'approved',
      justification: 'Customer webinars',
    });
    expect(third.find((item) => item.id === admin.id)).toMatchObject({
      status: 'pending',
      justification: 'Quarter-end data export',
    });

    // And that read is kept in turn.
    const after = fullReads().length;
    await mine();
    expect(fullReads()).toHaveLength(after);
  });
});

describe('a person found by e-mail', () => {
  /** A former employee whose address someone now has: Okta's `search` answers them too. */
  function formerEmployee(id: string, email: string): UserRecord {
    const at = '2024-01-15T09:00:00.000Z';
    return {
      id,
      status: 'DEPROVISIONED',
      created: '2019-03-01T09:00:00.000Z',
      activated: '2019-03-01T09:00:00.000Z',
      statusChanged: at,
      lastLogin: '2024-01-12T17:30:00.000Z',
      lastUpdated: at,
      profile: { login: `former.${email}`, email, firstName: 'Former', lastName: 'Employee' },
    };
  }

  it('is the one active account with that address, a deprovisioned former colleague with it notwithstanding', async () => {
    const { org, flows } = await emulated();
    org.addUsers([formerEmployee('00uformererin0000001', U.erin.email)]);
    portalRequest(org, E.zoomPro.id, U.erin.id, 'Customer webinars');

    const listed = ok(await flows.myRequests(person(U.erin)));
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ requester: { name: 'Erin Walsh' }, justification: 'Customer webinars' });
  });

  it('whose only account is deprovisioned is told it is inactive, not that nobody has the address', async () => {
    const { org, flows } = await emulated();
    org.addUsers([formerEmployee('00uformeronly0000001', 'former@acme.example')]);
    const refused = await flows.myRequests(person({ email: 'former@acme.example' }));
    expect(refused.ok ? undefined : refused.error.code).toBe('inactive_user');
  });
});
