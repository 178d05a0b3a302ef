import { z } from 'zod';
import type { Governance } from '../api/governance.js';
import type { Principal } from '../domain/types.js';
import type { Store } from '../store/index.js';
import { getJson, setJson } from '../store/index.js';
import { AmbiguousUser, InactiveUser, NoEmail, UnknownUser } from './errors.js';

/** Who is acting, as the chat platform says: adapters fill this from Slack / Teams profiles. */
export interface ChatIdentity {
  platform: 'slack' | 'teams';
  userId: string;
  email?: string;
  displayName?: string;
}

const CACHE_TTL_MS = 10 * 60_000;

const cachedPrincipal = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  login: z.string().optional(),
  managerId: z.string().optional(),
  active: z.boolean(),
});

/**
 * Maps a chat identity to a governance principal by email, and fails closed: no email, no match,
 * several matches or an inactive account all refuse. Only unambiguous answers are cached, so a
 * fixed directory is picked up on the next try.
 */
export class IdentityResolver {
  constructor(
    private readonly governance: Governance,
    private readonly store: Store,
  ) {}

  async resolve(identity: ChatIdentity): Promise<Principal> {
    const email = identity.email?.trim().toLowerCase();
    if (!email) throw new NoEmail(`${identity.platform} user ${identity.userId} has no email`);
    const key = `identity:${email}`;
    const cached = await getJson(this.store, key, cachedPrincipal);
    if (cached) return cached;
    const matches = await this.governance.findPrincipalsByEmail(email);
    if (matches.length === 0) throw new UnknownUser(email);
    if (matches.length > 1) throw new AmbiguousUser(email, matches.length);
    const [principal] = matches as [Principal];
    if (!principal.active) throw new InactiveUser(`${email} is not active`);
    await setJson(this.store, key, principal, { ttlMs: CACHE_TTL_MS });
    return principal;
  }
}
