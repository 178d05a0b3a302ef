/**
 * The Teams limits the emulator enforces, each in one place with where it comes from.
 */

/**
 * Largest activity the connector accepts, in bytes of its JSON (UTF-8, as sent). Learn's "Format your
 * bot messages" page now says about 100 KB for bots (older copies: 40 KB), answered with
 * 413 `MessageSizeTooBig` ("Message size too large.", per the status-code table of
 * bots/how-to/conversations/conversation-messages.md); a Microsoft Q&A thread reports 413
 * `RequestEntityTooLarge` at ~70 KB; 28 KB is the documented limit of the Teams connectors/Graph
 * path. The sandbox holds the bot to the strictest, 28 KB, so a card that passes here passes on
 * every path (shared/reference/platforms.md).
 */
export const MESSAGE_SIZE_LIMIT_BYTES = 28 * 1024;

/** Teams renders Adaptive Cards up to schema 1.5 (Microsoft Copilot Studio and Teams docs); Universal Actions need 1.4+. */
export const MAX_CARD_VERSION = '1.5';

/**
 * How long Teams waits for the answer to an invoke before it shows the person an error. Documented
 * as 5 s for message-extension submits; assumed, not confirmed, for `adaptiveCard/action`.
 */
export const INVOKE_DEADLINE_MS = 5_000;

/**
 * Page sizes for `pagedmembers`: below 50 is treated as 50, above 500 capped at 500 (Teams docs,
 * get-teams-context); the default when none is given is our choice.
 */
export const PAGE_SIZE = { min: 50, max: 500, default: 200 } as const;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
