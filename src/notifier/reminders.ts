import type { Logger } from 'pino';
import { z } from 'zod';
import type { Governance, GovernancePolicy } from '../api/governance.js';
import { withPriority } from '../api/priority.js';
import { REMINDER_CHECK_SPACING_MS, type ReminderSettings, reminderDefaults } from '../config/notifier.js';
import { type AccessRequest, currentStep } from '../domain/types.js';
import { availableActions, type PersonView, type RequestSnapshot, requestView } from '../flows/index.js';
import { approversWhoMayDecide, strandedStep } from '../flows/stranded.js';
import { getJson, MESSAGE_REF_RETENTION_MS, type MessageRef, type Store, setJson } from '../store/index.js';
import { Escalations } from './escalations.js';
import { DeliveryLedger } from './ledger.js';
import { type CardReason, DeliveryFailed, type Messenger, type RequestCard } from './messenger.js';
import { isQuiet } from './quiet-hours.js';
import type { ApprovalRouting } from './routing.js';

export interface RemindersOptions {
  governance: Governance;
  store: Store;
  messengers: Messenger[];
  routing: ApprovalRouting;
  logger: Logger;
  /** When to remind and escalate (REMINDER_*, ESCALATE_*); without it, the defaults around `remindAfterMs`. */
  settings?: ReminderSettings;
  /** The first reminder's delay, when no `settings` are given (REMINDER_AFTER). */
  remindAfterMs?: number;
  /** When to escalate, when no `settings` are given. */
  escalateAfterMs?: number;
  /** How a request is shown (attributions of decisions made in chat); without it, drawn from the listing alone. */
  snapshot?: (request: AccessRequest) => Promise<RequestSnapshot | null>;
  /** The clock (default Date.now) that says how long an approval has waited, so tests can move it. */
  now?: () => number;
}

export interface ReminderTally {
  reminded: number;
  escalated: number;
  /** Due, but in the recipient's quiet hours: sent by a check after they end. */
  held: number;
}

const MAX_PAGES = 20;

/** The reminders an approver got for a step on a platform: how many, and when the last one went. */
const remindedSoFar = z.object({ round: z.number(), at: z.number() });
const NEXT_CHECK_KEY = 'reminders:next-check';

/**
 * Reminds approvers of a step that has waited, with their card again, in the thread of the one
 * they got (a new card when there is none), every `everyMs` up to `count` times; then escalates
 * the step to the approvers' manager, or a channel (escalations.ts). Nobody is reminded at night or
 * at the weekend in their time zone: a reminder due then is sent by the first check after. Only
 * approvers who may decide are reminded (never a requester of their own request), and a step
 * nobody may decide is neither reminded nor escalated: it went to the channel at once
 * (stranded-routing.ts). Each reminder is claimed per request, step, approver, platform and
 * round, so a restart, a second replica or the next check never repeats one. A check reads every
 * pending request in pages of 100 and nothing one by one: the listing carries what it needs.
 */
export class Reminders {
  private readonly settings: ReminderSettings;
  private readonly ledger: DeliveryLedger;
  private readonly escalations: Escalations;

  constructor(private readonly options: RemindersOptions) {
    this.settings =
      options.settings ??
      reminderDefaults(options.remindAfterMs ?? 4 * 3_600_000, {
        ...(options.escalateAfterMs !== undefined ? { escalateAfterMs: options.escalateAfterMs } : {}),
      });
    this.ledger = new DeliveryLedger(options.store);
    this.escalations = new Escalations({
      governance: options.governance,
      store: options.store,
      routing: options.routing,
      logger: options.logger,
      settings: this.settings,
      once: (key, send) => this.once(key, send),
      quietFor: (messenger, person, now) => this.quietFor(messenger, person, now),
    });
  }

  /** Checks now, whatever the spacing: tests, and an operator's nudge. */
  check(now = (this.options.now ?? Date.now)()): Promise<ReminderTally> {
    // Reminders can wait for a window to reset; people and the notifier's syncs go first.
    return withPriority('background', () => this.remind(now));
  }

