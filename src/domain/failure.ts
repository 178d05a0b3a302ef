import type { ActionLink, GatehouseError } from './errors.js';

/**
 * Every reason Gatehouse gives for not doing something, one list: a code added anywhere must be
 * added here, so renderers and tests can switch on codes the compiler knows.
 */
export const FAILURE_CODES = [
  // the governance system (src/api)
  'governance_unavailable',
  'governance_rate_limited',
  'governance_rejected',
  'governance_auth_failed',
  'governance_not_found',
  'governance_protocol_error',
  'governance_unsupported',
  // the store
  'store_unavailable',
  // who the person is
  'unknown_user',
  'ambiguous_user',
  'identity_mismatch',
  'inactive_user',
  'no_email',
  'unsafe_email',
  'slack_user_unknown',
  'slack_user_foreign',
  'slack_foreign_workspace',
  'slack_workspace_unconfirmed',
  'teams_user_unknown',
  // what the flows refuse
  'too_fast',
  'text_invalid',
  'entry_not_found',
  'justification_required',
  'reason_required',
  'duration_required',
  'duration_not_allowed',
  'duration_too_long',
  'invalid_duration',
  'duplicate_request',
  'request_in_progress',
  'request_not_found',
  'request_closed',
  'not_an_approver',
  'self_approval_forbidden',
  'already_decided',
  'decide_elsewhere',
  'decision_in_progress',
  'decision_unconfirmed',
  'decision_outcome_unknown',
  'not_allowed_to_comment',
  'not_allowed_to_cancel',
  'no_request_named',
  'several_requests_named',
  'already_has_access',
  'risk_reason_required',
  'not_allowed_to_forward',
  'forward_target_invalid',
  'delegate_invalid',
  'not_supported',
  'too_many_at_once',
  // a bug, logged
  'internal_error',
] as const;

export type FailureCode = (typeof FAILURE_CODES)[number];

/**
 * Why something was not done, worded for the person (`message`), with a code to switch on. The one
 * failure value of Gatehouse: flows return it in an Outcome, adapters make their own (an unknown
 * chat user) with `failure()`. A class with a private brand, so telling a failure from a value is
 * `instanceof`, never a guess from the fields an object happens to have.
 */
export class Failure {
  readonly #brand = true;

  constructor(
    readonly code: FailureCode,
    readonly message: string,
    /** The error itself, for adapters that render some failures specially (e.g. a duplicate request). */
    readonly cause?: GatehouseError,
  ) {}

  /** Where the person can do it instead, for adapters to render as a real link after the message. */
  get link(): ActionLink | undefined {
    return this.cause?.link;
  }

  /** The failure a GatehouseError stands for: its code and the message written for people. */
  static of(error: GatehouseError): Failure {
    return new Failure(error.code, error.userMessage, error);
  }

  /** Made by this class, not an object that merely has a code and a message. */
  static is(value: unknown): value is Failure {
    return typeof value === 'object' && value !== null && #brand in value;
  }
}

export function failure(code: FailureCode, message: string): Failure {
  return new Failure(code, message);
}

/** A failure rather than a value, for code holding either (a chat identity or why there is none). */
export function isFailure<V>(value: V | Failure): value is Failure {
  return Failure.is(value);
}
