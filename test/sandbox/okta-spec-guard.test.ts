import { readFileSync } from 'node:fs';
import {
  clearSpecViolations,
  createOktaOrg,
  type OktaOrg,
  oktaEmulator,
  SEED,
  type SpecViolation,
  specGuard,
  specViolations,
} from '@gatehouse/sandbox/okta';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { PRECOMPILED, staleness } from '../../scripts/okta-spec.js';
import { describeSpecViolations, unexplainedSpecViolations } from '../support/spec-guard.js';

/**
 * The spec guard holds the Okta emulator and Gatehouse's Okta client to Okta's OpenAPI document
 * (issue 17). Each check here fails if the guard stops looking: it provokes a violation and expects
 * it recorded. The violations provoked are taken before the test ends, so the suite-wide check in
 * test/support/spec-guard.ts does not fail these tests.
 */

const AUTH = { authorization: `SSWS ${SEED.apiToken}` };
const CLIENT = { ...AUTH, 'user-agent': 'gatehouse/0.1' };
const V2 = '/governance/api/v2';
const { users: U, entries: E } = SEED;

const opened: FastifyInstance[] = [];
afterEach(async () => {
  clearSpecViolations();
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

async function emulator(): Promise<{ app: FastifyInstance; org: OktaOrg }> {
  const org = createOktaOrg();
  const app = Fastify();
  await app.register(oktaEmulator, { org });
  opened.push(app);
  return { app, org };
}

/** A stand-in answering one governance route through the guard, to give it answers the emulator never would. */
async function standIn(url: string, status: number, body: unknown): Promise<FastifyInstance> {
  const app = Fastify();
  specGuard(app, '');
  app.get(url, async (_request, reply) => reply.code(status).send(body));
  opened.push(app);
  return app;
}

/** What the guard recorded during the test, taken so the suite-wide check does not fail it. */
function taken(): SpecViolation[] {
  const found = [...specViolations()];
  clearSpecViolations();
  return found;
}

const createBody = () => ({
  requested: { type: 'CATALOG_ENTRY', entryId: E.salesforceAdmin.id },
  requestedFor: { type: 'OKTA_USER', externalId: U.alice.id },
});

describe('the spec guard', () => {
  it('flags a client request body that leaves the document, and not the same body from a test', async () => {
    const { app } = await emulator();
    const body = { ...createBody(), requestedFor: { type: 'OKTA_USER', externalId: 42 } };

    await app.inject({ method: 'POST', url: `${V2}/requests`, headers: AUTH, payload: body });
    expect(taken().filter((violation) => violation.rule === 'request')).toEqual([]);

    await app.inject({ method: 'POST', url: `${V2}/requests`, headers: CLIENT, payload: body });
    expect(taken()).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        operation: 'createRequestV2',
        rule: 'request',
        problems: expect.arrayContaining(['/requestBody/requestedFor/externalId must be string']),
      }),
    );
  });

  it('flags client query parameters the operation does not document', async () => {
    const { app } = await emulator();
    await app.inject({ method: 'GET', url: `${V2}/requests?limit=5&sortBy=created`, headers: CLIENT });
    expect(taken()).toContainEqual(
      expect.objectContaining({
        operation: 'listAllRequestsV2',
        rule: 'request',
        problems: ['/query must NOT have additional properties (sortBy)'],
      }),
    );
  });

  it('flags a client call to a governance path the documents do not have, and skips Okta management paths', async () => {
    const { app } = await emulator();
    await app.inject({ method: 'GET', url: `${V2}/requests/${'reqp1pmpjhVdGEcVK1d5'}/history`, headers: CLIENT });
    await app.inject({ method: 'GET', url: '/api/v1/users/nobody', headers: CLIENT });
    await app.inject({ method: 'GET', url: `${V2}/no-such-thing`, headers: AUTH });
    expect(taken()).toEqual([
      expect.objectContaining({
        rule: 'undocumented-operation',
        operation: 'GET /governance/api/v2/requests/*/history',
        problems: ['no operation in the document'],
      }),
    ]);
  });

  it('flags an answer missing a required field', async () => {
    const { app } = await emulator();
    const created = await app.inject({ method: 'POST', url: `${V2}/requests`, headers: AUTH, payload: createBody() });
    const { id, ...withoutId } = created.json() as { id: string };
    clearSpecViolations(); // whatever the real answers hold is the suite's business, not this test's

    const stand = await standIn(`${V2}/requests/:id`, 200, withoutId);
    await stand.inject({ method: 'GET', url: `${V2}/requests/${id}` });
    expect(taken()).toEqual([
      expect.objectContaining({
        operation: 'getRequestV2',
        rule: 'response-body',
        status: 200,
        problems: expect.arrayContaining(["/ must have required property 'id'"]),
      }),
    ]);
  });

  it('flags a status the operation does not document, error bodies included', async () => {
    const teapot = await standIn(`${V2}/requests/:id`, 418, { errorCode: 'E0000418' });
    await teapot.inject({ method: 'GET', url: `${V2}/requests/reqp1pmpjhVdGEcVK1d5` });
    const badError = await standIn(`${V2}/requests/:id`, 404, { errorSummary: 42 });
    await badError.inject({ method: 'GET', url: `${V2}/requests/reqp1pmpjhVdGEcVK1d5` });

    expect(taken()).toEqual([
      expect.objectContaining({
        rule: 'response-status',
        status: 418,
        problems: ['418 is not documented (200, 401, 403, 404, 429, 500 are)'],
      }),
      expect.objectContaining({
        rule: 'response-body',
        status: 404,
        problems: expect.arrayContaining(["/ must have required property 'errorCode'", '/errorSummary must be string']),
      }),
    ]);
  });

  it('holds the Tasks API to our fragment: a listed task carries no completedBy', async () => {
    const task = {
      id: '68b0a1576dd8db837f5ee55d',
      assignees: [{ externalId: U.alice.id, type: 'OKTA_USER' }],
      status: 'COMPLETED',
      label: 'Manager approval',
      requestId: 'reqp1pmpjhVdGEcVK1d5',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      type: 'APPROVAL',
      value: 'APPROVED',
    };
    const links = { self: { href: 'https://example.okta.com/governance/api/v2/tasks' } };
    const good = await standIn(`${V2}/tasks`, 200, { data: [task], _links: links });
    await good.inject({ method: 'GET', url: `${V2}/tasks` });
    expect(taken()).toEqual([]);

    const completed = { ...task, completedBy: { externalId: U.alice.id, type: 'OKTA_USER' } };
    const bad = await standIn(`${V2}/tasks`, 200, { data: [completed], _links: links });
    await bad.inject({ method: 'GET', url: `${V2}/tasks` });
    expect(taken()).toEqual([
      expect.objectContaining({
        operation: 'listAllTasksV2',
        problems: ['/data/* must NOT have additional properties (completedBy)'],
      }),
    ]);
  });

  it("excuses a fault's staged answer, which the same answer without a fault is not", async () => {
    const { app, org } = await emulator();
    org.faults.add({ path: `${V2}/requests`, kind: 'malformed' });
    org.faults.add({ path: `${V2}/requests`, kind: 'status', status: 503 });
    org.faults.add({ path: `${V2}/requests`, kind: 'delay', ms: 1 });
    for (let call = 0; call < 3; call += 1) await app.inject({ method: 'GET', url: `${V2}/requests`, headers: CLIENT });
    expect(taken()).toEqual([]);

    const staged = await standIn(`${V2}/requests`, 503, {});
    await staged.inject({ method: 'GET', url: `${V2}/requests` });
    expect(taken()).toEqual([expect.objectContaining({ rule: 'response-status', status: 503 })]);
  });

  it('hands what it recorded to the suite-wide check, which would fail the test with it', async () => {
    const stand = await standIn(`${V2}/requests/:id`, 418, {});
    await stand.inject({ method: 'GET', url: `${V2}/requests/reqp1pmpjhVdGEcVK1d5` });
    const unexplained = unexplainedSpecViolations();
    expect(unexplained).toHaveLength(1);
    expect(describeSpecViolations(unexplained)).toContain(
      'GET /governance/api/v2/requests/reqp1pmpjhVdGEcVK1d5 (getRequestV2) → 418, response-status',
    );
    expect(specViolations()).toEqual([]);
  });
});

