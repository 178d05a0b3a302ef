import type { FastifyPluginAsync } from 'fastify';
import { details, type Html, html, PAGE_HEADERS, page } from '../okta/html.js';
import type { IgaPerson, PhaseRecord, RequestRecord } from './records.js';
import type { PingOneTenant } from './tenant.js';

/**
 * The realm's end-user UI, `{tenant}/enduser/?realm=…`. Ping's own UI routes by the URL's hash
 * (platform-ui, packages/platform-enduser/src/router.js: createWebHashHistory), which never reaches
 * a server: `#/my-requests/details/:requestId` is the requester's page for a request,
 * `#/approvals/:requestId/:status` the approver's. This page holds every request of the tenant
 * (nobody signs in to the sandbox), and gives each the element ids those two routes name, so the
 * browser goes to the request a link names by itself, and the style shows that one alone; no script.
 */
export const END_USER_UI = '/enduser/';

export const endUserPages: FastifyPluginAsync<{ tenant: PingOneTenant }> = async (app, { tenant }) => {
  app.get<{ Querystring: { realm?: string } }>(END_USER_UI, async (request, reply) =>
    reply.headers(PAGE_HEADERS).send(endUserPage(tenant, request.query.realm ?? 'alpha')),
  );
};

function endUserPage(tenant: PingOneTenant, realm: string): string {
  const requests = [...tenant.all()].sort((a, b) => b.metadata.createdDate.localeCompare(a.metadata.createdDate));
  const body =
    requests.length === 0 ? html`<p>Nobody has requested anything yet.</p>` : html`${requests.map(requestArticle)}`;
  return page(
    `PingOne Advanced Identity Cloud: requests (realm ${realm})`,
    'The emulated PingOne AIC tenant of Gatehouse’s sandbox. Nobody signs in here, so every request is shown; a link to one request shows that one.',
    body,
  );
}

function requestArticle(request: RequestRecord): Html {
  const common = request.request.common;
  const phases = request.decision.phases;
  return html`<article id="/my-requests/details/${request.id}">
<h2 id="/approvals/${request.id}/active">${whatOf(request)}</h2>
${details([
  ['Request', request.id],
  ['For', person(request.user)],
  ['Requested by', person(request.requester)],
  ['Status', statusOf(request)],
  ['Justification', common.justification],
  ['Access from', common.startDate],
  ['Access until', common.endDate],
  ['Submitted', request.metadata.createdDate],
])}
<h3>Steps</h3>
${
  phases.length === 0
    ? html`<p>No phases (yet).</p>`
    : html`<ol>${phases.map((phase) => html`<li>${phaseText(request, phase)}</li>`)}</ol>`
}
<h3>History</h3>
<ul>${history(request).map((item) => html`<li><time>${item.at}</time> ${item.text}</li>`)}</ul>
</article>`;
}

function whatOf(request: RequestRecord): string {
  const app = request.application?.name;
  const inside = request.entitlement?.displayName ?? request.role?.name;
  if (app && inside) return `${app}: ${inside}`;
  return app ?? inside ?? request.requestType;
}

function statusOf(request: RequestRecord): string {
  const { status, decision, outcome } = request.decision;
  return [status, decision, outcome].filter(Boolean).join(', ');
}

function phaseText(request: RequestRecord, phase: PhaseRecord): string {
  if (phase.status === 'in-progress') {
    const waiting = request.decision.actors.active.filter((actor) => actor.phase === phase.name).map(person);
    return `${phase.displayName}: waiting for ${waiting.join(', ') || 'nobody assigned'}`;
  }
  const outcome = phase.decision ?? phase.status;
  const by = phase.completedBy ? ` by ${person(phase.completedBy)}` : '';
  return `${phase.displayName}: ${outcome}${by}, ${phase.completionDate ?? phase.startDate}`;
}

/** Submission, then every comment and decision IGA recorded with its words, oldest first. */
function history(request: RequestRecord): { at: string; text: string }[] {
  const submitted = { at: request.metadata.createdDate, text: `Submitted by ${person(request.requester)}` };
  const said = request.decision.comments.map((comment) => ({
    at: comment.timeStamp,
    text: `${comment.action === 'comment' ? 'Comment' : comment.action} by ${person(comment.user)}: ${comment.comment}`,
  }));
  return [submitted, ...said].sort((a, b) => a.at.localeCompare(b.at));
}

function person(who: IgaPerson): string {
  const name = [who.givenName, who.sn].filter(Boolean).join(' ') || who.userName;
  return who.mail ? `${name} <${who.mail}>` : name;
}
