import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type CloudAdapter,
  type ConversationReference,
  type InvokeResponse,
  MessageFactory,
  type SearchInvokeOptions,
  type SearchInvokeResponse,
  type SearchInvokeValue,
  TeamsActivityHandler,
  TurnContext,
} from 'botbuilder';
import type { Logger } from 'pino';
import type { BackgroundWork } from '../../background.js';
import { within } from '../../deadline.js';
import { storeOutageIn } from '../../domain/errors.js';
import { type ChatIdentity, Failure, type Flows, failure, isFailure, parseCommand } from '../../flows/index.js';
import { bestEffort, type Store } from '../../store/index.js';
import { ShownLists } from '../shown-lists.js';
import { cardAnswer, INVOKE_BUDGET_MS, messageAnswer, TeamsCardActions } from './card-actions.js';
import { TeamsChatCommands } from './chat-commands.js';
import { TeamsDirectory } from './directory.js';
import type { TeamsPeople } from './people.js';
import { channelGreeting, failureText, helpText, messageCard } from './render/messages.js';
import { type Claims, tenantOf } from './tenant.js';

const INVOKE_DEADLINE_MS = 4_500;
/** Teams shows at most 15 options in a type-ahead dropdown (Teams docs, "Typeahead search in Adaptive Cards"). */
const TYPEAHEAD_MAX = 15;

/** The page Teams asks for (`queryOptions: { skip, top }`), `top` capped at what the dropdown shows. */
function pageOf(options: Partial<SearchInvokeOptions> | undefined): { skip: number; top: number } {
  const whole = (n: unknown, fallback: number) =>
    Number.isInteger(n) && (n as number) >= 0 ? (n as number) : fallback;
  return { skip: whole(options?.skip, 0), top: Math.min(whole(options?.top, TYPEAHEAD_MAX), TYPEAHEAD_MAX) };
}

export interface TeamsBotDeps {
  adapter: CloudAdapter;
  appId: string;
  /** The one tenant Gatehouse serves; activities from any other are ignored. */
  tenantId?: string;
  flows: Flows;
  people: TeamsPeople;
  store: Store;
  logger: Logger;
  /** Where work that outlives Teams' answer is tracked. */
  background?: BackgroundWork;
  /** The approvals channel, whose team is where a person picked or named by id is looked up. */
  approvalsChannel?: string;
}

/**
 * Gatehouse in Teams. Messages in personal chat speak the shared grammar; Adaptive Card buttons
 * arrive as `adaptiveCard/action` invokes and are answered with the card as it now stands for that
 * person. Handlers parse, call a flow and render; every rule lives in the flows.
 */
export class GatehouseTeamsBot extends TeamsActivityHandler {
  private readonly cards: TeamsCardActions;
  private readonly commands: TeamsChatCommands;

  constructor(private readonly deps: TeamsBotDeps) {
    super();
    // A list card stays in the chat: a decision from it days later still finds it.
    const lists = new ShownLists(deps.store, deps.logger, { platform: 'teams', ttlMs: 7 * 24 * 60 * 60_000 });
    const directory = new TeamsDirectory(deps.people, { approvalsChannel: deps.approvalsChannel, logger: deps.logger });
    this.cards = new TeamsCardActions({ ...deps, lists, directory, track: (work) => this.background(work) });
    this.commands = new TeamsChatCommands({ ...deps, lists, directory });
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
      // That turn is built from the reference alone: the message's mentions (whom `delegate @…`
      // names) are carried over, or the command would find nobody named.
      const mentions = (context.activity.entities ?? []).filter((entity) => entity.type === 'mention');
      void this.background(
        this.later(reference, async (turn) => {
          turn.activity.entities = mentions;
          return this.commands.answer(turn, () => this.actor(turn), parseCommand(text));
        }),
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
    const answer = this.cardAction(context, invoke).catch((error: unknown) => {
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

  private async cardAction(context: TurnContext, invoke: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const actor = await this.actor(context);
    if (isFailure(actor)) return cardAnswer(messageCard(failureText(actor)));
    return this.cards.answer(context, actor, invoke);
  }

  /**
   * Teams opens a dynamic type-ahead with an empty `queryText`, which botbuilder refuses with a 400
   * before onSearchInvoke runs: type-ahead is answered here, empty or not.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const { name, value } = context.activity;
    if (name !== 'application/search' || typeof value !== 'object' || value === null) {
      return super.onInvokeActivity(context);
    }
    const invoke = { kind: 'search', ...value, queryText: String(value.queryText ?? '') } as SearchInvokeValue;
    const response = await this.onSearchInvoke(context, invoke);
    return { status: response.statusCode, body: response };
  }

  protected override async onSearchInvoke(
    context: TurnContext,
    invoke: SearchInvokeValue,
  ): Promise<SearchInvokeResponse> {
    const actor = await this.actor(context).catch((error: unknown): Failure => {
      const outage = storeOutageIn(error);
      if (!outage) throw error;
      return Failure.of(outage);
    });
    const { skip, top } = pageOf(invoke.queryOptions);
    const search =
      isFailure(actor) || invoke.dataset !== 'catalog'
        ? Promise.resolve([])
        : this.deps.flows
            .searchCatalog(actor, String(invoke.queryText ?? ''), skip + top)
            .then((o) =>
              o.ok
                ? o.value.slice(skip, skip + top).map((item) => ({ title: item.name.slice(0, 200), value: item.id }))
                : [],
            );
    const found = await within(search, INVOKE_BUDGET_MS);
    const results = found === 'late' ? [] : found;
    return {
      statusCode: 200,
      type: 'application/vnd.microsoft.search.searchResponse',
      value: { results },
    } as SearchInvokeResponse;
  }

  private async greet(context: TurnContext): Promise<void> {
    const conversation = context.activity.conversation?.id ?? '';
    // Learning who installed the app (their email) is what lets approvals reach them later. Teams
    // announces an install twice (conversationUpdate and installationUpdate): welcome once. A
    // welcome twice beats none: the person learns what to type, and is met again on their first message.
    const first = await bestEffort(
      this.actor(context).then(() => this.deps.store.claim(`teams:welcomed:${conversation}`, 24 * 60 * 60_000)),
      { logger: this.deps.logger, lost: 'store unreachable; welcoming without remembering it' },
    );
    if (first === false) return;
    // Added to a team or channel: say what Gatehouse does there, not how to ask (that is for 1:1 chats).
    const inChannel = context.activity.conversation?.conversationType === 'channel';
    await context.sendActivity(MessageFactory.text(inChannel ? channelGreeting() : helpText('👋 Hi, I am Gatehouse.')));
  }

  private async actor(context: TurnContext): Promise<ChatIdentity | Failure> {
    try {
      return await this.deps.people.identity(context);
    } catch (err) {
      // The store being away is not Teams forgetting who someone is: the caller says which it was.
      if (storeOutageIn(err)) throw err;
      this.deps.logger.warn({ err }, 'Teams member lookup failed');
      return failure('teams_user_unknown', 'Teams did not tell Gatehouse who you are just now. Please try again.');
    }
  }

  /** Work that goes on after Teams has its answer, tracked so shutdowns and tests can wait for it. */
  private background<T>(work: Promise<T>): Promise<T> {
    return this.deps.background?.track(work) ?? work;
  }

  /** Work after the HTTP answer, in a proactive turn on the same conversation. */
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
