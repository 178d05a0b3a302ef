export { type Action, availableActions } from './authorization.js';
export * from './errors.js';
export { type ChatCommand, helpLines, parseCommand } from './grammar.js';
export type { ChatIdentity } from './identity.js';
export { type Failure, isFailure, type Outcome, showsStaleMessage } from './outcome.js';
export {
  type DecideInput,
  type EntryMatch,
  Flows,
  MAX_TEXT_LENGTH,
  type RequestAccessInput,
  type RequestAccessResult,
  type RequestList,
  type RequestSnapshot,
} from './service.js';
export * from './views.js';
