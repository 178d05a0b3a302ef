import { SEED } from '@gatehouse/sandbox/okta';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { GovernanceRateLimited } from '../../src/domain/errors.js';
import { Flows, type Outcome, PERSONAL_LIMITS, type RequestView } from '../../src/flows/index.js';
import { MemoryStore } from '../../src/store/index.js';
import { type OktaFlows, ok, refused, startOktaFlows } from '../flows/helpers.js';
import { testLogger } from '../support/test-logger.js';

/**
 * Abusing who Gatehouse thinks you are (issue 15; audit F3, F14, F16): e-mail look-alikes that
 * Unicode case folding or normalization would turn into someone else's address, a directory that
 * answers with another e-mail, members the directory does not know hammering it keystroke by
 * keystroke or all at once, one person flooding the governance system, and probing request ids.
 * Everything is asserted as the person sees it (the flow's answer) and as Okta saw it (its calls).
 */
const { users: U, entries: E } = SEED;
const TOO_FAST = /^You are going too fast; wait \d+ seconds? and try again\. Nothing was done\.$/;
const KELVIN = '\u212A';

let world: OktaFlows;
afterEach(async () => {
  await world?.close();
});

describe('e-mail look-alikes', () => {
  it('does not resolve franK@ with a KELVIN SIGN to Frank, while FRANK@ in plain ASCII is Frank', async () => {
    world = await startOktaFlows();
    const message = refused(await world.flows.whoAmI(world.as(`fran${KELVIN}@acme.example`)), 'unsafe_email');
    expect(message).toMatch(/cannot match it to an account in the governance system safely/);
    expect(message).toMatch(/Ask your IT team/);
    expect(world.lookups()).toBe(0);

    const frank = ok(await world.flows.whoAmI(world.as('FRANK@ACME.EXAMPLE')));
    expect(frank).toMatchObject({ id: U.frank.id, email: U.frank.email });
  });

  it.each([
    ['a Cyrillic а', '\u0430lice@acme.example'],
    ['a Cyrillic е', `alic\u0435@acme.example`],
    ['a trailing zero-width space', 'alice@acme.example\u200B'],
    ['a zero-width joiner inside', 'al\u200Dice@acme.example'],
    ['fullwidth letters (NFKC makes them ASCII)', '\uFF41lice@acme.example'],
    ['a dotless ı (upper-cases to I)', 'al\u0131ce@acme.example'],
  ])('refuses an address with %s before asking the directory', async (_what, email) => {
    world = await startOktaFlows();
    const message = refused(await world.flows.requestAccess(world.as(email), { text: 'zoom' }), 'unsafe_email');
    expect(message).toMatch(/only look like plain letters/);
    expect(world.calls()).toBe(0);
  });

  it('refuses a principal whose e-mail is not exactly the chat e-mail', async () => {
    world = await startOktaFlows();
    // Henry's directory record holds a KELVIN SIGN; Okta's case-insensitive search and the client's
    // toLowerCase both fold it, so the plain-ASCII henk@ (someone else's mailbox) finds Henry.
    const henry = world.org.directory.user(U.henry.id);
    if (!henry) throw new Error('Henry is not in the seed');
    henry.profile.email = `hen${KELVIN}@acme.example`;

    const message = refused(await world.flows.whoAmI(world.as('henk@acme.example')), 'identity_mismatch');
    expect(message).toBe(
      'The governance system has no account whose e-mail is exactly henk@acme.example, so Gatehouse cannot tell who you are. Ask your IT team to check your account.',
    );
    expect(world.lookups()).toBe(1);
    expect(world.org.requests.length).toBe(0);
  });
});

