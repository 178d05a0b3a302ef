/**
 * A refusal in the connector's words: an HTTP status and an ErrorResponse body
 * `{ error: { code, message } }`. Codes and messages follow the table "Status codes from bot
 * conversational APIs" in Microsoft's Teams docs (bots/how-to/conversations/conversation-messages.md):
 * 400 BadArgument, 403 BotNotInConversationRoster, 404 ActivityNotFoundInConversation and
 * ConversationNotFound, 412 PreconditionFailed, 413 MessageSizeTooBig, 429 Throttled, 5xx ServiceError.
 */
export class ConnectorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }

  get body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const conversationNotFound = () => new ConnectorError(404, 'ConversationNotFound', 'Conversation not found.');

/** Teams' own message for this code says "Conversation not found."; ours names the activity. */
export const activityNotFound = (activityId: string) =>
  new ConnectorError(
    404,
    'ActivityNotFoundInConversation',
    `Message ${activityId} does not exist in the conversation.`,
  );

/** Seen from Teams as 400 on proactive sends; for a roster lookup the status is our choice (unconfirmed). */
export const memberNotFound = () =>
  new ConnectorError(404, 'MemberNotFoundInConversation', 'Member not found in conversation.');

export const badArgument = (message: string) => new ConnectorError(400, 'BadArgument', message);

/** What Teams answers for a user id that is not a real MRI of this tenant. */
export const unknownUserId = () => badArgument('Failed to decrypt pairwise id');

export const botNotInRoster = () =>
  new ConnectorError(403, 'BotNotInConversationRoster', "The bot isn't part of the conversation roster.");

/** The default error code Teams puts with an HTTP status, for faults that only name the status. */
export function defaultCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'BadArgument',
    401: 'BotNotRegistered',
    403: 'BotNotInConversationRoster',
    404: 'ConversationNotFound',
    412: 'PreconditionFailed',
    413: 'MessageSizeTooBig',
    429: 'Throttled',
  };
  return codes[status] ?? 'ServiceError';
}