  /**
   * The poller's round: checks when the last check (on any replica) is at least the spacing old.
   * The first round after the store forgot sets the time and waits, so a restart costs nothing at once.
   */
  async checkWhenDue(): Promise<ReminderTally | null> {
    const now = (this.options.now ?? Date.now)();
    const { store } = this.options;
    const next = Number(await store.get(NEXT_CHECK_KEY));
    if (!next || now < next) {
      if (!next) await store.set(NEXT_CHECK_KEY, String(now + REMINDER_CHECK_SPACING_MS));
      return null;
    }
    // One replica checks per spacing; the claims below keep any overlap from doubling a message.
    if (!(await store.claim(`reminders:checking:${next}`, REMINDER_CHECK_SPACING_MS))) return null;
    await store.set(NEXT_CHECK_KEY, String(now + REMINDER_CHECK_SPACING_MS));
    return this.check(now);
  }

  private async remind(now: number): Promise<ReminderTally> {
    const { governance } = this.options;
    const tally: ReminderTally = { reminded: 0, escalated: 0, held: 0 };
    let cursor: string | undefined;
    const policy = await governance.policy();
    for (let page = 0; page < MAX_PAGES; page++) {
      const batch = await governance.listRequests({ status: ['pending'], cursor, limit: 100 });
      for (const request of batch.items) await this.remindOf(request, policy, now, tally);
      if (!batch.cursor) break;
      cursor = batch.cursor;
    }
    if (tally.reminded + tally.escalated + tally.held > 0) this.options.logger.info(tally, 'reminders checked');
    return tally;
  }

  private async remindOf(request: AccessRequest, policy: GovernancePolicy, now: number, tally: ReminderTally) {
    const step = currentStep(request);
    if (!step) return;
    const since = step.startedAt ?? request.created;
    const waited = now - Date.parse(since);
    const { count, firstAfterMs, escalateAfterMs } = this.settings;
    const remind = count > 0 && waited >= firstAfterMs;
    const escalate = escalateAfterMs !== null && waited >= escalateAfterMs;
    if (!remind && !escalate) return;
    // A stranded step went to the approvals channel at once, saying an administrator has to act;
    // a reminder or "can an approver take it?" would send them looking for an approver there is not.
    if (strandedStep(request, policy)) return;
    const deciders = new Set(approversWhoMayDecide(request, policy).map((a) => a.id));
    // Who the approvers are needs no call; the card (its context: who asks, the risk, delegates)
    // is drawn only once something is due, so a check of requests not due costs its listing alone.
    const stepView = requestView(request, []).steps.find((s) => s.index === step.index);
    const approvers = (stepView?.approvers ?? []).filter((a) => deciders.has(a.id));
    let drawn: Promise<RequestSnapshot | null> | undefined;
    const snapshot = () => {
      drawn ??= this.snapshotOf(request, policy);
      return drawn;
    };
    for (const messenger of this.options.messengers) {
      if (remind) {
        for (const approver of approvers) {
          const outcome = await this.remindOne(messenger, request.id, snapshot, step.index, approver, since, now);
          if (outcome === 'sent') tally.reminded += 1;
          if (outcome === 'held') tally.held += 1;
          if (outcome === 'skipped') continue;
          // Whoever decides for the approver while they are away is reminded on the same rounds.
          for (const delegate of await this.delegatesFor(snapshot, approver, approvers)) {
            const theirs = await this.remindOne(messenger, request.id, snapshot, step.index, delegate, since, now);
            if (theirs === 'sent') tally.reminded += 1;
            if (theirs === 'held') tally.held += 1;
          }
        }
      }
      const drawnNow = escalate ? await snapshot() : null;
      if (drawnNow) {
        const outcome = await this.escalations.escalate(messenger, drawnNow, step.index, approvers, since, now);
        tally.escalated += outcome.sent;
        tally.held += outcome.held;
      }
    }
  }

