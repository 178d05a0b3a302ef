import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChatIdentity, RequestList, RequestView } from '../flows/index.js';
import { bestEffort, type Store } from '../store/index.js';

/**
 * A pending list as one person was shown it, kept so that a decision made from the list can be
 * confirmed in the list itself. Neither platform sends the message back with a click: Slack sends
 * no copy of an ephemeral message and changes one only whole, through the click's response_url;
 * Teams replaces the whole card with the one the invoke answers. Redrawing the row that was decided
 * (and keeping the rows decided before it) needs the list as it was drawn. Nothing here is
 * Slack's: Teams keeps its lists with it too. Losing a list costs the redraw, never the decision:
 * every step here is best effort.
 *
 * One list per person: a new `pending` replaces the one before (a click on the older list is then
 * confirmed apart from it), so asking again and again cannot fill the store. A list is read and
 * redrawn only for the person it was shown to, whatever list id a click names.
 */

/** What the person did from the list, shown on the row instead of its buttons (or beside them for a comment). */
export interface DoneMark {
  kind: 'approve' | 'reject' | 'comment';
  at: string;
}

export interface ShownList extends RequestList {
  id: string;
  /** The chat user it was shown to. */
  owner: string;
  done: Record<string, DoneMark>;
  /**
   * Slack: the response_url of the last click on the list, kept here for a decision finished in a
   * modal, so no address ever travels through the modal (whose metadata a forged view could change).
   */
  respondTo?: string;
}

const stored = z.object({
  id: z.string(),
  owner: z.string(),
  title: z.string(),
  // Written by Gatehouse itself from flow views; checked for shape, not re-validated field by field.
  items: z.array(z.custom<RequestView>((item) => typeof item === 'object' && item !== null && 'id' in item)),
  done: z.record(z.string(), z.object({ kind: z.enum(['approve', 'reject', 'comment']), at: z.string() })),
  respondTo: z.string().optional(),
});

export class ShownLists {
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** Whose lists, and how long one is worth keeping (as long as it stays in front of the person). */
    private readonly options: { platform: 'slack' | 'teams'; ttlMs: number },
  ) {}

  private key(owner: string): string {
    return `${this.options.platform}:list:${owner}`;
  }

  /** Keeps the list as drawn; its id goes into each row's buttons. Unkept, the list is drawn without one. */
  async remember(list: RequestList, owner: string): Promise<ShownList | undefined> {
    const shown: ShownList = { ...list, id: randomUUID(), owner, done: {} };
    const kept = await bestEffort(
      this.store.set(this.key(owner), JSON.stringify(shown), { ttlMs: this.options.ttlMs }).then(() => true),
      { logger: this.logger, lost: 'pending list not kept; a decision from it will not redraw it' },
    );
    return kept ? shown : undefined;
  }

  /**
   * The list with `request` (as the decision left it) marked done, or undefined when that list is no
   * longer kept for this person. Compare-and-swap, so two rows decided at once both stay marked.
   */
  markDone(listId: string, reader: string, request: RequestView, mark: DoneMark): Promise<ShownList | undefined> {
    return this.change(listId, reader, (list) => ({
      ...list,
      items: list.items.map((item) => (item.id === request.id ? request : item)),
      done: { ...list.done, [request.id]: mark },
    }));
  }

  /** Keeps the address a Slack click on the list may answer through, for a decision finished in a modal. */
  async respondThrough(listId: string, reader: string, url: string): Promise<void> {
    await this.change(listId, reader, (list) => ({ ...list, respondTo: url }));
  }

  /** The list as last drawn, to show a refusal beside its row without changing anything else. */
  async read(listId: string, reader: string): Promise<ShownList | undefined> {
    const raw = await bestEffort(this.store.get(this.key(reader)), {
      logger: this.logger,
      lost: 'pending list not read; the refusal is shown apart from it',
    });
    const list = raw ? parse(raw) : undefined;
    return list?.id === listId && list.owner === reader ? list : undefined;
  }

  private change(listId: string, reader: string, next: (list: ShownList) => ShownList): Promise<ShownList | undefined> {
    const key = this.key(reader);
    const work = async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const raw = await this.store.get(key);
        const list = raw === null ? undefined : parse(raw);
        if (!list || list.id !== listId || list.owner !== reader) return undefined;
        const changed = next(list);
        if (await this.store.compareAndSwap(key, raw, JSON.stringify(changed), { ttlMs: this.options.ttlMs }))
          return changed;
      }
      return undefined;
    };
    return bestEffort(work(), {
      logger: this.logger,
      lost: 'pending list not read; the outcome is confirmed apart from it',
      context: { listId },
    });
  }
}

/** What a decision just made looks like on its row: the decided step's own time, as the cards show it. */
export function decisionMark(request: RequestView, decision: 'approve' | 'reject', taskId?: string): DoneMark {
  const decided = request.steps.filter((step) => step.decision);
  const step = decided.find((s) => taskId !== undefined && s.taskId === taskId) ?? decided.at(-1);
  return { kind: decision, at: step?.decision?.at ?? request.updated };
}

/** A comment's mark: the time of the newest comment by this person, as the request records it. */
export function commentMark(request: RequestView, author: ChatIdentity): DoneMark {
  const email = author.email?.toLowerCase();
  const mine = request.comments.filter((comment) => comment.author.email?.toLowerCase() === email);
  return { kind: 'comment', at: (mine.at(-1) ?? request.comments.at(-1))?.created ?? request.updated };
}

function parse(raw: string): ShownList | undefined {
  try {
    const parsed = stored.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
