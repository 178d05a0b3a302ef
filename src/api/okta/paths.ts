/** Where Okta Identity Governance keeps catalog entries, requests and tasks (v2; grants are still v1). */
export const V2 = '/governance/api/v2';

export function requestPath(requestId: string): string {
  return `${V2}/requests/${encodeURIComponent(requestId)}`;
}

export function entryPath(entryId: string): string {
  return `${V2}/catalogs/default/entries/${encodeURIComponent(entryId)}`;
}

export function taskPath(taskId: string): string {
  return `${V2}/tasks/${encodeURIComponent(taskId)}`;
}
