/**
 * Drawing a person's App Home reads everything waiting for them and everything they asked for,
 * and a burst of changes (forty requests reaching one approver in a few seconds) would draw it
 * forty times, each draw costing governance calls by the open item. So one draw runs at a time
 * per person, and asks that arrive meanwhile fold into one more draw, `spacingMs` after the
 * previous one ended, showing every change asked for so far. A person opening their Home is not
 * kept waiting for the spacing.
 */
export class HomeRefresh {
  private readonly drawing = new Map<string, DrawState>();

  constructor(
    private readonly draw: (userId: string) => Promise<void>,
    private readonly spacingMs = 5_000,
  ) {}

  /** Resolves once a draw that started after this call has finished (it may be shared). */
  request(userId: string, options: { urgent?: boolean } = {}): Promise<void> {
    const current = this.drawing.get(userId);
    if (current) {
      current.again = true;
      if (options.urgent) current.wake?.();
      return current.done;
    }
    const state: DrawState = { again: false, done: Promise.resolve() };
    state.done = this.run(userId, state);
    this.drawing.set(userId, state);
    return state.done;
  }

  private async run(userId: string, state: DrawState): Promise<void> {
    try {
      await this.draw(userId);
      while (state.again) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.spacingMs);
          timer.unref();
          state.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        state.wake = undefined;
        state.again = false;
        await this.draw(userId);
      }
    } finally {
      this.drawing.delete(userId);
    }
  }
}

interface DrawState {
  again: boolean;
  done: Promise<void>;
  /** Ends the wait before the next draw. */
  wake?: () => void;
}
