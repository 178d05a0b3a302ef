import type { OktaOrg } from '../okta/index.js';
import type { PingOneTenant } from '../pingone/index.js';

/** The emulated governance portal: what the playground's third column lists, and a portal user's decisions. */

export interface PortalWorlds {
  okta: OktaOrg;
  pingone: PingOneTenant;
  provider: 'okta' | 'pingone';
}

/**
 * Whether a decision made in the portal carries a reason: PingOne's decisions take a justification;
 * Okta's Access Requests app decides a step with no text of its own (a note there is a message on the
 * request, not part of the decision).
 */
export const portalTakesReason = (provider: PortalWorlds['provider']) => provider === 'pingone';

export function governanceState(worlds: PortalWorlds) {
  if (worlds.provider === 'okta') {
    const org = worlds.okta;
    return org.requests
      .slice(-30)
      .reverse()
      .map((r) => ({
        id: r.id,
        status: r.status,
        entry: org.entries.find((e) => e.id === r.requested.entryId)?.name ?? r.requested.entryId,
        for: org.users.find((u) => u.id === r.requestedFor.externalId)?.profile.email ?? r.requestedFor.externalId,
        steps: org.tasks
          .filter((t) => t.requestId === r.id)
          .map((t) => ({
            label: t.label,
            status: t.status,
            value: t.value ?? null,
            assignees: t.assignees.map(
              (a) => org.users.find((u) => u.id === a.externalId)?.profile.email ?? a.externalId,
            ),
          })),
        grant: r.grantStatus ?? null,
        history: org.messages.filter((m) => m.requestId === r.id).map((m) => m.message),
        updated: r.lastUpdated,
      }));
  }
  return worlds.pingone.requests
    .slice(-30)
    .reverse()
    .map((r) => ({
      id: r.id,
      status: r.decision.status === 'complete' ? (r.decision.decision ?? 'complete') : r.decision.status,
      entry: r.assignment?.name ?? r.role?.name ?? r.application?.name ?? '',
      for: r.user.mail,
      steps: r.decision.phases.map((p) => ({
        label: p.displayName,
        status: p.status,
        value: p.decision,
        assignees: [...r.decision.actors.active, ...r.decision.actors.inactive]
          .filter((a) => a.phase === p.name)
          .map((a) => a.mail),
      })),
      grant: r.decision.outcome,
      history: r.decision.comments.map((c) => `${c.user.givenName} ${c.user.sn}: ${c.comment}`),
      updated: r.metadata.modifiedDate,
    }));
}

/** A portal user (an assignee of the open step) decides, outside chat; PingOne keeps their reason. */
export function portalDecide(
  worlds: PortalWorlds,
  requestId: string,
  decision: 'approve' | 'reject',
  reason?: string,
): void {
  if (worlds.provider === 'okta') {
    // Requests of a legacy request type have no task: their step is decided in Okta's own app.
    const assignee = worlds.okta.openStepAssignees(requestId)[0];
    if (!assignee) throw new Error('This request has no open step.');
    worlds.okta.decideInOkta(requestId, assignee, decision === 'approve' ? 'APPROVED' : 'DENIED');
    return;
  }
  const record = worlds.pingone.request(requestId);
  const phase = record?.decision.phases.find((p) => p.status === 'in-progress');
  const actor = record?.decision.actors.active.find((a) => a.phase === phase?.name);
  if (!record || !phase || !actor) throw new Error('This request has no open phase.');
  worlds.pingone.decide(
    requestId,
    decision,
    phase.name,
    actor.id.replace('managed/user/', ''),
    reason?.trim() || 'Decided in the portal',
  );
}
