import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type CloudAdapter,
  type ConversationReference,
  MessageFactory,
  type SearchInvokeResponse,
  type SearchInvokeValue,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { BackgroundWork } from '../../background.js';
import { within } from '../../deadline.js';
import { storeOutageIn } from '../../domain/errors.js';
import {
  type ChatCommand,
  type ChatIdentity,
  type Failure,
  type Flows,
  isFailure,
  parseCommand,
  type RequestView,
  showsStaleMessage,
} from '../../flows/index.js';
import { parseDuration } from '../../flows/wording.js';
import type { RequestMessages } from '../../notifier/index.js';
import type { Store } from '../../store/index.js';
import { cardActivity } from './messenger.js';
import type { TeamsPeople } from './people.js';
import {
  confirmationText,
  failureText,
  helpText,
  LIST_LIMIT,
  listCard,
  messageCard,
  requestFormCard,
} from './render/messages.js';
import { type Card, INPUT, renderRequestCard, VERB } from './render/request-card.js';
import { escapeWithin } from './render/text.js';
import { type Claims, tenantOf } from './tenant.js';

/** Teams waits about 5 s for an invoke's answer; decisions that take longer finish after it. */
const INVOKE_BUDGET_MS = 3_500;
const INVOKE_DEADLINE_MS = 4_500;
const INVOKE_CLAIM_TTL_MS = 24 * 60 * 60_000;

/** Failures that say "not now" rather than anything about the request. */
const PASSING_FAILURES = new Set(['too_fast', 'governance_unavailable', 'governance_rate_limited']);

const cardData = z.object({ r: z.string().min(1).max(200), t: z.string().max(200).optional() }).passthrough();
const formData = z
  .object({ entry: z.string().optional(), justification: z.string().optional(), duration: z.string().optional() })
  .passthrough();

/** A button pressed on a card about a request, as the handlers of its verb receive it. */
interface CardPress {
  context: TurnContext;
  actor: ChatIdentity;
  requestId: string;
  taskId?: string;
  fromList: boolean;
  data: Record<string, unknown>;
}

export interface TeamsBotDeps {
  adapter: CloudAdapter;
  appId: string;
  /** The one tenant Gatehouse serves; activities from any other are ignored. */
  tenantId?: string;
  flows: Flows;
  people: TeamsPeople;
  messages: RequestMessages;
  store: Store;
  logger: Logger;
  /** Where work that outlives Teams' answer is tracked. */
  background?: BackgroundWork;
}

/**
 * Gatehouse in Teams. Messages in personal chat speak the shared grammar; Adaptive Card buttons
 * arrive as `adaptiveCard/action` invokes and are answered with the card as it now stands for that
 * person. Handlers parse, call a flow and render; every rule lives in the flows.
 */
export class GatehouseTeamsBot extends TeamsActivityHandler {
  constructor(private readonly deps: TeamsBotDeps) {
    super();
    this.onTurn(async (context, next) => {
      // The route refused other tenants before the turn (http.ts); asked again here, with the
      // authenticated identity botbuilder keeps on the turn, so the bot never relies on its caller.
      const identity = context.turnState.get(deps.adapter.BotIdentityKey) as Claims | undefined;
      const tenant = tenantOf(context.activity, identity, deps.tenantId);
      if (!tenant.ok) {
        // Another organisation's Teams: its people are not ours, whatever emails they claim.
        deps.logger.warn(
          { reason: tenant.reason, named: tenant.named },
          'ignored an activity from another Microsoft 365 tenant',
        );
        return;
      }
      await deps.people
        .remember(context, tenant.tenant)
        .catch((err) => deps.logger.warn({ err }, 'conversation not remembered'));
      await next();
    });
    this.onMessage(async (context, next) => {
      if (context.activity.conversation?.conversationType !== 'personal') {
        // Requests and their justifications are not for a whole channel to read.
        await context.sendActivity(
          MessageFactory.text('Message me in a 1:1 chat: open Gatehouse under Apps, then write “help”.'),
        );
        await next();
        return;
      }
      // Answer Teams at once and do the work in a turn of our own, so a slow backend never holds the HTTP reply.
      const reference = TurnContext.getConversationReference(context.activity);
      const text = TurnContext.removeRecipientMention(context.activity) ?? context.activity.text ?? '';
      // Who is writing (TeamsInfo.getMember) is asked in that turn too, off the HTTP answer's path.
      void this.background(
        this.later(reference, async (turn) => this.answer(turn, () => this.actor(turn), parseCommand(text))),
      );
      await next();
    });
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.greet(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) await this.greet(context);
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invoke: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    // One deadline for the whole answer; work that outlives it finishes, and sync updates the card.
    const answer = this.invoke(context, invoke).catch((error: unknown) => {
      // Thrown only where the store is needed before anything is written (who pressed, the replay
      // claim); a flow that wrote reports its own outcome instead.
      const outage = storeOutageIn(error);
      if (!outage) throw error;
      this.deps.logger.warn({ err: outage }, 'a Teams card action needed the store, which is unreachable');
      // A message, not a card: the card keeps its buttons for when the store is back.
      return messageAnswer(`⚠️ ${outage.userMessage}`);
    });
    const result = await within(answer, INVOKE_DEADLINE_MS);
    if (result !== 'late') return result;
    void this.background(answer).catch((err) => this.deps.logger.error({ err }, 'late Teams invoke failed'));
    return cardAnswer(messageCard('⏳ Gatehouse is still working on this; the card will update in a moment.'));
  }

