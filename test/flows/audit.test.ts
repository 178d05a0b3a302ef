import { Writable } from 'node:stream';
import { SEED } from '@gatehouse/sandbox/okta';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessRequest } from '../../src/domain/types.js';
import { logRequested, OutsideDecisions } from '../../src/flows/audit.js';
import { Flows } from '../../src/flows/index.js';
import { loggerOptions } from '../../src/logging.js';
import { MemoryStore } from '../../src/store/index.js';
import { type OktaFlows, ok, portalRequest, slackPerson, startOktaFlows } from './helpers.js';

const { users: U, entries: E } = SEED;
const ALICE = 'Alice Nguyen <alice@acme.example>';
const DANA = 'Dana Kowalski <dana@acme.example>';
const ZOOM = '"Zoom — Pro License"';

interface Line {
  audit?: string;
  msg: string;
  by?: { id: string; name?: string; email?: string };
  for?: { id: string; name?: string; email?: string };
  via?: string;
  decision?: string;
}

/** What Gatehouse logs, as the product's logger writes it. */
function captured() {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  return { logger: pino(loggerOptions('info'), sink), lines };
}

let world: OktaFlows;
let log: ReturnType<typeof captured>;
let flows: Flows;
beforeEach(async () => {
  world = await startOktaFlows();
  log = captured();
  flows = new Flows(world.governance, world.store, log.logger);
});
afterEach(async () => {
  await world.close();
});

const decisions = () => log.lines.filter((line) => line.audit === 'decision');

/** What the notifier reads to redraw a request's messages after it changed, once per platform. */
async function notifierSees(requestId: string) {
  await flows.snapshot(requestId);
  await flows.snapshot(requestId);
}

describe('the audit line of a decision', () => {
  it('made in Slack names who decided, what, for whom, by name and email, once even after the notifier sees it', async () => {
    const alice = slackPerson(U.alice);
    const created = ok(await flows.requestAccess(alice, { entryId: E.zoomPro.id, justification: 'webinars' }));
    if (created.kind !== 'created') throw new Error('not created');
    ok(await flows.decide(slackPerson(U.dana), { requestId: created.request.id, decision: 'approve' }));
    // The notifier redraws the request's messages like after any other change, once per platform.
    await notifierSees(created.request.id);

    expect(decisions().map((line) => line.msg)).toEqual([
      `${DANA} approved ${ZOOM} for ${ALICE} via Slack (request ${created.request.id}, step 1)`,
    ]);
    expect(log.lines.filter((line) => line.audit === 'request').map((line) => line.msg)).toEqual([
      `${ALICE} requested ${ZOOM} for themselves via Slack (request ${created.request.id})`,
    ]);
    expect(decisions()[0]).toMatchObject({
      by: { id: U.dana.id, name: 'Dana Kowalski', email: 'dana@acme.example' },
      for: { id: U.alice.id, name: 'Alice Nguyen', email: 'alice@acme.example' },
      decision: 'approve',
      via: 'Slack',
    });
  });

  it('made in the Okta portal names who decided there, once however often the notifier looks', async () => {
    const request = portalRequest(world.org, E.zoomPro.id, U.alice.id);
    await notifierSees(request.id);
    expect(decisions()).toEqual([]);
    const task = world.org.tasks.find((t) => t.requestId === request.id);
    if (!task) throw new Error('no task');
    world.org.resolveTaskAs(task.id, U.dana.id, 'APPROVED');
    await notifierSees(request.id);
    await notifierSees(request.id);

    expect(decisions().map((line) => line.msg)).toEqual([
      `${DANA} approved ${ZOOM} for ${ALICE} in Okta (request ${request.id}, step 1)`,
    ]);
    expect(decisions()[0]).toMatchObject({ by: { email: 'dana@acme.example' }, via: 'Okta' });
  });

  it('made where the backend does not say who decided, says it was decided there', async () => {
    const store = new MemoryStore();
    const outside = new OutsideDecisions({ governance: world.governance, store, logger: log.logger });
    const request: AccessRequest = {
      id: 'r-1',
      status: 'rejected',
      requestedFor: { id: U.alice.id, displayName: 'Alice Nguyen', email: 'alice@acme.example' },
      requester: { id: U.alice.id },
      entry: { id: E.zoomPro.id, name: 'Zoom — Pro License' },
      created: '2026-12-01T10:00:00.000Z',
      updated: '2026-12-01T11:00:00.000Z',
      steps: [{ index: 1, status: 'rejected', approvers: [] }],
      comments: [],
    };
    await outside.seen(request, '2026-12-01T10:30:00.000Z');
    await outside.seen(request, '2026-12-01T10:30:00.000Z');
    expect(decisions().map((line) => line.msg)).toEqual([
      `${ZOOM} for ${ALICE} was rejected in Okta, which does not say by whom (request r-1, step 1)`,
    ]);
    await store.close();
  });
});

describe('the audit lines of other changes', () => {
  it('name who commented and who cancelled, and for whom', async () => {
    const alice = slackPerson(U.alice);
    const created = ok(await flows.requestAccess(alice, { entryId: E.zoomPro.id, justification: 'webinars' }));
    if (created.kind !== 'created') throw new Error('not created');
    const id = created.request.id;
    ok(await flows.comment(slackPerson(U.dana), id, 'which team?'));
    ok(await flows.cancel(alice, id));
    const lines = log.lines.filter((line) => line.audit === 'comment' || line.audit === 'cancel');
    expect(lines.map((line) => line.msg)).toEqual([
      `${DANA} commented on ${ZOOM} for ${ALICE} via Slack (request ${id})`,
      `${ALICE} cancelled the request for ${ZOOM} for themselves via Slack (request ${id})`,
    ]);
    // What was written stays out of the log: people paste anything into a comment box.
    expect(JSON.stringify(log.lines)).not.toContain('which team?');
  });

  it('"access requested" says what, by whom and for whom, on one line whatever a name holds', () => {
    const request = {
      id: 'r-2',
      requestedFor: { id: 'u1', displayName: 'Alice Nguyen', email: 'alice@acme.example' },
      entry: { id: 'e1', name: 'Zoom — Pro License' },
    } as AccessRequest;
    logRequested(log.logger, request, { id: 'u2', displayName: 'Bob\nINFO forged line', email: 'bob@acme.example' });
    expect(log.lines.map((line) => line.msg)).toEqual([
      `Bob INFO forged line <bob@acme.example> requested ${ZOOM} for ${ALICE} (request r-2)`,
    ]);
  });
});
