import type { Logger } from 'pino';
import { GovernanceNotFound } from '../../domain/errors.js';
import type { AccessRequest, Principal } from '../../domain/types.js';
import { isOpen } from '../../domain/types.js';
import { FirstThatAnswers } from './first-that-answers.js';
import type { PingOneHttp } from './http.js';
import { GOV, statusFilter, withQuery } from './paths.js';
import type { PingOneRequests } from './requests.js';
import { igaRequest, listOf } from './wire.js';

type Source = 'tasks' | 'approvals';

/**
 * The requests waiting on an approver. Ping's UI has read them from the person's tasks
 * (`/user/{id}/tasks?_action=search&type=request&actorStatus=active`) since 2024-10; tenants that
 * answer that with a 404 still get the older `/user/{id}/approvals` search, and this process keeps
 * using it, so the fallback costs one call once (a 404 from both is about the person, not the
 * tenant, and switches nothing).
 */
export class PingOneApprovals {
  private readonly source: FirstThatAnswers<Source>;

  constructor(
    private readonly http: PingOneHttp,
    private readonly requests: PingOneRequests,
    logger?: Logger,
  ) {
    this.source = new FirstThatAnswers<Source>(
      ['tasks', 'approvals'],
      (error) => error instanceof GovernanceNotFound,
      () => logger?.warn('PingOne has no tasks search; reading approvals from /approvals from now on'),
    );
  }

  pendingFor(approver: Principal): Promise<AccessRequest[]> {
    return this.source.ask((source) => this.search(approver, source));
  }

  private async search(approver: Principal, source: Source): Promise<AccessRequest[]> {
    const path = withQuery(`${GOV}/user/${encodeURIComponent(approver.id)}/${source}`, {
      _action: 'search',
      ...(source === 'tasks' ? { type: 'request' } : {}),
      actorStatus: 'active',
      _pageSize: 200,
    });
    const { body } = await this.http.search('listPendingApprovals', path, listOf(igaRequest), {
      targetFilter: statusFilter(['in-progress']),
    });
    return body.result.map((request) => this.requests.toDomain(request)).filter(isOpen);
  }
}
