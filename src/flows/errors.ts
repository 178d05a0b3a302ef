import { type ActionLink, GatehouseError } from '../domain/errors.js';
import type { AccessRequest, Decision, PrincipalRef, RequestStatus } from '../domain/types.js';
import { describeDuration, formatTime, nameOf } from './wording.js';

/**
 * Everything a flow can refuse, as types. Each message tells the person what happened and what to
 * do next; adapters render them as they are.
 */
export abstract class FlowError extends GatehouseError {}

export class NoEmail extends FlowError {
  readonly code = 'no_email';
  readonly userMessage =
    'Your chat account has no email address, so Gatehouse cannot tell who you are in the governance system. ' +
    'Ask your workspace admin to add one.';
}

export class UnknownUser extends FlowError {
  readonly code = 'unknown_user';
  readonly userMessage: string;
  constructor(readonly email: string) {
    super(`no principal for ${email}`);
    this.userMessage = `No account in the governance system uses ${email}, so you cannot request or approve access here. Ask your IT team to check your account.`;
  }
}

export class AmbiguousUser extends FlowError {
  readonly code = 'ambiguous_user';
  readonly userMessage: string;
  constructor(
    readonly email: string,
    readonly count: number,
  ) {
    super(`${count} principals share ${email}`);
    this.userMessage = `${count} accounts in the governance system use ${email}, and Gatehouse will not guess which one is you. Ask your IT team to make it unique.`;
  }
}

export class InactiveUser extends FlowError {
  readonly code = 'inactive_user';
  readonly userMessage = 'Your account in the governance system is not active, so Gatehouse cannot act for you.';
}

/**
 * The chat e-mail holds characters that are not plain ASCII, or that only become plain ASCII once
 * Unicode-normalized (KELVIN SIGN for K, fullwidth letters, Cyrillic look-alikes, invisible
 * characters): it names another mailbox than the ASCII address it resembles, so it is not matched.
 * The address is not echoed, since what it looks like is exactly what cannot be trusted.
 */
export class UnsafeEmail extends FlowError {
  readonly code = 'unsafe_email';
  readonly userMessage =
    'The e-mail address on your chat account contains characters that only look like plain letters (or cannot be seen at all), ' +
    'so Gatehouse cannot match it to an account in the governance system safely. Ask your IT team to check the e-mail on your chat account.';
}

/** The directory answered with an account whose e-mail is not exactly the chat e-mail. */
export class IdentityMismatch extends FlowError {
  readonly code = 'identity_mismatch';
  readonly userMessage: string;
  constructor(
    readonly email: string,
    found: string,
  ) {
    super(`directory answered ${JSON.stringify(found)} for ${email}`);
    this.userMessage = `The governance system has no account whose e-mail is exactly ${email}, so Gatehouse cannot tell who you are. Ask your IT team to check your account.`;
  }
}

/** One person asked for more than the personal limit allows; nothing reached the governance system. */
export class TooFast extends FlowError {
  readonly code = 'too_fast';
  readonly userMessage: string;
  constructor(readonly retryAfterSeconds: number) {
    super(`personal rate limit reached; retry in ${retryAfterSeconds} s`);
    this.userMessage = `You are going too fast; wait ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'} and try again. Nothing was done.`;
  }
}

export class RequestNotFound extends FlowError {
  readonly code = 'request_not_found';
  readonly userMessage: string;
  constructor(readonly requestId: string) {
    super(`request ${requestId} not found`);
    // Worded for "absent" and "not yours" alike, so that status cannot tell whether an id exists.
    this.userMessage = `There is no request with id ${requestId} that you can see. You can only see requests you made, are the subject of, or approve; use "mine" to list yours.`;
  }
}

export class EntryNotFound extends FlowError {
  readonly code = 'entry_not_found';
  readonly userMessage: string;
  constructor(readonly query: string) {
    super(`no catalog entry matches ${query}`);
    this.userMessage = `Nothing you can request matches "${query}". Try a shorter name, or open the request form to browse.`;
  }
}

export class JustificationRequired extends FlowError {
  readonly code = 'justification_required';
  readonly userMessage: string;
  constructor(readonly entryName: string) {
    super(`justification required for ${entryName}`);
    this.userMessage = `${entryName} needs a justification: say why you need it (… because <reason>).`;
  }
}

export class InvalidDuration extends FlowError {
  readonly code = 'invalid_duration';
  readonly userMessage: string;
  constructor(readonly text: string) {
    super(`cannot read duration ${text}`);
    this.userMessage = `"${text}" is not a duration Gatehouse understands. Use something like 4h, 2 days or 1w.`;
  }
}

