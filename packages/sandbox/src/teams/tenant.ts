import { conversationNotFound } from './errors.js';
import { TeamsFaults } from './faults.js';
import { ActivityIds } from './ids.js';
import { ADAPTIVE_CARD_CONTENT_TYPE } from './limits.js';
import type { CallRecord, ConversationRecord, Json, TeamsUserRecord, TranscriptActivity } from './records.js';
import { personalConversationId, seededUsers, TEAMS_SEED } from './seed.js';

export interface TeamsTenantOptions {
  /** The tenant clock (epoch ms): activity ids and timestamps follow it. */
  now?: () => number;
  /**
   * Whether a person may @mention someone who is not in the conversation (default false). Teams'
   * compose box offers the conversation's members, so in a 1:1 chat with the bot nobody else can be
   * mentioned (botframework-sdk#1828: mentions work in channels, not in personal chats); Microsoft
   * does not document it either way, so tests can take the other reading.
   */
  mentionsOutsideConversation?: boolean;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The emulated Teams tenant: its people, the Acme team's channels, the bot's 1:1 chats, every
 * activity posted in them, and what each person sees of a card (Universal Actions give each user
 * their own view). The connector routes (conversations.ts, members.ts) work on it; readers below
 * return copies, so a test cannot change what the bot sees by accident.
 */
export class TeamsTenant {
  readonly now: () => number;
  readonly ids: ActivityIds;
  readonly mentionsOutsideConversation: boolean;
  readonly faults = new TeamsFaults();
  /** Every connector call answered, oldest first. */
  readonly calls: CallRecord[] = [];

  private readonly userMap = new Map<string, TeamsUserRecord>();
  private readonly conversationMap = new Map<string, ConversationRecord>();
  private readonly transcripts = new Map<string, TranscriptActivity[]>();
  /** conversation → activity → user → the card that user sees instead of the posted one. */
  private readonly views = new Map<string, Map<string, Map<string, Json>>>();

  constructor(options: TeamsTenantOptions = {}) {
    this.now = options.now ?? Date.now;
    this.mentionsOutsideConversation = options.mentionsOutsideConversation ?? false;
    this.ids = new ActivityIds(this.now);
    for (const user of seededUsers()) {
      this.userMap.set(user.id, user);
      const id = personalConversationId(user.slug);
      this.conversationMap.set(id, { id, kind: 'personal', userId: user.id });
    }
    for (const channel of Object.values(TEAMS_SEED.channels)) {
      this.conversationMap.set(channel.id, { id: channel.id, kind: 'channel', name: channel.name });
    }
  }

  // ── Reading what happened (copies) ────────────────────────────────────────────────────────────

  get users(): readonly TeamsUserRecord[] {
    return clone([...this.userMap.values()]);
  }

  /** A person by Teams id, Entra object id, email or UPN (case-insensitive); the first of several. */
  user(idOrEmail: string): TeamsUserRecord | undefined {
    const found = this.findUser(idOrEmail);
    return found && clone(found);
  }

  /** Everyone whose email is this one (two people share ambiguous@, as in Okta). */
  usersByEmail(email: string): TeamsUserRecord[] {
    const wanted = email.trim().toLowerCase();
    return clone([...this.userMap.values()].filter((user) => user.email?.toLowerCase() === wanted));
  }

  /** The bot's 1:1 chat with a person (by id or email), whether or not anything was said in it yet. */
  personalConversationOf(userIdOrEmail: string): string {
    const user = this.findUser(userIdOrEmail);
    if (!user) throw new Error(`no user ${userIdOrEmail} in the tenant`);
    return personalConversationId(user.slug);
  }

  /** Every activity in a conversation (a channel's thread replies included), oldest first. */
  transcript(conversationId: string): TranscriptActivity[] {
    return clone(this.transcripts.get(this.conversationOf(conversationId)?.id ?? conversationId) ?? []);
  }

  /** One activity, latest version. */
  activity(conversationId: string, activityId: string): TranscriptActivity | undefined {
    const found = this.findActivity(conversationId, activityId);
    return found && clone(found);
  }

  /** The Adaptive Card of each activity the bot posted there (latest version), oldest first. */
  cardsIn(conversationId: string): Json[] {
    return this.transcript(conversationId)
      .filter((entry) => entry.from.id === TEAMS_SEED.bot.id && !entry.deleted)
      .flatMap((entry) => adaptiveCards(entry.attachments));
  }

