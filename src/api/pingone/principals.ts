import type { Principal } from '../../domain/types.js';
import { orNull, quote } from '../lookup.js';
import type { PingOneHttp } from './http.js';
import { toPrincipal } from './mapping.js';
import { managedUser, managedUserList } from './wire.js';

/** People in PingOne: the realm's managed users (`/openidm`), found by e-mail or id. */
export class PingOnePrincipals {
  constructor(
    private readonly http: PingOneHttp,
    private readonly realm: string,
  ) {}

  async findByEmail(email: string): Promise<Principal[]> {
    const { body } = await this.http.get('findPrincipalByEmail', this.usersPath(), managedUserList, {
      _queryFilter: `mail eq "${quote(email)}"`,
      _fields: '_id,userName,givenName,sn,mail,accountStatus',
      _pageSize: 10,
    });
    const wanted = email.toLowerCase();
    return body.result.map(toPrincipal).filter((principal) => principal.email.toLowerCase() === wanted);
  }

  async get(id: string): Promise<Principal | null> {
    return orNull(async () => {
      const path = `${this.usersPath()}/${encodeURIComponent(id)}`;
      return toPrincipal((await this.http.get('getPrincipal', path, managedUser)).body);
    });
  }

  private usersPath(): string {
    return `/openidm/managed/${this.realm}_user`;
  }
}