  private async invoke(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const actor = await this.actor(context);
    if (isFailure(actor)) return cardAnswer(messageCard(failureText(actor)));
    const verb = invoke.action?.verb ?? '';
    const data = (invoke.action?.data ?? {}) as Record<string, unknown>;
    if (verb === VERB.request) return this.submitForm(context, actor, data);
    const parsed = cardData.safeParse(data);
    if (!parsed.success) return cardAnswer(messageCard('⚠️ This card does not carry a request Gatehouse can read.'));
    const { r: requestId, t: taskId } = parsed.data;
    const fromList = data.from === 'list';
    if (verb === VERB.refresh) return this.currentCard(context, actor, requestId, fromList);
    const act = this.cardActions.get(verb);
    if (!act) return cardAnswer(messageCard(`⚠️ Gatehouse does not know the action “${escapeWithin(verb, 50)}”.`));
    // A replayed invoke (same activity id) writes nothing: it gets the card as it stands.
    const first = await this.deps.store.claim(`teams:invoke:${context.activity.id}`, INVOKE_CLAIM_TTL_MS);
    if (!first) return this.currentCard(context, actor, requestId, fromList);
    return act({ context, actor, requestId, taskId, fromList, data });
  }

  /** What each card button does, by its verb; every one answers with the card as it now stands. */
  // A Map, not an object: a verb such as "constructor" must find nothing.
  private readonly cardActions = new Map<string, (press: CardPress) => Promise<AdaptiveCardInvokeResponse>>([
    [VERB.approve, (press) => this.decide(press, 'approve')],
    [VERB.reject, (press) => this.decide(press, 'reject')],
    [VERB.comment, (press) => this.comment(press)],
  ]);

  private async decide(press: CardPress, decision: 'approve' | 'reject'): Promise<AdaptiveCardInvokeResponse> {
    const { context, actor, requestId, taskId, fromList, data } = press;
    const reason = typeof data[INPUT.reason] === 'string' ? (data[INPUT.reason] as string) : undefined;
    const work = this.deps.flows.decide(actor, { requestId, taskId, decision, reason });
    const outcome = await within(work, INVOKE_BUDGET_MS);
    void this.background(
      work.then((o) => (o.ok || showsStaleMessage(o.error) ? this.deps.messages.sync(requestId) : undefined)),
    ).catch((err) => this.deps.logger.error({ err, requestId }, 'cards not synced after a Teams decision'));
    if (outcome === 'late') return this.currentCard(context, actor, requestId, fromList, '⏳ Recording your decision…');
    if (!outcome.ok) return this.currentCard(context, actor, requestId, fromList, failureText(outcome.error));
    // The decision is in; if the card cannot be read back (the store is away), draw it from the decision.
    return this.currentCard(context, actor, requestId, fromList, undefined, outcome.value.request);
  }