  /** The Adaptive Card of one activity, latest version. */
  cardOf(conversationId: string, activityId: string): Json | undefined {
    const found = this.findActivity(conversationId, activityId);
    const card = found && !found.deleted ? adaptiveCards(found.attachments)[0] : undefined;
    return card && clone(card);
  }

  /** What this person sees of a card: their own view (an invoke's answer) if the bot gave one, else the card. */
  viewOf(userId: string, conversationId: string, activityId: string): Json | undefined {
    const base = this.conversationOf(conversationId)?.id ?? conversationId;
    const own = this.views.get(base)?.get(activityId)?.get(userId);
    return own ? clone(own) : this.cardOf(conversationId, activityId);
  }

  /** The connector calls of one ConnectorClient operation, oldest first. */
  callsTo(operation: string): CallRecord[] {
    return clone(this.calls.filter((call) => call.operation === operation));
  }

  // ── State the connector routes and drivers work on (live records) ─────────────────────────────

  findUser(idOrEmail: string): TeamsUserRecord | undefined {
    const byId = this.userMap.get(idOrEmail);
    if (byId) return byId;
    const wanted = idOrEmail.trim().toLowerCase();
    return [...this.userMap.values()].find(
      (user) =>
        user.aadObjectId === wanted ||
        user.email?.toLowerCase() === wanted ||
        user.userPrincipalName.toLowerCase() === wanted,
    );
  }

  /** A conversation by id; a channel thread (`19:…;messageid=<root>`) resolves to its channel. */
  conversationOf(id: string): ConversationRecord | undefined {
    return this.conversationMap.get(id.split(';')[0] ?? id);
  }

  /** Like conversationOf, but refuses in Teams' words when there is none. */
  requireConversation(id: string): ConversationRecord {
    const found = this.conversationOf(id);
    if (!found) throw conversationNotFound();
    return found;
  }

  /** The people in a conversation: the person of a 1:1 chat, or the team's members in a channel. */
  membersOf(conversation: ConversationRecord): TeamsUserRecord[] {
    return [...this.userMap.values()].filter((user) =>
      conversation.kind === 'personal' ? user.id === conversation.userId : user.teamMember,
    );
  }

  findActivity(conversationId: string, activityId: string): TranscriptActivity | undefined {
    const base = this.conversationOf(conversationId)?.id ?? conversationId;
    return this.transcripts.get(base)?.find((entry) => entry.id === activityId);
  }

  /** Adds an activity at the end of its conversation's transcript. */
  append(entry: Omit<TranscriptActivity, 'updates' | 'deleted'>): TranscriptActivity {
    const record: TranscriptActivity = { ...entry, updates: 0, deleted: false };
    const list = this.transcripts.get(entry.conversationId) ?? [];
    list.push(record);
    this.transcripts.set(entry.conversationId, list);
    return record;
  }

  setView(userId: string, conversationId: string, activityId: string, card: Json): void {
    const base = this.conversationOf(conversationId)?.id ?? conversationId;
    const byActivity = this.views.get(base) ?? new Map<string, Map<string, Json>>();
    const byUser = byActivity.get(activityId) ?? new Map<string, Json>();
    byUser.set(userId, clone(card));
    byActivity.set(activityId, byUser);
    this.views.set(base, byActivity);
  }

  /** An update replaces the card for everyone: personal views of the old one are gone. */
  clearViews(conversationId: string, activityId: string): void {
    this.views.get(this.conversationOf(conversationId)?.id ?? conversationId)?.delete(activityId);
  }

  setInstalled(userId: string, installed: boolean): void {
    const user = this.userMap.get(userId);
    if (user) user.installed = installed;
  }

  /** The tenant clock as ISO 8601, for activity timestamps. */
  timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

function adaptiveCards(attachments: Json[]): Json[] {
  return attachments
    .filter((attachment) => attachment.contentType === ADAPTIVE_CARD_CONTENT_TYPE)
    .map((attachment) => attachment.content as Json);
}

export function createTeamsTenant(options: TeamsTenantOptions = {}): TeamsTenant {
  return new TeamsTenant(options);
}
