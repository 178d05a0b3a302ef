import { GovernanceUnavailable } from '../../domain/errors.js';
import type { AccessRequest } from '../../domain/types.js';
import type { DecisionInput } from '../governance.js';
import type { OktaMessages } from './messages.js';
import type { OktaRequests } from './requests.js';
import type { OktaTasks } from './tasks.js';
import type { OktaTask } from './wire.js';

/**
 * Deciding an approval step: the open task resolved with Gatehouse's admin credentials on behalf
 * of the approver Gatehouse verified, never resent blindly, and a request message recording who
 * decided and where.
 */
export class OktaDecisions {
  constructor(private readonly deps: { tasks: OktaTasks; messages: OktaMessages; requests: OktaRequests }) {}

  async decide(input: DecisionInput): Promise<AccessRequest> {
    const { tasks, messages, requests } = this.deps;
    const named = requests.recentOpenTask(input.requestId, input.taskId);
    // The request as the approver's re-check read it, taken now: waiting on the budget before the
    // resolve may outlast how long a read stays at hand, and it is what the answer falls back on.
    const before = requests.takeRecent(input.requestId);
    const open = await tasks.open(input.requestId, input.taskId, named);
    const value = input.decision === 'approve' ? 'APPROVED' : 'DENIED';
    const resolve = () => tasks.resolve(open.id, value);
    let resolved: OktaTask | undefined;
    try {
      resolved = await resolve();
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) throw error;
      // Check first: resend only when Okta shows the task still open.
      const after = await tasks.get(open.id).catch(() => {
        throw error;
      });
      if (after.status === 'OPEN') resolved = await resolve();
      else if (after.value !== value) throw error;
      else resolved = after;
    }
    const verb = input.decision === 'approve' ? 'Approved' : 'Rejected';
    // What the decision led to (the next step opened, or the request closed) is read again; the
    // decided task itself Okta answered. The note is not part of what the request reads back
    // (Okta lists no comments): both at once.
    const [, decided] = await Promise.all([
      messages.note(
        input.requestId,
        `${verb}${input.via ? ` in ${input.via}` : ''} by ${input.approver.displayName} (${input.approver.email})${input.reason ? `: ${input.reason}` : '.'}`,
      ),
      requests.mustGet(input.requestId, 'decide').catch((error: unknown) => {
        // The decision is in Okta: a read back that fails (a spent budget, an outage) must not
        // tell the approver it failed. The request as read before, with the step as Okta
        // answered it, stands until the notifier reads what the decision led to.
        if (!before?.tasks || !resolved) {
          // Recorded, but nothing to show it from: never "nothing was changed".
          throw new GovernanceUnavailable('decide', 'decision recorded in Okta; reading it back failed', true, {
            cause: error,
          });
        }
        const step = resolved;
        return requests.toDomain(
          before.request,
          before.tasks.map((one) => (one.id === step.id ? step : one)),
        );
      }),
    ]);
    return decided;
  }
}
