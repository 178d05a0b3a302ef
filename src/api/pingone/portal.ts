/**
 * Links into PingOne's end-user UI, where people act on requests themselves. The UI routes with
 * the URL's hash (platform-ui, packages/platform-enduser/src/router.js: createWebHashHistory):
 * `#/approvals/:requestId/:status` is an approver's view of one request (`active` while it waits
 * for them, as Approvals/index.vue opens it), `#/my-requests/details/:requestId` a requester's.
 */
export class PingOnePortal {
  /** The realm's end-user UI. */
  readonly home: string;

  constructor(tenantUrl: string, realm: string) {
    this.home = `${tenantUrl}/enduser/?realm=${encodeURIComponent(realm)}`;
  }

  /** Where an approver decides this request in Ping. */
  approval(requestId: string): string {
    return `${this.home}#/approvals/${encodeURIComponent(requestId)}/active`;
  }

  /** Where the person who asked follows, comments on or cancels this request in Ping. */
  myRequest(requestId: string): string {
    return `${this.home}#/my-requests/details/${encodeURIComponent(requestId)}`;
  }
}
