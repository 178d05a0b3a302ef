import { SEED } from '@gatehouse/sandbox/okta';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type OktaFlows, ok, startOktaFlows } from '../../flows/helpers.js';

/**
 * "Open in portal" for Okta (audit first-use-2026-12, finding 5). Okta publishes no page for one
 * request (a v2 request's `_links` are API addresses only), so the link is the end-user catalog,
 * where Okta's help says the requester finds their request; in the sandbox that page must open
 * and show the request, never a 401.
 */

const { users: U, entries: E } = SEED;
const HOSTILE = '<script>alert("owned")</script> & <img src=x onerror=alert(1)>';

let okta: OktaFlows;
beforeEach(async () => {
  okta = await startOktaFlows();
});
afterEach(async () => {
  await okta.close();
});

/** The article the page shows for this request (the page lists every request the org holds). */
function articleOf(page: string, requestId: string): string {
  const found = new RegExp(`<article id="${requestId}">([\\s\\S]*?)</article>`).exec(page);
  if (!found?.[1]) throw new Error(`the page shows no request ${requestId}`);
  return found[1];
}

async function open(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('Okta: the portal link of a request', () => {
  it('is the end-user catalog for the requester and the approver alike (Okta has no page per request)', async () => {
    const { request } = ok(
      await okta.flows.requestAccess(okta.as(U.alice.email), {
        entryId: E.salesforceAdmin.id,
        justification: 'quarter-end close',
      }),
    ) as { request: { id: string } };
    const read = await okta.governance.getRequest(request.id);

    expect(read?.portalUrl).toBe(`${okta.orgUrl}/enduser/catalog`);
    expect(read?.approvalUrl).toBeUndefined();
  });

  it('opens in the sandbox as a page naming the request, its people, status, steps and history', async () => {
    const created = ok(
      await okta.flows.requestAccess(okta.as(U.alice.email), { entryId: E.salesforceAdmin.id, justification: HOSTILE }),
    ) as { request: { id: string; portalUrl?: string } };
    const id = created.request.id;
    ok(await okta.flows.decide(okta.as(U.bob.email), { requestId: id, decision: 'approve' }));
    ok(await okta.flows.comment(okta.as(U.grace.email), id, 'Looking at it <b>today</b>'));

    const page = await open(created.request.portalUrl ?? '');

    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    const article = articleOf(page.body, id);
    expect(article).toContain('Salesforce — Admin');
    expect(article).toContain('Alice Nguyen &lt;alice@');
    expect(article).toContain('PENDING');
    // Bob decided the first step (Okta records Gatehouse's credentials; its message names Bob);
    // the second waits for Grace.
    expect(article).toMatch(/step 1 of 2\): APPROVED by Gatehouse Service /);
    expect(article).toContain('Approved in Slack by Bob Martinez');
    expect(article).toMatch(/step 2 of 2\): waiting for Grace Lee /);
    expect(article).toContain('Looking at it &lt;b&gt;today&lt;/b&gt;');
    // What Alice typed is shown as text, never as markup.
    expect(page.body).not.toContain('<script>alert');
    expect(page.body).not.toContain('<img src=x');
    expect(article).toContain(
      '&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    );
  });

  it('lets nothing the page shows run or load: no script, nothing fetched', async () => {
    const page = await fetch(`${okta.orgUrl}/enduser/catalog`);

    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
  });
});
