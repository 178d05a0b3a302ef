import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Governance } from '../api/governance.js';
import { GatehouseError } from '../domain/errors.js';
import type { AccessRequest, Decision, Principal } from '../domain/types.js';
import type { Store } from '../store/index.js';
import { CardContext } from './card-context.js';
import { RequestChanges } from './changes.js';
import { type DecideInput, Deciding } from './deciding.js';
import { Delegations } from './delegating.js';
import { type FlowDeps, surface } from './deps.js';
import { DelegateInvalid, ForwardTargetInvalid } from './errors.js';
import { Forwarding } from './forwarding.js';
import { type ChatIdentity, IdentityResolver } from './identity.js';
import { PersonalLimit, type PersonalLimitOptions } from './limits.js';
import { type Outcome, outcomeOf } from './outcome.js';
import { Reading, type ReadThrough, type RequestList, type RequestSnapshot } from './reading.js';
import { type EntryMatch, type RequestAccessInput, type RequestAccessResult, Requesting } from './requesting.js';
import { type DecideSeveralInput, decideSeveral } from './several.js';
import {
  type AccessView,
  type CatalogEntryView,
  type CatalogItemView,
  type DelegationView,
  type PersonView,
  principalView,
  type RequestView,
  type SeveralDecided,
} from './views.js';

export interface FlowsOptions {
  /** The per-person rate limit (PERSONAL_LIMITS in memory unless told otherwise). */
  personalLimit?: PersonalLimitOptions;
  /** Milliseconds since the epoch (the real clock by default). */
  now?: () => number;
  /**
   * Wraps every flow a person starts, given its name and the person's platform (the composition
   * root passes tracing's); flows know nothing of what it does.
   */
  around?: <O extends Outcome<unknown>>(
    flow: string,
    platform: ChatIdentity['platform'],
    run: () => Promise<O>,
  ) => Promise<O>;
}

/**
 * The platform-neutral core: every user-facing operation of Gatehouse, with every rule, written
 * once against the Governance port. Adapters translate chat input into these calls and render the
 * views that come back; what a flow changes it announces on `changes`, which the notifier follows,
 * so no adapter ever has to bring messages up to date itself.
 *
 * This class is the one door: each call takes the person's rate limit, then finds who they are in
 * the governance system, then hands over to its family (requesting.ts, deciding.ts, reading.ts).
 */
export class Flows {
  /** What flows changed, for the notifier to show. */
  readonly changes: RequestChanges;
  private readonly identity: IdentityResolver;
  private readonly limit: PersonalLimit;
  private readonly requesting: Requesting;
  private readonly deciding: Deciding;
  private readonly reading: Reading;
  private readonly forwarding: Forwarding;
  private readonly delegations: Delegations;
  private readonly around: NonNullable<FlowsOptions['around']>;

  constructor(
    governance: Governance,
    store: Store,
    private readonly logger: Logger,
    options: FlowsOptions = {},
  ) {
    this.changes = new RequestChanges(logger);
    const deps: FlowDeps = { governance, store, logger, changes: this.changes, now: options.now ?? Date.now };
    this.identity = new IdentityResolver(governance, store);
    this.limit = new PersonalLimit(options.personalLimit);
    this.requesting = new Requesting(deps);
    // One card context and one view of delegates for every family: what one reads, the others reuse.
    const context = new CardContext(deps);
    this.delegations = new Delegations(deps);
    this.deciding = new Deciding(deps, context, this.delegations);
    this.reading = new Reading(deps, context, this.delegations);
    this.forwarding = new Forwarding(deps);
    this.around = options.around ?? ((_flow, _platform, run) => run());
  }

  /**
   * Runs work done on Gatehouse's own initiative with a person's identity (the notifier redrawing
   * someone's App Home after a change): the flows it calls are not counted against that person.
   */
  unmetered<T>(work: () => Promise<T>): Promise<T> {
    return this.limit.unmetered(work);
  }

  /**
   * Where every flow a person starts begins: their rate limit first, then who they are in the
   * governance system, then the flow; nothing reaches the governance system before the first two.
   */
  private act<V>(flow: string, actor: ChatIdentity, run: (principal: Principal) => Promise<V>): Promise<Outcome<V>> {
    return this.around(flow, actor.platform, () =>
      outcomeOf(this.logger, flow, async () => {
        await this.limit.take(actor);
        return run(await this.identity.resolve(actor));
      }),
    );
  }

  whoAmI(actor: ChatIdentity): Promise<Outcome<PersonView>> {
    return this.act('whoAmI', actor, async (principal) => principalView(principal));
  }

  // ---- requesting ----

  searchCatalog(actor: ChatIdentity, text: string, limit = 25): Promise<Outcome<CatalogItemView[]>> {
    return this.act('searchCatalog', actor, (principal) => this.requesting.searchCatalog(principal, text, limit));
  }

  /**
   * Which entry typed text names, without writing anything: one entry, or the candidates for a form.
   * Adapters call this first when they must open a form within a deadline (Slack's trigger_id).
   */
  resolveEntry(actor: ChatIdentity, text: string): Promise<Outcome<EntryMatch>> {
    return this.act('resolveEntry', actor, (principal) => this.requesting.resolveEntry(principal, text));
  }

  /** One entry with the rules a request for it must follow (justification, duration), for a form. */
  describeEntry(actor: ChatIdentity, entryId: string): Promise<Outcome<CatalogEntryView>> {
    return this.act('describeEntry', actor, (principal) => this.requesting.describeEntry(principal, entryId));
  }

  requestAccess(actor: ChatIdentity, input: RequestAccessInput): Promise<Outcome<RequestAccessResult>> {
    return this.act('requestAccess', actor, (principal) =>
      this.requesting.requestAccess(principal, input, surface(actor)),
    );
  }

