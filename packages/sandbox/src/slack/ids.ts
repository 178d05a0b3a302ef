import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Slack `ts` ("1700000000.000100") as an integer count of microseconds, for ordering and ranges. */
export function tsMicros(ts: string): number {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(ts);
  if (!match) return Number.NaN;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? '').padEnd(6, '0'));
}

/** Orders messages by timestamp, oldest first. */
export const byTs = (a: { ts: string }, b: { ts: string }) => tsMicros(a.ts) - tsMicros(b.ts);

function microsTs(micros: number): string {
  return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/**
 * Every id the workspace hands out. Message timestamps follow the workspace clock but never repeat
 * or go backwards (Slack's `ts` is a message's id within its channel); the rest are sequences, so a
 * test run reads the same every time.
 */
export class Ids {
  private lastMicros = 0;
  private sequence = 0;

  constructor(private readonly now: () => number) {}

  /** The next message timestamp: at least 100 µs after the previous one. */
  ts(): string {
    this.lastMicros = Math.max(this.now() * 1000, this.lastMicros + 100);
    return microsTs(this.lastMicros);
  }

  /** View ids look like `V0123ABCDEF`: `V` and ten characters. */
  view(): string {
    return `V${this.next().toString(36).toUpperCase().padStart(10, '0')}`;
  }

  /** View hashes look like "1569262015.CDwnhRvg": the time and a token that changes on every write. */
  hash(): string {
    return `${Math.floor(this.now() / 1000)}.${this.token(8)}`;
  }

  /** Trigger ids look like "13345224609.738474920.8088930838d88f008e0" (Slack: "132456.7890123.abcdef"). */
  trigger(): string {
    return `${Math.floor(this.now() / 1000)}.4242424242.${randomBytes(16).toString('hex')}`;
  }

  /** The last path segment of a response_url (Slack's are `/actions/T…/<digits>/<secret>`). */
  responseUrl(): string {
    return `${this.next()}-${randomBytes(12).toString('hex')}`;
  }

  /** Event ids look like `Ev0PV52K21`. */
  event(): string {
    return `Ev${this.next().toString(36).toUpperCase().padStart(8, '0')}`;
  }

  /** Slack fills in a missing block_id or action_id with a short random-looking string. */
  filler(): string {
    return this.token(5);
  }

  private next(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /**
   * A deterministic alphanumeric token drawn from the sequence: multiplying by a prime coprime to 62
   * permutes the residues modulo 62^length, so tokens never repeat yet do not look sequential.
   */
  private token(length: number): string {
    let value = (this.next() * 2654435761) % ALPHANUMERIC.length ** length;
    let token = '';
    for (let index = 0; index < length; index += 1) {
      token += ALPHANUMERIC[value % ALPHANUMERIC.length];
      value = Math.floor(value / ALPHANUMERIC.length);
    }
    return token;
  }
}