export class DurationNotAllowed extends FlowError {
  readonly code = 'duration_not_allowed';
  readonly userMessage: string;
  constructor(readonly entryName: string) {
    super(`${entryName} does not take a duration`);
    this.userMessage = `${entryName} cannot be requested for a limited time; leave out the duration.`;
  }
}

export class DurationRequired extends FlowError {
  readonly code = 'duration_required';
  readonly userMessage: string;
  constructor(
    readonly entryName: string,
    readonly max?: string,
  ) {
    super(`${entryName} requires a duration`);
    this.userMessage = `${entryName} is only granted for a limited time: add "for <duration>"${max ? ` (at most ${describeDuration(max)})` : ''}.`;
  }
}

export class DurationTooLong extends FlowError {
  readonly code = 'duration_too_long';
  readonly userMessage: string;
  constructor(
    readonly entryName: string,
    readonly max: string,
  ) {
    super(`duration longer than ${max} for ${entryName}`);
    this.userMessage = `${entryName} can be granted for at most ${describeDuration(max)}.`;
  }
}

export class DuplicateRequest extends FlowError {
  readonly code = 'duplicate_request';
  readonly userMessage: string;
  constructor(readonly existing: AccessRequest) {
    super(`open request ${existing.id} already exists`);
    this.userMessage = `There is already an open request for ${existing.entry.name} (${existing.id}); it is ${existing.status}.`;
  }
}

export class NotAnApprover extends FlowError {
  readonly code = 'not_an_approver';
  readonly userMessage: string;
  constructor(
    readonly requestId: string,
    readonly step?: { index: number; total?: number },
  ) {
    super(`not an approver of ${requestId}`);
    this.userMessage = step
      ? `You are not an approver of step ${step.index}${step.total ? ` of ${step.total}` : ''} for request ${requestId}, so you cannot decide it.`
      : `You are not an approver of request ${requestId}.`;
  }
}

export class SelfApprovalForbidden extends FlowError {
  readonly code = 'self_approval_forbidden';
  readonly userMessage: string;
  /** `aloneOnStep`: the step whose every approver is the requester or the person it is for. */
  constructor(aloneOnStep?: number) {
    super();
    this.userMessage =
      aloneOnStep === undefined
        ? 'You cannot decide a request for your own access, or one you made. Another approver has to.'
        : `You cannot decide a request for your own access, or one you made, and nobody else can approve step ${aloneOnStep}: an administrator has to reassign it or decide it in the portal.`;
  }
}

export class AlreadyDecided extends FlowError {
  readonly code = 'already_decided';
  readonly userMessage: string;
  constructor(
    readonly requestId: string,
    readonly decision: Decision,
    readonly by: PrincipalRef,
    readonly at: string,
  ) {
    super(`${requestId} already ${decision}d`);
    this.userMessage = `This was already ${decision === 'approve' ? 'approved' : 'rejected'} by ${nameOf(by)} at ${formatTime(at)}.`;
  }
}

/**
 * The request's approvals are handled in the governance system, not in chat (Gatehouse cannot see
 * its steps): the decision has to be made there. Said to whoever presses, since nobody in chat is
 * known to be its approver; it tells nothing about the request but its id and where to decide.
 */
export class DecideElsewhere extends FlowError {
  readonly code = 'decide_elsewhere';
  readonly userMessage: string;
  override readonly link?: ActionLink;
  constructor(
    readonly requestId: string,
    readonly where: { system: string; url?: string },
  ) {
    super(`${requestId}: approvals are handled in ${where.system}`);
    this.userMessage = `Approvals for request ${requestId} are handled in ${where.system}, not in chat, so this decision must be made in ${where.system}.`;
    this.link = where.url ? { label: `Decide in ${where.system}`, url: where.url } : undefined;
  }
}

export class RequestClosed extends FlowError {
  readonly code = 'request_closed';
  readonly userMessage: string;
  constructor(
    readonly requestId: string,
    readonly status: RequestStatus,
    readonly at: string,
  ) {
    super(`${requestId} is ${status}`);
    this.userMessage = `Request ${requestId} is ${status} (since ${formatTime(at)}); there is nothing left to decide.`;
  }
}

export class DecisionInProgress extends FlowError {
  readonly code = 'decision_in_progress';
  readonly userMessage = 'A decision on this step is already being recorded. The message will update in a moment.';
}

export class RequestInProgress extends FlowError {
  readonly code = 'request_in_progress';
  readonly userMessage = 'This request is already being submitted; you will get its confirmation in a moment.';
}

