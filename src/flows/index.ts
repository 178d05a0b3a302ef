export { type Action, availableActions } from './authorization.js';
export * from './errors.js';
export type { ChatIdentity } from './identity.js';
export type { Failure, Outcome } from './outcome.js';
export {
  type DecideInput,
  Flows,
  MAX_TEXT_LENGTH,
  type RequestAccessInput,
  type RequestAccessResult,
  type RequestList,
} from './service.js';
export * from './views.js';
