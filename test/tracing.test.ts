import { randomUUID } from 'node:crypto';
import { SEED } from '@gatehouse/sandbox/okta';
import { SLACK_SEED, SlackDriver, signSlackRequest, slashCommand } from '@gatehouse/sandbox/slack';
import { TEAMS_SEED } from '@gatehouse/sandbox/teams';
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/config.js';
import { BullSyncQueue, type SyncJob } from '../src/notifier/index.js';
import { ATTR, inSpan, startTracing, type Tracing, urlTemplate } from '../src/tracing.js';
import { type ProductionWorld, startProductionWorld } from './support/production-world.js';
import { eventually, messageAbout, shown, startSlackWorld } from './support/slack-world.js';
import { startTeamsWorld } from './support/teams-world.js';
import { testLogger } from './support/test-logger.js';
import { TEST_SECRETS } from './support/test-secrets.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const S = SLACK_SEED.users;
const ON = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
const REASON = 'new territory';
const logger = testLogger();
// Spans land here through startTracing's own path: batched, then redacted, then exported.
const exported = new InMemorySpanExporter();

/** Everything a span sends out of the process, as one string: names, attributes, events, links, status, resource. */
function sent(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      links: span.links.map((link) => link.attributes),
      status: span.status,
      resource: span.resource.attributes,
    })),
  );
}

/**
 * What must never leave in a span: the people's e-mails, names and chat ids (Alice asks, Bob
 * approves), what they wrote, and every secret the deployment was given.
 */
const PERSONAL: (string | RegExp)[] = [
  /alice/i,
  /nguyen/i,
  /bob/i,
  /martinez/i,
  /@/,
  REASON,
  ...Object.values(TEST_SECRETS),
];

function expectNothingPersonal(spans: readonly ReadableSpan[]): void {
  const text = sent(spans);
  for (const pattern of PERSONAL) {
    if (typeof pattern === 'string') expect(text).not.toContain(pattern);
    else expect(text).not.toMatch(pattern);
  }
}

/** The names from the trace's root down to `span`, following each span's parent. */
function chain(span: ReadableSpan, all: readonly ReadableSpan[]): string[] {
  const names = [span.name];
  let at: ReadableSpan | undefined = span;
  while (at?.parentSpanContext) {
    const parentId: string = at.parentSpanContext.spanId;
    at = all.find((candidate) => candidate.spanContext().spanId === parentId);
    if (!at) throw new Error(`${names[0]}: its parent ${parentId} was not exported`);
    names.unshift(at.name);
  }
  return names;
}

const traceOf = (span: ReadableSpan) => span.spanContext().traceId;

/** The trace rooted at a delivery on `route` whose spans include `name`. */
async function traceWith(route: string, name: string): Promise<ReadableSpan[]> {
  return eventually(() => {
    const spans = exported.getFinishedSpans();
    const root = spans.find(
      (span) =>
        span.name === route &&
        !span.parentSpanContext &&
        spans.some((other) => other.name === name && traceOf(other) === traceOf(span)),
    );
    return root && spans.filter((span) => traceOf(span) === traceOf(root));
  });
}

