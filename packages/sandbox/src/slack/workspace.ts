import { SlackApiError } from './errors.js';
import { SlackFaults } from './faults.js';
import { Ids } from './ids.js';
import { type SlackRateLimitOptions, SlackRateLimits } from './rate-limits.js';
import type {
  CallRecord,
  ChannelRecord,
  EphemeralRecord,
  Json,
  MessageRecord,
  ResponseUrlPost,
  ResponseUrlRecord,
  SlackUserRecord,
  TriggerRecord,
  ViewRecord,
} from './records.js';
import { dmChannelId, SLACK_SEED, seededChannels, seededUsers } from './seed.js';

// Over 400 lines because it is the workspace's one state (users, conversations, messages, views,
// trigger ids, response URLs) that every Web API method reads and writes; its parts are in their
// own modules (methods, views, delivery, rate limits), and what is left shares private state.

export interface SlackWorkspaceOptions {
  /** The workspace clock (epoch ms): message timestamps and trigger/response_url lifetimes follow it. */
  now?: () => number;
  /**
   * Grant `chat:write.public` (default false): without it, as in real Slack, the bot may only post in
   * channels it is a member of and gets `not_in_channel` elsewhere (#general).
   */
  chatWritePublic?: boolean;
  /** Where the emulator's response_url endpoint is mounted below a base URL (default '/sandbox/slack/response'). */
  responsePath?: string;
  /**
   * Enforce Slack's documented Web API rate limits (off by default): chat.postMessage one a second
   * per conversation with a short burst, the Tier 3 and Tier 4 methods per workspace, each multiplied
   * by `scale`. Over the limit a call is answered HTTP 429 with Retry-After, as Slack does, and
   * counted in `workspace.rateLimits` (see rate-limits.ts).
   */
  rateLimits?: SlackRateLimitOptions;
  /**
   * The bot token the Web API accepts (default the sandbox's published `xoxb-gatehouse-sandbox`), so
   * a Gatehouse configured for production, which refuses the published one, can talk to it.
   */
  botToken?: string;
  /**
   * The Enterprise Grid org this workspace belongs to (none by default): auth.test then answers its
   * `enterprise_id`, users.info gives members an `enterprise_user`, and payloads name it.
   */
  enterprise?: { id: string; name: string };
  /**
   * The /access command's "Escape channels, users, and links sent to your app" (`should_escape` in
   * the app manifest). Default true, as manifest/slack/manifest.yaml sets it: a person picked from
   * the composer's autocomplete reaches the app as `<@U…|handle>`; with false, as the `@display name`
   * typed.
   */
  commandShouldEscape?: boolean;
}

/** Someone from elsewhere, as a test adds them (see `addUser`). */
export interface OutsiderInput {
  id: string;
  realName: string;
  handle?: string;
  email?: string;
  title?: string;
  /** Their workspace; absent for a member of this one (a guest, say). */
  teamId?: string;
  /** Their Enterprise Grid org, when their workspace is on one. */
  enterpriseId?: string;
  enterpriseName?: string;
  /**
   * Enterprise Grid: the org's workspaces they are a member of (`enterprise_user.teams`; default
   * their own). A member of this workspace whose home is a sister workspace lists both: payloads
   * then name this workspace as `team.id` and their home as `user.team_id`.
   */
  teams?: string[];
  /** A guest account (is_restricted). */
  restricted?: boolean;
  /** Seen without sharing a channel with the bot (is_stranger). */
  stranger?: boolean;
  /** Channels they are in (a Slack Connect partner in a shared channel). */
  channels?: string[];
}

/** A trigger_id must be exchanged within 3 seconds, once (views.open reference). */
const TRIGGER_TTL_MS = 3_000;
/** A response_url accepts 5 posts within 30 minutes (docs.slack.dev, handling user interaction). */
export const RESPONSE_URL_TTL_MS = 30 * 60_000;
export const RESPONSE_URL_USES = 5;

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The emulated Slack workspace: its people and channels, everything the bot posted, opened or
 * published, and the handles drivers and tests use (minting trigger ids and response URLs, reading
 * what the bot rendered). The Web API methods (chat.ts, conversations.ts, users.ts, views.ts) work on
 * it; readers below return copies, so a test cannot change what the bot sees by accident.
 */
