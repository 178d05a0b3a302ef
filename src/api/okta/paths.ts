/** Where Okta Identity Governance keeps catalog entries, requests and tasks (v2; grants are still v1). */
export const V2 = '/governance/api/v2';

/** [rcar-request-id]: `req` and letters or digits, 20 characters in all. */
export const REQUEST_ID = /^req[0-9a-zA-Z]{17}$/;

export function requestPath(requestId: string): string {
  return `${V2}/requests/${encodeURIComponent(requestId)}`;
}

export function entryPath(entryId: string): string {
  return `${V2}/catalogs/default/entries/${encodeURIComponent(entryId)}`;
}

export function taskPath(taskId: string): string {
  return `${V2}/tasks/${encodeURIComponent(taskId)}`;
}

/**
 * Where people finish in Okta what chat cannot do: the end-user dashboard's resource catalog, which
 * is also where a requester finds the link to their request ("The link is located on the access
 * level option they selected", help.okta.com, Submit requests from the End-User Dashboard). Okta's
 * material names no page for one request: a v2 request's `_links` (catalogEntry,
 * approvalCondition, approvalSequence, self) are all API addresses, and the only `text/html` links
 * in its OpenAPI document are request types' `createRequest`.
 */
export const END_USER_CATALOG = '/enduser/catalog';

/** Where Okta Identity Governance keeps what v2 does not cover: risk rules, delegates, principal settings. */
export const V1 = '/governance/api/v1';
