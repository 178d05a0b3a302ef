import v8 from 'node:v8';
import vm from 'node:vm';
import { createOktaOrg, SEED } from '@gatehouse/sandbox/okta';
import { signSlackRequest } from '@gatehouse/sandbox/slack';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { eventually, S, type SlackWorld, startSlackWorld } from '../support/slack-world.js';
import { startTeamsWorld, type TeamsWorld } from '../support/teams-world.js';

/**
 * Every inbound route gets generated malformed input (issue 9): wrong content types, truncated and
 * oversized bodies, bad JSON and form encodings, missing and mistyped fields, wrong signatures,
 * stale timestamps, control characters. The answer is a 2xx (Slack's ack) or a 4xx that says what
 * is wrong, never a 5xx, never a crash, and nothing is written to the governance system.
 * `npm run test:adversarial` runs 10,000 inputs per route; `npm test` a quick sample.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const TIMEOUT_MS = Math.max(60_000, RUNS * 40);

let slack: SlackWorld;
let teams: TeamsWorld;
beforeAll(async () => {
  // Okta's per-minute budget would make a flood of deliveries wait (governance-faults covers that);
  // here every input is handled at once, so what is in flight is easy to tell from what is kept.
  slack = await startSlackWorld({ org: createOktaOrg({ rateLimitPerMinute: 1_000_000 }) });
  teams = await startTeamsWorld({ org: createOktaOrg({ rateLimitPerMinute: 1_000_000 }) });
});
afterAll(async () => {
  await slack?.close();
  await teams?.close();
  // Closing waits for work still in flight, which a flood of 10,000 deliveries can leave for a while.
}, 60_000);

type Answer = { statusCode: number; body: string; headers: Record<string, unknown> };

/** A 2xx, or a 4xx whose body says what was wrong; never a 5xx. */
function expectClearAnswer(answer: Answer, context: unknown): void {
  if (answer.statusCode >= 500)
    throw new Error(
      `answered ${answer.statusCode} to ${JSON.stringify(context).slice(0, 500)}: ${answer.body.slice(0, 300)}`,
    );
  if (answer.statusCode >= 400 && answer.statusCode !== 413) {
    const said = answer.body.trim();
    if (said.length === 0)
      throw new Error(`answered ${answer.statusCode} with no explanation to ${JSON.stringify(context).slice(0, 300)}`);
  }
}

// ── Shared generators ─────────────────────────────────────────────────────────────────────────────

const nasty = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '',
    '\u0000',
    '\r\n\r\n',
    '%',
    '%zz',
    '&&&==',
    '{',
    '[]',
    'null',
    '"',
    '<!channel>',
    '\u202e',
    '💥'.repeat(50),
  ),
  fc.string({
    unit: fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\ud800', '&', '=', '%', '+'),
    maxLength: 100,
  }),
);
const anyJsonValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), nasty, fc.constant(undefined));
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/xml',
  '',
  'garbage/ÿ',
);

