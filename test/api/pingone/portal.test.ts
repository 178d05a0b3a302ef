import { SEED } from '@gatehouse/sandbox/okta';
import { createPingOneTenant, type PingOneTenant, pingOneEmulator } from '@gatehouse/sandbox/pingone';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PingOneGovernance } from '../../../src/api/pingone/client.js';
import { Flows } from '../../../src/flows/index.js';
import { MemoryStore } from '../../../src/store/index.js';
import { ok, slackPerson } from '../../flows/helpers.js';
import { testLogger } from '../../support/test-logger.js';
import { pingOneClient } from './client.js';

/**
 * "Open in portal" for PingOne AIC (audit first-use-2026-12, finding 5): each request's own pages
 * in Ping's end-user UI, whose router (platform-ui, platform-enduser/src/router.js) has a
 * requester's page `#/my-requests/details/:requestId` and an approver's `#/approvals/:requestId/:status`.
 * In the sandbox both open the emulated UI, on that request.
 */

const { users: U, entries: E } = SEED;
const HOSTILE = '<script>alert("owned")</script> & <img src=x onerror=alert(1)>';

let tenant: PingOneTenant;
let emulator: FastifyInstance;
let governance: PingOneGovernance;
let flows: Flows;

beforeEach(async () => {
  tenant = createPingOneTenant();
  emulator = Fastify();
  await emulator.register(pingOneEmulator, { tenant });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  governance = pingOneClient(base(), Date.now);
  flows = new Flows(governance, new MemoryStore(), testLogger());
});
afterEach(async () => {
  await emulator.close();
});

const base = () => `http://127.0.0.1:${(emulator.server.address() as { port: number }).port}`;

async function requested(justification: string): Promise<string> {
  const result = ok(await flows.requestAccess(slackPerson(U.alice), { entryId: E.salesforceAdmin.id, justification }));
  if (result.kind !== 'created') throw new Error(`expected a created request, got ${result.kind}`);
  return result.request.id;
}

/** The element a link's fragment names: Ping's UI routes by it, the emulated page gives it as an id. */
const fragmentOf = (url: string) => decodeURIComponent(new URL(url).hash.slice(1));

function articleOf(page: string, requestId: string): string {
  const found = new RegExp(`<article id="/my-requests/details/${requestId}">([\\s\\S]*?)</article>`).exec(page);
  if (!found?.[1]) throw new Error(`the page shows no request ${requestId}`);
  return found[1];
}

describe('PingOne: the portal links of a request', () => {
  it("are the request's own pages: the requester's details, and the approver's approval page", async () => {
    const id = await requested('quarter-end close');
    const read = await governance.getRequest(id);

    expect(read?.portalUrl).toBe(`${base()}/enduser/?realm=alpha#/my-requests/details/${id}`);
    expect(read?.approvalUrl).toBe(`${base()}/enduser/?realm=alpha#/approvals/${id}/active`);
  });

  it('open in the sandbox on a page showing the request, its people, status, steps and history', async () => {
    const id = await requested(HOSTILE);
    ok(await flows.decide(slackPerson(U.bob), { requestId: id, decision: 'approve' }));
    ok(await flows.comment(slackPerson(U.grace), id, 'Looking at it <b>today</b>'));
    const read = await governance.getRequest(id);
    const links = { requester: read?.portalUrl ?? '', approver: read?.approvalUrl ?? '' };

    const response = await fetch(links.requester);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    // Both links land on this request: its article carries the ids their fragments name.
    expect(fragmentOf(links.requester)).toBe(`/my-requests/details/${id}`);
    expect(fragmentOf(links.approver)).toBe(`/approvals/${id}/active`);
    const article = articleOf(page, id);
    expect(article).toContain(`id="/approvals/${id}/active"`);
    expect(article).toContain('Salesforce: Admin');
    expect(article).toContain('Alice Nguyen &lt;alice@');
    expect(article).toContain('in-progress');
    expect(article).toMatch(/Manager approval: approve by Bob Martinez /);
    expect(article).toMatch(/waiting for Grace Lee /);
    expect(article).toContain('Looking at it &lt;b&gt;today&lt;/b&gt;');
    // What Alice typed is shown as text, never as markup.
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img src=x');
    expect(article).toContain(
      '&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    );
  });

  it('answer the page without a token, as a browser opens it, and let nothing on it run', async () => {
    const response = await fetch(`${base()}/enduser/?realm=alpha`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    // A person's browser is not an API call: the tenant's call log is Gatehouse's alone.
    expect(tenant.calls.filter((call) => call.path.startsWith('/enduser'))).toEqual([]);
  });
});
