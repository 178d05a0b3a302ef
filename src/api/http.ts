import {
  BrokenCircuitError,
  type BulkheadPolicy,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  DelegateBackoff,
  handleWhen,
  retry,
} from 'cockatiel';
import type { z } from 'zod';
import {
  GatehouseError,
  GovernanceBudgetSpent,
  type GovernanceOperation,
  GovernanceProtocolError,
  GovernanceRateLimited,
  GovernanceUnavailable,
} from '../domain/errors.js';
import { governanceSpan } from '../tracing.js';
import { RateBudget, type RateFamilies } from './budget.js';
import type { CircuitStatus } from './governance.js';
import { causeCode, describe, INVALID, parseAnswer, parseJson, pathOf, retryAfterMs } from './http-answers.js';
import type {
  ActionPlan,
  Authorizer,
  CallOptions,
  VendorHttpOptions,
  VendorProtocol,
  VendorResponse,
} from './http-types.js';
import { KeptReads } from './kept-reads.js';
import { currentPriority } from './priority.js';

export { retryAfterMs } from './http-answers.js';
export type {
  ActionPlan,
  AuthorizedCall,
  Authorizer,
  CallOptions,
  VendorHttpOptions,
  VendorProtocol,
  VendorResponse,
} from './http-types.js';

type Query = Record<string, string | number | undefined>;

/**
 * A governance vendor over HTTP: auth, timeouts, rate limits and retries in one place, so each
 * client reads as a list of endpoints. Reads are retried on 429, 5xx and network failures. Writes
 * are retried only on 429 and refused connections, where the vendor provably did nothing; any
 * other failure of a write is reported with `outcomeUnknown` so the caller checks before trying
 * again.
 *
 * A circuit breaker sits around all of that: when the vendor keeps failing, every click, poll and
 * sync would otherwise wait out its timeouts and retries (tens of seconds each) and pile more load
 * on a vendor that is already down. After `breakerThreshold` failed calls in a row, calls are
 * refused at once for `breakerCooldownMs`; then one call tests the vendor and, if it answers,
 * calls flow again. Only unavailability counts: a refusal, a rate limit or a bad answer is the
 * vendor working.
 *
 * Around each exchange, a bulkhead bounds what is in flight: a burst (a flood of clicks, a backlog
 * of syncs) would otherwise open a connection per call. Beyond `maxConcurrent` calls wait their
 * turn, and beyond `maxQueued` waiting ones a call is refused at once as busy, before anything is
 * sent. Each attempt spends its family's budget before it takes a slot: a person waiting for a
 * family's reset, or a call waiting to be retried, holds none, so calls of other families go by.
 */
export class VendorHttp {
  private readonly authorizer: Authorizer;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly baseBackoffMs: number;
  /** The vendor's budget by rate-limit family, spent by priority. */
  private readonly budget?: RateBudget;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly cooldownMs: number;
  private readonly inFlight: BulkheadPolicy;
  /** What a person's action read before the budget refused it part-way, for its retry. */
  private readonly kept: KeptReads;
  readonly now: () => number;