describe('members the directory does not know', () => {
  it('costs one directory search for 20 keystrokes of type-ahead and commands', async () => {
    world = await startOktaFlows();
    const guest = world.as('guest.contractor@acme.example');
    const typed = 'salesforce sales';
    const answers: Outcome<unknown>[] = [];
    for (let end = 1; end <= typed.length; end += 1) {
      answers.push(await world.flows.searchCatalog(guest, typed.slice(0, end)));
    }
    answers.push(await world.flows.status(guest));
    answers.push(await world.flows.myRequests(guest));
    answers.push(await world.flows.requestAccess(guest, { text: 'zoom pro' }));
    answers.push(await world.flows.pendingApprovals(guest));
    expect(answers).toHaveLength(20);
    for (const answer of answers) {
      expect(refused(answer, 'unknown_user')).toContain(
        'No account in the governance system uses guest.contractor@acme.example',
      );
    }
    expect(world.lookups()).toBe(1);
  });

  it('asks the directory once for 50 concurrent flows of one uncached person, known or not', async () => {
    world = await startOktaFlows();
    const alice = world.as(U.alice.email);
    const seen = await Promise.all(Array.from({ length: 50 }, () => world.flows.whoAmI(alice)));
    for (const answer of seen) expect(ok(answer)).toMatchObject({ id: U.alice.id });
    expect(world.lookups()).toBe(1);

    const guest = world.as('nobody@acme.example');
    const refusals = await Promise.all(Array.from({ length: 50 }, () => world.flows.myRequests(guest)));
    for (const answer of refusals) refused(answer, 'unknown_user');
    expect(world.lookups()).toBe(2);
  });

  it('keeps the directory’s "no" for a minute, but never its outages', async () => {
    world = await startOktaFlows();
    const alice = world.as(U.alice.email);
    // Okta fails every attempt of one search, then is rate limited: each is said, and not kept.
    world.org.faults.add({ method: 'GET', path: '/api/v1/users', kind: 'status', status: 503, times: 3 });
    expect(refused(await world.flows.whoAmI(alice), 'governance_unavailable')).toMatch(/not answering/);
    let limited = 1;
    const flows = new Flows(
      Object.assign(Object.create(world.governance), {
        findPrincipalsByEmail: (email: string) =>
          limited-- > 0
            ? Promise.reject(new GovernanceRateLimited('findPrincipalByEmail', 60_000))
            : world.governance.findPrincipalsByEmail(email),
      }),
      world.store,
      testLogger(),
    );
    expect(refused(await flows.whoAmI(alice), 'governance_rate_limited')).toMatch(/busy/);
    expect(ok(await flows.whoAmI(alice))).toMatchObject({ id: U.alice.id });
    expect(ok(await world.flows.whoAmI(alice))).toMatchObject({ id: U.alice.id });
    const searched = world.lookups();

    // A suspended account and an e-mail shared by two people are answers: asked once.
    for (let i = 0; i < 5; i += 1) {
      refused(await world.flows.whoAmI(world.as(U.ivan.email)), 'inactive_user');
      refused(await world.flows.whoAmI(world.as(SEED.ambiguousEmail)), 'ambiguous_user');
    }
    expect(world.lookups()).toBe(searched + 2);
  });
});

