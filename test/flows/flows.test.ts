import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Flows, type RequestView } from '../../src/flows/index.js';
import { testLogger } from '../support/test-logger.js';
import { PROVIDERS, startWorld, type World } from '../support/world.js';
import { ok, refused } from './helpers.js';

const { users: U, entries: E } = SEED;

/** One suite, run against each governance backend's emulator through its real client. */
describe.each(PROVIDERS)('flows on %s', (provider) => {
  /** Okta calls a rejected request DENIED; IGA completes it with decision "rejected". */
  const REJECTED = provider === 'okta' ? 'denied' : 'rejected';
  /** Whether a note on the request (a message, a comment, a justification) contains every part. */
  const noted = (requestId: string, ...parts: string[]) =>
    world.portal.notes(requestId).some((note) => parts.every((part) => note.includes(part)));

  let world: World;
  beforeEach(async () => {
    world = await startWorld({ provider });
  });
  afterEach(async () => {
    await world.close();
  });

  const alice = () => world.as(U.alice.email);
  const bob = () => world.as(U.bob.email);
  const carol = () => world.as(U.carol.email);
  const grace = () => world.as(U.grace.email);

  async function created(actor: ReturnType<typeof alice>, entryId: string, extra: Record<string, string> = {}) {
    const result = ok(await world.flows.requestAccess(actor, { entryId, ...extra }));
    if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
    return result.request;
  }

  describe('identity mapping', () => {
    it('maps a chat user to the governance principal with the same email', async () => {
      const me = ok(await world.flows.whoAmI(alice()));
      expect(me).toMatchObject({ id: U.alice.id, name: 'Alice Nguyen', email: U.alice.email });
    });

    it('refuses an email no principal has', async () => {
      const message = refused(await world.flows.whoAmI(world.as('nobody@acme.example')), 'unknown_user');
      expect(message).toContain('nobody@acme.example');
    });

    it('refuses an email several principals share, without guessing', async () => {
      refused(await world.flows.requestAccess(world.as(SEED.ambiguousEmail), { text: 'zoom' }), 'ambiguous_user');
    });

    it('refuses a chat user without an email', async () => {
      refused(await world.flows.myRequests({ platform: 'teams', userId: '29:abc' }), 'no_email');
    });

    it('refuses a suspended account', async () => {
      refused(await world.flows.pendingApprovals(world.as(U.ivan.email)), 'inactive_user');
    });

    it('compares e-mails as plain ASCII: KELVIN SIGN, Cyrillic and invisible look-alikes are refused unasked', async () => {
      for (const email of ['fran\u212A@acme.example', '\u0430lice@acme.example', 'alice\u200B@acme.example']) {
        const message = refused(await world.flows.whoAmI(world.as(email)), 'unsafe_email');
        expect(message).toMatch(/cannot match it to an account in the governance system safely/);
      }
      expect(world.portal.lookups()).toBe(0);
      expect(ok(await world.flows.whoAmI(world.as('Frank@ACME.example')))).toMatchObject({ id: U.frank.id });
    });

    it('refuses a directory answer whose e-mail is not exactly the chat e-mail', async () => {
      // A directory whose search matches more loosely than equality (a prefix, say).
      const loose = new Flows(
        Object.assign(Object.create(world.governance), {
          findPrincipalsByEmail: () => world.governance.findPrincipalsByEmail(U.alice.email),
        }),
        world.store,
        testLogger(),
      );
      const message = refused(await loose.whoAmI(world.as('alic@acme.example')), 'identity_mismatch');
      expect(message).toContain('no account whose e-mail is exactly alic@acme.example');
    });

    it('searches the directory once for an unknown member however often they type or ask', async () => {
      const guest = world.as('guest@acme.example');
      for (const query of ['z', 'zo', 'zoo', 'zoom'])
        refused(await world.flows.searchCatalog(guest, query), 'unknown_user');
      refused(await world.flows.status(guest), 'unknown_user');
      refused(await world.flows.requestAccess(guest, { text: 'zoom' }), 'unknown_user');
      expect(world.portal.lookups()).toBe(1);
    });

    it('shares one directory search between concurrent flows of one person', async () => {
      const answers = await Promise.all(Array.from({ length: 50 }, () => world.flows.whoAmI(alice())));
      for (const answer of answers) expect(ok(answer)).toMatchObject({ id: U.alice.id });
      expect(world.portal.lookups()).toBe(1);
    });

    it('caches the mapping so each action does not search the directory again', async () => {
      const lookups = () => world.portal.lookups();
      ok(await world.flows.whoAmI(alice()));
      ok(await world.flows.myRequests(alice()));
      expect(lookups()).toBe(1);
    });
  });

  describe('requesting access', () => {
    it('creates a pending request for an entry, waiting for step 1', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      expect(request).toMatchObject({
        status: 'pending',
        entry: { id: E.salesforceSalesUser.id, name: 'Salesforce — Sales User' },
        requestedFor: { id: U.alice.id, name: 'Alice Nguyen' },
        requester: { id: U.alice.id },
        currentStep: { index: 1 },
      });
      expect(request.steps[0]?.approvers.map((a) => a.name)).toEqual(['Bob Martinez']);
      expect(world.portal.status(request.id)).toBe('pending');
    });

    it('creates from one line of text when it names exactly one entry', async () => {
      const result = ok(await world.flows.requestAccess(alice(), { text: 'salesforce sales user', duration: '' }));
      expect(result.kind).toBe('created');
      if (result.kind === 'created') expect(result.request.entry.name).toBe('Salesforce — Sales User');
    });

    it('finds an entry when its longest word also names another app', async () => {
      // "workspace" is also Google Workspace's: the search must not stop at the first app it finds.
      const result = ok(
        await world.flows.requestAccess(alice(), { text: 'slack workspace admin', justification: 'channel clean-up' }),
      );
      expect(result.kind).toBe('created');
      if (result.kind === 'created') expect(result.request.entry.name).toBe('Slack — Workspace Admin');
    });

    it('offers a choice, prefilled, when the text matches several entries', async () => {
      const result = ok(await world.flows.requestAccess(alice(), { text: 'salesforce', justification: 'pipeline' }));
      expect(result).toMatchObject({ kind: 'choose', query: 'salesforce', justification: 'pipeline' });
      if (result.kind === 'choose') {
        expect(result.choices.map((c) => c.name)).toEqual(
          expect.arrayContaining(['Salesforce — Sales User', 'Salesforce — Admin']),
        );
      }
      expect(world.portal.writes('create')).toBe(0);
    });

    it('says clearly when nothing matches', async () => {
      const message = refused(
        await world.flows.requestAccess(alice(), { text: 'quantum teleporter' }),
        'entry_not_found',
      );
      expect(message).toContain('quantum teleporter');
    });

    it('does not offer an entry the person may not request', async () => {
      refused(await world.flows.requestAccess(alice(), { entryId: E.awsProductionReadOnly.id }), 'entry_not_found');
      expect(world.portal.writes('create')).toBe(0);
    });

    it('requires a justification where the entry asks for one', async () => {
      refused(await world.flows.requestAccess(alice(), { entryId: E.salesforceAdmin.id }), 'justification_required');
      const request = await created(alice(), E.salesforceAdmin.id, { justification: 'Quarter-end cleanup' });
      expect(request.justification).toBe('Quarter-end cleanup');
    });

    it('requires a duration where the entry only grants time-bound access', async () => {
      refused(
        await world.flows.requestAccess(carol(), { entryId: E.awsProductionAdmin.id, justification: 'incident' }),
        'duration_required',
      );
    });

    it('refuses a duration longer than the entry allows', async () => {
      const message = refused(
        await world.flows.requestAccess(carol(), {
          entryId: E.awsProductionAdmin.id,
          justification: 'x',
          duration: '12h',
        }),
        'duration_too_long',
      );
      expect(message).toContain('8 hours');
    });

    it('refuses a garbled duration', async () => {
      refused(
        await world.flows.requestAccess(carol(), { entryId: E.figmaEditor.id, duration: 'a fortnight-ish' }),
        'invalid_duration',
      );
    });

    it('refuses a duration too large to count rather than letting it past the maximum', async () => {
      for (const duration of ['99999999999999999999999 days', 'P99999999999D']) {
        refused(await world.flows.requestAccess(carol(), { entryId: E.figmaEditor.id, duration }), 'invalid_duration');
      }
      expect(world.portal.writes('create')).toBe(0);
    });

    it('refuses a duration for an entry that is not time-bound', async () => {
      refused(
        await world.flows.requestAccess(alice(), { entryId: E.salesforceSalesUser.id, duration: '4h' }),
        'duration_not_allowed',
      );
    });

    it('sends a time-bound request with the duration in the unit Okta accepts', async () => {
      const request = await created(carol(), E.awsProductionAdmin.id, {
        justification: 'incident 42',
        duration: '1h 30m',
      });
      expect(request.duration).toBe('1 hour 30 minutes');
      expect(world.portal.accessDuration(request.id)).toBe('PT90M');
    });

    it('refuses a second open request for the same entry', async () => {
      const first = await created(alice(), E.salesforceSalesUser.id);
      const message = refused(
        await world.flows.requestAccess(alice(), { entryId: E.salesforceSalesUser.id }),
        'duplicate_request',
      );
      expect(message).toContain(first.id);
    });

    it('creates one request however often the same submission arrives', async () => {
      const submit = () => world.flows.requestAccess(alice(), { entryId: E.zoomPro.id, idempotencyKey: 'view-123' });
      const first = ok(await submit());
      const again = ok(await submit());
      expect(world.portal.writes('create')).toBe(1);
      if (first.kind === 'created' && again.kind === 'created') expect(again.request.id).toBe(first.request.id);
      else throw new Error('expected created requests');
    });

    it('grants at once an entry that needs no approval', async () => {
      const request = await created(alice(), E.googleWorkspaceStandard.id);
      expect(request.status).toBe('approved');
      const access = ok(await world.flows.myAccess(alice()));
      expect(access.map((a) => a.entry.name)).toContain('Google Workspace — Standard');
    });
  });

  describe('deciding', () => {
    it('lets the approver of the current step approve, and names them in Okta', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      const decided = ok(await world.flows.decide(bob(), { requestId: request.id, decision: 'approve' }));
      expect(decided.request.status).toBe('approved');
      expect(decided.request.outcome).toMatchObject({ decision: 'approve', by: { name: 'Bob Martinez' } });
      // Okta records the service app, so Gatehouse notes who decided; IGA records Bob himself.
      if (provider === 'okta') expect(noted(request.id, 'Bob Martinez', 'Slack', 'pproved')).toBe(true);
      else expect((await world.governance.getRequest(request.id))?.steps[0]?.decision?.by.email).toBe(U.bob.email);
    });

    it('moves a two-step request to step 2 after step 1, then approves it', async () => {
      const request = await created(alice(), E.salesforceAdmin.id, { justification: 'admin work' });
      const afterFirst = ok(await world.flows.decide(bob(), { requestId: request.id, decision: 'approve' }));
      expect(afterFirst.request).toMatchObject({ status: 'pending', currentStep: { index: 2 } });
      expect(afterFirst.request.steps[0]?.decision?.by.name).toBe('Bob Martinez');
      const final = ok(await world.flows.decide(grace(), { requestId: request.id, decision: 'approve' }));
      expect(final.request.status).toBe('approved');
    });

    it('refuses someone who is not an approver, writing nothing', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      refused(await world.flows.decide(carol(), { requestId: request.id, decision: 'approve' }), 'not_an_approver');
      expect(world.portal.writes('decide')).toBe(0);
    });

    it('refuses the approver of a later step while an earlier step is open', async () => {
      const request = await created(alice(), E.salesforceAdmin.id, { justification: 'admin work' });
      const message = refused(
        await world.flows.decide(grace(), { requestId: request.id, decision: 'approve' }),
        'not_an_approver',
      );
      // The backend does not name her yet, so she is told no more than anyone it does not name
      // (issue 15: a forged id must not learn a request's steps).
      expect(message).toBe(`You are not an approver of request ${request.id}.`);
      expect(world.portal.writes('decide')).toBe(0);
    });

    it('refuses self-approval even when the requester is the assigned approver', async () => {
      const request = await created(grace(), E.netsuiteApClerk.id, { justification: 'month-end close' });
      expect(request.steps[0]?.approvers.map((a) => a.id)).toContain(U.grace.id);
      expect(request.actions).not.toContain('approve');
      refused(
        await world.flows.decide(grace(), { requestId: request.id, decision: 'approve' }),
        'self_approval_forbidden',
      );
      expect(world.portal.writes('decide')).toBe(0);
    });

    it('tells a second decider who decided first and when', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      ok(await world.flows.decide(bob(), { requestId: request.id, decision: 'approve' }));
      const message = refused(
        await world.flows.decide(bob(), { requestId: request.id, decision: 'reject', reason: 'oops' }),
        'already_decided',
      );
      expect(message).toMatch(/already approved by Bob Martinez at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
      expect(world.portal.writes('decide')).toBe(1);
    });

    it('never lands a click on a stale message on a later step', async () => {
      const request = await created(alice(), E.salesforceAdmin.id, { justification: 'admin work' });
      const stepOne = request.steps[0]?.taskId;
      ok(await world.flows.decide(bob(), { requestId: request.id, taskId: stepOne, decision: 'approve' }));
      refused(
        await world.flows.decide(grace(), { requestId: request.id, taskId: stepOne, decision: 'approve' }),
        'already_decided',
      );
      expect(world.portal.writes('decide')).toBe(1);
    });

    it('makes one governance write when a button is clicked many times at once', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      const clicks = await Promise.all(
        Array.from({ length: 5 }, () => world.flows.decide(bob(), { requestId: request.id, decision: 'approve' })),
      );
      expect(clicks.filter((click) => click.ok)).toHaveLength(1);
      for (const click of clicks.filter((c) => !c.ok)) {
        expect(['decision_in_progress', 'already_decided']).toContain(click.ok ? '' : click.error.code);
      }
      expect(world.portal.writes('decide')).toBe(1);
    });

    it('requires a reason to reject', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      refused(
        await world.flows.decide(bob(), { requestId: request.id, decision: 'reject', reason: '  ' }),
        'reason_required',
      );
      expect(world.portal.writes('decide')).toBe(0);
      const rejected = ok(
        await world.flows.decide(bob(), {
          requestId: request.id,
          decision: 'reject',
          reason: 'Use the shared dashboard',
        }),
      );
      expect(rejected.request.status).toBe(REJECTED);
      expect(rejected.request.outcome).toMatchObject({ decision: 'reject', reason: 'Use the shared dashboard' });
      if (provider === 'okta')
        expect(noted(request.id, 'Bob Martinez', 'Slack', 'Use the shared dashboard')).toBe(true);
      else
        expect((await world.governance.getRequest(request.id))?.steps[0]?.decision).toMatchObject({
          by: { email: U.bob.email },
          reason: 'Use the shared dashboard',
        });
    });

    it('reports a decision whose outcome is unknown by reading it back, not by sending it twice', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      world.portal.failNextDecideAfterWrite();
      const decided = ok(await world.flows.decide(bob(), { requestId: request.id, decision: 'approve' }));
      expect(decided.request.status).toBe('approved');
      expect(world.portal.decideCalls()).toBe(1);
    });
  });

  describe('rejecting without a required reason, when the deployment allows it', () => {
    it('rejects without a reason', async () => {
      await world.close();
      world = await startWorld({ provider, rejectReasonRequired: false });
      const request = await created(alice(), E.salesforceSalesUser.id);
      const rejected = ok(await world.flows.decide(bob(), { requestId: request.id, decision: 'reject' }));
      expect(rejected.request.status).toBe(REJECTED);
    });
  });

  describe('commenting and cancelling', () => {
    let request: RequestView;
    beforeEach(async () => {
      request = await created(alice(), E.salesforceSalesUser.id);
    });

    it('lets the requester and the approver comment', async () => {
      ok(await world.flows.comment(alice(), request.id, 'Needed for the Q3 forecast'));
      ok(await world.flows.comment(bob(), request.id, 'Which region?'));
      // Okta writes "Name (Slack): text" as its service app; IGA records each person's own comment.
      if (provider === 'okta') {
        const comments = world.portal.notes(request.id).filter((note) => note.includes('(Slack)'));
        expect(comments).toEqual([
          'Alice Nguyen (Slack): Needed for the Q3 forecast',
          'Bob Martinez (Slack): Which region?',
        ]);
      } else {
        const comments = (await world.governance.getRequest(request.id))?.comments ?? [];
        expect(comments.map((c) => [c.author.email, c.text])).toEqual([
          [U.alice.email, 'Needed for the Q3 forecast'],
          [U.bob.email, 'Which region?'],
        ]);
      }
    });

    it('refuses a comment from anyone else', async () => {
      refused(await world.flows.comment(carol(), request.id, 'me too'), 'not_allowed_to_comment');
      expect(world.portal.writes('comment')).toBe(0);
    });

    it('refuses an empty or oversized comment', async () => {
      refused(await world.flows.comment(alice(), request.id, '   '), 'text_invalid');
      refused(await world.flows.comment(alice(), request.id, 'x'.repeat(2001)), 'text_invalid');
    });

    it('cancels the requester’s own request', async () => {
      ok(await world.flows.cancel(alice(), request.id));
      expect(world.portal.status(request.id)).toBe('canceled');
    });

    it('refuses to cancel someone else’s request', async () => {
      refused(await world.flows.cancel(carol(), request.id), 'not_allowed_to_cancel');
    });
  });

  describe('status and lists', () => {
    it('shows a request to its requester with what they may do', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      const view = ok(await world.flows.status(alice(), request.id)) as RequestView;
      expect(view).toMatchObject({ id: request.id, statusLabel: 'Pending approval', actions: ['comment', 'cancel'] });
    });

    it('hides a request from unrelated people exactly as it answers an id that does not exist', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      const absent = 'reqDoesNotExist00000';
      const hidden = refused(await world.flows.status(carol(), request.id), 'request_not_found');
      const missing = refused(await world.flows.status(carol(), absent), 'request_not_found');
      expect(hidden.replace(request.id, '<id>')).toBe(missing.replace(absent, '<id>'));
      expect(missing).toBe(
        `There is no request with id ${absent} that you can see. You can only see requests you made, are the subject of, or approve; use "mine" to list yours.`,
      );
    });

    it('lists my requests, newest first', async () => {
      const first = await created(alice(), E.salesforceSalesUser.id);
      // The second is made over a second later by the governance system's clock (its stamps may
      // be whole seconds), moved on rather than waited for.
      world.advance(1100);
      const second = await created(alice(), E.zoomPro.id);
      const mine = ok(await world.flows.myRequests(alice()));
      expect(mine.items.map((item) => item.id)).toEqual([second.id, first.id]);
    });

    it('lists the approvals waiting for me with the buttons I may use', async () => {
      const request = await created(alice(), E.salesforceSalesUser.id);
      const pending = ok(await world.flows.pendingApprovals(bob()));
      expect(pending.items.map((item) => item.id)).toEqual([request.id]);
      expect(pending.items[0]?.actions).toEqual(['approve', 'reject', 'forward', 'comment']);
      expect(ok(await world.flows.pendingApprovals(alice())).items).toEqual([]);
    });

    it('turns a governance outage into a clear message', async () => {
      world.portal.failRequestReads(500, 10);
      const message = refused(await world.flows.myRequests(alice()), 'governance_unavailable');
      expect(message).toMatch(/not answering right now/);
    });
  });
});
