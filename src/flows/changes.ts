import type { Logger } from 'pino';
import type { AccessRequest } from '../domain/types.js';
import type { PersonView } from './views.js';

/** A comment made in chat, named by the submission it came from so announcing it twice posts it once. */
export interface ChatComment {
  key: string;
  author: PersonView;
  text: string;
  created: string;
}

/**
 * What a flow changed, with the request as the flow last read it from the governance system (after
 * its own write), so whoever listens need not read it again. `stale`: someone acted on a message
 * drawn from an older reading (decided elsewhere, moved on), so the messages are out of date.
 * `delegated`: who decides the open step for its approver changed (a delegate appointed or ended),
 * so who gets its card did.
 */
export type RequestChange =
  | { kind: 'requested' | 'decided' | 'cancelled' | 'stale' | 'delegated'; request: AccessRequest }
  | { kind: 'commented'; request: AccessRequest; comment: ChatComment };

/** The port the notifier implements: it must return at once and keep its own failures to itself. */
export interface RequestChangeListener {
  requestChanged(change: RequestChange): void;
}

/**
 * Where flows announce what they changed. Flows never wait for a listener: the person's answer
 * depends on the governance system alone, and what chat shows catches up behind it.
 */
export class RequestChanges {
  private readonly listeners = new Set<RequestChangeListener>();

  constructor(private readonly logger: Logger) {}

  /** Returns the way to stop listening. */
  subscribe(listener: RequestChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(change: RequestChange): void {
    for (const listener of this.listeners) {
      try {
        listener.requestChanged(change);
      } catch (err) {
        // A listener's bug must not turn a recorded decision into a reported failure.
        this.logger.error({ err, requestId: change.request.id, change: change.kind }, 'change listener failed');
      }
    }
  }
}
