export { type Action, availableActions } from './authorization.js';
export * from './errors.js';
export { type ChatCommand, helpLines, parseCommand } from './grammar.js';
export { type ChatIdentity, NEGATIVE_CACHE_TTL_MS, normalizeEmail } from './identity.js';
export { PERSONAL_LIMITS, type PersonalLimitOptions, type PersonalRule } from './limits.js';
export { type Failure, isFailure, type Outcome, showsStaleMessage } from './outcome.js';
export {
  type DecideInput,
  type EntryMatch,
  Flows,
  type FlowsOptions,
  MAX_TEXT_LENGTH,
  type RequestAccessInput,
  type RequestAccessResult,
  type RequestList,
  type RequestSnapshot,
} from './service.js';
export * from './views.js';
