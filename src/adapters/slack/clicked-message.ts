import type { Logger } from 'pino';
import type { Outcome, RequestView } from '../../flows/index.js';
import type { ClicksDrawing } from '../../notifier/clicks-drawing.js';
import type { RequestCard } from '../../notifier/index.js';
import { DeliveryLedger, roleOf } from '../../notifier/ledger.js';
import type { MessageRef, Store } from '../../store/index.js';
import type { SlackMessenger } from './messenger.js';

/**
 * How long a click waits for a pass on another replica to finish drawing the clicked message: one
 * chat update, and less than its own replica's passes wait for the click (CLICK_FIRST_WAIT_MS).
 */
const LEASE_WAIT_MS = 2_000;

/** A message in a conversation (a DM or channel card), as a click names it. */
export interface ClickedCard {
  channel: string;
  ts: string;
}

/**
 * The message a person clicked shows the outcome of their decision first: one write to the
 * governance system, then one update of that message, before the notifier touches any other card
 * (issue 19). The notifier still draws every card from the decision's reading; the ledger tells
 * it this one shows it already, and when the update failed it draws this one as well.
 */
export class ClickedMessage {
  private readonly ledger: DeliveryLedger;

  constructor(
    private readonly store: Store,
    private readonly messenger: SlackMessenger,
    private readonly logger: Logger,
    private readonly clicks?: ClicksDrawing,
  ) {
    this.ledger = new DeliveryLedger(store);
  }

  /**
   * Runs a decision, then `draw` with its outcome while the notifier's passes about the request wait
   * (held before the decision, because the flow announces it before answering). A refusal draws nothing.
   */
  async first<T>(requestId: string, decide: () => Promise<Outcome<T>>, draw?: (value: T) => Promise<void>) {
    if (!draw) return decide();
    const done = this.clicks?.start(requestId) ?? (() => {});
    try {
      const outcome = await decide();
      if (outcome.ok) await draw(outcome.value);
      return outcome;
    } finally {
      done();
    }
  }

  /**
   * The clicked card redrawn from the decision's view, as the notifier would draw it: only a card the
   * notifier keeps for this request (so a click cannot have any other message redrawn), and never
   * over a newer reading of the request than the view, whichever replica drew it.
   */
  async drawCard(at: ClickedCard, view: RequestView): Promise<void> {
    try {
      const ref = (await this.store.listMessageRefs(view.id)).find(
        (r) =>
          r.platform === 'slack' && r.kind !== 'comment' && r.conversationId === at.channel && r.messageId === at.ts,
      );
      if (!ref) return;
      const card = cardOn(ref, view);
      // Under the message's drawing lease, so a pass on another replica that drew a newer reading
      // meanwhile is never drawn over; if that pass holds the message too long, the notifier draws it.
      const drawn = await this.ledger.drawIfNewer(ref, card, () => this.messenger.update(ref, card), LEASE_WAIT_MS);
      if (drawn === 'busy')
        this.logger.info({ requestId: view.id }, 'clicked card busy elsewhere; the notifier draws it');
    } catch (err) {
      // The notifier finds the card not drawn in the ledger and draws it with the others.
      this.logger.warn({ err, requestId: view.id }, 'clicked card not updated first; the notifier draws it');
    }
  }
}

/** The decision's view is the clicker's own; a channel card shows everyone the same, with no one's actions. */
function cardOn(ref: MessageRef, view: RequestView): RequestCard {
  const role = roleOf(ref);
  return { role, request: role === 'channel' ? { ...view, actions: [] } : view };
}