export class SlackWorkspace {
  readonly now: () => number;
  readonly chatWritePublic: boolean;
  readonly responsePath: string;
  /** The only token the Web API accepts: any other is `invalid_auth`. */
  readonly botToken: string;
  readonly faults = new SlackFaults();
  /** Slack's rate limits and what they refused, when the workspace enforces them. */
  readonly rateLimits: SlackRateLimits | undefined;
  /** Every Web API call answered, oldest first. */
  readonly calls: CallRecord[] = [];
  readonly ids: Ids;
  /** This workspace: its id, name and domain, as auth.test and every payload name it. */
  readonly team = { id: SLACK_SEED.teamId, name: SLACK_SEED.teamName, domain: SLACK_SEED.domain };
  /** The Enterprise Grid org the workspace belongs to, if any. */
  readonly enterprise: { id: string; name: string } | undefined;
  /** Whether Slack escapes mentions, channels and links in the /access command's text (`should_escape`). */
  readonly commandShouldEscape: boolean;

  private readonly userMap = new Map<string, SlackUserRecord>();
  private readonly channelMap = new Map<string, ChannelRecord>();
  private readonly history = new Map<string, MessageRecord[]>();
  private readonly ephemeralList: EphemeralRecord[] = [];
  private readonly viewMap = new Map<string, ViewRecord>();
  /** Each user's open modal: view ids, root first. */
  private readonly stacks = new Map<string, string[]>();
  private readonly homes = new Map<string, string>();
  private readonly triggers = new Map<string, TriggerRecord>();
  private readonly responseUrlMap = new Map<string, ResponseUrlRecord>();
  /** What each person ticked or picked in a message's inputs, with the blocks it was done on. */
  private readonly messageInputs = new Map<string, { blocks: string; values: MessageInputValues }>();

  constructor(options: SlackWorkspaceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.chatWritePublic = options.chatWritePublic ?? false;
    this.responsePath = options.responsePath ?? '/sandbox/slack/response';
    this.botToken = options.botToken ?? SLACK_SEED.botToken;
    this.enterprise = options.enterprise && { ...options.enterprise };
    this.commandShouldEscape = options.commandShouldEscape ?? true;
    this.ids = new Ids(this.now);
    this.rateLimits =
      options.rateLimits &&
      new SlackRateLimits(options.rateLimits, this.now, (channel) => this.conversationId(channel));
    for (const user of seededUsers()) this.userMap.set(user.id, user);
    for (const channel of seededChannels()) this.channelMap.set(channel.id, channel);
  }

  // ── Reading what the bot did (copies) ─────────────────────────────────────────────────────────

  get users(): readonly SlackUserRecord[] {
    return clone([...this.userMap.values()]);
  }

  /** Messages in a channel (or in the DM with a user, given the user id), oldest first, replies included. */
  messagesIn(channel: string): MessageRecord[] {
    return clone(this.history.get(this.conversationId(channel)) ?? []);
  }

  /** The messages in the bot's DM with this user. */
  dmWith(userId: string): MessageRecord[] {
    return this.messagesIn(dmChannelId(userId));
  }

  /** A thread: the parent, then its replies, oldest first (empty when there is no such message). */
  threadOf(channel: string, ts: string): MessageRecord[] {
    return this.messagesIn(channel).filter((message) => message.ts === ts || message.thread_ts === ts);
  }

  /** One message, as stored. */
  message(channel: string, ts: string): MessageRecord | undefined {
    const found = this.findMessage(this.conversationId(channel), ts);
    return found && clone(found);
  }

  /** Ephemeral messages shown to this user, oldest first. */
  ephemeralsFor(userId: string): EphemeralRecord[] {
    return clone(this.ephemeralList.filter((ephemeral) => ephemeral.user === userId));
  }

  /** The view on top of the user's open modal, if a modal is open. */
  openModalOf(userId: string): ViewRecord | undefined {
    const top = this.modalStack(userId).at(-1);
    return top === undefined ? undefined : this.view(top);
  }

  /** The user's open modal, root view first. */
  modalStackOf(userId: string): ViewRecord[] {
    return this.modalStack(userId).flatMap((id) => this.view(id) ?? []);
  }

  view(id: string): ViewRecord | undefined {
    const found = this.viewMap.get(id);
    return found && clone(found);
  }

  /** The Home tab view last published for this user. */
  homeOf(userId: string): ViewRecord | undefined {
    const id = this.homes.get(userId);
    return id === undefined ? undefined : this.view(id);
  }

  /** What was posted to a response_url (its id or the whole URL), oldest first. */
  responses(responseUrl: string): ResponseUrlPost[] {
    return clone(this.responseUrl(responseUrl.split('/').at(-1) ?? '')?.posts ?? []);
  }

  /** The Web API calls of one method, oldest first. */
  callsTo(method: string): CallRecord[] {
    return clone(this.calls.filter((call) => call.method === method));
  }

  // ── Minting, for drivers ──────────────────────────────────────────────────────────────────────

