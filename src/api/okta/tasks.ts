import { GovernanceRejected } from '../../domain/errors.js';
import { quote } from '../lookup.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import { taskPath, V2 } from './paths.js';
import { ignored, type OktaTask, task, taskList } from './wire.js';

/** Okta's Tasks API (Beta): a request's approval steps, who must act on them, and resolving one. */
export class OktaTasks {
  constructor(
    private readonly http: OktaHttp,
    private readonly reads: OktaFullReads,
  ) {}

  /** The request's steps; a completed one read whole (once) for who decided it and when. */
  async ofRequest(requestId: string): Promise<OktaTask[]> {
    const { body } = await this.http.get('getRequest', `${V2}/tasks`, taskList, {
      filter: `requestId eq "${quote(requestId)}"`,
      limit: 200,
    });
    return Promise.all(body.data.map((listed) => this.reads.completeTask(listed)));
  }

  /** The approval tasks waiting on this person, across requests. */
  async openFor(assigneeId: string): Promise<OktaTask[]> {
    const { body } = await this.http.get('listPendingApprovals', `${V2}/tasks`, taskList, {
      filter: `assigneeId eq "${quote(assigneeId)}" and status eq "OPEN" and type eq "APPROVAL"`,
      limit: 200,
    });
    return body.data;
  }

  /** The request's open task: the one named when a card names it, else any open one. */
  async open(requestId: string, taskId?: string): Promise<OktaTask> {
    const candidates = taskId ? [await this.get(taskId)] : await this.ofRequest(requestId);
    const open = candidates.find((candidate) => candidate.requestId === requestId && candidate.status === 'OPEN');
    if (!open) throw new GovernanceRejected('decide', 'This approval step is no longer open in Okta.', 409);
    return open;
  }

  async get(taskId: string): Promise<OktaTask> {
    return (await this.http.get('decide', taskPath(taskId), task)).body;
  }

  async resolve(taskId: string, value: 'APPROVED' | 'DENIED'): Promise<void> {
    await this.http.send('decide', 'POST', `${taskPath(taskId)}/resolve`, ignored, { value });
  }
}
