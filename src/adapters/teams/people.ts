import { type ConversationReference, TeamsInfo, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { ChatIdentity, PersonView } from '../../flows/index.js';
import { getJson, type Store, setJson } from '../../store/index.js';

const CACHE_TTL_MS = 10 * 60_000;
/** Conversation references are how Teams lets a bot write first; they stay valid for a long time. */
const REFERENCE_TTL_MS = 365 * 24 * 60 * 60_000;

const member = z.object({ email: z.string().optional(), name: z.string().optional() });
const userId = z.object({ userId: z.string() });
const reference = z
  .object({
    conversation: z.object({ id: z.string() }).passthrough(),
    serviceUrl: z.string(),
    channelId: z.string(),
  })
  .passthrough();
const timeZoneKey = (teamsUserId: string) => `teams:time-zone:${teamsUserId}`;
const tenant = z.object({ serviceUrl: z.string(), tenantId: z.string().optional(), botId: z.string() });

export interface TeamsTenantInfo {
  serviceUrl: string;
  tenantId?: string;
  botId: string;
}

/**
 * Who is who between Teams and the governance system: a Teams user's email comes from
 * TeamsInfo.getMember (never from the activity, which only names them), and for each person the
 * bot keeps the conversation reference it needs to write to them first. Everything is in the
 * store, so any replica can message anyone another replica met.
 */
export class TeamsPeople {
  constructor(private readonly store: Store) {}

  /**
   * Remembers the conversation of an authenticated activity from the tenant served: its reference
   * (with the service URL Teams gave for that conversation, which is where anything later sent
   * there goes), the person's 1:1 chat, and, as the fallback for conversations never met, this
   * service URL as the tenant's. `tenantId` is the tenant the activity was verified to come from.
   */
  async remember(context: TurnContext, tenantId?: string): Promise<void> {
    const activity = context.activity;
    const ref = TurnContext.getConversationReference(activity);
    if (!activity.conversation?.id || !activity.serviceUrl) return;
    await setJson(this.store, `teams:conversation:${activity.conversation.id}`, ref, { ttlMs: REFERENCE_TTL_MS });
    const info: TeamsTenantInfo = {
      serviceUrl: activity.serviceUrl,
      tenantId,
      botId: activity.recipient?.id ?? '',
    };
    await setJson(this.store, 'teams:tenant', info, { ttlMs: REFERENCE_TTL_MS });
    if (activity.conversation.conversationType === 'personal' && activity.from?.id) {
      await setJson(this.store, `teams:personal:${activity.from.id}`, ref, { ttlMs: REFERENCE_TTL_MS });
    }
    // Only the person's own activities carry their zone (a message, a click): reminders keep to their daytime.
    const zone = typeof activity.localTimezone === 'string' ? activity.localTimezone.trim() : '';
    if (activity.from?.id && zone && zone.length <= 64) {
      await this.store.set(timeZoneKey(activity.from.id), zone, { ttlMs: REFERENCE_TTL_MS });
    }
  }

  /** The person's time zone as their Teams client last gave it, if it ever did. */
  async timeZoneFor(person: PersonView): Promise<string | undefined> {
    const teamsId = await this.teamsIdFor(person);
    return (teamsId && (await this.store.get(timeZoneKey(teamsId)))) || undefined;
  }

  /** The acting Teams user as a chat identity; the email is asked of Teams (cached), not trusted from the payload. */
  async identity(context: TurnContext): Promise<ChatIdentity> {
    const from = context.activity.from;
    const key = `teams:member:${from.id}`;
    let known = await getJson(this.store, key, member);
    if (!known) {
      const found = await TeamsInfo.getMember(context, from.id);
      known = { email: found.email ?? undefined, name: found.name ?? from.name };
      await setJson(this.store, key, known, { ttlMs: CACHE_TTL_MS });
      if (known.email) await this.learn(known.email, from.id);
    }
    return { platform: 'teams', userId: from.id, email: known.email, displayName: known.name };
  }

  async learn(email: string, teamsUserId: string): Promise<void> {
    await setJson(
      this.store,
      `teams:email:${email.toLowerCase()}`,
      { userId: teamsUserId },
      { ttlMs: REFERENCE_TTL_MS },
    );
  }

  async teamsIdFor(person: PersonView): Promise<string | null> {
    if (!person.email) return null;
    return (await getJson(this.store, `teams:email:${person.email.toLowerCase()}`, userId))?.userId ?? null;
  }

  async personalReference(teamsUserId: string): Promise<Partial<ConversationReference> | null> {
    return getJson(
      this.store,
      `teams:personal:${teamsUserId}`,
      reference,
    ) as Promise<Partial<ConversationReference> | null>;
  }

  async savePersonal(teamsUserId: string, ref: Partial<ConversationReference>): Promise<void> {
    await setJson(this.store, `teams:personal:${teamsUserId}`, ref, { ttlMs: REFERENCE_TTL_MS });
    if (ref.conversation?.id) await this.saveConversation(ref);
  }

  async saveConversation(ref: Partial<ConversationReference>): Promise<void> {
    if (ref.conversation?.id) {
      await setJson(this.store, `teams:conversation:${ref.conversation.id}`, ref, { ttlMs: REFERENCE_TTL_MS });
    }
  }

  async conversation(conversationId: string): Promise<Partial<ConversationReference> | null> {
    return getJson(
      this.store,
      `teams:conversation:${conversationId}`,
      reference,
    ) as Promise<Partial<ConversationReference> | null>;
  }

  /** The tenant's service URL (and the bot's id there) for conversations never met: a fallback, never a reference's own. */
  async tenant(): Promise<TeamsTenantInfo | null> {
    return getJson(this.store, 'teams:tenant', tenant);
  }

  /** True at most once per few minutes per conversation: member lists are large and throttled. */
  async mayList(conversationId: string): Promise<boolean> {
    return this.store.claim(`teams:listed:${conversationId}`, 5 * 60_000);
  }
}
