/**
 * Failures a test arranges on purpose, to see how the bot copes with a misbehaving Slack. A fault
 * matches a Web API method by name (a string must equal it, a RegExp is tested against it; posts to
 * a response_url count as the method `response_url`) and fires `times` times (default 1, Infinity
 * for ever).
 */
interface FaultMatch {
  method?: string | RegExp;
  times?: number;
}

export type SlackFaultSpec = FaultMatch &
  /** HTTP 429 with `Retry-After` (seconds, default 1) and `{ ok: false, error: 'ratelimited' }`, as Slack answers. */
  (
    | { kind: 'ratelimited'; retryAfterSeconds?: number }
    /** HTTP 200 `{ ok: false, error }` (400 on a response_url): any error code, e.g. `fatal_error`. */
    | { kind: 'error'; error: string }
    /** HTTP 500: @slack/web-api turns it into a WebAPIHTTPError (and retries it under its retry policy). */
    | { kind: 'http500' }
    /** The call is answered normally after `ms` milliseconds. */
    | { kind: 'delay'; ms: number }
  );

export type SlackFault = SlackFaultSpec & { remaining: number };

export class SlackFaults {
  private readonly pending: SlackFault[] = [];

  add(spec: SlackFaultSpec): void {
    this.pending.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Faults still armed. */
  get size(): number {
    return this.pending.length;
  }

  /** The first armed fault matching this method, used up once. */
  take(method: string): SlackFault | undefined {
    const fault = this.pending.find((candidate) => matches(candidate.method, method));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.pending.splice(this.pending.indexOf(fault), 1);
    return fault;
  }
}

function matches(expected: string | RegExp | undefined, method: string): boolean {
  if (expected === undefined) return true;
  return typeof expected === 'string' ? expected === method : expected.test(method);
}