describe("the vendored document's generated forms", () => {
  it('are up to date with the document, the Tasks fragment, the generator and the libraries', () => {
    // If this fails: npm run spec:okta, then commit packages/sandbox/vendor/okta-governance/generated.
    expect(staleness()).toEqual([]);
  });

  it('cover every documented route the emulator serves, so no test file compiles one', async () => {
    const routes: { method: string; url: string }[] = [];
    const app = Fastify();
    opened.push(app);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    });
    await app.register(oktaEmulator, { org: createOktaOrg() });
    await app.ready();

    const spec = JSON.parse(
      readFileSync(
        new URL('../../packages/sandbox/vendor/okta-governance/generated/spec.json', import.meta.url),
        'utf8',
      ),
    ) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const template = (path: string) => path.replace(/\{[^}]+\}|:[^/]+/g, '{}');
    const operationOf = (method: string, url: string) =>
      Object.entries(spec.paths).find(([path]) => template(path) === template(url))?.[1][method.toLowerCase()]
        ?.operationId;

    const governance = routes.filter((route) => route.url.startsWith('/governance/') && route.method !== 'HEAD');
    expect(governance.length).toBeGreaterThan(10);
    const documented = governance.map((route) => operationOf(route.method, route.url)).filter(Boolean);
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((operation) => !PRECOMPILED.includes(operation as string))).toEqual([]);
  });
});
