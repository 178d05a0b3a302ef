export type { Decision } from '../domain/types.js';
export { type Action, availableActions } from './authorization.js';
export {
  type ChatComment,
  type RequestChange,
  type RequestChangeListener,
  RequestChanges,
} from './changes.js';
export type { DecideInput } from './deciding.js';
export { MOST_DAYS_AHEAD } from './delegating.js';
export { MAX_TEXT_LENGTH } from './deps.js';
export * from './errors.js';
export { type ChatCommand, helpLines, parseCommand } from './grammar.js';
export { type ChatIdentity, NEGATIVE_CACHE_TTL_MS, normalizeEmail } from './identity.js';
export { PERSONAL_LIMITS, type PersonalLimitOptions, type PersonalRule } from './limits.js';
export { Failure, failure, isFailure, type Outcome, showsStaleMessage } from './outcome.js';
export type { RequestList, RequestSnapshot } from './reading.js';
export type { EntryMatch, RequestAccessInput, RequestAccessResult } from './requesting.js';
export { Flows, type FlowsOptions } from './service.js';
export { type DecideSeveralInput, MOST_AT_ONCE } from './several.js';
export * from './views.js';
