import type { Logger } from 'pino';
import type { CommentInput } from '../governance.js';
import type { OktaHttp } from './http.js';
import { requestPath } from './paths.js';
import { ignored } from './wire.js';

/**
 * Request messages (`/requests/{id}/messages`): people's comments from chat and the notes that say
 * who decided a step and where. Okta has no API to read them back.
 */
export class OktaMessages {
  constructor(
    private readonly http: OktaHttp,
    private readonly logger?: Logger,
  ) {}

  async comment(input: CommentInput): Promise<void> {
    await this.post(input.requestId, `${input.author.displayName}${input.via ? ` (${input.via})` : ''}: ${input.text}`);
  }

  /** A note on a decision already made: failing to record it does not undo the decision. */
  async note(requestId: string, message: string): Promise<void> {
    try {
      await this.post(requestId, message);
    } catch (error) {
      // The decision stands without its note; the audit log still names the approver.
      this.logger?.warn({ err: error, requestId }, 'could not record the decision note in Okta');
    }
  }

  private async post(requestId: string, message: string): Promise<void> {
    await this.http.send('comment', 'POST', `${requestPath(requestId)}/messages`, ignored, { message });
  }
}