/** Replaces, removes or retypes fields of a realistic object, at any depth. */
function mutated(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(base);
  return fc
    .array(
      fc.record({
        key: fc.oneof(
          fc.constantFrom(...keys),
          fc.string({ maxLength: 12 }),
          // Keys that would reach a prototype in code that merges objects by hand.
          fc.constantFrom('__proto__', 'constructor', 'prototype'),
        ),
        action: fc.constantFrom('delete', 'replace', 'nest'),
        value: anyJsonValue,
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      const copy: Record<string, unknown> = structuredClone(base);
      for (const edit of edits) {
        if (edit.action === 'delete') delete copy[edit.key];
        else if (edit.action === 'replace') ownField(copy, edit.key, edit.value);
        else {
          // Only the copy's own fields: `copy.__proto__` is Object.prototype, which the test must not touch.
          const inner = Object.hasOwn(copy, edit.key) ? copy[edit.key] : undefined;
          if (inner && typeof inner === 'object' && !Array.isArray(inner)) {
            const innerKeys = Object.keys(inner);
            const target = innerKeys[edit.key.length % Math.max(1, innerKeys.length)] ?? 'x';
            ownField(inner as Record<string, unknown>, target, edit.value);
          }
        }
      }
      return copy;
    });
}

/** Sets a field as JSON.parse would, even one named `__proto__`, so it is sent as a key. */
function ownField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * No input may add to the prototypes every object inherits from: a `__proto__` key merged by hand
 * would give every object in the process a field (and, say, every user an `isAdmin`).
 */
function expectPrototypesUntouched(context: unknown): void {
  for (const [name, prototype] of [
    ['Object', Object.prototype],
    ['Array', Array.prototype],
  ] as const) {
    const added = Object.keys(prototype);
    if (added.length === 0) continue;
    // Undone before failing, so the inputs fast-check tries next (shrinking) are judged on their own.
    for (const key of added) delete (prototype as unknown as Record<string, unknown>)[key];
    throw new Error(`${name}.prototype gained ${added.join(', ')} after ${JSON.stringify(context).slice(0, 300)}`);
  }
}

function oktaWrites(): number {
  return [slack, teams].reduce(
    (sum, world) =>
      sum + world.okta.calls.filter((call) => call.method !== 'GET' && !call.path.includes('/token')).length,
    0,
  );
}

// ── /slack/events ─────────────────────────────────────────────────────────────────────────────────

const COMMAND = {
  token: 'gatehouse-sandbox-verification-token',
  team_id: 'T0GATEHOUSE',
  team_domain: 'acme-sandbox',
  channel_id: 'D0ALICE',
  channel_name: 'directmessage',
  user_id: S.alice.id,
  user_name: 'alice',
  command: '/access',
  text: 'status',
  api_app_id: 'A0GATEHOUSE',
  response_url: 'http://127.0.0.1:9/commands/x',
  trigger_id: 'fuzz.trigger',
};
const ACTION = {
  type: 'block_actions',
  team: { id: 'T0GATEHOUSE', domain: 'acme-sandbox' },
  user: { id: S.bob.id, username: 'bob', team_id: 'T0GATEHOUSE' },
  api_app_id: 'A0GATEHOUSE',
  token: 'gatehouse-sandbox-verification-token',
  trigger_id: 'fuzz.trigger',
  container: { type: 'message', channel_id: 'D0BOB', message_ts: '1.000001' },
  channel: { id: 'D0BOB', name: 'directmessage' },
  actions: [
    {
      type: 'button',
      action_id: 'approve',
      block_id: 'decide',
      value: JSON.stringify({ requestId: 'req00000000000000000', taskId: 'task0000' }),
      action_ts: '1.2',
    },
  ],
};
const EVENT = {
  token: 'gatehouse-sandbox-verification-token',
  team_id: 'T0GATEHOUSE',
  api_app_id: 'A0GATEHOUSE',
  event: { type: 'app_home_opened', user: S.carol.id, channel: 'D0CAROL', tab: 'home', event_ts: '1.3' },
  type: 'event_callback',
  event_id: 'Ev0FUZZ',
  event_time: 1,
};

let sequence = 0;
/** A fresh id wherever Slack puts one, so the delivery is not dropped as a repeat before it is parsed. */
function fresh(value: unknown): unknown {
  sequence += 1;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const copy = { ...(value as Record<string, unknown>) };
  if (typeof copy.trigger_id === 'string') copy.trigger_id = `fuzz.${sequence}`;
  if (typeof copy.event_id === 'string') copy.event_id = `Ev0FUZZ${sequence}`;
  return copy;
}

const slackBody = fc.oneof(
  // A slash command form with fields removed or retyped.
  mutated(COMMAND).map((fields) => ({
    body: new URLSearchParams(
      Object.entries(fresh(fields) as Record<string, unknown>).map(([k, v]): [string, string] => [
        k,
        typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
      ]),
    ).toString(),
    type: 'application/x-www-form-urlencoded',
  })),
  // Any text after /access, including control characters and a megabyte.
  fc
    .oneof(
      nasty,
      fc.constantFrom(
        'request Zoom Pro because ' + 'x'.repeat(200_000),
        `request Zoom Pro because ${'x'.repeat(1_048_576)}`,
        'mine\u0000',
        'approve req1',
        'status ' + '%'.repeat(5000),
      ),
    )
    .map((text) => ({
      body: new URLSearchParams({ ...COMMAND, trigger_id: `fuzz.t${++sequence}`, text }).toString(),
      type: 'application/x-www-form-urlencoded',
    })),
  // An interaction payload with its JSON mutated or broken.
  mutated(ACTION).map((payload) => ({
    body: new URLSearchParams({ payload: JSON.stringify(fresh(payload)) ?? 'undefined' }).toString(),
    type: 'application/x-www-form-urlencoded',
  })),
  fc.tuple(fc.integer({ min: 0, max: 400 }), nasty).map(([cut, tail]) => ({
    body: `payload=${encodeURIComponent(JSON.stringify(fresh(ACTION)).slice(0, cut))}${tail}`,
    type: 'application/x-www-form-urlencoded',
  })),
  // Events API JSON, mutated, truncated or not JSON at all.
  mutated(EVENT).map((event) => ({ body: JSON.stringify(fresh(event)) ?? '', type: 'application/json' })),
  fc.tuple(fc.integer({ min: 0, max: 300 }), nasty).map(([cut, tail]) => ({
    body: JSON.stringify(fresh(EVENT)).slice(0, cut) + tail,
    type: 'application/json',
  })),
  // Any bytes under any content type.
  fc.tuple(nasty, contentType).map(([body, type]) => ({ body, type })),
);
const signing = fc.constantFrom('valid', 'valid', 'valid', 'wrong', 'stale', 'future', 'missing', 'garbled');

function signedHeaders(body: string, type: string, how: string): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  const base = { 'content-type': type };
  const sign = (timestamp: number) =>
    signSlackRequest({ signingSecret: SANDBOX_SECRETS.slackSigningSecret, body, timestamp });
  switch (how) {
    case 'valid':
      return { ...base, ...sign(now) };
    case 'wrong':
      return { ...base, ...signSlackRequest({ signingSecret: 'not-the-secret', body, timestamp: now }) };
    case 'stale':
      return { ...base, ...sign(now - 6 * 60) };
    case 'future':
      return { ...base, ...sign(now + 6 * 60) };
    case 'garbled':
      return { ...base, 'x-slack-signature': 'v0=zz', 'x-slack-request-timestamp': 'soon' };
    default:
      return base;
  }
}

