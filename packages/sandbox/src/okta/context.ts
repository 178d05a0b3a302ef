import type { FastifyRequest } from 'fastify';
import { type Caller, hasScope } from './auth.js';
import { authenticationFailed, forbidden } from './errors.js';
import type { OktaOrg } from './org.js';
import { originOf } from './paging.js';

/** What every route needs besides the request: the org, who is calling, and the org URL they used. */
export class EmulatorContext {
  private readonly callers = new WeakMap<FastifyRequest, Caller>();

  constructor(
    readonly org: OktaOrg,
    /** The emulator's mount point ('' when mounted at the root). */
    readonly prefix: string,
  ) {}

  /** The org URL as this client addresses it, for absolute links. */
  base(request: FastifyRequest): string {
    return `${originOf(request)}${this.prefix}`;
  }

  authenticate(request: FastifyRequest): void {
    const caller = this.org.credentials.authenticate(request.headers.authorization, this.org.directory.user);
    if (!caller) throw authenticationFailed();
    this.callers.set(request, caller);
  }

  caller(request: FastifyRequest): Caller {
    const caller = this.callers.get(request);
    if (!caller) throw authenticationFailed();
    return caller;
  }

  /**
   * OAuth tokens need the endpoint's scope; SSWS tokens act with their admin's rights. Either way the
   * credentials' admin role must allow the operation (OktaOrgOptions.adminRoles).
   */
  requireScope(request: FastifyRequest, scope: string): Caller {
    const caller = this.caller(request);
    if (!hasScope(caller, scope) || !this.org.permits(scope)) throw forbidden();
    return caller;
  }
}