export class ReasonRequired extends FlowError {
  readonly code = 'reason_required';
  readonly userMessage: string;
  constructor(readonly decision: Decision) {
    super(`${decision} needs a reason`);
    this.userMessage = `A reason is required to ${decision} this request.`;
  }
}

export class NotAllowedToComment extends FlowError {
  readonly code = 'not_allowed_to_comment';
  readonly userMessage = 'Only the requester and the approvers of a request can comment on it.';
}

export class NotAllowedToCancel extends FlowError {
  readonly code = 'not_allowed_to_cancel';
  readonly userMessage = 'Only the person who made a request, or the person it is for, can cancel it.';
}

export class TextInvalid extends FlowError {
  readonly code = 'text_invalid';
  readonly userMessage: string;
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.userMessage = `The ${field} ${problem}.`;
  }
}

/** The write may or may not have landed, and the backend could not be asked. */
export class DecisionOutcomeUnknown extends FlowError {
  readonly code = 'decision_outcome_unknown';
  readonly userMessage =
    'The governance system did not confirm your decision, and could not be asked whether it landed. If it did, this message will update; if the buttons are still here in a minute, press again.';
}

export class DecisionUnconfirmed extends FlowError {
  readonly code = 'decision_unconfirmed';
  readonly userMessage =
    'The governance system did not confirm your decision and it is not recorded there. Nothing changed; please try again.';
}

/** `cancel <app>` or `status <app>` named none of the person's requests. */
export class NoRequestNamed extends FlowError {
  readonly code = 'no_request_named';
  readonly userMessage: string;
  constructor(
    readonly named: string,
    open: boolean,
  ) {
    super(`no request named ${named}`);
    this.userMessage = `You have no ${open ? 'open ' : ''}request for “${named}”. Use "mine" to list yours, or give the request's id.`;
  }
}

/** `cancel <app>` named several of the person's open requests: which one is for them to say, by id. */
export class SeveralRequestsNamed extends FlowError {
  readonly code = 'several_requests_named';
  readonly userMessage: string;
  constructor(
    readonly named: string,
    readonly matches: { id: string; name: string }[],
  ) {
    super(`${matches.length} requests named ${named}`);
    const listed = matches.map((match) => `${match.name} (${match.id})`).join(', ');
    this.userMessage = `“${named}” matches ${matches.length} of your open requests: ${listed}. Say which, by its id.`;
  }
}

/** The grant would break a separation-of-duties rule: approving it needs a written reason. */
export class RiskReasonRequired extends FlowError {
  readonly code = 'risk_reason_required';
  readonly userMessage: string;
  constructor(readonly rules: string[]) {
    super(`approving a grant that conflicts with ${rules.join(', ') || 'rules not read'} needs a reason`);
    // No rules: the backend assesses grants but could not say just now what this one risks.
    this.userMessage =
      rules.length > 0
        ? `This grant conflicts with ${rules.map((rule) => `“${rule}”`).join(', ')}: say why you approve it anyway.`
        : 'The governance system could not say just now what this grant risks: say why you approve it, or try again in a minute.';
  }
}

/** Only an approver who may decide the open step can forward it. */
export class NotAllowedToForward extends FlowError {
  readonly code = 'not_allowed_to_forward';
  readonly userMessage: string = 'Only an approver of the step waiting now can forward it.';
}

/** The person pressed Forward again on a step they handed on already: said so, not "not an approver". */
export class AlreadyForwarded extends NotAllowedToForward {
  override readonly userMessage: string;
  constructor(to: string) {
    super(`forwarded to ${to} already`);
    this.userMessage = `You forwarded this approval to ${to} already; it is theirs to decide now.`;
  }
}

/** Whom a step was to be forwarded to (or a delegate appointed) cannot take it, and why. */
export class ForwardTargetInvalid extends FlowError {
  readonly code = 'forward_target_invalid';
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

export class DelegateInvalid extends FlowError {
  readonly code = 'delegate_invalid';
  constructor(readonly userMessage: string) {
    super(userMessage);
  }
}

/** What was asked is something this governance backend does not offer (named, with where to do it instead). */
export class NotSupported extends FlowError {
  readonly code = 'not_supported';
  constructor(
    readonly userMessage: string,
    override readonly link?: ActionLink,
  ) {
    super(userMessage);
  }
}

/** A bulk decision over more items than one action may take. */
export class TooManyAtOnce extends FlowError {
  readonly code = 'too_many_at_once';
  readonly userMessage: string;
  constructor(
    readonly asked: number,
    readonly most: number,
  ) {
    super(`${asked} items at once, at most ${most}`);
    this.userMessage = `That is ${asked} at once; decide at most ${most} in one go.`;
  }
}
