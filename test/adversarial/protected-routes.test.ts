import { request as httpRequest } from 'node:http';
import { SLACK_SEED } from '@gatehouse/sandbox/slack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../src/config.js';
import { MAX_REQUESTS_PER_DELIVERY, MAX_TARGETS_PER_EVENT } from '../../src/notifier/okta-hook.js';
import { PRODUCTION, type ProductionWorld, startProductionWorld } from '../support/production-world.js';
import { type SlackWorld, startSlackWorld } from '../support/slack-world.js';
import { TEST_SECRETS } from '../support/test-secrets.js';

/**
 * Every protected route refuses the unauthenticated however its path is spelled (issue 15, F8).
 * fastify's router decodes the path before matching (`/hooks/%6Fkta` is `/hooks/okta`), so a check
 * that string-matched the raw URL let those spellings through with no secret; one 79 KB delivery
 * then cost the org ~15,000 Okta calls. Requests go over a real socket with the path written byte
 * for byte (node:http sends it as given; fetch would normalize it first).
 */
const METRICS_TOKEN = 'operator-metrics-token-0123456789';
const HOOK_SECRET = { authorization: SANDBOX_SECRETS.oktaEventHookSecret };

/** The spellings a URL parser, a proxy or fastify's router might treat as the same path. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const encodeLast = (word: string) => `${word.slice(0, -1)}%${word.charCodeAt(word.length - 1).toString(16)}`;
  const encodeFirst = (word: string) => `%${word.charCodeAt(0).toString(16).toUpperCase()}${word.slice(1)}`;
  const changing = (index: number, change: (word: string) => string) =>
    `/${segments.map((word, i) => (i === index ? change(word) : word)).join('/')}`;
  const last = segments.length - 1;
  return [
    path,
    ...segments.flatMap((_, i) => [changing(i, encodeFirst), changing(i, encodeLast)]),
    ...(segments.length > 1 ? [`/${segments.join('%2F')}`, `/${segments.join('%2f')}`, `/${segments.join('//')}`] : []),
    `/${path}`,
    `${path}/`,
    `${path}//`,
    path.toUpperCase(),
    changing(0, (word) => `${word[0]?.toUpperCase()}${word.slice(1)}`),
    `/.${path}`,
    changing(last, (word) => `./${word}`),
    `/x/..${path}`,
    `/%2e${path}`,
    `/x/%2e%2e${path}`,
    `${path};x`,
    `${path}%3B`,
    `${path}?x=1`,
    `${path}%00`,
    `${path}%20`,
    `${path}%23`,
    `${path}/.`,
  ];
}

interface RawAnswer {
  status: number;
  body: string;
}

/** One HTTP request with the path sent exactly as written. */
function raw(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, method, path, headers: { ...options.headers, connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Okta-shaped ids no request has: a sync of any of them would show as a GET in the org's log. */
function requestIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `reqFLOOD${String(i).padStart(12, '0')}`);
}

/** One event per target, as Okta's System Log would deliver them. */
function deliveryNaming(ids: string[]): string {
  return JSON.stringify({
    data: {
      events: ids.map((id, i) => ({
        uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        eventType: 'access.request.create',
        published: new Date().toISOString(),
        target: [{ id, type: 'AccessRequest', displayName: 'Salesforce' }],
      })),
    },
  });
}

let world: SlackWorld;
const readsOf = (ids: string[]) => world.okta.calls.filter((call) => ids.some((id) => call.path.includes(id))).length;
const queued = async () => Object.values(await world.gatehouse.queue.depth()).reduce((a, b) => a + (b ?? 0), 0);

beforeAll(async () => {
  world = await startSlackWorld({ env: { METRICS_TOKEN } });
});
afterAll(async () => {
  await world.close();
});

describe('the Okta event hook, whatever the spelling of its path', () => {
  it('is reached by the encoded spellings only with its secret, so the check sits on the route', async () => {
    // Control: fastify does route these spellings to the hook, which is why matching the raw URL was a hole.
    for (const path of ['/hooks/%6Fkta', '/hooks/okt%61', '/%68ooks/okta']) {
      const answer = await raw(world.baseUrl, 'GET', path, {
        headers: { ...HOOK_SECRET, 'x-okta-verification-challenge': 'abc' },
      });
      expect({ path, ...answer }).toEqual({ path, status: 200, body: '{"verification":"abc"}' });
    }
  });

  it("answers no stranger's verification challenge", async () => {
    for (const path of spellings('/hooks/okta')) {
      const answer = await raw(world.baseUrl, 'GET', path, { headers: { 'x-okta-verification-challenge': 'abc' } });
      expect({ path, status: answer.status }).toEqual({ path, status: expect.toBeOneOf([401, 404, 400]) });
      expect(answer.body).not.toContain('verification');
    }
  });

  it('makes no governance call and queues nothing for a flood of deliveries without the secret', async () => {
    const ids = requestIds(500);
    const body = deliveryNaming(ids);
    const answers: { path: string; status: number }[] = [];
    for (let round = 0; round < 4; round++) {
      for (const path of spellings('/hooks/okta')) {
        const { status } = await raw(world.baseUrl, 'POST', path, {
          headers: { 'content-type': 'application/json', authorization: round % 2 ? 'guess' : '' },
          body,
        });
        answers.push({ path, status });
      }
    }
    expect(answers.filter((answer) => answer.status < 400)).toEqual([]);
    expect(await queued()).toBe(0);
    expect(readsOf(ids)).toBe(0);
  });
});

