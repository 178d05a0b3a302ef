/**
 * The least number of governance calls each action can cost (its floor), on each backend, and what
 * in the vendor's API forces each of them. Counted in the steady state of a working org (people's
 * identities, their names, the catalog's names and the policy already known: none of those change
 * within a request's life), so a floor is what every action pays, not what the first one after a
 * restart pays once. Beside each floor, what Gatehouse actually costs (bench/action-costs.ts, pinned
 * by test/flows/calls-per-action.test.ts).
 *
 * Okta, in the order an action makes them:
 * - request (7): the entry's request fields for this person (whether they may request it, what its
 *   form asks); the person's open requests, twice (the list's filter takes `status eq` only, joined
 *   with AND, so SUBMITTED and PENDING are two lists); whether the person already holds the entry
 *   (issue 21: a warning instead of a request; the person's granted requests, one list, and the
 *   app's grants only when one of those was for this entry; Okta's request fields do not say, and
 *   creating answers no such refusal); the
 *   create (it answers SUBMITTED, which Okta moves on by itself); the request read again (what it
 *   settled into: waiting for a step, or approved at once, is what the person is told) and its
 *   tasks (its approvers).
 * - status (2): the request; its tasks (steps live only in the Tasks API, one request per filter).
 * - mine (2): the person's requests (one list page); the tasks of each open one listed (one here).
 * - pending (4): the person's open tasks; for each request waiting (one here) the request and its
 *   tasks (a task names its request, not the requester or the entry, nor the other steps); the
 *   org's delegate appointments (issue 21: whose approvals the person decides as a delegate; Okta's
 *   list filters by delegator only, so all are read, one page per 200, kept five minutes).
 * - app home (5): pending (3) and the person's open requests (2: SUBMITTED and PENDING), none open.
 * - comment (3): the request and its tasks (who may comment); the message. Okta reads no comment
 *   back, so a comment changes nothing the request shows.
 * - approve, reject (6): the request and its tasks (who may decide which step); the resolve (it
 *   answers the task, with who completed it); the note naming the approver (Okta credits the
 *   service account); the request and its tasks again (what the decision led to: the next step
 *   opened, or the request closed).
 * - cancel (4): the request and its tasks (who may cancel); the PATCH (it answers the request); the
 *   note naming who cancelled.
 * - sync (2): one change on every platform: the request and its tasks, read once for all platforms.
 * - poll cycle (2 + 2k for k requests made in the portal): the request list by `lastUpdated` (one
 *   page per 200) and the task changes (one page); then each new request read whole once (the list
 *   item leaves out the reason and the duration, which the cards show) and its tasks (its
 *   approvers), once for all platforms; and each new request's risk assessment (issue 21: the
 *   separation-of-duties warning on the approver's card, one POST, in its own rate-limit family,
 *   kept per request and step). A request already read costs only its tasks when it changes
 *   (what the list leaves out never changes once asked): 2 + k for k such changes. The bench's
 *   cycle is of new requests: 2 + 3k.
 *
 * PingOne IGA, whose reads answer whole requests (phases, comments, decision) in one call:
 * - request (5): the catalog item (by any of its ids: what it is, its rules); the person's open
 *   requests (one search, the statuses OR'd in its target filter); whether the person already
 *   holds it (issue 21: their grants of the item's type, one call); validate (Ping's own UI
 *   validates before it creates; that create refuses what validate reports is not documented);
 *   the create (it answers the whole request).
 * - status, mine, pending (1 each): the request; the person's requests; the person's tasks.
 * - app home (2): the person's tasks and their open requests.
 * - comment, approve, reject, cancel (2 each): the request (who may act, on which phase); the
 *   `_action` (it answers the request as it stands after it). The person's token comes from AM
 *   once per token lifetime, not per action.
 * - sync (1): the request, once for all platforms.
 * - poll cycle (2): the changes by `metadata.modifiedDate` (one page per 100) and the open requests
 *   (one page per 100); both answer whole requests, so no change needs another read.
 */

export type Backend = 'okta' | 'pingone';

export type ActionName =
  | 'request'
  | 'status'
  | 'mine'
  | 'pending'
  | 'app home'
  | 'comment'
  | 'approve'
  | 'reject'
  | 'cancel'
  | 'sync'
  | 'poll cycle';

/** Requests changed in the portal between two polls, for the poll cycle's figure. */
export const POLL_CHANGES = 10;

const FLOORS: Record<Backend, Record<ActionName, number>> = {
  okta: {
    request: 7,
    status: 2,
    mine: 2,
    pending: 4,
    'app home': 5,
    comment: 3,
    approve: 6,
    reject: 6,
    cancel: 4,
    sync: 2,
    'poll cycle': 2 + 3 * POLL_CHANGES,
  },
  pingone: {
    request: 5,
    status: 1,
    mine: 1,
    pending: 1,
    'app home': 2,
    comment: 2,
    approve: 2,
    reject: 2,
    cancel: 2,
    sync: 1,
    'poll cycle': 2,
  },
};

export function floorOf(backend: Backend, action: ActionName): number {
  return FLOORS[backend][action];
}

/**
 * The most each action may cost today: its floor, or what is written here with why not. A test
 * (test/flows/calls-per-action.test.ts) fails when an action costs more, so a regression shows.
 */
export const WRITTEN: Record<Backend, Partial<Record<ActionName, { calls: number; why: string }>>> = {
  okta: {},
  pingone: {},
};

/** The most `action` may cost on `backend` now: its written figure, or its floor. */
export function allowedCalls(backend: Backend, action: ActionName): number {
  return WRITTEN[backend][action]?.calls ?? floorOf(backend, action);
}
