export { BullSyncQueue } from './bullmq-queue.js';
export { MemorySyncQueue } from './memory-queue.js';
export {
  type CardReason,
  type CardRole,
  DeliveryFailed,
  type Messenger,
  type Notice,
  PacingWait,
  type RequestCard,
} from './messenger.js';
export { oktaHook } from './okta-hook.js';
export { Pacer, type RateRule, type RateTable } from './pacing.js';
export { type PollerOptions, RequestPoller } from './poller.js';
export type { SyncJob, SyncOutcome, SyncQueue } from './queue.js';
export { Reminders, type RemindersOptions, type ReminderTally } from './reminders.js';
export { RequestMessages, type RequestMessagesOptions } from './request-messages.js';
export { type ApprovalRoute, ApprovalRouting } from './routing.js';
