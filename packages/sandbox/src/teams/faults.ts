/**
 * Failures a test arranges on purpose, to see how the bot copes with a misbehaving connector. A
 * fault matches a call by HTTP method, by path (a string must equal the decoded path below the
 * connector's base URL, a RegExp is tested against it) and/or by ConnectorClient operation name
 * (`sendToConversation`, `updateActivity`…); it fires `times` times (default 1, Infinity for ever).
 */
interface FaultMatch {
  method?: string;
  path?: string | RegExp;
  operation?: string;
  times?: number;
}

export type TeamsFaultSpec = FaultMatch &
  /** HTTP 429 with `Retry-After` (seconds, default 1) and `{ error: { code: 'Throttled' } }`, as Teams answers. */
  (
    | { kind: 'throttled'; retryAfterSeconds?: number }
    /** Any status with an ErrorResponse body; the code defaults to the one Teams uses with that status. */
    | { kind: 'status'; status: number; code?: string; message?: string }
    /** The call is answered normally after `ms` milliseconds. */
    | { kind: 'delay'; ms: number }
  );

export type TeamsFault = TeamsFaultSpec & { remaining: number };

export interface FaultTarget {
  method: string;
  path: string;
  operation?: string;
}

export class TeamsFaults {
  private readonly pending: TeamsFault[] = [];

  add(spec: TeamsFaultSpec): void {
    this.pending.push({ ...spec, remaining: spec.times ?? 1 });
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Faults still armed. */
  get size(): number {
    return this.pending.length;
  }

  /** The first armed fault matching this call, used up once. */
  take(target: FaultTarget): TeamsFault | undefined {
    const fault = this.pending.find((candidate) => matches(candidate, target));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.pending.splice(this.pending.indexOf(fault), 1);
    return fault;
  }
}

function matches(fault: TeamsFault, target: FaultTarget): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== target.method) return false;
  if (fault.operation !== undefined && fault.operation !== target.operation) return false;
  if (fault.path === undefined) return true;
  return typeof fault.path === 'string' ? fault.path === target.path : fault.path.test(target.path);
}
