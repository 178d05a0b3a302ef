/** How long a notifier pass waits for a click drawing its own message, at most. */
export const CLICK_FIRST_WAIT_MS = 2_500;

/**
 * Clicks drawing their own message now, by request: the adapter that took a click tells the
 * notifier, whose passes about that request wait before touching a card, so the clicked message
 * shows the outcome first. One per process, made where both are made (src/app.ts). Held in memory,
 * not in the store: the pass a click's decision starts runs on the replica that took the click, and
 * a pass elsewhere at worst draws the same picture once more. Which of the two lands last is not
 * left to chance: both draw under the message's drawing lease (DeliveryLedger.drawIfNewer).
 */
export class ClicksDrawing {
  private readonly byRequest = new Map<string, Set<Promise<void>>>();

  /**
   * A click is about to decide and then draw the message it came from: until `done()` (or
   * CLICK_FIRST_WAIT_MS), every pass about the request in this process waits before touching a card.
   */
  start(requestId: string): () => void {
    let finish = () => {};
    const drawn = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const held = this.byRequest.get(requestId) ?? new Set();
    held.add(drawn);
    this.byRequest.set(requestId, held);
    return () => {
      finish();
      held.delete(drawn);
      if (held.size === 0 && this.byRequest.get(requestId) === held) this.byRequest.delete(requestId);
    };
  }

  /** Resolves once no click in this process is drawing its own message about the request (at most `ms`). */
  async drawn(requestId: string, ms = CLICK_FIRST_WAIT_MS): Promise<void> {
    const held = this.byRequest.get(requestId);
    if (!held || held.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...held]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timer);
  }
}
