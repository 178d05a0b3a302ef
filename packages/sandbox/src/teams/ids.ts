/**
 * Activity ids as Teams mints them. A message's id is the time it was posted in epoch milliseconds
 * (`"1632474074231"`); ids stay unique and increasing even when two messages land in the same
 * millisecond. Events and invokes carry `f:` ids (`"f:4075660803462768582"`). A replayed delivery
 * reuses its id, which is how a bot recognises a retry.
 */
export class ActivityIds {
  private lastMessage = 0;
  private events = 0;

  constructor(private readonly now: () => number) {}

  message(): string {
    this.lastMessage = Math.max(this.now(), this.lastMessage + 1);
    return String(this.lastMessage);
  }

  event(): string {
    this.events += 1;
    return `f:${this.now()}${String(this.events).padStart(6, '0')}`;
  }
}
