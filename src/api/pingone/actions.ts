import { GovernanceRejected, GovernanceUnavailable } from '../../domain/errors.js';
import type { AccessRequest } from '../../domain/types.js';
import type { CancelInput, CommentInput, DecisionInput } from '../governance.js';
import type { PingOneHttp } from './http.js';
import { onBehalfComment } from './mapping.js';
import { GOV, withQuery } from './paths.js';
import type { PingOneRequests } from './requests.js';
import { ignored } from './wire.js';

/**
 * Acting on a request (`_action=approve|reject&phaseName=…`, `comment`, `cancel`) with Gatehouse's
 * governance-administrator token; the justification or comment text says who acted in chat.
 */
export class PingOneActions {
  constructor(
    private readonly http: PingOneHttp,
    private readonly requests: PingOneRequests,
  ) {}

  async decide(input: DecisionInput): Promise<AccessRequest> {
    const before = await this.requests.mustGet(input.requestId, 'decide');
    const step = before.steps.find((s) => s.status === 'pending' && (!input.taskId || s.taskId === input.taskId));
    if (!step?.taskId) {
      throw new GovernanceRejected('decide', 'This step is no longer waiting for a decision.', 409);
    }
    const verb = input.decision === 'approve' ? 'approve' : 'reject';
    const justification = onBehalfComment(
      input.approver.displayName,
      input.approver.email,
      input.via,
      input.reason ?? (verb === 'approve' ? 'approved.' : 'rejected.'),
    );
    try {
      await this.act('decide', input.requestId, step.taskId, { justification }, verb);
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) throw error;
      const after = await this.requests.get(input.requestId).catch(() => {
        throw error;
      });
      // IGA may finish a phase a moment after answering, so a phase still waiting proves nothing:
      // never send twice; a decision not visible yet stays "unknown" for the person to check.
      const again = after?.steps.find((s) => s.taskId === step.taskId);
      if (again?.decision?.decision !== input.decision) throw error;
    }
    return this.requests.mustGet(input.requestId, 'decide');
  }

  async comment(input: CommentInput): Promise<AccessRequest> {
    await this.act('comment', input.requestId, undefined, {
      comment: onBehalfComment(input.author.displayName, input.author.email, input.via, input.text),
    });
    return this.requests.mustGet(input.requestId, 'comment');
  }

  async cancel(input: CancelInput): Promise<AccessRequest> {
    await this.act('cancel', input.requestId, undefined, {
      comment: onBehalfComment(input.by.displayName, input.by.email, undefined, input.reason ?? 'cancelled.'),
    });
    return this.requests.mustGet(input.requestId, 'cancel');
  }

  /** One `_action` on a request; a decision names the phase the card was drawn for. */
  act(
    operation: 'decide' | 'comment' | 'cancel',
    requestId: string,
    phaseName: string | undefined,
    body: unknown,
    verb: string = operation,
  ) {
    const path = withQuery(`${GOV}/requests/${encodeURIComponent(requestId)}`, { _action: verb, phaseName });
    return this.http.send(operation, 'POST', path, ignored, body);
  }
}