describe('tracing off: no OTLP endpoint', () => {
  it('registers nothing and produces no span through a whole request and its sync', async () => {
    const tracing = await startTracing({}, logger, { exporter: exported });
    expect(tracing.on).toBe(false);
    const world = await startSlackWorld();
    try {
      await world.driver.command(S.alice.id, `request Salesforce Sales User because ${REASON}`);
      const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
      await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
      await world.gatehouse.idle();
    } finally {
      await world.close();
    }
    await tracing.flush();
    expect(exported.getFinishedSpans()).toEqual([]);
    // The API's no-op parts answer: no propagator, and a span started anywhere records nothing.
    expect(propagation.fields()).toEqual([]);
    expect(trace.getTracerProvider().getTracer('probe').startSpan('probe').isRecording()).toBe(false);
  });

  it('adds nothing to a queued job', async () => {
    const prefix = `gatehouse-test-${randomUUID()}`;
    const queue = new BullSyncQueue({ redisUrl: REDIS_URL, prefix, platforms: ['slack'], logger });
    const reader = new Queue('sync-slack', { connection: { url: REDIS_URL }, prefix });
    try {
      await queue.enqueue('req-off', { key: 'k' });
      const [job] = await reader.getJobs(['waiting']);
      expect(job?.data).toEqual({ requestId: 'req-off', changeId: expect.any(String) });
    } finally {
      await reader.obliterate({ force: true });
      await reader.close();
      await queue.close();
    }
  });

  it.each([
    ['OTEL_SDK_DISABLED=true', { ...ON, OTEL_SDK_DISABLED: 'true' }],
    ['OTEL_TRACES_EXPORTER=none', { ...ON, OTEL_TRACES_EXPORTER: 'none' }],
  ])('stays off with an endpoint when %s', async (_name, env) => {
    expect((await startTracing(env, logger, { exporter: exported })).on).toBe(false);
  });

  it('refuses to start on settings it cannot honour, naming each', async () => {
    const refused = await startTracing(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
      logger,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([
      expect.stringContaining('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL'),
      expect.stringContaining('http/protobuf only (got grpc)'),
    ]);
  });
});

describe('tracing on', () => {
  let tracing: Tracing;
  beforeAll(async () => {
    tracing = await startTracing(ON, logger, { exporter: exported });
  });
  afterAll(async () => {
    await tracing.shutdown();
  });
  beforeEach(() => {
    exported.reset();
  });

  describe('a Slack request and its approval, in production mode', () => {
    let world: ProductionWorld;
    let driver: SlackDriver;
    beforeAll(async () => {
      world = await startProductionWorld();
      // The emulated Slack and Okta are on a server of their own; response_urls point there.
      const outside = new URL(world.gatehouse.config.slack?.apiUrl ?? '').origin;
      driver = new SlackDriver({
        workspace: world.slack,
        baseUrl: world.baseUrl,
        signingSecret: TEST_SECRETS.slackSigningSecret,
        responseBaseUrl: outside,
      });
    });
    afterAll(async () => {
      await world.close();
    });

    it('follows each delivery in one trace: the flow, its governance calls, the sync, the queue and every chat post', async () => {
      await driver.command(S.alice.id, `request Salesforce Sales User because ${REASON}`);
      const request = await eventually(() =>
        world.okta.requests.find((r) => r.requested.entryId === SEED.entries.salesforceSalesUser.id),
      );
      const bobCard = await eventually(() => messageAbout(world.slack.dmWith(S.bob.id), request.id));
      await world.gatehouse.idle();
      await tracing.flush();

      const asked = await traceWith('POST /slack/events', 'flow requestAccess');
      const root = asked.find((span) => !span.parentSpanContext) as ReadableSpan;
      expect(root.attributes).toMatchObject({
        [ATTR.httpMethod]: 'POST',
        [ATTR.httpRoute]: '/slack/events',
        [ATTR.httpStatus]: 200,
      });
      // Every span of the delivery hangs from its root: nothing started a trace of its own.
      for (const span of asked) expect(chain(span, asked)[0]).toBe('POST /slack/events');
      const flow = asked.find((span) => span.name === 'flow requestAccess') as ReadableSpan;
      expect(flow.attributes).toMatchObject({ [ATTR.platform]: 'slack', [ATTR.outcome]: 'ok' });
      const create = asked.find((span) => span.name === 'governance createRequest') as ReadableSpan;
      expect(chain(create, asked)).toEqual(['POST /slack/events', 'flow requestAccess', 'governance createRequest']);
      expect(create.attributes).toMatchObject({
        [ATTR.provider]: 'okta',
        [ATTR.operation]: 'createRequest',
        [ATTR.family]: 'requests',
        [ATTR.httpMethod]: 'POST',
        [ATTR.urlTemplate]: '/governance/api/v2/requests',
        [ATTR.httpStatus]: 202,
        [ATTR.attempt]: 1,
      });
      // The person was looked up by e-mail: the span shows the endpoint, never the query.
      const lookup = asked.find((span) => span.name === 'governance findPrincipalByEmail') as ReadableSpan;
      expect(lookup.attributes[ATTR.urlTemplate]).toBe('/api/v1/users');
      // Each platform's sync posts the approver's and the requester's cards (no approvals channel is set).
      const posts = asked.filter((span) => span.name === 'chat post');
      for (const post of posts) {
        expect(chain(post, asked)).toEqual(['POST /slack/events', 'flow requestAccess', 'notifier sync', 'chat post']);
      }
      const onSlack = posts.filter((post) => post.attributes[ATTR.platform] === 'slack');
      expect(onSlack.map((post) => post.attributes[ATTR.chatKind]).sort()).toEqual(['approval', 'requester']);

      // Bob approves while Slack refuses one post: that message goes through the queue, still in the click's trace.
      exported.reset();
      world.slack.faults.add({ method: 'chat.postMessage', kind: 'error', error: 'fatal_error', times: 1 });
      await driver.click(S.bob.id, { channel: bobCard.channel, ts: bobCard.ts }, 'approve');
      await eventually(() => shown(world.slack.message(bobCard.channel, bobCard.ts)).includes('*Approved*'));
      await world.gatehouse.idle();
      await tracing.flush();

      const approved = await traceWith('POST /slack/events', 'queue job');
      for (const span of approved) expect(chain(span, approved)[0]).toBe('POST /slack/events');
      const decide = approved.find(
        (span) => span.name === 'governance decide' && span.attributes[ATTR.httpMethod] === 'POST',
      );
      expect(decide && chain(decide, approved)).toEqual(['POST /slack/events', 'flow decide', 'governance decide']);
      const updates = approved.filter(
        (span) => span.name === 'chat update' && span.attributes[ATTR.platform] === 'slack',
      );
      expect(new Set(updates.map((update) => update.attributes[ATTR.chatKind]))).toEqual(
        new Set(['approval', 'requester']),
      );
      const refused = approved.find(
        (span) => span.name === 'chat post' && span.status.code === SpanStatusCode.ERROR,
      ) as ReadableSpan;
      expect(refused.attributes[ATTR.errorType]).toBe('slack_webapi_platform_error');
      const queued = approved.filter(
        (span) => span.name === 'chat post' && chain(span, approved).includes('queue job'),
      );
      expect(queued.map((post) => chain(post, approved))).toEqual([
        ['POST /slack/events', 'flow decide', 'queue enqueue', 'queue job', 'notifier sync', 'chat post'],
      ]);
      // The change is queued once for every platform; Slack's job is the one with a post left to make.
      const job = approved.find(
        (span) => span.name === 'queue job' && span.attributes[ATTR.platform] === 'slack',
      ) as ReadableSpan;
      expect(job.attributes).toMatchObject({
        [ATTR.queueSystem]: 'memory',
        [ATTR.platform]: 'slack',
        [ATTR.accessRequest]: request.id,
        [ATTR.outcome]: 'done',
      });

      expectNothingPersonal([...asked, ...approved]);
      expectNothingPersonal(exported.getFinishedSpans());
    });

    it('starts its own trace for a delivery, only linked to the one a caller names (traceparent, unsigned)', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const parentId = '00f067aa0ba902b7';
      const body = slashCommand({
        user: { id: S.alice.id, name: 'alice' },
        text: 'help',
        triggerId: `trace.${Date.now()}`,
        responseUrl: 'http://127.0.0.1:9/response',
      });
      const signed = signSlackRequest({
        signingSecret: TEST_SECRETS.slackSigningSecret,
        body,
        contentType: 'application/x-www-form-urlencoded',
      });
      const answer = await fetch(`${world.baseUrl}/slack/events`, {
        method: 'POST',
        // Unsampled and with a tracestate: neither may switch tracing off nor travel into spans.
        headers: { ...signed, traceparent: `00-${traceId}-${parentId}-00`, tracestate: 'vendor=planted' },
        body,
      });
      expect(answer.status).toBe(200);
      await world.gatehouse.idle();
      await tracing.flush();
      const root = exported.getFinishedSpans().find((span) => span.name === 'POST /slack/events');
      expect(root).toBeDefined();
      expect(root?.spanContext().traceId).not.toBe(traceId);
      expect(root?.parentSpanContext).toBeUndefined();
      expect(root?.links.map((link) => link.context)).toEqual([expect.objectContaining({ traceId, spanId: parentId })]);
      expect(JSON.stringify(exported.getFinishedSpans().map((span) => span.links))).not.toContain('planted');
    });

    it('traces no probe, scrape or other route', async () => {
      for (const path of ['/healthz', '/readyz', '/privacy']) await fetch(`${world.baseUrl}${path}`);
      await tracing.flush();
      expect(exported.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER)).toEqual([]);
    });
  });

  it('follows a Teams message the same way, to the cards it posts', async () => {
    const world = await startTeamsWorld();
    const alice = TEAMS_SEED.users.alice;
    try {
      await world.driver.say(alice.id, `request Salesforce Sales User because ${REASON}`);
      const request = await eventually(() => world.portal.find(SEED.entries.salesforceSalesUser.id));
      await eventually(() =>
        world.teams
          .transcript(world.teams.personalConversationOf(TEAMS_SEED.users.bob.id))
          .find((activity) => JSON.stringify(activity).includes(request.id)),
      );
      await world.gatehouse.idle();
    } finally {
      await world.close();
    }
    await tracing.flush();
    const spans = await traceWith('POST /api/messages', 'flow requestAccess');
    // Sandbox mode runs Slack beside Teams: the notifier brings both up to date, each in this trace.
    const posts = spans.filter((span) => span.name === 'chat post');
    expect(posts.filter((post) => post.attributes[ATTR.platform] === 'teams').length).toBeGreaterThan(0);
    for (const post of posts) {
      expect(chain(post, spans)).toEqual(['POST /api/messages', 'flow requestAccess', 'notifier sync', 'chat post']);
    }
    expect(spans.find((span) => span.name === 'flow requestAccess')?.attributes[ATTR.platform]).toBe('teams');
    expectNothingPersonal(exported.getFinishedSpans());
    const said = sent(exported.getFinishedSpans());
    for (const id of [alice.id, alice.aadObjectId]) expect(said).not.toContain(id);
  });

  it('carries the trace through Redis to the replica that runs the job', async () => {
    const prefix = `gatehouse-test-${randomUUID()}`;
    const options = { redisUrl: REDIS_URL, prefix, platforms: ['slack' as const], logger };
    // A queues the sync and runs nothing; B, another process as far as the trace knows, runs it.
    const a = new BullSyncQueue(options);
    const b = new BullSyncQueue(options);
    const ran: SyncJob[] = [];
    try {
      const delivery = await inSpan('delivery', {}, async (span) => {
        await a.enqueue('req-traced', { key: 'k' });
        return span.spanContext();
      });
      b.start(async (job) => {
        ran.push(job);
        return { status: 'done' };
      });
      // Finished in Redis only once its handler (and so its span) has ended.
      await vi.waitFor(async () => expect(await b.depth()).toEqual({ slack: 0 }), { timeout: 8000 });
      await tracing.flush();
      expect(ran).toHaveLength(1);
      const spans = exported.getFinishedSpans();
      const job = spans.find((span) => span.name === 'queue job') as ReadableSpan;
      expect(traceOf(job)).toBe(delivery.traceId);
      expect(chain(job, spans)).toEqual(['delivery', 'queue enqueue', 'queue job']);
      expect(job.attributes).toMatchObject({ [ATTR.queueSystem]: 'bullmq', [ATTR.attempt]: 1, [ATTR.outcome]: 'done' });
    } finally {
      const reader = new Queue('sync-slack', { connection: { url: REDIS_URL }, prefix });
      await reader.obliterate({ force: true });
      await reader.close();
      await a.close();
      await b.close();
    }
  });

  it('exports only allowlisted attributes, whatever code sets, and no status message', async () => {
    await inSpan('careless', { [ATTR.flow]: 'decide', 'user.email': 'alice@acme.example' }, async (span) => {
      span.setAttribute('slack.user_id', S.alice.id);
      span.addEvent('exception', { 'exception.message': `no user alice@acme.example`, [ATTR.errorType]: 'x' });
      span.setStatus({ code: SpanStatusCode.ERROR, message: `refused ${TEST_SECRETS.oktaApiToken}` });
    });
    await tracing.flush();
    const [span] = exported.getFinishedSpans();
    expect(span?.attributes).toEqual({ [ATTR.flow]: 'decide' });
    expect(span?.events.map((event) => event.attributes)).toEqual([{ [ATTR.errorType]: 'x' }]);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(span?.droppedAttributesCount).toBe(2);
  });

  it('names a vendor path by its template: no id, login, e-mail or query', () => {
    expect(urlTemplate('/api/v1/users?search=profile.email%20eq%20%22alice%40acme.example%22')).toBe('/api/v1/users');
    expect(urlTemplate('/api/v1/users/00ualice000000000000')).toBe('/api/v1/users/{id}');
    expect(urlTemplate('/api/v1/users/alice%40acme.example')).toBe('/api/v1/users/{id}');
    expect(urlTemplate('/governance/api/v2/requests/rqs9x8y7/messages')).toBe(
      '/governance/api/v2/requests/{id}/messages',
    );
    expect(urlTemplate('/openidm/managed/alpha_user/5e1c0b2a-1111-4222-8333-444455556666')).toBe(
      '/openidm/managed/alpha_user/{id}',
    );
  });
});
