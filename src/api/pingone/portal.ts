/**
 * Links into PingOne's end-user UI, where people act on requests themselves. The UI routes with
 * the URL's hash (platform-ui, packages/platform-enduser/src/router.js: createWebHashHistory):
 * `#/approvals/:requestId/:status` is an approver's view of one request (`active` while it waits
 * for them, as Approvals/index.vue opens it; ApprovalDetails.vue falls back to the request itself
 * when it no longer waits for them, so `active` also shows a decided one),
 * `#/my-requests/details/:requestId` a requester's (MyRequestDetails.vue).
 */
export class PingOnePortal {
  /** The realm's end-user UI. */
  readonly home: string;

  constructor(tenantUrl: string, realm: string) {
    this.home = `${tenantUrl}/enduser/?realm=${encodeURIComponent(realm)}`;
  }

  /** Where an approver decides this request in Ping. */
  approval(requestId: string): string {
    return approvalLink(this.home, requestId);
  }

  /** Where the person who asked follows, comments on or cancels this request in Ping. */
  myRequest(requestId: string): string {
    return myRequestLink(this.home, requestId);
  }
}

/** An approver's page for one request, below the end-user UI at `home`. */
export function approvalLink(home: string, requestId: string): string {
  return `${home}#/approvals/${encodeURIComponent(requestId)}/active`;
}

/** A requester's page for one request, below the end-user UI at `home`. */
export function myRequestLink(home: string, requestId: string): string {
  return `${home}#/my-requests/details/${encodeURIComponent(requestId)}`;
}