  // ---- deciding ----

  /** Whether deciding this way needs a written reason, so an adapter knows to ask before it calls decide. */
  reasonRequired(decision: Decision): Promise<boolean> {
    return this.deciding.reasonRequired(decision);
  }

  decide(actor: ChatIdentity, input: DecideInput): Promise<Outcome<{ request: RequestView; decision: Decision }>> {
    return this.act('decide', actor, (approver) => this.deciding.decide(approver, surface(actor), input));
  }

  /**
   * Several approvals in one action (from `pending`): each re-authorized and decided on its own, as
   * `decide` would, and reported in the order given. The whole is refused only for being too fast,
   * too many (MOST_AT_ONCE) or by someone Gatehouse cannot identify; one rate-limit token pays for
   * all of it, as it is one thing the person did.
   */
  decideSeveral(actor: ChatIdentity, input: DecideSeveralInput): Promise<Outcome<SeveralDecided>> {
    return this.act('decideSeveral', actor, (approver) =>
      decideSeveral(this.deciding, this.logger, approver, surface(actor), input),
    );
  }

  /**
   * `submission` names what the comment came in (a Slack view id, a Teams activity id), so a
   * platform delivering it twice gets one thread reply per message about the request.
   */
  comment(actor: ChatIdentity, requestId: string, text: string, submission?: string): Promise<Outcome<RequestView>> {
    const key = submission ?? `${actor.platform}-${randomUUID()}`;
    return this.act('comment', actor, (author) => this.deciding.comment(author, surface(actor), requestId, text, key));
  }

  cancel(actor: ChatIdentity, requestId: string, reason?: string): Promise<Outcome<RequestView>> {
    return this.act('cancel', actor, (by) => this.deciding.cancel(by, surface(actor), requestId, reason));
  }

  /** `cancel <id or app>` as typed: the one open request of the person's it names. */
  cancelNamed(actor: ChatIdentity, target: string, reason?: string): Promise<Outcome<RequestView>> {
    return this.act('cancel', actor, (by) => this.deciding.cancelNamed(by, surface(actor), target, reason));
  }

  /**
   * Hands the open step the person was asked to decide to someone else, where the backend can
   * (`not_supported` otherwise); the new approver gets the card.
   */
  forward(
    actor: ChatIdentity,
    input: { requestId: string; taskId?: string; to: ChatIdentity; reason?: string },
  ): Promise<Outcome<RequestView>> {
    return this.act('forward', actor, async (by) => {
      const to = await this.someoneElse(input.to, (why) => new ForwardTargetInvalid(why));
      return this.forwarding.forward(by, surface(actor), { ...input, to });
    });
  }

  // ---- delegates ----

  /** Appoints `to` to decide the person's approvals until the day typed (or until ended). */
  delegate(
    actor: ChatIdentity,
    input: { to: ChatIdentity; until?: string; note?: string },
  ): Promise<Outcome<DelegationView>> {
    return this.act('delegate', actor, async (principal) => {
      const to = await this.someoneElse(input.to, (why) => new DelegateInvalid(why));
      return this.delegations.appoint(principal, surface(actor), { ...input, to });
    });
  }

  endDelegation(actor: ChatIdentity): Promise<Outcome<{ ended: boolean }>> {
    return this.act('endDelegation', actor, (principal) => this.delegations.end(principal, surface(actor)));
  }

  /** The person's delegate, now or appointed to start later; null when they have none. */
  myDelegation(actor: ChatIdentity): Promise<Outcome<DelegationView | null>> {
    return this.act('myDelegation', actor, (principal) => this.delegations.mine(principal));
  }

  /**
   * The person another one names (whom to forward to, whom to appoint), found as anyone acting is
   * found; why they cannot be is said about them, not as if the person acting were unknown.
   */
  private async someoneElse(named: ChatIdentity, invalid: (why: string) => Error): Promise<Principal> {
    const who = named.displayName?.trim() || named.email?.trim() || 'That person';
    try {
      return await this.identity.resolve(named);
    } catch (error) {
      // The governance system or the store being away is that, not something about the person named.
      if (!(error instanceof GatehouseError) || /^(governance|store)_/.test(error.code)) throw error;
      const why: Record<string, string> = {
        no_email: `${who} has no e-mail address in chat, so Gatehouse cannot find them in the governance system.`,
        unknown_user: `${who} has no account in the governance system.`,
        inactive_user: `${who}'s account in the governance system is not active.`,
      };
      throw invalid(
        why[error.code] ?? `Gatehouse cannot tell who ${who} is in the governance system: name someone else.`,
      );
    }
  }

  // ---- reading ----

  /** The request as it stands, for messages sent on the system's initiative (see Reading.snapshot). */
  snapshot(requestId: string, seen?: AccessRequest, through?: ReadThrough): Promise<RequestSnapshot | null> {
    return this.reading.snapshot(requestId, seen, through);
  }

  status(actor: ChatIdentity, requestId?: string): Promise<Outcome<RequestView | RequestList>> {
    return this.act('status', actor, (principal) => this.reading.status(principal, requestId));
  }

  myRequests(actor: ChatIdentity, limit = 20): Promise<Outcome<RequestList>> {
    return this.act('myRequests', actor, (principal) => this.reading.myRequests(principal, limit));
  }

  pendingApprovals(actor: ChatIdentity): Promise<Outcome<RequestList>> {
    return this.act('pendingApprovals', actor, (principal) => this.reading.pendingApprovals(principal));
  }

  myAccess(actor: ChatIdentity): Promise<Outcome<AccessView[]>> {
    return this.act('myAccess', actor, (principal) => this.reading.myAccess(principal));
  }
}
