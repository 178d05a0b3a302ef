import { GovernanceRejected, GovernanceUnavailable } from '../../domain/errors.js';
import type { AccessRequest } from '../../domain/types.js';
import type { CancelInput } from '../governance.js';
import type { OktaFullReads } from './full-reads.js';
import type { OktaHttp } from './http.js';
import type { OktaMessages } from './messages.js';
import { requestPath } from './paths.js';
import type { OktaRequests } from './requests.js';
import { accessRequest, ignored } from './wire.js';

/**
 * Cancelling a request: `PATCH /governance/api/v2/requests/{id}` with `status: CANCELED` (Beta,
 * developer.okta.com updaterequestv2; not in the 3.2.0 document). Okta refuses once any of the
 * request's tasks has been resolved, and Gatehouse says so plainly. Made with Gatehouse's admin
 * credentials for the requester Gatehouse verified; a request message says who and where.
 */
export class OktaCancellation {
  constructor(
    private readonly http: OktaHttp,
    private readonly deps: { requests: OktaRequests; messages: OktaMessages; portalUrl: string },
    private readonly reads: OktaFullReads,
  ) {}

  async cancel(input: CancelInput): Promise<AccessRequest> {
    const { requests, messages } = this.deps;
    const recent = requests.takeRecent(input.requestId);
    const send = async () =>
      (await this.http.send('cancel', 'PATCH', requestPath(input.requestId), ignored, { status: 'CANCELED' })).body;
    let answered: unknown;
    let found: AccessRequest | undefined;
    try {
      answered = await send();
    } catch (error) {
      if (error instanceof GovernanceUnavailable && error.outcomeUnknown) {
        // Cancelling twice is harmless; finding it cancelled already is the answer.
        const now = await requests.get(input.requestId).catch(() => {
          throw error;
        });
        if (now?.status !== 'canceled') answered = await send();
        else found = now;
      } else if (error instanceof GovernanceRejected && error.status === 400) {
        throw new GovernanceRejected(
          'cancel',
          'Okta no longer lets this request be cancelled: an approval step has already been decided. If you no longer need the access, ask for it to be removed in Okta.',
          409,
          error.vendorCode,
          { label: 'Open Okta', url: this.deps.portalUrl },
        );
      } else {
        throw error;
      }
    }
    const note = messages.note(
      input.requestId,
      `Cancelled by ${input.by.displayName} (${input.by.email})${input.reason ? `: ${input.reason}` : '.'}`,
    );
    // Okta answers the cancelled request; its steps are those read just before, which Okta would
    // not have let be cancelled had one been decided (the mapping closes the open ones).
    const request = accessRequest.safeParse(answered);
    if (recent && request.success && request.data.id === input.requestId && request.data.status === 'CANCELED') {
      this.reads.rememberRequest(request.data);
      this.reads.rememberClosedUndecided(recent.tasks ?? [], request.data.lastUpdated);
      await note;
      return requests.toDomain(request.data, recent.tasks);
    }
    await note;
    // The read that found it cancelled is the answer: reading again could only be refused.
    if (found) return found;
    return requests.mustGet(input.requestId, 'cancel');
  }
}