describe('the Okta event hook, with its secret', () => {
  const post = (body: string) =>
    raw(world.baseUrl, 'POST', '/hooks/okta', {
      headers: { ...HOOK_SECRET, 'content-type': 'application/json' },
      body,
    });

  it(`queues at most ${MAX_REQUESTS_PER_DELIVERY} requests from one delivery`, async () => {
    const ids = requestIds(1000);
    expect((await post(deliveryNaming(ids))).status).toBe(200);
    // Jobs wait for their fold window, so right after the answer they are all still queued.
    const depth = await world.gatehouse.queue.depth();
    expect(depth.slack).toBe(MAX_REQUESTS_PER_DELIVERY);
  });

  it(`reads at most ${MAX_TARGETS_PER_EVENT} targets of one event, and still takes the delivery`, async () => {
    await drained();
    const targets = requestIds(2000).map((id) => ({ id, type: 'AccessRequest' }));
    const body = JSON.stringify({
      data: { events: [{ uuid: 'u1', eventType: 'access.request.create', target: targets }] },
    });
    expect((await post(body)).status).toBe(200);
    expect((await world.gatehouse.queue.depth()).slack).toBe(MAX_TARGETS_PER_EVENT);
  });

  it('queues nothing for ids that are not shaped like Okta request ids', async () => {
    await drained();
    const odd = ['ATK0', '../../api/v1/users', 'req../../../x', `req${'a'.repeat(40)}`, '00ualice000000000000'];
    expect((await post(deliveryNaming(odd))).status).toBe(200);
    expect(await queued()).toBe(0);
  });

  it('folds every event naming one request, whatever uuids the caller chose, into one sync', async () => {
    await drained();
    const [id] = requestIds(1) as [string];
    expect((await post(deliveryNaming(Array.from({ length: 300 }, () => id)))).status).toBe(200);
    const depth = await world.gatehouse.queue.depth();
    expect(depth.slack).toBe(1);
  });

  it('folds deliveries arriving together for one request into one sync, as Okta retries and fans out', async () => {
    await drained();
    const [id] = requestIds(1) as [string];
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(deliveryNaming([id]))));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    // Eight deliveries within milliseconds fall in one fold window, or two when they straddle its edge.
    expect((await world.gatehouse.queue.depth()).slack).toBeLessThanOrEqual(2);
  });
});