  constructor(
    private readonly protocol: VendorProtocol,
    private readonly options: VendorHttpOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? 30_000;
    this.baseBackoffMs = options.baseBackoffMs ?? 250;
    this.authorizer = protocol.authorizer;
    this.kept = new KeptReads(this.now);
    if (protocol.rateFamilies) {
      this.budget = new RateBudget({
        provider: protocol.provider,
        scope: new URL(protocol.baseUrl).host,
        families: withLimits(protocol.rateFamilies, options.rateLimits),
        ledger: options.budgetLedger,
        metrics: options.metrics,
        now: this.now,
        maxWaitMs: this.maxRateLimitWaitMs,
      });
    }
    this.cooldownMs = options.breakerCooldownMs ?? 30_000;
    this.inFlight = bulkhead(options.maxConcurrent ?? 16, options.maxQueued ?? 500);
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof GovernanceUnavailable),
      {
        halfOpenAfter: this.cooldownMs,
        breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
      },
    );
    const labels = { provider: protocol.provider };
    this.breaker.onBreak(() => {
      options.metrics?.governanceCircuitOpen.set(labels, 1);
      options.logger?.error(
        { cooldownMs: this.cooldownMs },
        `${protocol.name} keeps failing: calls to it are paused, and people are told so at once`,
      );
    });
    this.breaker.onReset(() => {
      options.metrics?.governanceCircuitOpen.set(labels, 0);
      options.logger?.info(`${protocol.name} answers again: calls to it resume`);
    });
  }

  /** For readiness: `open` while calls are being refused without trying the vendor. */
  get circuit(): CircuitStatus {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half-open' : 'open';
  }

  /**
   * Runs `work`, a person's action drawing on several rate-limit families (an Okta request reads the
   * catalog, then writes and reads requests and tasks), as one: before it spends anything, each
   * family is checked for the calls `plan` says it will make there (`affords`), so it is not stopped
   * at its second family after spending in its first. Should the budget refuse it part-way anyway
   * (others spent in between, the org answered 429), what it had read is kept for a while, and its
   * retry (same key) is answered those reads without spending them again (kept-reads.ts).
   */
  action<T>(plan: ActionPlan, work: () => Promise<T>): Promise<T> {
    return this.kept.run(plan.key, async () => {
      const calls = plan.calls.map((path) => this.budget?.familyOf(path) ?? '');
      // Reads this try is answered from what the last one read cost nothing now.
      for (const family of this.kept.families()) {
        const at = calls.indexOf(family);
        if (at >= 0) calls.splice(at, 1);
      }
      await this.affordsFamilies(plan.operation, calls);
      return work();
    });
  }

  /**
   * Whether the budget can serve calls to each of `paths` (once per call) for the work running now,
   * without spending any: throws as the first refused call would (GovernanceBudgetSpent for a
   * person, saying when; BudgetYield for other work), so an action is refused before it starts.
   */
  affords(operation: GovernanceOperation, paths: readonly string[]): Promise<void> {
    return this.affordsFamilies(
      operation,
      paths.map((path) => this.budget?.familyOf(path) ?? ''),
    );
  }

  private async affordsFamilies(operation: GovernanceOperation, families: readonly string[]): Promise<void> {
    if (!this.budget || families.length === 0) return;
    const calls = new Map<string, number>();
    for (const family of families) calls.set(family, (calls.get(family) ?? 0) + 1);
    await this.budget.affords(operation, calls);
  }

  get<S extends z.ZodType>(
    operation: GovernanceOperation,
    path: string,
    schema: S,
    query?: Query,
  ): Promise<VendorResponse<z.infer<S>>> {
    return this.call(operation, 'GET', path, schema, { query });
  }

  /** A write. `body` is JSON; the answer is parsed with `schema`. */
  send<S extends z.ZodType>(
    operation: GovernanceOperation,
    method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    schema: S,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<VendorResponse<z.infer<S>>> {
    return this.call(operation, method, path, schema, { body, authorizer: options.authorizer });
  }

  /**
   * A POST that changes nothing (a search, a validation): retried like a read, and a failure of it
   * never leaves an outcome in doubt.
   */
  search<S extends z.ZodType>(
    operation: GovernanceOperation,
    path: string,
    schema: S,
    body: unknown,
    options: CallOptions = {},
  ): Promise<VendorResponse<z.infer<S>>> {
    return this.call(operation, 'POST', path, schema, { body, read: true, authorizer: options.authorizer });
  }

  private async call<S extends z.ZodType>(
    operation: GovernanceOperation,
    method: string,
    path: string,
    schema: S,
    request: { query?: Query; body?: unknown; read?: boolean; authorizer?: Authorizer },
  ): Promise<VendorResponse<z.infer<S>>> {
    const isWrite = method !== 'GET' && !request.read;
    const policy = retry(
      handleWhen((error) => this.isRetryable(error)),
      {
        maxAttempts: this.maxAttempts - 1,
        backoff: new DelegateBackoff((context) => {
          const error = 'error' in context.result ? context.result.error : undefined;
          if (error instanceof GovernanceRateLimited) return error.retryAfterMs;
          const exponential = this.baseBackoffMs * 2 ** (context.attempt - 1);
          return exponential / 2 + Math.random() * (exponential / 2);
        }),
      },
    );
    policy.onRetry((event) => {
      const error = 'error' in event ? event.error : undefined;
      const reason = error instanceof GovernanceRateLimited ? 'rate_limited' : 'unavailable';
      this.options.metrics?.governanceRetries.inc({ provider: this.protocol.provider, operation, reason });
      this.options.logger?.warn(
        { operation, reason, delayMs: Math.round(event.delay) },
        `retrying ${this.protocol.name} call`,
      );
    });
    const url = this.url(path, request.query);
    const family = this.budget?.familyOf(path) ?? '';
    const read = isWrite ? undefined : `${method} ${url} ${JSON.stringify(request.body ?? null)}`;
    const kept = read === undefined ? undefined : this.kept.take(read);
    if (kept) return parseAnswer(operation, method, url, schema, kept.json, kept.nextCursor);
    try {
      return await this.breaker.execute(() =>
        policy.execute(({ attempt }) =>
          this.attempt(operation, method, { url, path, family, attempt: attempt + 1 }, schema, request, isWrite, read),
        ),
      );
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        this.options.logger?.warn({ operation }, `too many ${this.protocol.name} calls waiting; refused one`);
        // Nothing was sent; a second is about how long the queue ahead takes to move.
        throw new GovernanceRateLimited(operation, 1_000);
      }
      if (!(error instanceof BrokenCircuitError)) throw error;
      // Refused before anything was sent, so nothing can have changed.
      throw new GovernanceUnavailable(
        operation,
        `${this.protocol.name} circuit open: calls paused after repeated failures`,
        false,
        { cause: error },
      );
    }
  }

  private isRetryable(error: Error): boolean {
    // Only a person waits here for a window to reset; other work goes back to its queue or round.
    if (error instanceof GovernanceRateLimited) {
      return currentPriority() === 'person' && error.retryAfterMs <= this.maxRateLimitWaitMs;
    }
    return error instanceof GovernanceUnavailable && !error.outcomeUnknown;
  }

  /** `target.attempt`: which try of this call it is, from 1. */
  private async attempt<S extends z.ZodType>(
    operation: GovernanceOperation,
    method: string,
    target: { url: string; path: string; family: string; attempt: number },
    schema: S,
    request: { body?: unknown; authorizer?: Authorizer },
    isWrite: boolean,
    read: string | undefined,
  ): Promise<VendorResponse<z.infer<S>>> {
    const { url, family } = target;
    // Refused as busy before spending anything, where a slot would be refused anyway.
    if (this.inFlight.executionSlots === 0 && this.inFlight.queueSlots === 0) throw new BulkheadRejectedError(0, 0);
    // Spent (and, for a person, waited for) before a slot is taken: see the class comment.
    await this.budget?.spend(operation, family);
    const traced = { provider: this.protocol.provider, operation, method, ...target };
    const { response, text } = await governanceSpan(traced, () =>
      this.inFlight.execute(() => this.exchange(operation, method, url, family, request, isWrite)),
    );

    if (response.status === 429) {
      throw new GovernanceBudgetSpent(operation, retryAfterMs(response.headers, this.now()));
    }
    const authorizer = request.authorizer ?? this.authorizer;
    if (!response.ok) {
      if (response.status === 401) authorizer.invalidate();
      const error = this.protocol.errorFromResponse(operation, response.status, parseJson(text));
      // A 5xx on a write may still have been applied.
      if (error instanceof GovernanceUnavailable && isWrite) {
        throw new GovernanceUnavailable(operation, error.message, true);
      }
      throw error;
    }
    const json = text === '' ? undefined : parseJson(text);
    if (json === INVALID) throw new GovernanceProtocolError(operation, `malformed JSON from ${method} ${pathOf(url)}`);
    const nextCursor = this.protocol.nextCursor?.(response.headers, json);
    const answer = parseAnswer(operation, method, url, schema, json, nextCursor);
    if (read !== undefined) this.kept.record(read, { json, nextCursor, family });
    return answer;
  }

  /** One exchange with the vendor, in a slot: the request sent, its answer's headers seen, its body read. */
  private async exchange(
    operation: GovernanceOperation,
    method: string,
    url: string,
    family: string,
    request: { body?: unknown; authorizer?: Authorizer },
    isWrite: boolean,
  ): Promise<{ response: Response; text: string }> {
    const { body } = request;
    const authorizer = request.authorizer ?? this.authorizer;
    const send = async () =>
      fetch(url, {
        method,
        headers: {
          ...(await authorizer.headers({ method, url })),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          'user-agent': 'gatehouse/0.1',
          ...this.protocol.headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    let response: Response;
    try {
      response = await send();
      if (response.status === 401 && authorizer.acceptChallenge?.(response.headers)) {
        await response.body?.cancel();
        response = await send();
      }
    } catch (error) {
      if (error instanceof GatehouseError) throw error;
      // A refused connection never reached the vendor; anything else (timeout, reset) may have.
      const refused = causeCode(error) === 'ECONNREFUSED';
      if (isWrite && !refused) this.kept.wrote();
      const name = this.protocol.name;
      throw new GovernanceUnavailable(operation, `${name} unreachable: ${describe(error)}`, isWrite && !refused, {
        cause: error,
      });
    }

    // A 429 is the vendor saying it did nothing; any other answer to a write may mean it did.
    if (isWrite && response.status !== 429) this.kept.wrote();
    const pause = this.protocol.pauseUntil?.(response.headers);
    const exhaustedUntil = response.status === 429 ? this.now() + retryAfterMs(response.headers, this.now()) : pause;
    await this.budget?.observe(family, response.status, response.headers, exhaustedUntil);
    try {
      return { response, text: await response.text() };
    } catch (error) {
      // The body stalled or broke after the headers: as uncertain as a timeout.
      throw new GovernanceUnavailable(
        operation,
        `${this.protocol.name} answer cut short: ${describe(error)}`,
        isWrite,
        {
          cause: error,
        },
      );
    }
  }

  private url(path: string, query?: Query): string {
    const url = new URL(`${this.protocol.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    return url.toString();
  }
}

function withLimits(families: RateFamilies, limits: VendorHttpOptions['rateLimits']): RateFamilies {
  return { ...families, defaultLimit: (family) => limits?.[family] ?? families.defaultLimit(family) };
}
