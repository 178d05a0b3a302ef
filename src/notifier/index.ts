export { type CardRole, DeliveryFailed, type Messenger, type Notice, type RequestCard } from './messenger.js';
export { RequestMessages, type RequestMessagesOptions } from './request-messages.js';
