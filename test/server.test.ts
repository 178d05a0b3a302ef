import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatehouse, type Gatehouse } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { GovernanceRateLimited } from '../src/domain/errors.js';
import { MemoryStore } from '../src/store/index.js';
import { freePort } from './support/free-port.js';
import { testLogger } from './support/test-logger.js';

describe('the server in sandbox mode', () => {
  let gatehouse: Gatehouse;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), LOG_LEVEL: 'silent' });
    gatehouse = await createGatehouse(config, { logger: testLogger(config) });
    await gatehouse.server.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await gatehouse.close();
  });

  it('answers /healthz', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves the privacy and terms pages the Teams app links to', async () => {
    for (const path of ['/privacy', '/terms']) {
      const answer = await gatehouse.server.inject({ method: 'GET', url: path });
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toMatch(/identity-governance system/);
    }
  });

  it('is ready when the store and the emulated Okta answer', async () => {
    const response = await fetch(`${base}/readyz`);
    expect(await response.json()).toEqual({ status: 'ready', checks: { store: 'ok', governance: 'ok' } });
    expect(response.status).toBe(200);
  });

  it('does not spend the governance rate limit on every readiness probe', async () => {
    const pings = () => gatehouse.metrics.governanceDuration.get();
    const count = async () =>
      (await pings()).values
        .filter((v) => v.metricName?.endsWith('_count') && v.labels.operation === 'ping')
        .reduce((n, v) => n + v.value, 0);
    const before = await count();
    await Promise.all(Array.from({ length: 5 }, () => fetch(`${base}/readyz`)));
    expect((await count()) - before).toBeLessThanOrEqual(1);
  });

  it('serves the emulated Okta API under /sandbox/okta with the real paths', async () => {
    const response = await fetch(
      `${base}/sandbox/okta/api/v1/users?search=${encodeURIComponent('profile.email eq "alice@acme.example"')}`,
      { headers: { authorization: 'SSWS gatehouse-sandbox-okta-token' } },
    );
    expect(response.status).toBe(200);
    const users = (await response.json()) as { profile: { email: string } }[];
    expect(users.map((user) => user.profile.email)).toEqual(['alice@acme.example']);
    expect(response.headers.get('x-rate-limit-remaining')).toMatch(/^\d+$/);
  });

  it('exposes HTTP latency by route and governance calls by operation and outcome', async () => {
    await fetch(`${base}/readyz`);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(
      /gatehouse_http_request_duration_seconds_count\{method="GET",route="\/readyz",status_code="200"\} \d+/,
    );
    expect(text).toMatch(
      /gatehouse_governance_call_duration_seconds_count\{provider="okta",operation="ping",outcome="ok"\} \d+/,
    );
  });

  it('answers an unknown route with a clear 404, and malformed JSON with a 400', async () => {
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found', message: 'No route for GET /nope' });
    const bad = await fetch(`${base}/sandbox/okta/governance/api/v2/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'SSWS gatehouse-sandbox-okta-token' },
      body: '{"requested": ',
    });
    expect(bad.status).toBe(400);
  });
});

describe('readiness', () => {
  async function sandboxGatehouse(): Promise<{ gatehouse: Gatehouse; base: string }> {
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), LOG_LEVEL: 'silent' });
    const gatehouse = await createGatehouse(config, { logger: testLogger(config) });
    await gatehouse.server.listen({ port, host: '127.0.0.1' });
    return { gatehouse, base: `http://127.0.0.1:${port}` };
  }

  it("pings the governance backend as background work, never from people's share of its budget", async () => {
    const { gatehouse, base } = await sandboxGatehouse();
    try {
      const spent = async (priority: string) =>
        (await gatehouse.metrics.governanceBudgetSpent.get()).values
          .filter((v) => v.labels.priority === priority)
          .reduce((n, v) => n + v.value, 0);
      const [person, background] = [await spent('person'), await spent('background')];
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(await spent('background')).toBe(background + 1);
      expect(await spent('person')).toBe(person);
    } finally {
      await gatehouse.close();
    }
  });

  it('stays ready while the backend answers "rate limited": it is there, only busy, and taking every replica out would leave chat with nobody', async () => {
    const { gatehouse, base } = await sandboxGatehouse();
    gatehouse.governance.ping = async () => {
      throw new GovernanceRateLimited('ping', 30_000);
    };
    try {
      const response = await fetch(`${base}/readyz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        status: 'ready',
        checks: { store: 'ok', governance: 'governance_rate_limited' },
      });
    } finally {
      await gatehouse.close();
    }
  });

  it('says which dependency is down with a 503', async () => {
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), LOG_LEVEL: 'silent' });
    const store = new MemoryStore();
    store.ping = async () => {
      throw new Error('store unreachable');
    };
    const gatehouse = await createGatehouse(config, { logger: testLogger(config), store });
    try {
      // Not listening: the emulated Okta cannot be reached either.
      const response = await gatehouse.server.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        status: 'not_ready',
        checks: { store: 'store unreachable', governance: 'governance_unavailable' },
      });
    } finally {
      await gatehouse.close();
      await store.close();
    }
  });
});

describe('slow clients (issue 15)', () => {
  it('closes a request whose body drips in slower than the request timeout, while others are served', async () => {
    const port = await freePort();
    const config = loadConfig({ PORT: String(port), LOG_LEVEL: 'silent' });
    const gatehouse = await createGatehouse(config, { logger: testLogger(config), requestTimeoutMs: 1_000 });
    await gatehouse.server.listen({ port, host: '127.0.0.1' });
    try {
      const started = Date.now();
      // Announces 200 KB and sends one byte every 200 ms: each byte is activity, so only a deadline
      // on the whole request ends it.
      const ended = new Promise<{ answer: string; afterMs: number }>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            'POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
              'Content-Length: 200000\r\n\r\n',
          );
        });
        let answer = '';
        const drip = setInterval(() => socket.writable && socket.write('a'), 200);
        socket.on('data', (chunk) => {
          answer += String(chunk);
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          clearInterval(drip);
          resolve({ answer, afterMs: Date.now() - started });
        });
      });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const { answer, afterMs } = await ended;
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      // Closed by the deadline (1 s, checked every second), not left open for the test's 20 s.
      expect(afterMs).toBeLessThan(5_000);
    } finally {
      await gatehouse.close();
    }
  });
});
