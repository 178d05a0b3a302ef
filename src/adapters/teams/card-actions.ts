import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { within } from '../../deadline.js';
import { storeOutageIn } from '../../domain/errors.js';
import { type ChatIdentity, type Flows, type RequestView, showsStaleMessage } from '../../flows/index.js';
import { AlreadyHasAccess } from '../../flows/requesting.js';
import type { Store } from '../../store/index.js';
import { type DoneMark, decisionMark, type ShownLists } from '../shown-lists.js';
import type { TeamsDirectory } from './directory.js';
import { forwardPressed } from './forwarding.js';
import type { TeamsPeople } from './people.js';
import { listCard, NOTHING_PENDING } from './render/lists.js';
import { alreadyHeldCard, confirmationText, failureText, messageCard } from './render/messages.js';
import { type Card, INPUT, renderRequestCard, VERB } from './render/request-card.js';
import { NO_LIMIT, requestFormCard } from './render/request-form.js';
import { escapeWithin } from './render/text.js';
import { decideSelected } from './several.js';

/** Teams waits about 5 s for an invoke's answer; decisions that take longer finish after it. */
export const INVOKE_BUDGET_MS = 3_500;
const INVOKE_CLAIM_TTL_MS = 24 * 60 * 60_000;

/** Failures that say "not now" rather than anything about the request. */
const PASSING_FAILURES = new Set(['too_fast', 'governance_unavailable', 'governance_rate_limited']);

const cardData = z
  .object({ r: z.string().min(1).max(200), t: z.string().max(200).optional(), l: z.string().max(40).optional() })
  .passthrough();
const formData = z
  .object({
    entry: z.string().optional(),
    justification: z.string().optional(),
    duration: z.string().optional(),
    for: z.string().optional(),
    /** Extend (from an expiring notice or an already-have-it answer): asking again for access held. */
    extend: z.literal(true).optional(),
  })
  .passthrough();

/** A button pressed on a card about a request, as the handlers of its verb receive it. */
interface CardPress {
  context: TurnContext;
  actor: ChatIdentity;
  requestId: string;
  taskId?: string;
  fromList: boolean;
  /** The kept list the button was drawn in, to answer with that list, the row done. */
  listId?: string;
  data: Record<string, unknown>;
}

export interface CardActionDeps {
  flows: Flows;
  people: TeamsPeople;
  /** Finds a person picked or named on a card (Forward's people picker). */
  directory: TeamsDirectory;
  store: Store;
  /** Pending lists as shown, so a decision made from one is confirmed in it. */
  lists: ShownLists;
  /** Keeps work Teams stopped waiting for tracked, so shutdowns and tests can wait for it. */
  track<T>(work: Promise<T>): Promise<T>;
}

/**
 * The buttons on Gatehouse's Adaptive Cards (Universal Actions): the request form's Request, and
 * Approve, Reject, Comment, Cancel (the requester's) and Refresh on a request's card. Each parses
 * the card's data, calls a flow and answers with the card as it now stands for the person who
 * pressed; no rule lives here.
 */
export class TeamsCardActions {
  constructor(private readonly deps: CardActionDeps) {}

  /** Answers one `adaptiveCard/action` invoke from `actor`, with the card as it now stands. */
  async answer(
    context: TurnContext,
    actor: ChatIdentity,
    invoke: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    const verb = invoke.action?.verb ?? '';
    const data = (invoke.action?.data ?? {}) as Record<string, unknown>;
    if (verb === VERB.request) return this.submitForm(context, actor, data);
    // A pending list's "Approve selected" / "Reject selected" names several requests, not one.
    if (verb === VERB.approveSelected || verb === VERB.rejectSelected) {
      return decideSelected(this.deps, context, actor, verb === VERB.approveSelected ? 'approve' : 'reject', data);
    }
    const parsed = cardData.safeParse(data);
    if (!parsed.success) return cardAnswer(messageCard('⚠️ This card does not carry a request Gatehouse can read.'));
    const { r: requestId, t: taskId, l: listId } = parsed.data;
    const fromList = data.from === 'list';
    if (verb === VERB.refresh) return this.currentCard(context, actor, requestId, fromList);
    const act = this.cardActions.get(verb);
    if (!act) return cardAnswer(messageCard(`⚠️ Gatehouse does not know the action “${escapeWithin(verb, 50)}”.`));
    // A replayed invoke (same activity id) writes nothing: it gets the card as it stands.
    const first = await this.deps.store.claim(`teams:invoke:${context.activity.id}`, INVOKE_CLAIM_TTL_MS);
    if (!first) return this.currentCard(context, actor, requestId, fromList);
    return act({ context, actor, requestId, taskId, fromList, listId: fromList ? listId : undefined, data });
  }

  /** What each card button does, by its verb; every one answers with the card as it now stands. */
  // A Map, not an object: a verb such as "constructor" must find nothing.
  private readonly cardActions = new Map<string, (press: CardPress) => Promise<AdaptiveCardInvokeResponse>>([
    [VERB.approve, (press) => this.decide(press, 'approve')],
    [VERB.reject, (press) => this.decide(press, 'reject')],
    [VERB.comment, (press) => this.comment(press)],
    [VERB.cancel, (press) => this.cancel(press)],
    [VERB.forward, (press) => forwardPressed(this.deps, press)],
  ]);

