export { type CardRole, DeliveryFailed, type Messenger, type Notice, type RequestCard } from './messenger.js';
export { oktaHook } from './okta-hook.js';
export { type PollerOptions, RequestPoller } from './poller.js';
export { Reminders, type RemindersOptions } from './reminders.js';
export { RequestMessages, type RequestMessagesOptions } from './request-messages.js';
