import type { Logger } from 'pino';
import {
  GovernanceAuthFailed,
  type GovernanceOperation,
  GovernanceRejected,
  GovernanceUnavailable,
} from '../../domain/errors.js';
import type { AccessRequest, Principal } from '../../domain/types.js';
import type { CancelInput, CommentInput, DecisionInput, ForwardInput } from '../governance.js';
import type { Authorizer } from '../http.js';
import type { PingOneHttp } from './http.js';
import { bareId, onBehalfComment } from './mapping.js';
import { GOV, withQuery } from './paths.js';
import { PersonGrantRefused, type PingOnePersonTokens } from './person-tokens.js';
import type { PingOnePortal } from './portal.js';
import type { PingOneRequests } from './requests.js';
import { type IgaRequest, igaRequest, ignored } from './wire.js';

export interface PingOneActionsOptions {
  portal: PingOnePortal;
  /** Tokens acting as each person (the RFC 7523 person grant), when the tenant is set up for it. */
  persons?: PingOnePersonTokens;
  /** The tenant lets administrators decide phases they are no actor of (PINGONE_ADMIN_DECIDES). */
  adminDecides?: boolean;
  logger?: Logger;
}

const forwarding = 'forward' satisfies GovernanceOperation;

type Action = Extract<GovernanceOperation, 'decide' | 'comment' | 'cancel'> | 'forward';

/**
 * What Ping's UI gives the actor a request is forwarded to (RequestModal.vue's ACCESS_REQUEST_PERMISSIONS):
 * what the one forwarding could do on the phase. Gatehouse hands over the caller's own permissions
 * as IGA wrote them, and these only where the request it read carried none.
 */
const FORWARDED_PERMISSIONS = { approve: true, comment: true, modify: true, reject: true, reassign: true };

type IgaActor = NonNullable<NonNullable<IgaRequest['decision']['actors']>['active']>[number];

/** The actors acting now on one phase, each entry once. */
function phaseActors(request: IgaRequest, phaseName: string): IgaActor[] {
  const actors = (request.decision.actors?.active ?? []).filter((actor) => actor.phase === phaseName);
  return actors.filter((actor, index) => actors.findIndex((other) => other.id === actor.id) === index);
}

/**
 * `updatedActors` for a forward: the phase's actors as read, each keeping their own permissions
 * (sent only as read: an actor whose permissions IGA did not show gets none sent, for IGA to
 * decide), and the caller's entry handed to the new approver with the caller's permissions.
 */
function withCallerReplaced(actors: IgaActor[], callerId: string, targetId: string) {
  return actors.map((actor) => {
    if (bareId(actor.id) !== callerId) {
      return actor.permissions ? { id: actor.id, permissions: actor.permissions } : { id: actor.id };
    }
    return { id: `managed/user/${targetId}`, permissions: actor.permissions ?? FORWARDED_PERMISSIONS };
  });
}

/** How each action reads when PingOne turns it down, and the labels of the links to act in Ping. */
const WORDS: Record<Action, { done: string; forbidden: string; notDone: string; instead: string; open: string }> = {
  decide: {
    done: 'approve or reject',
    forbidden: 'decide this step of the request (only its assigned approvers can)',
    notDone: 'nothing was recorded',
    instead: 'Decide in PingOne',
    open: 'See in PingOne who can decide it',
  },
  comment: {
    done: 'comment',
    forbidden: 'comment on this request',
    notDone: 'your comment was not added',
    instead: 'Comment in PingOne',
    open: 'Open in PingOne',
  },
  forward: {
    done: 'forward approvals',
    forbidden: 'forward this step of the request (only its assigned approvers can)',
    notDone: 'it was not forwarded',
    instead: 'Forward in PingOne',
    open: 'Open in PingOne',
  },
  cancel: {
    done: 'cancel requests',
    forbidden: 'cancel this request',
    notDone: 'the request was not cancelled',
    instead: 'Cancel in PingOne',
    open: 'Open in PingOne',
  },
};

/**
 * Acting on a request (`_action=approve|reject&phaseName=…`, `comment`, `cancel`), as IGA's model
 * has it: approving and rejecting are the phase's actors' own acts (Ping's UI offers them only in
 * the actor's view), so they go with a token acting as the approver (the person grant), and the
 * justification is the approver's own words, recorded under their name. Comments and cancellations
 * are the person's too when the grant is set up; without it they go with Gatehouse's administrator
 * token (Ping's admin view offers cancel) and their text says who acted in chat. A decision with
 * the administrator token is made only where PINGONE_ADMIN_DECIDES says the tenant allows it.
 *
 * Whatever PingOne refuses (no grant set up, the grant refused, IGA saying no to this person) is
 * told plainly with a link to do it in Ping's own UI, and nothing is reported as done.
 */