  /**
   * "Yes, cancel request" on the requester's card: the flow re-checks that the presser may cancel
   * this request (the card's data names only the request). Cancelled, the card says so and loses its
   * buttons; a request closed meanwhile is redrawn as it stands; anyone else is told why not, and
   * the card in front of them stays as it was.
   */
  private async cancel(press: CardPress): Promise<AdaptiveCardInvokeResponse> {
    const { context, actor, requestId, data } = press;
    const outcome = await this.deps.flows.cancel(
      actor,
      requestId,
      typed(data, INPUT.cancelReason)?.trim() || undefined,
    );
    if (!outcome.ok) {
      const text = failureText(outcome.error);
      if (showsStaleMessage(outcome.error)) return this.currentCard(context, actor, requestId, false, text);
      return messageAnswer(text);
    }
    return this.cardFor(actor, outcome.value, 'You cancelled this request.');
  }

  private async decide(press: CardPress, decision: 'approve' | 'reject'): Promise<AdaptiveCardInvokeResponse> {
    const { context, actor, requestId, taskId, fromList, data } = press;
    const reason = typed(data, INPUT.reason);
    const work = this.deps.flows.decide(actor, { requestId, taskId, decision, reason });
    // A decision Teams stopped waiting for still lands, and its flow still announces it.
    void this.deps.track(work);
    const outcome = await within(work, INVOKE_BUDGET_MS);
    if (outcome === 'late') return this.currentCard(context, actor, requestId, fromList, '⏳ Recording your decision…');
    if (!outcome.ok) {
      const inList = await this.refusedInList(press, failureText(outcome.error), outcome.error.code);
      return inList ?? this.currentCard(context, actor, requestId, fromList, failureText(outcome.error));
    }
    const decided = outcome.value.request;
    const mark = decisionMark(decided, decision, taskId);
    const inList = await this.doneInList(press, decided, mark);
    if (inList) return inList;
    if (fromList) return this.currentCard(context, actor, requestId, fromList, undefined, decided);
    // The card pressed is answered from the decision's own reading, so the person sees the outcome
    // one write after pressing; the notifier brings every other card along from the same reading.
    return this.cardFor(actor, decided);
  }

  private async comment(press: CardPress): Promise<AdaptiveCardInvokeResponse> {
    const { context, actor, requestId, fromList, data } = press;
    const text = typed(data, INPUT.comment) ?? '';
    const outcome = await this.deps.flows.comment(actor, requestId, text, `teams-${context.activity.id}`);
    if (!outcome.ok) {
      const inList = await this.refusedInList(press, failureText(outcome.error), outcome.error.code);
      return inList ?? this.currentCard(context, actor, requestId, fromList, failureText(outcome.error));
    }
    const inList = await this.doneInList(press, outcome.value, { kind: 'comment', at: latestComment(outcome.value) });
    return inList ?? this.currentCard(context, actor, requestId, fromList, '💬 Comment posted.');
  }

  /**
   * A decision or comment from a kept list: the answer is that list with the row done (Teams
   * replaces the whole card with it), or nothing when the list is no longer kept.
   */
  private async doneInList(
    press: CardPress,
    request: RequestView,
    mark: DoneMark,
  ): Promise<AdaptiveCardInvokeResponse | undefined> {
    if (!press.listId) return undefined;
    const list = await this.deps.lists.markDone(press.listId, press.actor.userId, request, mark);
    return list && cardAnswer(listCard(list, NOTHING_PENDING, list));
  }

  /**
   * A refusal of a click in a kept list: the same list, the refusal beside its row; the row keeps its
   * buttons unless the refusal says it can no longer be decided here. "Not now" refusals leave the card as it is and say so apart from it.
   */
  private async refusedInList(
    press: CardPress,
    text: string,
    code: string,
  ): Promise<AdaptiveCardInvokeResponse | undefined> {
    if (!press.listId) return undefined;
    if (PASSING_FAILURES.has(code)) return messageAnswer(text);
    const list = await this.deps.lists.read(press.listId, press.actor.userId);
    const stale = showsStaleMessage({ code });
    return list && cardAnswer(listCard(list, NOTHING_PENDING, list, { requestId: press.requestId, text, stale }));
  }

