/**
 * Work Gatehouse goes on doing after it has answered a platform: a Slack listener after its ack, a
 * Teams message answered in a turn of its own, the syncs a click starts. Tracked here so that a
 * shutdown and a test can wait for it to end instead of guessing how long it takes.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `work` in the background: errors are the caller's to handle, as with `void`. */
  track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    // A rejection is handled by whoever holds `work`; the set's copy must not be reported as unhandled.
    tracked.catch(() => {});
    return tracked;
  }

  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Resolves once nothing tracked is running, including work started by work that was. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