  private async comment(press: CardPress): Promise<AdaptiveCardInvokeResponse> {
    const { context, actor, requestId, fromList, data } = press;
    const text = typeof data[INPUT.comment] === 'string' ? (data[INPUT.comment] as string) : '';
    const outcome = await this.deps.flows.comment(actor, requestId, text);
    if (!outcome.ok) return this.currentCard(context, actor, requestId, fromList, failureText(outcome.error));
    const me = await this.deps.flows.whoAmI(actor);
    if (me.ok) {
      void this.background(
        this.deps.messages.announceComment(requestId, me.value, text, `teams-${context.activity.id}`),
      ).catch((err) => this.deps.logger.warn({ err, requestId }, 'comment not announced on the cards'));
    }
    return this.currentCard(context, actor, requestId, fromList, '💬 Comment posted.');
  }

  protected override async onSearchInvoke(
    context: TurnContext,
    invoke: SearchInvokeValue,
  ): Promise<SearchInvokeResponse> {
    const actor = await this.actor(context).catch((error: unknown): Failure => {
      if (!storeOutageIn(error)) throw error;
      return { code: 'store_unavailable', message: 'store unreachable' };
    });
    const search =
      isFailure(actor) || invoke.dataset !== 'catalog'
        ? Promise.resolve([])
        : this.deps.flows
            .searchCatalog(actor, String(invoke.queryText ?? ''), 25)
            .then((o) => (o.ok ? o.value.map((item) => ({ title: item.name.slice(0, 200), value: item.id })) : []));
    const found = await within(search, INVOKE_BUDGET_MS);
    const results = found === 'late' ? [] : found;
    return {
      statusCode: 200,
      type: 'application/vnd.microsoft.search.searchResponse',
      value: { results },
    } as SearchInvokeResponse;
  }

  /** `whoIsWriting` is asked only for commands that need it, so help works even while the store is away. */
  private async answer(
    context: TurnContext,
    whoIsWriting: () => Promise<ChatIdentity | Failure>,
    command: ChatCommand,
  ): Promise<void> {
    if (command.kind === 'help' || command.kind === 'unknown') {
      const intro =
        command.kind === 'unknown'
          ? `I don’t know “${escapeWithin(command.text, 200)}”. Here is what I understand:`
          : undefined;
      await context.sendActivity(MessageFactory.text(helpText(intro)));
      return;
    }
    const actor = await whoIsWriting();
    if (isFailure(actor)) {
      await context.sendActivity(MessageFactory.text(failureText(actor)));
      return;
    }
    const { flows } = this.deps;
    switch (command.kind) {
      case 'form':
        await context.sendActivity(cardActivity(requestFormCard({})));
        return;
      case 'request':
        await this.requestInOneLine(context, actor, command);
        return;
      case 'status': {
        const outcome = await flows.status(actor, command.requestId);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        const value = outcome.value;
        const card =
          'items' in value
            ? listCard(value, 'You have no open requests.')
            : renderRequestCard(value.actions.includes('approve') ? 'approval' : 'requester', value);
        await context.sendActivity(cardActivity(card));
        return;
      }
      case 'mine':
      case 'pending': {
        const outcome =
          command.kind === 'mine' ? await flows.myRequests(actor, LIST_LIMIT * 2) : await flows.pendingApprovals(actor);
        if (!outcome.ok) return void (await context.sendActivity(MessageFactory.text(failureText(outcome.error))));
        const empty =
          command.kind === 'mine' ? 'You have not requested anything yet.' : 'Nothing is waiting for your decision. 🎉';
        await context.sendActivity(cardActivity(listCard(outcome.value, empty)));
        return;
      }
    }
  }

  private async requestInOneLine(
    context: TurnContext,
    actor: ChatIdentity,
    command: { what: string; duration?: string; because?: string },
  ): Promise<void> {
    if (command.duration && !parseDuration(command.duration)) {
      await context.sendActivity(
        MessageFactory.text(
          `⚠️ “${escapeWithin(command.duration, 100)}” is not a duration Gatehouse understands. Use something like “for 4h”, “for 2 days” or “for 1w”.`,
        ),
      );
      return;
    }
    const created = await this.deps.flows.requestAccess(actor, {
      text: command.what,
      justification: command.because,
      duration: command.duration,
      idempotencyKey: `teams:${context.activity.id}`,
    });
    if (!created.ok) return void (await context.sendActivity(MessageFactory.text(failureText(created.error))));
    if (created.value.kind === 'choose') {
      const { query, choices, justification, duration } = created.value;
      const iso = duration ? parseDuration(duration) : undefined;
      await context.sendActivity(cardActivity(requestFormCard({ query, choices, justification, duration: iso })));
      return;
    }
    await this.created(context, created.value.request);
  }

