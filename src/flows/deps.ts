import type { Logger } from 'pino';
import type { Governance } from '../api/governance.js';
import { characterCount } from '../domain/text.js';
import type { Store } from '../store/index.js';
import type { RequestChanges } from './changes.js';
import { TextInvalid } from './errors.js';
import type { ChatIdentity } from './identity.js';

/** What every family of flows works with. */
export interface FlowDeps {
  governance: Governance;
  store: Store;
  logger: Logger;
  /** Where a flow announces what it changed (the notifier listens). */
  changes: RequestChanges;
  /** Milliseconds since the epoch: the real clock unless a test moves it. */
  now: () => number;
}

/** The longest text a person may give, in characters (code points, as the backends count). */
export const MAX_TEXT_LENGTH = 2000;

/** Trimmed text, or nothing when blank; refused when longer than a person could mean. */
export function cleanText(field: string, text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  if (characterCount(trimmed) > MAX_TEXT_LENGTH)
    throw new TextInvalid(field, `is too long (at most ${MAX_TEXT_LENGTH} characters)`);
  return trimmed;
}

/** The chat surface an action came from, as the audit log and the backend's records name it. */
export function surface(actor: ChatIdentity): string {
  return actor.platform === 'slack' ? 'Slack' : 'Teams';
}
