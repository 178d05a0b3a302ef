import { withPriority } from '../../api/priority.js';

/**
 * Drawing a person's App Home reads everything waiting for them and everything they asked for,
 * and a burst of changes (forty requests reaching one approver in a few seconds) would draw it
 * forty times, each draw costing governance calls by the open item. So a person's Home is drawn at
 * once when nothing was drawn for them lately, and otherwise at most once per `spacingMs`: asks in
 * between fold into one draw at the end of the spacing, which shows every change asked for so far.
 * A person opening their Home is not kept waiting for the spacing.
 */
export class HomeRefresh {
  private readonly people = new Map<string, PersonState>();

  constructor(
    private readonly draw: (userId: string) => Promise<void>,
    private readonly spacingMs = 5_000,
  ) {}

  /** Resolves once a draw that started after this call has finished (it may be shared). */
  request(userId: string, options: { urgent?: boolean } = {}): Promise<void> {
    const current = this.people.get(userId);
    if (current) {
      current.pending ??= deferred();
      if (options.urgent) {
        current.urgent = true;
        current.wake?.();
      }
      return current.pending.promise;
    }
    const state: PersonState = { urgent: options.urgent };
    this.people.set(userId, state);
    return this.run(userId, state);
  }

  /**
   * Resolves once no Home is being drawn and none is waiting to be (a spacing with nothing asked
   * for does not count): what a test awaits to show how a Home ended up, instead of sleeping.
   */
  async settled(): Promise<void> {
    for (;;) {
      const waits = [...this.people.values()].flatMap((state) => [state.drawing, state.pending?.promise]);
      const busy = waits.filter((wait): wait is Promise<void> => wait !== undefined);
      if (busy.length === 0) return;
      await Promise.allSettled(busy);
    }
  }

  /** Draws now, then keeps the person's spacing; a draw asked for meanwhile runs when it ends. */
  private async run(userId: string, state: PersonState): Promise<void> {
    const first = this.drawing(userId, state);
    void first.catch(() => undefined).then(() => this.cooldown(userId, state));
    return first;
  }

  private drawing(userId: string, state: PersonState): Promise<void> {
    // A person looking at their Home is waiting for it; a redraw after a change nobody asked for
    // spends the governance budget last.
    const priority = state.urgent ? 'person' : 'background';
    state.urgent = false;
    const draw = withPriority(priority, () => this.draw(userId));
    state.drawing = draw;
    void draw
      .catch(() => undefined)
      .then(() => {
        if (state.drawing === draw) state.drawing = undefined;
      });
    return draw;
  }

  private async cooldown(userId: string, state: PersonState): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.spacingMs);
        timer.unref();
        state.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      state.wake = undefined;
      const waiting = state.pending;
      if (!waiting) break;
      state.pending = undefined;
      await this.drawing(userId, state).then(waiting.resolve, waiting.reject);
    }
    this.people.delete(userId);
  }
}

interface PersonState {
  /** The person asked for the next draw themselves (they opened their Home). */
  urgent?: boolean;
  /** The draw running now. */
  drawing?: Promise<void>;
  /** Callers waiting for the next draw. */
  pending?: Deferred;
  /** Ends the wait before the next draw. */
  wake?: () => void;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (reason: unknown) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A draw nobody waits for must not surface as an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