  private async submitForm(
    context: TurnContext,
    actor: ChatIdentity,
    data: Record<string, unknown>,
  ): Promise<AdaptiveCardInvokeResponse> {
    const form = formData.safeParse(data);
    const values = form.success ? form.data : {};
    if (!values.entry) return cardAnswer(requestFormCard({ ...values, problem: 'Choose what you need access to.' }));
    const created = await this.deps.flows.requestAccess(actor, {
      entryId: values.entry,
      justification: values.justification,
      duration: values.duration && values.duration !== 'none' ? values.duration : undefined,
      // Per person and form message: a double click on Request creates one request.
      idempotencyKey: `teams:form:${context.activity.from.id}:${context.activity.replyToId ?? context.activity.id}`,
    });
    if (!created.ok) {
      // Keep what was picked on the redrawn form, so fixing one field does not mean starting over.
      const picked = await this.deps.flows.describeEntry(actor, values.entry);
      const choices = picked.ok ? [picked.value] : [];
      return cardAnswer(requestFormCard({ ...values, choices, problem: escapeWithin(created.error.message, 500) }));
    }
    if (created.value.kind !== 'created') return cardAnswer(requestFormCard({ problem: 'Choose one entry.' }));
    const request = created.value.request;
    void this.background(this.deps.messages.sync(request.id)).catch((err) =>
      this.deps.logger.error({ err }, 'sync failed'),
    );
    return cardAnswer(messageCard(confirmationText(request)));
  }

  private async created(context: TurnContext, request: RequestView): Promise<void> {
    await context.sendActivity(MessageFactory.text(confirmationText(request)));
    await this.deps.messages.sync(request.id);
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

  private async greet(context: TurnContext): Promise<void> {
    try {
      // Learning who installed the app (their email) is what lets approvals reach them later.
      await this.actor(context);
      // Teams announces an install twice (conversationUpdate and installationUpdate): welcome once.
      const conversation = context.activity.conversation?.id ?? '';
      if (!(await this.deps.store.claim(`teams:welcomed:${conversation}`, 24 * 60 * 60_000))) return;
    } catch (err) {
      if (!storeOutageIn(err)) throw err;
      // A welcome twice beats none: the person learns what to type, and is met again on their first message.
      this.deps.logger.warn({ err }, 'store unreachable; welcoming without remembering it');
    }
    await context.sendActivity(MessageFactory.text(helpText('👋 Hi, I am Gatehouse.')));
  }

  private async actor(context: TurnContext): Promise<ChatIdentity | Failure> {
    try {
      return await this.deps.people.identity(context);
    } catch (err) {
      // The store being away is not Teams forgetting who someone is: the caller says which it was.
      if (storeOutageIn(err)) throw err;
      this.deps.logger.warn({ err }, 'Teams member lookup failed');
      return {
        code: 'teams_user_unknown',
        message: 'Teams did not tell Gatehouse who you are just now. Please try again.',
      };
    }
  }

  /** Work after the HTTP answer, in a proactive turn on the same conversation. */
  /** Work that goes on after Teams has its answer, tracked so shutdowns and tests can wait for it. */
  private background<T>(work: Promise<T>): Promise<T> {
    return this.deps.background?.track(work) ?? work;
  }

  private async later(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) {
    try {
      await this.deps.adapter.continueConversationAsync(this.deps.appId, reference, async (turn) => {
        try {
          await logic(turn);
        } catch (error) {
          const outage = storeOutageIn(error);
          if (!outage) throw error;
          this.deps.logger.warn({ err: outage }, 'a Teams message needed the store, which is unreachable');
          await turn.sendActivity(MessageFactory.text(`⚠️ ${outage.userMessage}`));
        }
      });
    } catch (err) {
      this.deps.logger.error({ err }, 'Teams reply failed');
    }
  }
}

function cardAnswer(card: Card): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
}

/** Shown to the person who pressed; the card stays as it was (Universal Action Model, response format). */
function messageAnswer(text: string): AdaptiveCardInvokeResponse {
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

function isParty(view: RequestView, actor: ChatIdentity): boolean {
  const email = actor.email?.toLowerCase();
  if (!email) return false;
  return view.requester.email?.toLowerCase() === email || view.requestedFor.email?.toLowerCase() === email;
}