describe('operator detail', () => {
  it('serves /metrics and the readiness detail only to the bearer of METRICS_TOKEN, on every spelling', async () => {
    const allowed = await raw(world.baseUrl, 'GET', '/metrics', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toContain('gatehouse_http_request_duration_seconds');
    for (const path of spellings('/metrics')) {
      for (const authorization of ['', 'Bearer wrong', METRICS_TOKEN, `Basic ${METRICS_TOKEN}`]) {
        const answer = await raw(world.baseUrl, 'GET', path, { headers: { authorization } });
        expect({ path, authorization, status: answer.status }).toMatchObject({ status: expect.toBeOneOf([401, 404]) });
        expect(answer.body).not.toContain('gatehouse_');
      }
    }
    const probe = await raw(world.baseUrl, 'GET', '/readyz');
    expect(JSON.parse(probe.body)).toEqual({ status: expect.any(String) });
    const detailed = await raw(world.baseUrl, 'GET', '/readyz', {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(JSON.parse(detailed.body)).toMatchObject({ checks: { store: 'ok' } });
  });

  it('keeps /healthz open and silent', async () => {
    const answer = await raw(world.baseUrl, 'GET', '/healthz');
    expect(answer).toEqual({ status: 200, body: '{"status":"ok"}' });
  });
});

describe('the Slack endpoint, whatever the spelling of its path', () => {
  it('refuses an unsigned command on every spelling and asks Okta nothing', async () => {
    // A hint an earlier test sent (an event naming no request) has its catch-up poll done first.
    await world.gatehouse.idle();
    const before = world.okta.calls.length;
    const form = new URLSearchParams({
      command: '/access',
      text: 'request zoom pro because webinars',
      user_id: SLACK_SEED.users.alice.id,
      team_id: SLACK_SEED.teamId,
      channel_id: 'D0ALICE',
      trigger_id: 'none',
      response_url: `${world.baseUrl}/sandbox/slack/response/none`,
    }).toString();
    for (const path of spellings('/slack/events')) {
      const answer = await raw(world.baseUrl, 'POST', path, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      expect({ path, status: answer.status }).toEqual({ path, status: expect.toBeOneOf([401, 404]) });
    }
    expect(world.okta.calls.length).toBe(before);
  });
});

describe('every answer', () => {
  it('carries headers that stop sniffing, framing and caching', async () => {
    for (const path of ['/healthz', '/readyz', '/hooks/okta', '/nowhere']) {
      const answer = await fetch(`${world.baseUrl}${path}`);
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('cache-control')).toBe('no-store');
      expect(answer.headers.get('x-frame-options')).toBe('DENY');
    }
  });
});

/** The queue has worked off what earlier tests queued. */
async function drained(): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await queued()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await queued()).toBe(0);
}

describe('in production mode', () => {
  let production: ProductionWorld;
  beforeAll(async () => {
    production = await startProductionWorld();
  });
  afterAll(async () => {
    await production.close();
  });

  it('refuses a Teams activity without a Bot Framework token on every spelling, before reading it', async () => {
    const before = production.okta.calls.length;
    const activity = JSON.stringify({
      type: 'message',
      id: 'm1',
      channelId: 'msteams',
      serviceUrl: 'https://smba.trafficmanager.net/emea/',
      from: { id: '29:1dana' },
      recipient: { id: `28:${PRODUCTION.appId}` },
      conversation: { id: 'a:1on1-dana', conversationType: 'personal', tenantId: PRODUCTION.tenantId },
      channelData: { tenant: { id: PRODUCTION.tenantId } },
      text: 'pending',
    });
    for (const path of spellings('/api/messages')) {
      for (const authorization of ['', `Basic ${PRODUCTION.appId}:x`, 'Bearer']) {
        const answer = await raw(production.baseUrl, 'POST', path, {
          headers: { 'content-type': 'application/json', authorization },
          body: activity,
        });
        expect({ path, authorization, status: answer.status }).toMatchObject({ status: expect.toBeOneOf([401, 404]) });
      }
    }
    expect(production.okta.calls.length).toBe(before);
  });

  it('refuses the hook, Slack and metrics on every spelling without their secrets', async () => {
    const before = production.okta.calls.length;
    const checks: [string, 'GET' | 'POST', string][] = [
      ['/hooks/okta', 'POST', deliveryNaming(requestIds(50))],
      ['/hooks/okta', 'GET', ''],
      ['/slack/events', 'POST', 'command=%2Faccess&text=pending&user_id=U0DANA&team_id=T0GATEHOUSE'],
      ['/metrics', 'GET', ''],
    ];
    for (const [protectedPath, method, body] of checks) {
      for (const path of spellings(protectedPath)) {
        const answer = await raw(production.baseUrl, method, path, {
          headers: {
            'content-type':
              protectedPath === '/slack/events' ? 'application/x-www-form-urlencoded' : 'application/json',
            'x-okta-verification-challenge': 'abc',
            authorization: `Bearer ${TEST_SECRETS.slackSigningSecret}`,
          },
          body: method === 'POST' ? body : undefined,
        });
        expect({ path, method, status: answer.status }).toMatchObject({ status: expect.toBeOneOf([401, 404]) });
      }
    }
    expect(production.okta.calls.length).toBe(before);
    expect(await production.gatehouse.queue.depth()).toEqual({ slack: 0, teams: 0 });
  });

  it('sends a content security policy and HSTS, and keeps readiness detail to the metrics token', async () => {
    const probe = await fetch(`${production.baseUrl}/readyz`);
    expect(probe.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(probe.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(Object.keys((await probe.json()) as object)).toEqual(['status']);
    const detailed = await fetch(`${production.baseUrl}/readyz`, {
      headers: { authorization: `Bearer ${TEST_SECRETS.metricsToken}` },
    });
    expect(await detailed.json()).toMatchObject({ checks: { store: 'ok', governance: 'ok' } });
  });

  it('serves no metrics at all when no METRICS_TOKEN is configured, and says how to turn them on', async () => {
    const bare = await startProductionWorld({ METRICS_TOKEN: '' });
    try {
      const answer = await fetch(`${bare.baseUrl}/metrics`, { headers: { authorization: 'Bearer ' } });
      expect(answer.status).toBe(401);
      expect(((await answer.json()) as { message: string }).message).toContain('METRICS_TOKEN');
    } finally {
      await bare.close();
    }
  });
});