export class PingOneActions {
  constructor(
    private readonly http: PingOneHttp,
    private readonly requests: PingOneRequests,
    private readonly options: PingOneActionsOptions,
  ) {}

  async decide(input: DecisionInput): Promise<AccessRequest> {
    // A decision names its phase (the card's, as the flow just read it): IGA refuses one on a phase
    // no longer in progress, so it is not read again here. Without a phase, the request says which.
    const step = input.taskId
      ? { taskId: input.taskId }
      : (await this.requests.mustGet(input.requestId, 'decide')).steps.find((s) => s.status === 'pending');
    if (!step?.taskId) {
      throw new GovernanceRejected('decide', 'This step is no longer waiting for a decision.', 409);
    }
    const link = this.options.portal.approval(input.requestId);
    const { persons, adminDecides } = this.options;
    if (!persons && !adminDecides) {
      throw new GovernanceRejected(
        'decide',
        'PingOne is not set up for Gatehouse to approve or reject as you, so nothing was recorded.',
        403,
        'person_grant_not_configured',
        { label: WORDS.decide.instead, url: link },
      );
    }
    const verb = input.decision === 'approve' ? 'approve' : 'reject';
    // As the approver, their words are theirs (Ping shows them under their name); as the
    // administrator, the text has to say who decided in chat.
    const justification = persons
      ? (input.reason ?? '')
      : onBehalfComment(
          input.approver.displayName,
          input.approver.email,
          input.via,
          input.reason ?? (verb === 'approve' ? 'approved.' : 'rejected.'),
        );
    const authorizer = persons?.authorizerFor(input.approver, 'decide');
    let answered: unknown;
    try {
      answered = await this.act('decide', input.requestId, step.taskId, { justification }, verb, authorizer);
    } catch (error) {
      if (!(error instanceof GovernanceUnavailable && error.outcomeUnknown)) {
        throw this.plainly(error, 'decide', input.approver, link, Boolean(authorizer));
      }
      const after = await this.requests.get(input.requestId).catch(() => {
        throw error;
      });
      // IGA may finish a phase a moment after answering, so a phase still waiting proves nothing:
      // never send twice; a decision not visible yet stays "unknown" for the person to check.
      const again = after?.steps.find((s) => s.taskId === step.taskId);
      if (again?.decision?.decision !== input.decision) throw error;
      return after as AccessRequest;
    }
    return this.after(input.requestId, answered, 'decide');
  }

  async comment(input: CommentInput): Promise<AccessRequest> {
    const authorizer = this.options.persons?.authorizerFor(input.author, 'comment');
    const comment = authorizer
      ? input.text
      : onBehalfComment(input.author.displayName, input.author.email, input.via, input.text);
    let answered: unknown;
    try {
      answered = await this.act('comment', input.requestId, undefined, { comment }, 'comment', authorizer);
    } catch (error) {
      const request = await this.requests.get(input.requestId).catch(() => null);
      const mine = request && [request.requester.id, request.requestedFor.id].includes(input.author.id);
      const link = mine
        ? this.options.portal.myRequest(input.requestId)
        : this.options.portal.approval(input.requestId);
      throw this.plainly(error, 'comment', input.author, link, Boolean(authorizer));
    }
    return this.after(input.requestId, answered, 'comment');
  }

  async cancel(input: CancelInput): Promise<AccessRequest> {
    const authorizer = this.options.persons?.authorizerFor(input.by, 'cancel');
    // Ping's UI sends the cancel comment as typed, empty when none was.
    const comment = authorizer
      ? (input.reason ?? '')
      : onBehalfComment(input.by.displayName, input.by.email, undefined, input.reason ?? 'cancelled.');
    let answered: unknown;
    try {
      answered = await this.act('cancel', input.requestId, undefined, { comment }, 'cancel', authorizer);
    } catch (error) {
      throw this.plainly(
        error,
        'cancel',
        input.by,
        this.options.portal.myRequest(input.requestId),
        Boolean(authorizer),
      );
    }
    return this.after(input.requestId, answered, 'cancel');
  }

