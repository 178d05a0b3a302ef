import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ChatIdentity, PersonView } from '../../flows/index.js';
import { getJson, type Store, setJson } from '../../store/index.js';
import { isOurPerson, type PersonOrigin, type SlackHome } from './workspace.js';

const CACHE_TTL_MS = 10 * 60_000;

/** users.info, as cached: who the person is and where they belong (judged on every use, not cached). */
const cachedPerson = z.object({
  email: z.string().optional(),
  name: z.string().optional(),
  teamId: z.string().optional(),
  enterpriseId: z.string().optional(),
  teams: z.array(z.string()).optional(),
  stranger: z.boolean().optional(),
});
type CachedPerson = z.infer<typeof cachedPerson>;
const cachedLookup = z.object({ userId: z.string().nullable(), tz: z.string().optional() });
type CachedLookup = z.infer<typeof cachedLookup>;

/** Where a user object says the person belongs (the client's types omit `enterprise_user` on lookups). */
const userOrigin = z.object({
  team_id: z.string().optional(),
  is_stranger: z.boolean().optional(),
  enterprise_user: z
    .object({ enterprise_id: z.string().optional(), teams: z.array(z.string()).optional() })
    .optional()
    .catch(undefined),
});

function originOf(user: unknown): PersonOrigin {
  const parsed = userOrigin.safeParse(user);
  if (!parsed.success) return {};
  const { team_id: teamId, is_stranger: stranger, enterprise_user: grid } = parsed.data;
  return {
    ...(teamId ? { teamId } : {}),
    ...(grid?.enterprise_id ? { enterpriseId: grid.enterprise_id } : {}),
    ...(grid?.teams ? { teams: grid.teams } : {}),
    ...(stranger ? { stranger: true } : {}),
  };
}

/** Slack's answer when it cannot tell who a user is (Slack down, user gone). */
export class SlackUserUnknown extends Error {}

/** A Slack user of another workspace or organisation (Slack Connect, a stranger): not one of ours. */
export class SlackUserForeign extends Error {
  constructor(
    readonly userId: string,
    readonly origin: PersonOrigin,
    readonly home: SlackHome,
  ) {
    super(`Slack user ${userId} belongs to another workspace or organisation`);
  }
}

/** Gatehouse does not know which workspace it serves (nothing configured, auth.test unanswered). */
export class SlackWorkspaceUnknown extends Error {}

/** Keys are versioned: entries written before the workspace was checked lack where people belong. */
const personKey = (userId: string) => `slack:person:${userId}`;
const emailKey = (email: string) => `slack:email-user:${email}`;

/**
 * Who is who between Slack and the governance system, both ways, by email: a Slack user's email
 * comes from users.info, a principal's Slack user from users.lookupByEmail. Both are cached, because
 * every click needs the first and every notification the second, and concurrent look-ups of one
 * user or email share one call (a burst of clicks or cards costs Slack one request, not one each).
 * Only people of the workspace (or Grid org) Gatehouse serves are anyone, both ways.
 */
export class SlackPeople {
  private readonly pendingPeople = new Map<string, Promise<CachedPerson>>();
  private readonly pendingEmails = new Map<string, Promise<CachedLookup>>();

  constructor(
    private readonly client: WebClient,
    private readonly store: Store,
    private readonly home: () => Promise<SlackHome | undefined>,
    private readonly logger?: Logger,
  ) {}

  /**
   * The acting user, or SlackUserForeign for someone of another workspace or organisation,
   * SlackWorkspaceUnknown when Gatehouse cannot tell which is its own, SlackUserUnknown when Slack
   * does not answer (never cached, so the next action asks again).
   */
  async identity(userId: string): Promise<ChatIdentity> {
    const home = await this.servedHome();
    const person = await singleFlight(this.pendingPeople, userId, () => this.readPerson(userId));
    if (!isOurPerson(home, person)) {
      const { teamId, enterpriseId, teams, stranger } = person;
      throw new SlackUserForeign(userId, { teamId, enterpriseId, teams, stranger }, home);
    }
    return { platform: 'slack', userId, email: person.email, displayName: person.name };
  }

  /** The Slack user of ours with this person's email, or null when there is none. */
  async userIdFor(person: PersonView): Promise<string | null> {
    return (await this.lookup(person))?.userId ?? null;
  }

  /** The person's time zone as their Slack profile sets it (`tz`), from the same cached look-up. */
  async timeZoneFor(person: PersonView): Promise<string | undefined> {
    return (await this.lookup(person))?.tz;
  }

  private async lookup(person: PersonView): Promise<CachedLookup | null> {
    const email = person.email?.trim().toLowerCase();
    if (!email) return null;
    const home = await this.servedHome();
    return singleFlight(this.pendingEmails, email, () => this.readUserId(email, home));
  }

  private async servedHome(): Promise<SlackHome> {
    const home = await this.home().catch(() => undefined);
    if (!home) throw new SlackWorkspaceUnknown('the Slack workspace Gatehouse serves is not known yet');
    return home;
  }

  private async readPerson(userId: string): Promise<CachedPerson> {
    const key = personKey(userId);
    const cached = await getJson(this.store, key, cachedPerson);
    if (cached) return cached;
    const answer = await this.client.users.info({ user: userId }).catch((err: unknown) => {
      throw new SlackUserUnknown(`users.info ${userId} failed`, { cause: err });
    });
    const user = answer.user;
    const profile = user?.profile;
    // Only a live human with a confirmed email is anyone: a bot, a deactivated account or an
    // address its owner never confirmed could otherwise borrow someone's identity.
    const trusted = !user?.is_bot && !user?.deleted && user?.is_email_confirmed !== false;
    const person: CachedPerson = {
      email: trusted ? profile?.email : undefined,
      name: profile?.real_name || user?.real_name || user?.name,
      ...originOf(user),
    };
    await setJson(this.store, key, person, { ttlMs: CACHE_TTL_MS });
    return person;
  }

  private async readUserId(email: string, home: SlackHome): Promise<CachedLookup> {
    const key = emailKey(email);
    const cached = await getJson(this.store, key, cachedLookup);
    if (cached) return cached;
    const found = await this.client.users.lookupByEmail({ email }).then(
      (answer): CachedLookup => {
        const user = answer.user;
        if (!user?.id) return { userId: null };
        // Kept with the id: reminders keep to the person's daytime, at no call of their own.
        if (isOurPerson(home, originOf(user))) return { userId: user.id, ...(user.tz ? { tz: user.tz } : {}) };
        // Someone elsewhere whose admin gave them this address must not receive our cards.
        this.logger?.warn(
          { slackUser: user.id, teamId: user.team_id },
          'an email matched a Slack user of another organisation; not used',
        );
        return { userId: null };
      },
      (err: { data?: { error?: string } }): CachedLookup => {
        if (err.data?.error === 'users_not_found') return { userId: null };
        throw err;
      },
    );
    await setJson(this.store, key, found, { ttlMs: CACHE_TTL_MS });
    return found;
  }
}

/**
 * One look-up per key at a time: callers that arrive while it runs share its answer, and a failure
 * is shared by those waiting on it but kept nowhere, so the next caller asks again.
 */
function singleFlight<T>(pending: Map<string, Promise<T>>, key: string, run: () => Promise<T>): Promise<T> {
  const running = pending.get(key);
  if (running) return running;
  const started = run().finally(() => pending.delete(key));
  pending.set(key, started);
  return started;
}
