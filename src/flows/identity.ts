import { z } from 'zod';
import type { Governance } from '../api/governance.js';
import type { Principal } from '../domain/types.js';
import type { Store } from '../store/index.js';
import { getJson, setJson } from '../store/index.js';
import { AmbiguousUser, IdentityMismatch, InactiveUser, NoEmail, UnknownUser, UnsafeEmail } from './errors.js';

/** Who is acting, as the chat platform says: adapters fill this from Slack / Teams profiles. */
export interface ChatIdentity {
  platform: 'slack' | 'teams';
  userId: string;
  email?: string;
  displayName?: string;
}

/** How long a resolved person is reused. */
const CACHE_TTL_MS = 10 * 60_000;
/**
 * How long a directory's "no" (nobody, several people, an inactive account, another e-mail) is
 * reused: long enough that type-ahead and repeated commands of someone the directory does not know
 * cost one search a minute, short enough that a fixed account works again a minute later.
 */
export const NEGATIVE_CACHE_TTL_MS = 60_000;

const cachedPrincipal = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  login: z.string().optional(),
  managerId: z.string().optional(),
  title: z.string().optional(),
  department: z.string().optional(),
  active: z.boolean(),
});

const cachedRefusal = z.discriminatedUnion('code', [
  z.object({ code: z.literal('unknown_user') }),
  z.object({ code: z.literal('ambiguous_user'), count: z.number() }),
  z.object({ code: z.literal('inactive_user') }),
  z.object({ code: z.literal('identity_mismatch'), found: z.string() }),
]);
type CachedRefusal = z.infer<typeof cachedRefusal>;

/** Printable ASCII without spaces: all an e-mail address Gatehouse matches may hold. */
const PLAIN_ADDRESS = /^[\x21-\x7e]+$/;

/** Lower-cases A–Z only: `toLowerCase` would also fold KELVIN SIGN (U+212A) into k. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * The chat e-mail as Gatehouse compares it: NFKC-normalized, then refused unless it is plain ASCII
 * and was already so before normalizing (NFKC turns KELVIN SIGN into K and fullwidth ａ into a, so
 * an address it changes is a look-alike of another mailbox, not that mailbox), then lower-cased
 * (ASCII letters only). Throws NoEmail or UnsafeEmail.
 */
export function normalizeEmail(identity: ChatIdentity): string {
  const given = identity.email?.trim() ?? '';
  if (!given) throw new NoEmail(`${identity.platform} user ${identity.userId} has no email`);
  const normalized = given.normalize('NFKC');
  if (normalized !== given || !PLAIN_ADDRESS.test(normalized)) {
    throw new UnsafeEmail(
      `${identity.platform} user ${identity.userId} has a non-ASCII email ${JSON.stringify(given)}`,
    );
  }
  return asciiLower(normalized);
}

/** Whether a principal's e-mail is exactly this normalized chat e-mail (ASCII letters compared without case). */
function sameEmail(principal: Principal, email: string): boolean {
  return asciiLower(principal.email.trim()) === email;
}

/**
 * Maps a chat identity to a governance principal by email, and fails closed: no email, a
 * non-ASCII or look-alike email, no match, several matches, a match whose e-mail is not exactly
 * the chat e-mail, or an inactive account all refuse. Answers are cached in the store (a person
 * for 10 minutes, a refusal for a minute), and concurrent look-ups of one e-mail in this process
 * share one call. Errors of the governance system itself (unavailable, rate limited) are never
 * cached: the next try asks again.
 */
export class IdentityResolver {
  private readonly inFlight = new Map<string, Promise<Principal>>();

  constructor(
    private readonly governance: Governance,
    private readonly store: Store,
  ) {}

  async resolve(identity: ChatIdentity): Promise<Principal> {
    const email = normalizeEmail(identity);
    const pending = this.inFlight.get(email);
    if (pending) return pending;
    const lookup = this.lookup(email).finally(() => this.inFlight.delete(email));
    this.inFlight.set(email, lookup);
    return lookup;
  }

  private async lookup(email: string): Promise<Principal> {
    const key = `identity:${email}`;
    const refusalKey = `identity-refused:${email}`;
    const cached = await getJson(this.store, key, cachedPrincipal);
    if (cached && sameEmail(cached, email)) return cached;
    const refused = await getJson(this.store, refusalKey, cachedRefusal);
    if (refused) throw refusal(email, refused);
    const matches = await this.governance.findPrincipalsByEmail(email);
    const exact = matches.filter((principal) => sameEmail(principal, email));
    const answer: Principal | CachedRefusal =
      matches.length === 0
        ? { code: 'unknown_user' }
        : exact.length === 0
          ? { code: 'identity_mismatch', found: matches[0]?.email ?? '' }
          : exact.length > 1
            ? { code: 'ambiguous_user', count: exact.length }
            : (exact[0] as Principal).active
              ? (exact[0] as Principal)
              : { code: 'inactive_user' };
    if ('code' in answer) {
      await setJson(this.store, refusalKey, answer, { ttlMs: NEGATIVE_CACHE_TTL_MS });
      throw refusal(email, answer);
    }
    await setJson(this.store, key, answer, { ttlMs: CACHE_TTL_MS });
    return answer;
  }
}

function refusal(email: string, refused: CachedRefusal): Error {
  switch (refused.code) {
    case 'unknown_user':
      return new UnknownUser(email);
    case 'ambiguous_user':
      return new AmbiguousUser(email, refused.count);
    case 'inactive_user':
      return new InactiveUser(`${email} is not active`);
    case 'identity_mismatch':
      return new IdentityMismatch(email, refused.found);
  }
}
