import type { Logger } from 'pino';
import type { GatehouseError, GovernanceOperation } from '../domain/errors.js';
import type { Metrics } from '../metrics.js';
import type { RateFamilies } from './budget.js';
import type { BudgetLedger } from './budget-ledger.js';

/** What a vendor's HTTP client is made of and answers: the shapes around VendorHttp (http.ts). */

/** One call as the authorizer sees it: a proof of possession (DPoP) is bound to both. */
export interface AuthorizedCall {
  method: string;
  url: string;
}

/**
 * Produces the headers that authorize each call (Authorization, and a DPoP proof where the vendor
 * binds tokens to a key), and forgets a cached token the vendor refused.
 */
export interface Authorizer {
  headers(call: AuthorizedCall): Promise<Record<string, string>>;
  invalidate(): void;
  /**
   * A 401 that is a challenge rather than a refusal (RFC 9449's `use_dpop_nonce`): the authorizer
   * takes what the vendor asked for and answers true, and the call is sent once more. Nothing was
   * done on the first send, so this holds for writes too.
   */
  acceptChallenge?(headers: Headers): boolean;
}

/** Per call: act with other credentials than the client's own (a person's token, say). */
export interface CallOptions {
  authorizer?: Authorizer;
}

/** A person's action that draws on several rate-limit families, for `VendorHttp.action`. */
export interface ActionPlan {
  operation: GovernanceOperation;
  /** Who does what, e.g. `createRequest:<requester>:<for>:<entry>`: a retry of the same action has the same key. */
  key: string;
  /** The path of each call it will make, once per call (repeated when it calls one path twice). */
  calls: readonly string[];
}

/** What differs between vendors: how they authenticate, say no, page and pace. */
export interface VendorProtocol {
  provider: 'okta' | 'pingone';
  /** The vendor's name in messages ("Okta", "PingOne"). */
  name: string;
  baseUrl: string;
  authorizer: Authorizer;
  /** Turns a non-2xx, non-429 answer into a typed governance error. */
  errorFromResponse(operation: GovernanceOperation, status: number, body: unknown): GatehouseError;
  /** The next page's cursor, when the vendor gives one in headers or body. */
  nextCursor?(headers: Headers, body: unknown): string | undefined;
  /** Sees every answer's headers; a time it returns means nothing is left until then. */
  pauseUntil?(headers: Headers): number | undefined;
  /** How the vendor counts calls, for the rate budget (budget.ts); without it nothing is held back. */
  rateFamilies?: RateFamilies;
  headers?: Record<string, string>;
}

export interface VendorHttpOptions {
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts in all, including the first. */
  maxAttempts?: number;
  /** Longer rate-limit waits are not slept through: the caller is told to come back later. */
  maxRateLimitWaitMs?: number;
  baseBackoffMs?: number;
  /** Calls in a row that found the vendor unavailable (after their retries) before calls stop. */
  breakerThreshold?: number;
  /** How long calls stay stopped before one is let through to test the vendor again. */
  breakerCooldownMs?: number;
  /**
   * Exchanges with the vendor in flight at once. A call waiting for its rate-limit family's reset, or
   * between retries, holds no slot: it would keep calls of other families waiting behind it.
   */
  maxConcurrent?: number;
  /** Calls waiting for a free slot; beyond that a call is refused at once as busy. */
  maxQueued?: number;
  metrics?: Metrics;
  logger?: Logger;
  /** Where the rate budget is kept: Redis to share it between replicas; this client's memory by default. */
  budgetLedger?: BudgetLedger;
  /** Calls a minute by rate-limit family, over the vendor's documented defaults (until it says otherwise). */
  rateLimits?: Readonly<Partial<Record<string, number>>>;
  /**
   * Gatehouse's clock (default Date.now), against which the vendor's rate-limit resets are read.
   * The circuit breaker's cooldown is cockatiel's and reads Date.now itself.
   */
  now?: () => number;
}

export interface VendorResponse<T> {
  body: T;
  /** The next page's cursor, when the vendor gives one. */
  nextCursor?: string;
}
