import type { FailureCode } from './failure.js';

/**
 * Errors are values with a type. Each carries a `code` adapters can switch on and a `userMessage`
 * written for the person in chat (no vendor jargon, no secrets). Anything technical goes in
 * `message` and `cause`, which only reach the logs.
 */
export abstract class GatehouseError extends Error {
  abstract readonly code: FailureCode;
  abstract readonly userMessage: string;
  /** Where the person can do it instead (the governance system's own page); not in `userMessage`. */
  readonly link?: ActionLink;
}

/**
 * A page of the governance system, built from Gatehouse's configuration, never from what someone
 * typed. Adapters make it a real link on their surface: user text is made inert, this is not.
 */
export interface ActionLink {
  /** What the link does, e.g. "Decide in Okta". */
  label: string;
  /** http(s) only. */
  url: string;
}

// ---- Governance backend (raised by src/api clients) ----

export type GovernanceOperation =
  | 'findPrincipalByEmail'
  | 'getPrincipal'
  | 'searchCatalog'
  | 'getCatalogEntry'
  | 'createRequest'
  | 'getRequest'
  | 'listChanges'
  | 'listRequests'
  | 'listPendingApprovals'
  | 'decide'
  | 'comment'
  | 'cancel'
  | 'listAccess'
  | 'assessRisk'
  | 'forward'
  | 'delegation'
  | 'delegate'
  | 'policy'
  | 'token'
  | 'ping';

/** The backend could not be reached or kept failing; `outcomeUnknown` says a write may have landed. */
export class GovernanceUnavailable extends GatehouseError {
  readonly code = 'governance_unavailable';
  readonly userMessage: string;
  constructor(
    readonly operation: GovernanceOperation,
    message: string,
    readonly outcomeUnknown = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.userMessage = outcomeUnknown
      ? 'The governance system did not confirm this change in time. Check its status before trying again.'
      : 'The governance system is not answering right now. Nothing was changed; please try again in a minute.';
  }
}

export class GovernanceRateLimited extends GatehouseError {
  readonly code = 'governance_rate_limited';
  readonly userMessage: string =
    'The governance system is busy (rate limit reached). Nothing was changed; try again shortly.';
  constructor(
    readonly operation: GovernanceOperation,
    readonly retryAfterMs: number,
  ) {
    super(`${operation}: rate limited, retry after ${retryAfterMs} ms`);
  }
}

/**
 * The governance system's rate budget cannot serve a person's action before `retryAfterMs`: nothing
 * was sent for it, and the person is told when to come back rather than "shortly".
 */
export class GovernanceBudgetSpent extends GovernanceRateLimited {
  override readonly userMessage =
    `The governance system's rate limit is used up for now. Nothing was changed; try again ${inAbout(this.retryAfterMs)}.`;
}

/** "in 42 seconds", "in about 3 minutes": what a person can act on, not milliseconds. */
function inAbout(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  return `in about ${Math.round(seconds / 60)} minutes`;
}

/** The backend refused the input; its own explanation is safe to show. */
export class GovernanceRejected extends GatehouseError {
  readonly code = 'governance_rejected';
  constructor(
    readonly operation: GovernanceOperation,
    readonly userMessage: string,
    readonly status: number,
    readonly vendorCode?: string,
    override readonly link?: ActionLink,
  ) {
    super(`${operation}: rejected (${status}${vendorCode ? ` ${vendorCode}` : ''}): ${userMessage}`);
  }
}

/** Gatehouse's own credentials were refused: an administrator has to act, not the chat user. */
export class GovernanceAuthFailed extends GatehouseError {
  readonly code = 'governance_auth_failed';
  readonly userMessage =
    'Gatehouse could not sign in to the governance system. Your administrator has been told; nothing was changed.';
  constructor(
    readonly operation: GovernanceOperation,
    readonly status: number,
    readonly vendorCode?: string,
  ) {
    super(`${operation}: credentials refused (${status}${vendorCode ? ` ${vendorCode}` : ''})`);
  }
}

export class GovernanceNotFound extends GatehouseError {
  readonly code = 'governance_not_found';
  readonly userMessage: string;
  constructor(
    readonly operation: GovernanceOperation,
    readonly what: string,
  ) {
    super(`${operation}: ${what} not found`);
    this.userMessage = `${what} was not found in the governance system.`;
  }
}

/** The backend answered with something we cannot read (bad JSON, an unexpected shape). */
export class GovernanceProtocolError extends GatehouseError {
  readonly code = 'governance_protocol_error';
  readonly userMessage = 'The governance system sent an answer Gatehouse could not read. Nothing was changed.';
  constructor(
    readonly operation: GovernanceOperation,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation}: ${message}`, options);
  }
}

/** The backend has no API for this; the person has to use its portal. */
export class GovernanceUnsupported extends GatehouseError {
  readonly code = 'governance_unsupported';
  readonly userMessage: string;
  constructor(
    readonly operation: GovernanceOperation,
    userMessage: string,
    override readonly link?: ActionLink,
  ) {
    super(`${operation}: not supported by this backend`);
    this.userMessage = userMessage;
  }
}

// ---- State store (raised by src/store) ----

/**
 * The store (Redis) could not be reached or did not answer in time. Every flow reads the store
 * (who the person is) and claims in it (a request, a decision) before it writes anywhere, so an
 * action that meets this before its write has changed nothing; once the governance system has
 * recorded the change, flows log what they could not note and report the change.
 */
export class StoreUnavailable extends GatehouseError {
  readonly code = 'store_unavailable';
  readonly userMessage =
    'Gatehouse cannot reach its store right now, so it did not do this: nothing was sent or changed. ' +
    'Please try again in a minute.';
  constructor(
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super(`store ${operation} failed: ${describeCause(options?.cause)}`, options);
  }
}

/**
 * The StoreUnavailable behind a failure, if one is: thrown as is, as another error's cause, or
 * among several gathered into one (Bolt's multiple-listener error keeps them in `originals`).
 */
export function storeOutageIn(error: unknown, depth = 0): StoreUnavailable | undefined {
  if (error instanceof StoreUnavailable) return error;
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const { originals, cause } = error as { originals?: unknown; cause?: unknown };
  if (Array.isArray(originals)) {
    for (const original of originals) {
      const found = storeOutageIn(original, depth + 1);
      if (found) return found;
    }
  }
  return storeOutageIn(cause, depth + 1);
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

export function isGovernanceError(error: unknown): error is GatehouseError {
  return error instanceof GatehouseError && error.code.startsWith('governance_');
}