  /**
   * Forwarding the phase waiting now, as Ping's UI does (`_action=reassign&phaseName=…` with
   * `{updatedActors: [{id: 'managed/user/<id>', permissions}], comment}`, RequestModal.vue). Ping's
   * material does not say whether `updatedActors` replaces only the caller or every actor of the
   * phase, so Gatehouse sends the phase's actors as it read them, each with their own permissions,
   * the caller's place (and permissions) given to the new approver: it reads the same either way,
   * and nobody else on the phase is dropped. As the approver where the person grant is set up (IGA
   * then checks they may); else with Gatehouse's administrator token only where
   * PINGONE_ADMIN_DECIDES says the tenant lets it act on phases (as for decisions), the comment
   * saying who forwarded in chat. Either way Gatehouse first checks, on the request it reads, that
   * the one forwarding is an approver of that phase: the administrator token would not.
   */
  async forward(input: ForwardInput): Promise<AccessRequest> {
    const read = await this.requests.mustRead(input.requestId, forwarding);
    const request = this.requests.toDomain(read);
    const step = request.steps.find((s) => s.status === 'pending' && (!input.taskId || s.taskId === input.taskId));
    if (!step?.taskId) throw new GovernanceRejected(forwarding, 'This step is no longer waiting for a decision.', 409);
    const link = this.options.portal.approval(input.requestId);
    const { persons, adminDecides } = this.options;
    if (!persons && !adminDecides) {
      throw new GovernanceRejected(
        forwarding,
        `PingOne is not set up for Gatehouse to ${WORDS.forward.done} as you, so ${WORDS.forward.notDone}.`,
        403,
        'person_grant_not_configured',
        { label: WORDS.forward.instead, url: link },
      );
    }
    if (!step.approvers.some((approver) => approver.id === input.by.id)) {
      throw new GovernanceRejected(forwarding, 'Only an approver of the step waiting now can forward it.', 403);
    }
    const actors = phaseActors(read, step.taskId);
    if (actors.some((actor) => bareId(actor.id) === input.to.id)) {
      throw new GovernanceRejected(forwarding, `${input.to.displayName} is already an approver of this step.`, 400);
    }
    if (!input.to.active) {
      throw new GovernanceRejected(forwarding, `${input.to.displayName} is not an active user in PingOne.`, 400);
    }
    const authorizer = persons?.authorizerFor(input.by, forwarding);
    const comment = authorizer
      ? (input.reason ?? '')
      : onBehalfComment(
          input.by.displayName,
          input.by.email,
          input.via,
          input.reason ?? `forwarded to ${input.to.displayName}.`,
        );
    const body = { updatedActors: withCallerReplaced(actors, input.by.id, input.to.id), comment };
    let answered: unknown;
    try {
      answered = await this.act('forward', input.requestId, step.taskId, body, 'reassign', authorizer);
    } catch (error) {
      throw this.plainly(error, 'forward', input.by, link, Boolean(authorizer));
    }
    return this.after(input.requestId, answered, 'forward');
  }

  /**
   * The request after an action: as IGA answered the action (the request as it stands after it),
   * or read once more when the answer is not that request.
   */
  private after(requestId: string, answered: unknown, operation: Action): Promise<AccessRequest> {
    const request = igaRequest.safeParse(answered);
    if (request.success && request.data.id === requestId) return Promise.resolve(this.requests.toDomain(request.data));
    return this.requests.mustGet(requestId, operation as GovernanceOperation);
  }

  /**
   * One `_action` on a request; a decision names the phase the card was drawn for. Gatehouse's own
   * token unless `authorizer` acts as someone.
   */
  async act(
    operation: Action,
    requestId: string,
    phaseName: string | undefined,
    body: unknown,
    verb: string = operation,
    authorizer?: Authorizer,
  ): Promise<unknown> {
    const path = withQuery(`${GOV}/requests/${encodeURIComponent(requestId)}`, { _action: verb, phaseName });
    const op = operation as GovernanceOperation;
    return (await this.http.send(op, 'POST', path, ignored, body, authorizer ? { authorizer } : {})).body;
  }

  /**
   * A refusal worded for the person, with where to act in Ping instead: PingOne would not let
   * Gatehouse act as them (the grant refused, or their token refused by IGA), or IGA does not let
   * them do this. Anything else (an outage, a request gone) is passed on as it is.
   */
  private plainly(error: unknown, action: Action, person: Principal, link: string, asPerson: boolean): unknown {
    const words = WORDS[action];
    const grantRefused =
      error instanceof PersonGrantRefused ||
      (asPerson && error instanceof GovernanceAuthFailed && error.status === 401);
    if (grantRefused) {
      if (!(error instanceof PersonGrantRefused)) {
        this.options.logger?.error(
          { person: person.id, action },
          "IGA refused a person's token from the person grant: check the grant's scopes (PINGONE_PERSON_SCOPES)",
        );
      }
      return new GovernanceRejected(
        action as GovernanceOperation,
        `PingOne did not let Gatehouse ${words.done} as you, so ${words.notDone}.`,
        (error as GovernanceRejected | GovernanceAuthFailed).status,
        (error as GovernanceRejected | GovernanceAuthFailed).vendorCode,
        { label: words.instead, url: link },
      );
    }
    if (error instanceof GovernanceRejected && error.status === 403) {
      return new GovernanceRejected(
        action as GovernanceOperation,
        `PingOne does not let you ${words.forbidden}, so ${words.notDone}.`,
        403,
        error.vendorCode,
        { label: words.open, url: link },
      );
    }
    return error;
  }
}