  /**
   * The approver's next reminder, when it is due: the first `firstAfterMs` after the step began,
   * each next one `everyMs` after the last one sent (so one held over a night or a weekend does
   * not bring the next one on sooner), at most `count`.
   */
  private async remindOne(
    messenger: Messenger,
    requestId: string,
    snapshot: () => Promise<RequestSnapshot | null>,
    step: number,
    approver: PersonView,
    since: string,
    now: number,
  ): Promise<'sent' | 'held' | 'skipped'> {
    const { store } = this.options;
    const { count, firstAfterMs, everyMs } = this.settings;
    const name = `${requestId}:${step}:${approver.id}:${messenger.platform}`;
    const last = await getJson(store, `reminded:${name}`, remindedSoFar);
    const round = (last?.round ?? 0) + 1;
    const due = last ? last.at + everyMs : Date.parse(since) + firstAfterMs;
    if (round > count || now < due) return 'skipped';
    // Sent already by a replica that has not yet recorded it: not even the time zone is looked up.
    const key = `remind:${name}:${round}`;
    if ((await store.get(key)) !== null) return 'skipped';
    if (await this.quietFor(messenger, approver, now)) return 'held';
    const drawn = await snapshot();
    if (!drawn) return 'skipped';
    const reason: CardReason = { kind: 'reminder', waitingSince: since, round, rounds: count };
    const card: RequestCard = { role: 'approval', request: drawn.as(approver) };
    const sent = await this.once(key, async () => {
      const original = await this.originalCard(requestId, messenger.platform, approver.id);
      const withReason = { ...card, reason };
      const ref =
        original && messenger.replyWithCard
          ? await messenger.replyWithCard(original, withReason)
          : await messenger.sendToPerson(approver, withReason);
      if (ref) await this.keep(requestId, { ...ref, kind: 'approval', recipientId: approver.id }, card);
      // Counted even with nobody to send to on this platform, so the next round is not tried at once.
      await setJson(store, `reminded:${name}`, { round, at: now }, { ttlMs: MESSAGE_REF_RETENTION_MS });
      return ref !== null;
    });
    return sent ? 'sent' : 'skipped';
  }

  /** The approver's current delegates (not an approver already, and not the request's own people). */
  private async delegatesFor(
    snapshot: () => Promise<RequestSnapshot | null>,
    approver: PersonView,
    approvers: PersonView[],
  ): Promise<PersonView[]> {
    const drawn = await snapshot();
    const view = drawn?.view;
    if (!view) return [];
    const parties = new Set([view.requester.id, view.requestedFor.id, ...approvers.map((a) => a.id)]);
    return (drawn.delegates ?? [])
      .filter((d) => d.for.id === approver.id && !parties.has(d.delegate.id))
      .map((d) => d.delegate);
  }

  /** The approval card the approver got last on this platform (the current step's). */
  private async originalCard(requestId: string, platform: string, approverId: string): Promise<MessageRef | undefined> {
    const refs = await this.options.store.listMessageRefs(requestId);
    return refs
      .filter((r) => r.platform === platform && r.kind === 'approval' && r.recipientId === approverId && !r.threadId)
      .at(-1);
  }

  /** A card posted by a reminder is edited with the others from now on (its buttons go once decided). */
  private async keep(requestId: string, ref: MessageRef, card: RequestCard): Promise<void> {
    await this.options.store.addMessageRef(requestId, ref);
    await this.ledger.rememberCard(ref, card);
  }

  private async quietFor(messenger: Messenger, person: PersonView, now: number): Promise<boolean> {
    const { quiet, defaultTimeZone } = this.settings;
    if (!quiet) return false;
    const zone = await messenger.timeZoneOf?.(person).catch((err: unknown) => {
      this.options.logger.info({ err, platform: messenger.platform }, 'time zone not known; the default applies');
      return undefined;
    });
    return isQuiet(now, zone ?? defaultTimeZone, quiet, defaultTimeZone);
  }

  private async snapshotOf(request: AccessRequest, policy: GovernancePolicy): Promise<RequestSnapshot | null> {
    if (this.options.snapshot) return this.options.snapshot(request);
    return {
      view: requestView(request, []),
      as: (viewer) =>
        requestView(
          request,
          availableActions(request, { id: viewer.id, email: '', displayName: '', active: true }, policy),
          viewer,
        ),
    };
  }

  /**
   * Sends for the first caller only, on any replica. `send` answers false when there was nobody to
   * send to (no account on the platform): the claim stays, so no later check tries again. A post
   * chat may have made without saying so keeps its claim too: a reminder missed beats one doubled.
   */
  private async once(key: string, send: () => Promise<boolean>): Promise<boolean> {
    const { store, logger } = this.options;
    if (!(await store.claim(key, MESSAGE_REF_RETENTION_MS))) return false;
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof DeliveryFailed && err.posted === 'unknown')) await store.delete(key);
      logger.warn({ err, key }, 'reminder not sent; the next check retries');
      return false;
    }
  }
}
