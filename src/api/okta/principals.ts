import { LRUCache } from 'lru-cache';
import type { Principal, PrincipalRef } from '../../domain/types.js';
import { orNull, quote } from '../lookup.js';
import type { OktaHttp } from './http.js';
import { toPrincipal } from './mapping.js';
import { oktaUser, oktaUserList } from './wire.js';

const NAME_TTL_MS = 10 * 60_000;

/** People in Okta: users found by e-mail or id, and the names of those a request mentions, cached. */
export class OktaPrincipals {
  private readonly names = new LRUCache<string, PrincipalRef>({ max: 5000, ttl: NAME_TTL_MS });
  /** Names being read now: requests read together (a poll's syncs) mention the same people. */
  private readonly reading = new Map<string, Promise<unknown>>();

  constructor(private readonly http: OktaHttp) {}

  /**
   * The people whose e-mail this is. Okta's `search` also answers DEPROVISIONED users (a former
   * employee whose address someone now has), which plain listing leaves out: they count only when
   * nobody else has the address, so a former colleague never makes the current one ambiguous, and a
   * deprovisioned account alone still reads as inactive rather than unknown.
   */
  async findByEmail(email: string): Promise<Principal[]> {
    const { body } = await this.http.get('findPrincipalByEmail', '/api/v1/users', oktaUserList, {
      search: `profile.email eq "${quote(email)}"`,
      limit: 10,
    });
    const wanted = email.toLowerCase();
    const matching = body.filter((user) => toPrincipal(user).email.toLowerCase() === wanted);
    const current = matching.filter((user) => user.status !== 'DEPROVISIONED');
    return (current.length > 0 ? current : matching).map(toPrincipal);
  }

  async get(id: string): Promise<Principal | null> {
    return orNull(async () => {
      const { body } = await this.http.get('getPrincipal', `/api/v1/users/${encodeURIComponent(id)}`, oktaUser);
      const principal = toPrincipal(body);
      this.names.set(id, { id, displayName: principal.displayName, email: principal.email });
      return principal;
    });
  }

  /** Names for these Okta user ids, each read once while cached; one that cannot be read stays a bare id. */
  async refs(ids: string[]): Promise<Map<string, PrincipalRef>> {
    await Promise.all(ids.filter((id) => !this.names.has(id)).map((id) => this.readName(id)));
    return new Map(ids.map((id) => [id, this.names.get(id) ?? { id }]));
  }

  private readName(id: string): Promise<unknown> {
    const running = this.reading.get(id);
    if (running) return running;
    const read = this.get(id)
      .catch(() => null)
      .finally(() => this.reading.delete(id));
    this.reading.set(id, read);
    return read;
  }
}