  /** A trigger_id as Slack puts in a command or interaction payload: valid 3 s, usable once. */
  mintTriggerId(userId: string, options: { viewId?: string } = {}): string {
    const id = this.ids.trigger();
    this.triggers.set(id, { user: userId, mintedAt: this.now(), used: false, viewId: options.viewId });
    return id;
  }

  /**
   * A response_url for an interaction by `userId` in `channel`: `POST <baseUrl><responsePath>/<id>`.
   * `messageTs` names the message the interaction came from (replace_original / delete_original act
   * on it); `ephemeralTs` the ephemeral message it came from.
   */
  mintResponseUrl(options: {
    channel: string;
    userId: string;
    baseUrl: string;
    messageTs?: string;
    ephemeralTs?: string;
  }): string {
    const id = this.ids.responseUrl();
    const url = `${options.baseUrl.replace(/\/+$/, '')}${this.responsePath}/${id}`;
    const { channel, userId: user, messageTs, ephemeralTs } = options;
    this.responseUrlMap.set(id, { id, url, channel, user, messageTs, ephemeralTs, mintedAt: this.now(), posts: [] });
    return url;
  }

  /** A message a person typed, for tests that need one the bot did not write (e.g. `cant_update_message`). */
  postAsUser(userId: string, channel: string, text: string, threadTs?: string): MessageRecord {
    return clone(
      this.append({
        channel: this.conversationId(channel),
        text,
        user: userId,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
  }

  /**
   * Adds someone from elsewhere, or a guest: a person of another workspace of the same Grid org
   * (a member of this one too, with `teams`), another organisation's person in a shared (Slack
   * Connect) channel, or a stranger. They get a DM with the bot, so what the bot tells them can be
   * read like anyone's.
   */
  addUser(input: OutsiderInput): SlackUserRecord {
    if (this.userMap.has(input.id)) throw new Error(`there is already a user ${input.id}`);
    const user: SlackUserRecord = {
      id: input.id,
      handle: input.handle ?? input.realName.toLowerCase().replace(/\W+/g, '.'),
      realName: input.realName,
      ...(input.email ? { email: input.email } : {}),
      title: input.title ?? '',
      isBot: false,
      isRestricted: input.restricted ?? false,
      ...(input.teamId && input.teamId !== this.team.id ? { teamId: input.teamId } : {}),
      ...(input.enterpriseId ? { enterpriseId: input.enterpriseId } : {}),
      ...(input.enterpriseName ? { enterpriseName: input.enterpriseName } : {}),
      ...(input.teams ? { teams: [...input.teams] } : {}),
      ...(input.stranger ? { stranger: true } : {}),
    };
    this.userMap.set(user.id, user);
    const dm = dmChannelId(user.id);
    this.channelMap.set(dm, {
      id: dm,
      name: dm,
      kind: 'im',
      members: new Set([user.id, SLACK_SEED.bot.userId]),
      user: user.id,
    });
    for (const channel of input.channels ?? []) this.channel(channel)?.members.add(user.id);
    return clone(user);
  }

  /** The workspace a person belongs to. */
  teamOf(user: SlackUserRecord): string {
    return user.teamId ?? this.team.id;
  }

  /** The Enterprise Grid org a person belongs to, if their workspace is on one. */
  enterpriseOf(user: SlackUserRecord): { id: string; name: string } | undefined {
    if (user.teamId === undefined) return this.enterprise;
    if (!user.enterpriseId) return undefined;
    const name = user.enterpriseId === this.enterprise?.id ? this.enterprise.name : user.enterpriseName;
    return { id: user.enterpriseId, name: name ?? user.enterpriseId };
  }

  /**
   * A member of this workspace (guests included), as users.list and users.lookupByEmail see people:
   * its own people, and people of its Grid org whose home is a sister workspace but who joined this one.
   */
  isMember(user: SlackUserRecord): boolean {
    if (user.stranger) return false;
    if (user.teamId === undefined) return true;
    const ofOurOrg = this.enterprise !== undefined && user.enterpriseId === this.enterprise.id;
    return ofOurOrg && (user.teams ?? []).includes(this.team.id);
  }

  // ── State the Web API methods work on (live records) ─────────────────────────────────────────

  user(id: string): SlackUserRecord | undefined {
    return this.userMap.get(id);
  }

  usersByEmail(email: string): SlackUserRecord[] {
    const wanted = email.trim().toLowerCase();
    return [...this.userMap.values()].filter((user) => user.email?.toLowerCase() === wanted);
  }

  /** A conversation named by channel id or name, or by a user id for the bot's DM with that user. */
  private conversationId(channel: string): string {
    return this.channel(/^[UW]/.test(channel) ? dmChannelId(channel) : channel)?.id ?? channel;
  }

  /** A channel by id, or by name with or without `#`. */
  channel(idOrName: string): ChannelRecord | undefined {
    const byId = this.channelMap.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    return [...this.channelMap.values()].find((channel) => channel.kind === 'channel' && channel.name === name);
  }

  channelMessages(channelId: string): MessageRecord[] {
    let list = this.history.get(channelId);
    if (!list) {
      list = [];
      this.history.set(channelId, list);
    }
    return list;
  }

  findMessage(channelId: string, ts: string): MessageRecord | undefined {
    return this.history.get(channelId)?.find((message) => message.ts === ts);
  }

  /** Stores a new message with the next timestamp. */
  append(fields: Omit<MessageRecord, 'type' | 'ts' | 'team'>): MessageRecord {
    const message: MessageRecord = { type: 'message', ts: this.ids.ts(), team: SLACK_SEED.teamId, ...fields };
    this.channelMessages(message.channel).push(message);
    return message;
  }

  removeMessage(message: MessageRecord): void {
    const list = this.channelMessages(message.channel);
    list.splice(list.indexOf(message), 1);
  }

  ephemerals(): EphemeralRecord[] {
    return this.ephemeralList;
  }

  addEphemeral(fields: Omit<EphemeralRecord, 'ts'>): EphemeralRecord {
    const ephemeral: EphemeralRecord = { ts: this.ids.ts(), ...fields };
    this.ephemeralList.push(ephemeral);
    return ephemeral;
  }

  viewRecord(id: string): ViewRecord | undefined {
    return this.viewMap.get(id);
  }

  viewByExternalId(externalId: string): ViewRecord | undefined {
    return [...this.viewMap.values()].find((view) => view.externalId === externalId);
  }

  saveView(view: ViewRecord): void {
    this.viewMap.set(view.id, view);
  }

  /** The user's open modal stack (live), root first. */
  modalStack(userId: string): string[] {
    let stack = this.stacks.get(userId);
    if (!stack) {
      stack = [];
      this.stacks.set(userId, stack);
    }
    return stack;
  }

  /** Closes every view of the user's modal. */
  closeModal(userId: string): void {
    for (const id of this.modalStack(userId)) {
      const view = this.viewMap.get(id);
      if (view) view.open = false;
    }
    this.stacks.set(userId, []);
  }

  homeViewId(userId: string): string | undefined {
    return this.homes.get(userId);
  }

  setHome(userId: string, viewId: string): void {
    this.homes.set(userId, viewId);
  }

  /** Exchanges a trigger_id: unknown, already used and expired triggers are refused in Slack's words. */
  exchangeTrigger(triggerId: string): TriggerRecord {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) throw new SlackApiError('invalid_trigger_id');
    if (trigger.used) throw new SlackApiError('exchanged_trigger_id');
    if (this.now() - trigger.mintedAt > TRIGGER_TTL_MS) throw new SlackApiError('expired_trigger_id');
    trigger.used = true;
    return trigger;
  }

  responseUrl(id: string): ResponseUrlRecord | undefined {
    return this.responseUrlMap.get(id);
  }

  /**
   * What this person has ticked or picked so far in the inputs of a message (an ephemeral one
   * included), as the Slack client keeps it and sends it in `state.values` with their next
   * block_actions from that message: block_id → action_id → value, for the inputs they touched
   * (the others are sent with their initial value). Forgotten once the bot changes the message's
   * blocks (chat.update, replace_original), since the client then draws the new blocks afresh.
   */
  messageInputState(userId: string, channel: string, ts: string, blocks: readonly unknown[]): MessageInputValues {
    const kept = this.messageInputs.get(`${userId}|${this.conversationId(channel)}|${ts}`);
    return kept && kept.blocks === JSON.stringify(blocks) ? clone(kept.values) : {};
  }

  /** Records an input the person changed in a message (see messageInputState). */
  setMessageInput(
    userId: string,
    where: { channel: string; ts: string; blocks: readonly unknown[] },
    input: { blockId: string; actionId: string; value: Json },
  ): MessageInputValues {
    const values = this.messageInputState(userId, where.channel, where.ts, where.blocks);
    values[input.blockId] = { ...values[input.blockId], [input.actionId]: clone(input.value) };
    const key = `${userId}|${this.conversationId(where.channel)}|${where.ts}`;
    this.messageInputs.set(key, { blocks: JSON.stringify(where.blocks), values });
    return clone(values);
  }
}

/** `state.values` of a message or view: block_id → action_id → the input's value. */
export type MessageInputValues = Record<string, Record<string, Json>>;

export function createSlackWorkspace(options: SlackWorkspaceOptions = {}): SlackWorkspace {
  return new SlackWorkspace(options);
}
