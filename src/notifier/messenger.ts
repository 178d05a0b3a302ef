import type { PersonView, RequestView } from '../flows/index.js';
import type { MessageRef, Platform } from '../store/index.js';

/**
 * What the notifier needs from a chat platform, and nothing more (Teleport's bot interface): post a
 * request card to a person or a channel, edit a card it posted, and post short notices. Each
 * adapter implements it and renders the neutral cards and notices in its own format.
 */

/** Who a card is for decides what it shows: approvers get buttons, the requester gets progress. */
export type CardRole = 'approval' | 'requester' | 'channel';

export interface RequestCard {
  role: CardRole;
  /** Already tailored to the recipient: `actions` are what they may press. */
  request: RequestView;
  /** Why the card is posted (again): shown as its first line, and as the text that notifies. */
  reason?: CardReason;
}

/**
 * Why a card is posted again, or to someone not on the request: a reminder to an approver, an
 * escalation to their manager or a channel, a copy for a delegate. Drawn as the card's first line;
 * an edit of the card later draws it without (it then shows where the request stands).
 */
export type CardReason =
  /** The approver's own card again: `round` of at most `rounds`. */
  | { kind: 'reminder'; waitingSince: string; round: number; rounds: number }
  /** To the manager of `approvers`, or to a channel when Gatehouse knows no manager to tell. */
  | { kind: 'escalation'; to: 'manager' | 'channel'; approvers: PersonView[]; waitingSince: string }
  /** To a delegate `for` the approver who appointed them, `until` when the appointment ends (unset: until ended). */
  | { kind: 'delegate'; for: PersonView; until?: string };

export type Notice =
  | { kind: 'comment'; request: RequestView; author: PersonView; text: string }
  /** A step was decided (the request may still be open). */
  | { kind: 'step-decided'; request: RequestView; step: number }
  /** The request closed: approved, rejected, expired, cancelled. */
  | { kind: 'closed'; request: RequestView }
  /** Provisioning finished or needs a human. */
  | { kind: 'grant'; request: RequestView }
  /** Time-bound access ends soon: to its holder, with a way to ask again. */
  | { kind: 'expiring'; request: RequestView; endsAt: string }
  /** Time-bound access has ended and was taken away: to its holder, with a way to ask again. */
  | { kind: 'revoked'; request: RequestView };

export interface Messenger {
  readonly platform: Platform;
  /** A direct message; null when the person has no account on this platform (nothing was sent). */
  sendToPerson(person: PersonView, card: RequestCard): Promise<MessageRef | null>;
  sendToChannel(channel: string, card: RequestCard): Promise<MessageRef>;
  /**
   * A card posted in the thread of one this messenger sent (`under`), so it sits with the original
   * and notifies its recipient (a reminder). Absent: the notifier posts a new card instead.
   */
  replyWithCard?(under: MessageRef, card: RequestCard): Promise<MessageRef>;
  /** The person's time zone (IANA) as the platform knows it, when it does; quiet hours follow it. */
  timeZoneOf?(person: PersonView): Promise<string | undefined>;
  /** Edits a card this messenger sent, in place. */
  update(ref: MessageRef, card: RequestCard): Promise<void>;
  /** A notice in the thread under a card. */
  reply(ref: MessageRef, notice: Notice): Promise<void>;
  /** A notice as a new direct message, so that it notifies. False when the person is not on the platform (nothing was sent). */
  notify(person: PersonView, notice: Notice): Promise<boolean>;
  /** Redraws what the person sees of their requests and approvals on the platform's home surface, if any. */
  refreshHome?(person: PersonView): Promise<void>;
  /** How long the platform has asked us to send nothing more (a 429's Retry-After), in ms; 0 when free. */
  blockedFor?(): Promise<number>;
}

/**
 * A post or edit the platform did not confirm. `posted: 'no'` means it certainly did not happen
 * (refused, rate limited), so it can be tried again; `'unknown'` (a timeout) means it may have, so a
 * retry could duplicate it.
 */
export class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly posted: 'no' | 'unknown',
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Our own pacing found no turn within its wait: nothing was sent; come back in `waitMs`. */
export class PacingWait extends DeliveryFailed {
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message, 'no');
  }
}
