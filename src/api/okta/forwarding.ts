import {
  GovernanceAuthFailed,
  type GovernanceOperation,
  GovernanceRejected,
  GovernanceUnavailable,
  GovernanceUnsupported,
} from '../../domain/errors.js';
import type { AccessRequest } from '../../domain/types.js';
import type { ForwardInput } from '../governance.js';
import type { OktaHttp } from './http.js';
import type { OktaMessages } from './messages.js';
import { taskPath } from './paths.js';
import type { OktaRequests } from './requests.js';
import type { OktaTasks } from './tasks.js';
import { ignored } from './wire.js';

const FORWARD = 'forward' satisfies GovernanceOperation;
/** [TaskAssignees] at most ten (DEV updatetaskv2, the SDK's UpdateTaskV2Request). */
const MAX_ASSIGNEES = 10;

/**
 * Forwarding an approval step: the open APPROVAL task reassigned (`PATCH /governance/api/v2/tasks/{id}`
 * `{assignees}`, Beta, scope okta.accessRequests.tasks.manage, Access Requests Admin). Okta's PATCH
 * replaces every assignee and takes no reason, and Okta checks nothing of who asks (Gatehouse's admin
 * credentials do it): so Gatehouse checks that the one forwarding is an assignee of the step, hands
 * their place to the new approver (the others keep theirs), and records who forwarded to whom, where
 * and why as a request message, as it does for decisions.
 */
export class OktaForwarding {
  constructor(
    private readonly http: OktaHttp,
    private readonly deps: { tasks: OktaTasks; messages: OktaMessages; requests: OktaRequests; portalUrl: string },
  ) {}

  async forward(input: ForwardInput): Promise<AccessRequest> {
    const { tasks, messages, requests } = this.deps;
    const named = requests.recentOpenTask(input.requestId, input.taskId);
    const open = await tasks.open(input.requestId, input.taskId, named);
    const assignees = open.assignees.map((assignee) => assignee.externalId);
    if (!assignees.includes(input.by.id)) {
      throw new GovernanceRejected(FORWARD, 'Only an approver of the step waiting now can forward it.', 403);
    }
    if (input.to.id === input.by.id || assignees.includes(input.to.id)) {
      throw new GovernanceRejected(FORWARD, `${input.to.displayName} is already an approver of this step.`, 400);
    }
    if (!input.to.active) {
      throw new GovernanceRejected(FORWARD, `${input.to.displayName} is not an active user in Okta.`, 400);
    }
    const after = [...assignees.filter((id) => id !== input.by.id), input.to.id];
    if (after.length > MAX_ASSIGNEES) {
      throw new GovernanceRejected(FORWARD, `Okta allows at most ${MAX_ASSIGNEES} approvers on a step.`, 400);
    }
    try {
      await this.http.send(FORWARD, 'PATCH', taskPath(open.id), ignored, {
        assignees: after.map((externalId) => ({ externalId, type: 'OKTA_USER' })),
      });
    } catch (error) {
      if (error instanceof GovernanceAuthFailed && error.status === 403) {
        throw new GovernanceUnsupported(FORWARD, 'Okta does not let Gatehouse forward approvals in this org.', {
          label: 'Open Okta',
          url: this.deps.portalUrl,
        });
      }
      throw error;
    }
    const via = input.via ? ` in ${input.via}` : '';
    try {
      await messages.note(
        input.requestId,
        `Forwarded${via} by ${input.by.displayName} (${input.by.email}) to ${input.to.displayName} (${input.to.email})${input.reason ? `: ${input.reason}` : '.'}`,
      );
    } catch (error) {
      // The task is reassigned already: a lost note must not read as a forward that did not happen.
      throw new GovernanceUnavailable(
        FORWARD,
        "forward recorded in Okta; its note in the request's history failed",
        true,
        {
          cause: error,
        },
      );
    }
    return requests.mustGet(input.requestId, 'decide').catch((error: unknown) => {
      // Forwarded in Okta: a read back that fails must not say it was not.
      throw new GovernanceUnavailable(FORWARD, 'forward recorded in Okta; reading it back failed', true, {
        cause: error,
      });
    });
  }
}
