import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RequestList, RequestView } from '../flows/index.js';
import { bestEffort, type Store } from '../store/index.js';

/**
 * A pending list as one person was shown it, kept so that a decision made from the list can be
 * confirmed in the list itself. Neither platform sends the message back with a click: Slack sends
 * no copy of an ephemeral message and changes one only whole, through the click's response_url;
 * Teams replaces the whole card with the one the invoke answers. Redrawing the row that was decided
 * (and keeping the rows decided before it) needs the list as it was drawn. Nothing here is
 * Slack's: Teams keeps its lists with it too. Losing a list costs the redraw, never the decision:
 * every step here is best effort.
 */

/** What the person did from the list, shown on the row instead of its buttons (or beside them for a comment). */
export interface DoneMark {
  kind: 'approve' | 'reject' | 'comment';
  at: string;
}

export interface ShownList extends RequestList {
  id: string;
  /** The chat user it was shown to: only they may redraw or read it, whatever list id a click names. */
  owner: string;
  done: Record<string, DoneMark>;
}

const stored = z.object({
  id: z.string(),
  owner: z.string(),
  title: z.string(),
  // Written by Gatehouse itself from flow views; checked for shape, not re-validated field by field.
  items: z.array(z.custom<RequestView>((item) => typeof item === 'object' && item !== null && 'id' in item)),
  done: z.record(z.string(), z.object({ kind: z.enum(['approve', 'reject', 'comment']), at: z.string() })),
});

export class ShownLists {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** Whose lists, and how long one is worth keeping (as long as it stays in front of the person). */
    private readonly options: { platform: 'slack' | 'teams'; ttlMs: number },
  ) {}

  private key(id: string): string {
    return `${this.options.platform}:list:${id}`;
  }

  /** Keeps the list as drawn; its id goes into each row's buttons. Unkept, the list is drawn without one. */
  async remember(list: RequestList, owner: string): Promise<ShownList | undefined> {
    const shown: ShownList = { ...list, id: randomUUID(), owner, done: {} };
    const kept = await bestEffort(
      this.store.set(this.key(shown.id), JSON.stringify(shown), { ttlMs: this.options.ttlMs }).then(() => true),
      { logger: this.logger, lost: 'pending list not kept; a decision from it will not redraw it' },
    );
    return kept ? shown : undefined;
  }

  /**
   * The list with `request` (as the decision left it) marked done, or undefined when the list is no
   * longer kept. Compare-and-swap, so two rows decided at once both stay marked.
   */
  async markDone(listId: string, reader: string, request: RequestView, mark: DoneMark): Promise<ShownList | undefined> {
    const work = async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const raw = await this.store.get(this.key(listId));
        const list = raw === null ? undefined : parse(raw);
        if (!list || list.owner !== reader) return undefined;
        const next: ShownList = {
          ...list,
          items: list.items.map((item) => (item.id === request.id ? request : item)),
          done: { ...list.done, [request.id]: mark },
        };
        if (await this.store.compareAndSwap(this.key(listId), raw, JSON.stringify(next), { ttlMs: this.options.ttlMs }))
          return next;
      }
      return undefined;
    };
    return bestEffort(work(), {
      logger: this.logger,
      lost: 'pending list not read; the decision is confirmed apart from it',
      context: { requestId: request.id },
    });
  }

  /** The list as last drawn, to show a refusal beside its row without changing anything else. */
  async read(listId: string, reader: string): Promise<ShownList | undefined> {
    const raw = await bestEffort(this.store.get(this.key(listId)), {
      logger: this.logger,
      lost: 'pending list not read; the refusal is shown apart from it',
    });
    const list = raw ? parse(raw) : undefined;
    return list?.owner === reader ? list : undefined;
  }
}

function parse(raw: string): ShownList | undefined {
  try {
    const parsed = stored.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