  private async submitForm(
    context: TurnContext,
    actor: ChatIdentity,
    data: Record<string, unknown>,
  ): Promise<AdaptiveCardInvokeResponse> {
    const form = formData.safeParse(data);
    const { entry, justification, duration, for: drawnFor, extend } = form.success ? form.data : {};
    const asked = duration && duration !== NO_LIMIT ? duration : undefined;
    if (!entry)
      return cardAnswer(requestFormCard({ justification, extend, problem: 'Choose what you need access to.' }));
    if (drawnFor !== entry) {
      // The form's durations (if any) were not drawn for this entry: show the ones it allows first.
      const described = await this.deps.flows.describeEntry(actor, entry);
      if (!described.ok)
        return cardAnswer(
          requestFormCard({ justification, extend, problem: escapeWithin(described.error.message, 500) }),
        );
      const rules = described.value;
      if (rules.duration.allowed || asked) {
        const most = rules.duration.maxLabel ? ` (at most ${rules.duration.maxLabel})` : '';
        const next = rules.duration.allowed
          ? `Choose for how long${most}, then press Request.`
          : `${escapeWithin(rules.name, 200)} has no time limit to choose: press Request to ask for it.`;
        return cardAnswer(requestFormCard({ drawnFor: rules, justification, duration: asked, next, extend }));
      }
    }
    const created = await this.deps.flows.requestAccess(actor, {
      entryId: entry,
      justification,
      duration: asked,
      // Per person and form message: a double click on Request creates one request.
      idempotencyKey: `teams:form:${context.activity.from.id}:${context.activity.replyToId ?? context.activity.id}`,
      ...(extend ? { extend } : {}),
    });
    if (!created.ok && created.error.cause instanceof AlreadyHasAccess) {
      return cardAnswer(alreadyHeldCard(created.error.cause));
    }
    if (!created.ok) {
      // Keep what was picked on the redrawn form, so fixing one field does not mean starting over.
      const picked = await this.deps.flows.describeEntry(actor, entry);
      return cardAnswer(
        requestFormCard({
          entry,
          ...(picked.ok ? { drawnFor: picked.value } : {}),
          justification,
          duration: asked,
          extend,
          problem: escapeWithin(created.error.message, 500),
        }),
      );
    }
    if (created.value.kind !== 'created') return cardAnswer(requestFormCard({ problem: 'Choose one entry.' }));
    return cardAnswer(messageCard(confirmationText(created.value.request)));
  }

  /** The card as it now stands for the person who pressed, with what happened on top. */
  private async currentCard(
    _context: TurnContext,
    actor: ChatIdentity,
    requestId: string,
    fromList: boolean,
    notice?: string,
    known?: RequestView,
  ): Promise<AdaptiveCardInvokeResponse> {
    if (fromList) {
      const pending = await this.deps.flows.pendingApprovals(actor);
      if (pending.ok)
        return cardAnswer(withNotice(listCard(pending.value, 'Nothing else is waiting for your decision.'), notice));
    }
    const seen = await this.deps.flows.status(actor, requestId);
    if (!seen.ok && storeOutageIn(seen.error.cause)) {
      if (known) return this.cardFor(actor, known, notice);
      // Said as a message, so the card keeps its buttons for when the store is back.
      return messageAnswer(notice ?? failureText(seen.error));
    }
    // Refused for now (too fast, the governance system busy or away): said as a message, so the card
    // in front of the person keeps what it shows instead of being replaced by the refusal.
    if (!seen.ok && PASSING_FAILURES.has(seen.error.code)) return messageAnswer(notice ?? failureText(seen.error));
    if (!seen.ok) return cardAnswer(messageCard(notice ?? failureText(seen.error)));
    return this.cardFor(actor, seen.value as RequestView, notice);
  }

  private async cardFor(actor: ChatIdentity, view: RequestView, notice?: string): Promise<AdaptiveCardInvokeResponse> {
    const role = view.actions.includes('approve') || !isParty(view, actor) ? 'approval' : 'requester';
    const approverIds = await this.approverTeamsIds(view);
    return cardAnswer(renderRequestCard(role, view, { notice, refreshFor: approverIds }));
  }

  private async approverTeamsIds(view: RequestView): Promise<string[]> {
    const step = view.steps.find((s) => s.index === view.currentStep?.index);
    try {
      const ids = await Promise.all((step?.approvers ?? []).map((a) => this.deps.people.teamsIdFor(a)));
      return ids.filter((id): id is string => Boolean(id));
    } catch (err) {
      if (!storeOutageIn(err)) throw err;
      // Without the store the approvers' Teams ids are unknown; their cards refresh by hand meanwhile.
      return [];
    }
  }
}

export function cardAnswer(card: Card): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
}

/** Shown to the person who pressed; the card stays as it was (Universal Action Model, response format). */
export function messageAnswer(text: string): AdaptiveCardInvokeResponse {
  // botbuilder types `value` as a card, but Teams takes a string with this type.
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as never };
}

function withNotice(card: Card, notice?: string): Card {
  if (!notice) return card;
  return {
    ...card,
    body: [{ type: 'TextBlock', text: notice, wrap: true, color: 'Attention' }, ...(card.body as Card[])],
  };
}

/** A text input's value: the one the button names (each list row numbers its boxes), else the card's own. */
function typed(data: Record<string, unknown>, input: string): string | undefined {
  const id = typeof data.input === 'string' ? data.input : input;
  const value = data[id];
  return typeof value === 'string' ? value : undefined;
}

/** The decided step's own time, as the request cards show it. */

function latestComment(request: RequestView): string {
  return request.comments.at(-1)?.created ?? request.updated;
}

function isParty(view: RequestView, actor: ChatIdentity): boolean {
  const email = actor.email?.toLowerCase();
  if (!email) return false;
  return view.requester.email?.toLowerCase() === email || view.requestedFor.email?.toLowerCase() === email;
}