describe('fuzzing the inbound routes', () => {
  it(
    `/slack/events answers ${RUNS} malformed deliveries with an ack or a clear 4xx, and writes nothing`,
    async () => {
      const writesBefore = oktaWrites();
      const reached = { signed: 0, acked: 0 };
      await fc.assert(
        fc.asyncProperty(slackBody, signing, async ({ body, type }, how) => {
          const headers = signedHeaders(body, type, how);
          if (type === '') delete headers['content-type'];
          const answer = await slack.gatehouse.server.inject({
            method: 'POST',
            url: '/slack/events',
            headers,
            payload: body,
          });
          expectClearAnswer(answer, { body: body.slice(0, 200), type, how });
          expectPrototypesUntouched({ body: body.slice(0, 200), type, how });
          if (how === 'valid') {
            reached.signed += 1;
            if (answer.statusCode === 200) reached.acked += 1;
          }
          // Unsigned, wrongly signed or stale: refused (401; 413 over the body limit, 415 for a content type no one sends).
          if (how !== 'valid') expect([401, 413, 415]).toContain(answer.statusCode);
        }),
        { numRuns: RUNS },
      );
      expect(oktaWrites()).toBe(writesBefore);
      // The generated deliveries are not all stopped at the door: many reach the listeners.
      expect(reached.acked).toBeGreaterThan(reached.signed / 5);
      // Still answering real people.
      await slack.driver.command(S.alice.id, 'help');
      await eventually(() => slack.slack.ephemeralsFor(S.alice.id).length > 0);
    },
    TIMEOUT_MS,
  );

  it(
    `/api/messages answers ${RUNS} malformed Bot Framework activities with a 2xx or a clear 4xx, and writes nothing`,
    async () => {
      await teams.driver.install(TEAMS_SEED.users.alice.id);
      const said = await teams.driver.say(TEAMS_SEED.users.alice.id, 'status');
      const message = said.activity as Record<string, unknown>;
      if (!message) throw new Error('no activity to start from');
      const invoke = {
        ...message,
        type: 'invoke',
        name: 'adaptiveCard/action',
        text: undefined,
        value: {
          action: {
            type: 'Action.Execute',
            verb: 'approve',
            data: { requestId: 'req00000000000000000', taskId: 't1' },
          },
          trigger: 'manual',
        },
      };
      const activity = fc.oneof(
        mutated(message),
        mutated(invoke),
        fc
          .oneof(nasty, fc.constantFrom('x'.repeat(300_000), 'approve req1 ' + '\u0000'.repeat(100)))
          .map((text) => ({ ...message, id: `fuzz${++sequence}`, text })),
        anyJsonValue,
      );
      const raw = fc.oneof(
        activity.map((value) => ({ body: JSON.stringify(value) ?? '', type: 'application/json' })),
        fc.tuple(activity, fc.integer({ min: 0, max: 500 })).map(([value, cut]) => ({
          body: (JSON.stringify(value) ?? '').slice(0, cut),
          type: 'application/json',
        })),
        fc.tuple(nasty, contentType).map(([body, type]) => ({ body, type })),
      );
      const writesBefore = oktaWrites();
      let handled = 0;
      await fc.assert(
        fc.asyncProperty(raw, async ({ body, type }) => {
          const answer = await teams.gatehouse.server.inject({
            method: 'POST',
            url: '/api/messages',
            headers: type ? { 'content-type': type } : {},
            payload: body,
          });
          expectClearAnswer(answer, { body: body.slice(0, 200), type });
          expectPrototypesUntouched({ body: body.slice(0, 200), type });
          if (answer.statusCode === 200) handled += 1;
        }),
        { numRuns: RUNS },
      );
      expect(oktaWrites()).toBe(writesBefore);
      // Many generated activities get past the envelope check into the bot's own handling.
      expect(handled).toBeGreaterThan(RUNS / 10);
      const after = await teams.driver.say(TEAMS_SEED.users.alice.id, 'help');
      expect(after.statusCode).toBe(200);
    },
    TIMEOUT_MS,
  );

  it(
    `/hooks/okta answers ${RUNS} malformed or unauthorized deliveries with a 2xx or a clear 4xx`,
    async () => {
      const request = slack.okta.createRequest(
        {
          requested: { type: 'CATALOG_ENTRY', entryId: SEED.entries.zoomPro.id },
          requestedFor: { type: 'OKTA_USER', externalId: SEED.users.alice.id },
          requesterFieldValues: [],
        },
        slack.okta.actorFor(SEED.users.alice.id),
      );
      const event = slack.okta.events.find((e) => e.target.some((t) => t.id === request.id));
      if (!event) throw new Error('no event to start from');
      const delivery = { eventType: 'com.okta.event_hook', data: { events: [event] } };
      const body = fc.oneof(
        mutated(delivery).map((value) => JSON.stringify(value) ?? ''),
        mutated(event as unknown as Record<string, unknown>).map((value) =>
          JSON.stringify({ data: { events: [value] } }),
        ),
        fc.array(anyJsonValue, { maxLength: 5 }).map((events) => JSON.stringify({ data: { events } })),
        fc.integer({ min: 0, max: 400 }).map((cut) => JSON.stringify(delivery).slice(0, cut)),
        nasty,
      );
      const authorization = fc.constantFrom(
        SANDBOX_SECRETS.oktaEventHookSecret,
        SANDBOX_SECRETS.oktaEventHookSecret,
        'guess',
        '',
        undefined,
      );
      await fc.assert(
        fc.asyncProperty(body, authorization, contentType, async (payload, auth, type) => {
          const headers: Record<string, string> = {};
          if (auth !== undefined) headers.authorization = auth;
          if (type) headers['content-type'] = type;
          const answer = await slack.gatehouse.server.inject({ method: 'POST', url: '/hooks/okta', headers, payload });
          expectClearAnswer(answer, { payload: payload.slice(0, 200), auth, type });
          expectPrototypesUntouched({ payload: payload.slice(0, 200), auth, type });
          if (auth !== SANDBOX_SECRETS.oktaEventHookSecret) expect([401, 415]).toContain(answer.statusCode);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'keeps memory flat: a second batch of malformed deliveries leaves the live heap where the first did',
    async () => {
      // The live heap after a full collection, not RSS: what the process still holds.
      v8.setFlagsFromString('--expose-gc');
      const gc = vm.runInNewContext('gc') as () => void;
      const liveHeap = () => {
        gc();
        gc();
        return process.memoryUsage().heapUsed;
      };
      const batch = async () => {
        for (const [{ body, type }, how] of fc.sample(fc.tuple(slackBody, signing), RUNS)) {
          const headers = signedHeaders(body, type, how);
          if (type === '') delete headers['content-type'];
          await slack.gatehouse.server.inject({ method: 'POST', url: '/slack/events', headers, payload: body });
        }
        // What the deliveries started (replies, Home draws, Okta reads) finishes before the heap is
        // read: work in flight is not memory kept.
        await slack.gatehouse.idle();
        await slack.gatehouse.slack?.homesSettled();
      };
      await batch();
      const before = liveHeap();
      await batch();
      const grown = liveHeap() - before;
      // Each signed delivery leaves a small claim (its id, kept a day against replays); holding on
      // to bodies, some of them up to a megabyte, would show as far more.
      expect(grown / 1024 / 1024).toBeLessThan(Math.max(8, (RUNS * 1024) / 1024 / 1024));
    },
    TIMEOUT_MS * 2,
  );
});
