/**
 * Failures a test arranges on purpose, to see how a client copes with a misbehaving Okta. A fault
 * matches by method and path (below the emulator's prefix, without the query string: a string must
 * equal it, a RegExp is tested against it) and fires `times` times (default 1, Infinity for ever).
 */
interface FaultMatch {
  method?: string;
  path?: string | RegExp;
  times?: number;
}

export type FaultSpec = FaultMatch &
  (
    | { kind: 'status'; status: number; retryAfterSeconds?: number }
    | { kind: 'delay'; ms: number }
    /** 200 with a truncated JSON body. */
    | { kind: 'malformed' }
    /** The connection is dropped without an answer. */
    | { kind: 'reset' }
    /** The write is applied, then answered with 500: the client cannot know it happened. */
    | { kind: 'fail-after-write'; status?: number }
  );

export type Fault = FaultSpec & { remaining: number };

export class Faults {
  private readonly pending: Fault[] = [];

  add(spec: FaultSpec): void {
    this.pending.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Faults still armed. */
  get size(): number {
    return this.pending.length;
  }

  /** The first armed fault matching this call, used up once; fail-after-write only matches writes. */
  take(method: string, path: string): Fault | undefined {
    const isWrite = method !== 'GET' && method !== 'HEAD';
    const fault = this.pending.find(
      (candidate) =>
        (candidate.kind !== 'fail-after-write' || isWrite) &&
        (!candidate.method || candidate.method.toUpperCase() === method) &&
        matchesPath(candidate.path, path),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.pending.splice(this.pending.indexOf(fault), 1);
    return fault;
  }
}

function matchesPath(expected: string | RegExp | undefined, path: string): boolean {
  if (expected === undefined) return true;
  return typeof expected === 'string' ? expected === path : expected.test(path);
}
