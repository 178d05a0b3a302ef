import type { FastifyPluginAsync } from 'fastify';
import { details, type Html, html, PAGE_HEADERS, page } from './html.js';
import type { OktaOrg } from './org.js';
import type { CatalogEntryRecord, RequestRecord, TaskRecord, UserRecord } from './records.js';

/**
 * The end-user dashboard's resource catalog, `{org}/enduser/catalog`: where Okta's help sends a
 * requester for the link to their request ("located on the access level option they selected"),
 * and where Gatehouse's "Open in portal" goes, Okta publishing no page for one request. A real org
 * shows the signed-in person's requests there; the sandbox has nobody signed in, so it shows every
 * request in the org, newest first, each with what, for whom, its status, steps and history.
 */
export const END_USER_CATALOG = '/enduser/catalog';

export const endUserPages: FastifyPluginAsync<{ org: OktaOrg }> = async (app, { org }) => {
  app.get(END_USER_CATALOG, async (_request, reply) => reply.headers(PAGE_HEADERS).send(catalogPage(org)));
};

function catalogPage(org: OktaOrg): string {
  const users = new Map(org.users.map((user) => [user.id, user]));
  const entries = new Map(org.entries.map((entry) => [entry.id, entry]));
  const tasks = org.tasks;
  const requests = [...org.requests].sort((a, b) => b.created.localeCompare(a.created));
  const view: View = {
    person: (id) => personName(users.get(id), id),
    entryName: (id) => entryName(entries, id),
    tasksOf: (id) =>
      tasks.filter((task) => task.requestId === id).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    historyOf: (id) => history(org, id),
  };
  const body =
    requests.length === 0
      ? html`<p>Nobody has requested anything yet.</p>`
      : html`${requests.map((request) => requestArticle(request, view))}`;
  return page(
    'Okta: resource catalog, requests',
    'The emulated Okta org of Gatehouse’s sandbox. Nobody signs in here, so every request in the org is shown.',
    body,
  );
}

interface View {
  person(id: string): string;
  entryName(id: string): string;
  tasksOf(requestId: string): TaskRecord[];
  historyOf(requestId: string): { at: string; text: string }[];
}

function requestArticle(request: RequestRecord, view: View): Html {
  const asked = request.requesterFieldValues.map((field): [string, string] => [field.label, field.value]);
  const steps = view.tasksOf(request.id);
  return html`<article id="${request.id}">
<h2>${view.entryName(request.requested.entryId)}</h2>
${details([
  ['Request', request.id],
  ['For', view.person(request.requestedFor.externalId)],
  ['Requested by', view.person(request.requestedBy.externalId)],
  ['Status', request.grantStatus ? `${request.status} (grant ${request.grantStatus})` : request.status],
  ...asked,
  ['Submitted', request.created],
  ['Access ends', request.revocationScheduled],
])}
<h3>Steps</h3>
${steps.length === 0 ? html`<p>No approval steps (yet).</p>` : html`<ol>${steps.map((task) => html`<li>${stepText(task, view)}</li>`)}</ol>`}
<h3>History</h3>
<ul>${view.historyOf(request.id).map((item) => html`<li><time>${item.at}</time> ${item.text}</li>`)}</ul>
</article>`;
}

function stepText(task: TaskRecord, view: View): string {
  const assignees = task.assignees.map((assignee) => view.person(assignee.externalId)).join(', ');
  if (task.status === 'OPEN') return `${task.label}: waiting for ${assignees || 'nobody assigned'}`;
  if (task.value) {
    const by = task.completedBy ? ` by ${view.person(task.completedBy.externalId)}` : '';
    return `${task.label}: ${task.value}${by}, ${task.updatedAt}`;
  }
  return `${task.label}: ${task.status}, ${task.updatedAt}`;
}

/** The request's System Log events and its comments, oldest first. */
function history(org: OktaOrg, requestId: string): { at: string; text: string }[] {
  const events = org.events
    .filter((event) => event.target.some((target) => target.id === requestId))
    .map((event) => ({ at: event.published, text: `${event.displayMessage} (${event.actor.displayName})` }));
  const comments = org.messages
    .filter((message) => message.requestId === requestId)
    .map((message) => ({
      at: message.created,
      text: `Comment by ${authorOf(org, message.author.externalId)}: ${message.message}`,
    }));
  return [...events, ...comments].sort((a, b) => a.at.localeCompare(b.at));
}

function authorOf(org: OktaOrg, id: string): string {
  return personName(org.directory.user(id), id);
}

function personName(user: UserRecord | undefined, id: string): string {
  if (!user) return id;
  const name = user.profile.displayName || `${user.profile.firstName} ${user.profile.lastName}`;
  return `${name} <${user.profile.email}>`;
}

function entryName(entries: Map<string, CatalogEntryRecord>, id: string): string {
  const entry = entries.get(id);
  if (!entry) return id;
  const parent = entry.parent ? entries.get(entry.parent) : undefined;
  return parent && !entry.name.startsWith(parent.name) ? `${parent.name}: ${entry.name}` : entry.name;
}