describe('one person going too fast', () => {
  it('never refuses a person typing, and refuses a flood with no governance call while others go on', async () => {
    world = await startOktaFlows();
    const alice = world.as(U.alice.email);
    const bob = world.as(U.bob.email);

    // A person at their fastest: the form opens, a name typed keystroke by keystroke, corrected,
    // an entry picked, the request sent, its status and their Home looked at.
    ok(await world.flows.whoAmI(alice));
    const keystrokes = [];
    const word = 'salesforce sales user';
    for (let end = 1; end <= word.length; end += 1) keystrokes.push(word.slice(0, end));
    for (let end = word.length - 1; end >= 'salesforce '.length; end -= 1) keystrokes.push(word.slice(0, end));
    for (const query of keystrokes) ok(await world.flows.searchCatalog(alice, query));
    ok(await world.flows.describeEntry(alice, E.salesforceSalesUser.id));
    const created = ok(await world.flows.requestAccess(alice, { entryId: E.salesforceSalesUser.id }));
    if (created.kind !== 'created') throw new Error('expected a request');
    ok(await world.flows.status(alice, created.request.id));
    ok(await world.flows.pendingApprovals(alice));
    ok(await world.flows.status(alice));

    // Then a script probes request ids as Alice: beyond the limit, refused before Okta.
    const [burst] = PERSONAL_LIMITS;
    let used = 1 + keystrokes.length + 5;
    while (used < (burst?.points ?? 0)) {
      refused(await world.flows.status(alice, `req${used}`), 'request_not_found');
      used += 1;
    }
    const before = world.calls();
    const flood = await Promise.all(
      Array.from({ length: 100 }, (_, i) => world.flows.status(alice, `reqProbe${String(i).padStart(5, '0')}`)),
    );
    for (const answer of flood) expect(refused(answer, 'too_fast')).toMatch(TOO_FAST);
    refused(await world.flows.requestAccess(alice, { entryId: E.zoomPro.id }), 'too_fast');
    expect(world.calls()).toBe(before);

    // Bob is someone else, and so is Alice's Teams account's limit.
    expect(ok(await world.flows.whoAmI(bob))).toMatchObject({ id: U.bob.id });
    expect((ok(await world.flows.pendingApprovals(bob)).items as RequestView[]).map((r) => r.id)).toEqual([
      created.request.id,
    ]);
    ok(await world.flows.whoAmI({ ...alice, platform: 'teams', userId: '29:alice' }));
  });

  it('does not count what Gatehouse does on its own initiative, such as redrawing a Home', async () => {
    world = await startOktaFlows();
    const alice = world.as(U.alice.email);
    const [burst] = PERSONAL_LIMITS;
    // The notifier redraws Alice's Home after each change to her requests: twice her burst in flows.
    const redraw = () =>
      world.flows.unmetered(() => Promise.all([world.flows.pendingApprovals(alice), world.flows.status(alice)]));
    for (let i = 0; i < (burst?.points ?? 0); i += 1) {
      const [pending, open] = await redraw();
      ok(pending);
      ok(open);
    }
    ok(await world.flows.myRequests(alice));
  });

  it('counts a person once across replicas that share Redis', async () => {
    world = await startOktaFlows();
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    try {
      await redis.ping();
      const personalLimit = {
        rules: [{ points: 3, seconds: 60 }],
        redis,
        keyPrefix: `test-identity-abuse-${process.pid}-${Date.now()}`,
      };
      const replica = () => new Flows(world.governance, new MemoryStore(), testLogger(), { personalLimit });
      const [one, two] = [replica(), replica()];
      const alice = world.as(U.alice.email);
      ok(await one.whoAmI(alice));
      ok(await two.whoAmI(alice));
      ok(await one.whoAmI(alice));
      expect(refused(await two.whoAmI(alice), 'too_fast')).toMatch(TOO_FAST);
      ok(await two.whoAmI(world.as(U.bob.email)));
    } finally {
      redis.disconnect();
    }
  });
});

describe('request ids cannot be probed', () => {
  it('answers status of someone else’s request and of an id that does not exist alike', async () => {
    world = await startOktaFlows();
    const created = ok(await world.flows.requestAccess(world.as(U.alice.email), { entryId: E.zoomPro.id }));
    if (created.kind !== 'created') throw new Error('expected a request');
    const id = created.request.id;
    const absent = `${id.slice(0, -4)}zzzz`;
    const carol = world.as(U.carol.email);

    const theirs = await world.flows.status(carol, id);
    const nothing = await world.flows.status(carol, absent);
    if (theirs.ok || nothing.ok) throw new Error('expected both refused');
    expect(theirs.error.code).toBe(nothing.error.code);
    expect(theirs.error.message.replace(id, '<id>')).toBe(nothing.error.message.replace(absent, '<id>'));
    expect(theirs.error.message).toBe(
      `There is no request with id ${id} that you can see. You can only see requests you made, are the subject of, or approve; use "mine" to list yours.`,
    );
  });

  it('answers a forged Approve, Reject, Comment or Cancel on someone else’s request as on an absent id', async () => {
    world = await startOktaFlows();
    const created = ok(await world.flows.requestAccess(world.as(U.alice.email), { entryId: E.zoomPro.id }));
    if (created.kind !== 'created') throw new Error('expected a request');
    const id = created.request.id;
    const absent = `${id.slice(0, -4)}zzzz`;
    const carol = world.as(U.carol.email);
    const actions = {
      approve: (requestId: string) => world.flows.decide(carol, { requestId, decision: 'approve' }),
      reject: (requestId: string) => world.flows.decide(carol, { requestId, decision: 'reject', reason: 'no' }),
      comment: (requestId: string) => world.flows.comment(carol, requestId, 'hello?'),
      cancel: (requestId: string) => world.flows.cancel(carol, requestId),
    };
    for (const [name, act] of Object.entries(actions)) {
      const theirs = await act(id);
      const nothing = await act(absent);
      if (theirs.ok || nothing.ok) throw new Error(`${name}: expected both refused`);
      expect({ name, code: theirs.error.code }).toEqual({ name, code: nothing.error.code });
      expect(theirs.error.message.replace(id, '<id>')).toBe(nothing.error.message.replace(absent, '<id>'));
    }
    expect(world.org.requests.find((r) => r.id === id)?.status).toBe('PENDING');
  });
});
