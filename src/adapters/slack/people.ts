import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { ChatIdentity, PersonView } from '../../flows/index.js';
import { getJson, type Store, setJson } from '../../store/index.js';

const CACHE_TTL_MS = 10 * 60_000;

const cachedUser = z.object({ email: z.string().optional(), name: z.string().optional() });
const cachedLookup = z.object({ userId: z.string().nullable() });

/** Slack's answer when it cannot tell who a user is (Slack down, user gone). */
export class SlackUserUnknown extends Error {}

/**
 * Who is who between Slack and the governance system, both ways, by email: a Slack user's email
 * comes from users.info, a principal's Slack user from users.lookupByEmail. Both are cached, because
 * every click needs the first and every notification the second.
 */
export class SlackPeople {
  constructor(
    private readonly client: WebClient,
    private readonly store: Store,
  ) {}

  async identity(userId: string): Promise<ChatIdentity> {
    const key = `slack:user:${userId}`;
    let user = await getJson(this.store, key, cachedUser);
    if (!user) {
      const answer = await this.client.users.info({ user: userId }).catch((err: unknown) => {
        throw new SlackUserUnknown(`users.info ${userId} failed`, { cause: err });
      });
      const profile = answer.user?.profile;
      // Only a live human with a confirmed email is anyone: a bot, a deactivated account or an
      // address its owner never confirmed could otherwise borrow someone's identity.
      const trusted = !answer.user?.is_bot && !answer.user?.deleted && answer.user?.is_email_confirmed !== false;
      const email = trusted ? profile?.email : undefined;
      user = { email, name: profile?.real_name || answer.user?.real_name || answer.user?.name };
      await setJson(this.store, key, user, { ttlMs: CACHE_TTL_MS });
    }
    return { platform: 'slack', userId, email: user.email, displayName: user.name };
  }

  /** The Slack user with this person's email, or null when there is none. */
  async userIdFor(person: PersonView): Promise<string | null> {
    const email = person.email?.trim().toLowerCase();
    if (!email) return null;
    const key = `slack:email:${email}`;
    const cached = await getJson(this.store, key, cachedLookup);
    if (cached) return cached.userId;
    const userId = await this.client.users.lookupByEmail({ email }).then(
      (answer) => answer.user?.id ?? null,
      (err: { data?: { error?: string } }) => {
        if (err.data?.error === 'users_not_found') return null;
        throw err;
      },
    );
    await setJson(this.store, key, { userId }, { ttlMs: CACHE_TTL_MS });
    return userId;
  }
}
