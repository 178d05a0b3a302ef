export type { CardRole, Messenger, Notice, RequestCard } from './messenger.js';
export { RequestMessages, type RequestMessagesOptions } from './request-messages.js';
