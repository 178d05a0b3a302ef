// Over 400 lines because it is the one place that acts as a Slack client does for every kind of
// interaction (commands, clicks, ticks, picks, submissions, suggestions), each short, sharing the
// per-person state (open views, ticked boxes) a split would scatter.
import { applyCommandAnswer, applyViewSubmissionAnswer, suggestionProblems } from './answers.js';
import { characters } from './block-kit-objects.js';
import {
  type DeliveryTarget,
  type DriverRequest,
  type DriverResponse,
  deliver,
  type InjectFn,
  nothingSent,
} from './delivery.js';
import {
  actionIdsIn,
  type FoundElement,
  findElement,
  fullState,
  holdsState,
  pickOption,
  stateValue,
  submissionState,
} from './interactive-elements.js';
import { messageJson } from './message-json.js';
import {
  appHomeOpened,
  blockActions,
  blockSuggestion,
  dmOf,
  FORM_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  type PayloadChannel,
  type PayloadOrigin,
  type PayloadUser,
  slackEscaped,
  slashCommand,
  urlVerification,
  viewClosed,
  viewSubmission,
} from './payloads.js';
import type { Json, SlackUserRecord, ViewRecord } from './records.js';
import { SLACK_SEED } from './seed.js';
import { signSlackRequest } from './sign.js';
import { viewJson } from './views.js';
import type { SlackWorkspace } from './workspace.js';

export interface SlackDriverOptions {
  workspace: SlackWorkspace;
  /** Deliver through fastify's `inject` (no socket) … */
  inject?: InjectFn;
  /** … or over HTTP to a listening server. */
  baseUrl?: string;
  /** The bot's Request URL path (default '/slack/events'). */
  path?: string;
  signingSecret?: string;
  /** Where the bot can reach the emulator's response_url endpoint (default baseUrl, else http://127.0.0.1). */
  responseBaseUrl?: string;
  /** The clock signatures are dated by (default the real one, which is what the bot verifies against). */
  signingNow?: () => number;
}

export type ClickTarget = { channel: string; ts: string } | { viewId: string } | string;

/**
 * What a person types in the composer: plain text, or text with people picked from the composer's
 * `@` autocomplete (`['delegate ', { mention: 'U0BOB' }, ' until 2026-12-24']`). Slack sends a
 * picked person as `<@U0BOB|bob>` when the command escapes (`should_escape: true`), else as the
 * `@display name` the composer shows (see SlackWorkspaceOptions.commandShouldEscape).
 */
export type TypedText = string | readonly (string | { mention: string })[];

/**
 * Where a delivery says it comes from, when not from this workspace as the person is: another
 * workspace (`teamId`; the person's `user.team_id` follows unless given), another Grid org
 * (`enterprise`), or an org-wide install.
 */
export type From = Partial<PayloadOrigin>;

/**
 * Acts as Slack towards the bot: builds the payload Slack would send for what a person does, signs
 * it, delivers it to the bot's Request URL, then applies the bot's HTTP answer the way Slack would
 * (a command's reply, a submission's response_action). Trigger ids and response URLs are minted on
 * the workspace, so the bot's follow-up Web API calls are checked against them.
 */
export class SlackDriver {
  private readonly workspace: SlackWorkspace;
  private readonly path: string;
  private readonly signingSecret: string;
  private readonly responseBaseUrl: string;
  private readonly signingNow: () => number;
  private readonly target: DeliveryTarget;

  constructor(options: SlackDriverOptions) {
    if (options.inject) this.target = { inject: options.inject };
    else if (options.baseUrl) this.target = { baseUrl: options.baseUrl };
    else throw new Error('SlackDriver needs `inject` or `baseUrl`');
    this.workspace = options.workspace;
    this.path = options.path ?? '/slack/events';
    this.signingSecret = options.signingSecret ?? SLACK_SEED.signingSecret;
    this.responseBaseUrl = options.responseBaseUrl ?? options.baseUrl ?? 'http://127.0.0.1';
    this.signingNow = options.signingNow ?? Date.now;
  }

  /**
   * `/access <text>` typed by a person, in their DM with the app unless a channel is given. Slack
   * escapes `&`, `<` and `>` in what was typed, and so does the driver; with `asSent` the text is
   * taken as Slack's own wire form instead, control sequences for mentions and links included
   * (`<@U0BOB>`, `<https://x.example|label>`, with `&amp;` where an `&` was typed).
   */
  async command(
    userId: string,
    text: TypedText = '',
    options: {
      channel?: string;
      command?: string;
      headers?: Record<string, string>;
      from?: From;
      asSent?: boolean;
    } = {},
  ): Promise<DriverResponse & { triggerId: string; responseUrl: string }> {
    const user = this.user(userId);
    const channel = options.channel ? this.channel(options.channel) : dmOf(user);
    const triggerId = this.workspace.mintTriggerId(userId);
    const responseUrl = this.mintResponseUrl(channel.id, userId, {});
    const origin = this.origin(userId, options.from);
    const body = slashCommand({
      user,
      command: options.command,
      ...(options.asSent || typeof text !== 'string' ? { sentText: this.sentText(text) } : { text }),
      channel,
      triggerId,
      responseUrl,
      origin,
    });
    const response = await this.send(body, FORM_CONTENT_TYPE, options.headers);
    if (response.statusCode === 200) {
      response.answerProblems.push(
        ...applyCommandAnswer(this.workspace, { user: userId, channel: channel.id }, response.body),
      );
    }
    return { ...response, triggerId, responseUrl };
  }

  /**
   * A click on an element the bot rendered, found by action_id in the stored message (by channel
   * and ts, ephemeral messages included) or view: its real block_id, text and value are sent. Where
   * several blocks hold the same action_id (a list with Approve under each item), `blockId` says
   * which was clicked; without it the first is. For a select, overflow or radio, `value` picks the
   * option; for a button it overrides the value.
   */
  async click(
    userId: string,
    where: ClickTarget,
    actionId: string,
    options: string | { value?: string; blockId?: string; headers?: Record<string, string>; from?: From } = {},
  ): Promise<DriverResponse> {
    const { value, blockId, headers, from } = typeof options === 'string' ? { value: options } : options;
    const user = this.user(userId);
    const surface = this.surface(userId, where);
    const found = findElement(surface.blocks, actionId, blockId);
    if (!found) {
      const inBlock = blockId === undefined ? '' : ` in block ${blockId}`;
      throw new Error(
        `no element with action_id ${actionId}${inBlock} there (action_ids: ${actionIdsIn(surface.blocks).join(', ')})`,
      );
    }
    // Slack sends the clicked element's own block: where several blocks hold the action_id (the rows
    // of a list), a click that does not say which would be a click on no button in particular.
    const holders = surface.blocks.filter((block) => findElement([block], actionId));
    if (blockId === undefined && holders.length > 1) {
      throw new Error(
        `${holders.length} blocks hold action_id ${actionId} (${holders.map((b) => String(b.block_id)).join(', ')}): name the one clicked with blockId`,
      );
    }
    const { element } = found;
    if (element.type === 'users_select' || element.type === 'multi_users_select') {
      return this.change(userId, where, found, value === undefined ? [] : [value], { headers, from });
    }
    const choosing = element.type !== 'button';
    const { viewId } = surface;
    const body = blockActions({
      user,
      actionId,
      blockId: found.blockId,
      element,
      ...(choosing ? {} : { value: value ?? (typeof element.value === 'string' ? element.value : undefined) }),
      ...(choosing && value !== undefined ? { selectedOption: pickOption(element, value) } : {}),
      triggerId: this.workspace.mintTriggerId(userId, viewId ? { viewId } : {}),
      ...surface.source,
      ...this.stateOf(userId, surface),
      origin: this.origin(userId, from),
    });
    return this.send(body, FORM_CONTENT_TYPE, headers);
  }

  /**
   * A person ticks checkboxes (or picks in a multi-select) in a message or view: `ticked` is every
   * option value ticked after the change, not a toggle. Slack keeps the choice as the element's
   * state, sent as `state.values` with the person's next block_actions from that message (the
   * "Approve selected" button) or with the view's submission. In an actions block Slack also sends
   * a block_actions for the change itself, which the bot must acknowledge; in an input block only
   * with `dispatch_action`. Options are the element's own, so a test cannot tick what is not there.
   */
  async tick(
    userId: string,
    where: ClickTarget,
    actionId: string,
    ticked: readonly string[],
    options: { blockId?: string; headers?: Record<string, string>; from?: From } = {},
  ): Promise<DriverResponse> {
    const found = this.locate(userId, where, actionId, options.blockId);
    const type = String(found.element.type);
    if (type !== 'checkboxes' && !type.startsWith('multi_')) {
      throw new Error(`${actionId} is a ${type}: tick checkboxes or a multi-select (click picks in a select)`);
    }
    return this.change(userId, where, found, ticked, options);
  }

  /**
   * A person picks someone in a users_select (a modal's "Forward to", say), in a message or view:
   * Slack offers the workspace's people only, and sends the pick as `selected_user`. Like `tick`,
   * the pick is state for the next submission, and an actions block (or `dispatch_action`) also
   * sends a block_actions for it. For a multi_users_select, give several.
   */
  async pickUser(
    userId: string,
    where: ClickTarget,
    actionId: string,
    picked: string | readonly string[],
    options: { blockId?: string; headers?: Record<string, string>; from?: From } = {},
  ): Promise<DriverResponse> {
    const found = this.locate(userId, where, actionId, options.blockId);
    if (found.element.type !== 'users_select' && found.element.type !== 'multi_users_select') {
      throw new Error(`${actionId} is a ${String(found.element.type)}, not a users_select`);
    }
    return this.change(userId, where, found, typeof picked === 'string' ? [picked] : picked, options);
  }

  /** Someone the workspace's people pickers and @ autocomplete offer: a member of this workspace. */
  private pickable(picked: string): SlackUserRecord {
    const person = this.workspace.user(picked);
    if (!person || !this.workspace.isMember(person)) {
      throw new Error(`${picked} is not a person of this workspace, so Slack's users_select does not offer them`);
    }
    return person;
  }

  /** The element a person acts on: in the named block, else the only block that holds the action_id. */
  private locate(userId: string, where: ClickTarget, actionId: string, blockId?: string): FoundElement {
    const surface = this.surface(userId, where);
    const found = findElement(surface.blocks, actionId, blockId);
    if (!found) {
      const inBlock = blockId === undefined ? '' : ` in block ${blockId}`;
      throw new Error(
        `no element with action_id ${actionId}${inBlock} there (action_ids: ${actionIdsIn(surface.blocks).join(', ')})`,
      );
    }
    const holders = surface.blocks.filter((block) => findElement([block], actionId));
    if (blockId === undefined && holders.length > 1) {
      throw new Error(
        `${holders.length} blocks hold action_id ${actionId} (${holders.map((b) => String(b.block_id)).join(', ')}): name the one changed with blockId`,
      );
    }
    return found;
  }

  /** Records a changed input as the client does, then sends the block_actions Slack sends for it, if any. */
  private async change(
    userId: string,
    where: ClickTarget,
    found: FoundElement,
    given: readonly string[],
    options: { headers?: Record<string, string>; from?: From },
  ): Promise<DriverResponse> {
    const { element, block, blockId } = found;
    const type = String(element.type);
    const actionId = String(element.action_id);
    if (!holdsState(element)) throw new Error(`${actionId} is a ${type}, which keeps no value`);
    const single = type === 'users_select' || type === 'static_select' || type === 'radio_buttons';
    if (single && given.length > 1) throw new Error(`${actionId} is a ${type}: one choice at a time`);
    if (type.includes('users_select')) for (const picked of given) this.pickable(picked);
    const value = stateValue(element, single ? (given[0] ?? null) : given);
    const surface = this.surface(userId, where);
    if (surface.viewId !== undefined) {
      const live = this.workspace.viewRecord(surface.viewId);
      if (live) live.state.values[blockId] = { ...live.state.values[blockId], [actionId]: value };
    } else if (surface.message) {
      this.workspace.setMessageInput(userId, surface.message, { blockId, actionId, value });
    }
    const dispatches = block.type !== 'input' || block.dispatch_action === true;
    if (!dispatches) return nothingSent();
    const after = this.surface(userId, where);
    const { viewId } = after;
    const body = blockActions({
      user: this.user(userId),
      actionId,
      blockId,
      element,
      ...('selected_options' in value ? { selectedOptions: value.selected_options as Json[] } : {}),
      ...('selected_user' in value && typeof value.selected_user === 'string'
        ? { selectedUser: value.selected_user }
        : {}),
      ...(Array.isArray(value.selected_users) ? { selectedUsers: value.selected_users as string[] } : {}),
      ...('selected_option' in value && value.selected_option ? { selectedOption: value.selected_option as Json } : {}),
      triggerId: this.workspace.mintTriggerId(userId, viewId ? { viewId } : {}),
      ...after.source,
      ...this.stateOf(userId, after),
      origin: this.origin(userId, options.from),
    });
    return this.send(body, FORM_CONTENT_TYPE, options.headers);
  }

  /**
   * A message's full `state` as the person's client holds it: every stateful element, with what the
   * person chose or its initial value (views carry theirs in `view.state`).
   */
  private stateOf(
    userId: string,
    surface: { viewId?: string; message?: { channel: string; ts: string; blocks: Json[] } },
  ) {
    if (surface.viewId !== undefined || !surface.message) return {};
    const { channel, ts, blocks } = surface.message;
    const touched = this.workspace.messageInputState(userId, channel, ts, blocks);
    return { state: { values: fullState(blocks, touched) } };
  }

  /** Typed text as the command's `text` field carries it (see TypedText). */
  private sentText(text: TypedText): string {
    const parts = typeof text === 'string' ? [text] : text;
    return parts
      .map((part) => {
        if (typeof part === 'string') return typeof text === 'string' ? part : slackEscaped(part);
        const person = this.pickable(part.mention);
        return this.workspace.commandShouldEscape ? `<@${person.id}|${person.handle}>` : `@${person.handle}`;
      })
      .join('');
  }

  /**
   * Submit pressed on an open modal view. `values` fill its input blocks, by block_id or action_id
   * (text, a select's option value, a date…); inputs not given keep their initial value.
   */
  async submit(
    userId: string,
    viewId: string,
    values: Record<string, unknown> = {},
    options: { headers?: Record<string, string>; from?: From } = {},
  ): Promise<DriverResponse> {
    const record = this.openView(userId, viewId);
    for (const [key, given] of Object.entries(values)) this.checkPicked(record.blocks, key, given);
    const state = submissionState(record.blocks, values, this.workspace.viewRecord(viewId)?.state.values ?? {});
    if (state.refusals.length > 0) return { ...nothingSent(), notSent: state.refusals };
    const live = this.workspace.viewRecord(viewId);
    if (live) {
      live.state = { values: state.values };
      delete live.errors;
    }
    const triggerId = this.workspace.mintTriggerId(userId, { viewId });
    const view = viewJson(this.openView(userId, viewId));
    const response = await this.send(
      viewSubmission({
        user: this.user(userId),
        view,
        values: state.values,
        triggerId,
        origin: this.origin(userId, options.from),
      }),
      FORM_CONTENT_TYPE,
      options.headers,
    );
    if (response.statusCode === 200) {
      response.answerProblems.push(
        ...applyViewSubmissionAnswer(this.workspace, { user: userId, viewId }, response.body),
      );
    }
    return response;
  }

  /** A users_select given a value at submission offers the workspace's people only. */
  private checkPicked(blocks: readonly Json[], key: string, given: unknown): void {
    const block = blocks.find((candidate) => candidate.type === 'input' && candidate.block_id === key);
    const element = (block?.element ??
      blocks.find((candidate) => (candidate.element as Json | undefined)?.action_id === key)?.element) as
      | Json
      | undefined;
    if (!element || !String(element.type).includes('users_select') || given === null) return;
    for (const picked of Array.isArray(given) ? given : [given]) this.pickable(String(picked));
  }

  /** A modal's close button: the view closes (the whole modal with clear_on_close); Slack tells the bot if asked. */
  async close(userId: string, viewId: string, options: { from?: From } = {}): Promise<DriverResponse> {
    const record = this.openView(userId, viewId);
    const cleared = record.view.clear_on_close === true;
    const stack = this.workspace.modalStack(userId);
    for (const id of cleared ? stack.splice(0) : stack.splice(stack.indexOf(viewId))) {
      const view = this.workspace.viewRecord(id);
      if (view) view.open = false;
    }
    if (record.view.notify_on_close !== true) return nothingSent();
    const body = viewClosed({
      user: this.user(userId),
      view: viewJson(record),
      isCleared: cleared,
      origin: this.origin(userId, options.from),
    });
    return this.send(body, FORM_CONTENT_TYPE);
  }

  /** Text typed into an external select of an open view; Slack asks after `min_query_length` (default 3) characters. */
  async suggest(
    userId: string,
    viewId: string,
    actionId: string,
    text: string,
    options: { from?: From } = {},
  ): Promise<DriverResponse> {
    const record = this.openView(userId, viewId);
    const found = findElement(record.blocks, actionId);
    if (!found) throw new Error(`no element with action_id ${actionId} in view ${viewId}`);
    const minimum = typeof found.element.min_query_length === 'number' ? found.element.min_query_length : 3;
    if (characters(text) < minimum) return { ...nothingSent(), notSent: [`type at least ${minimum} characters`] };
    const view = viewJson(record);
    const body = blockSuggestion({
      user: this.user(userId),
      actionId,
      blockId: found.blockId,
      value: text,
      view,
      origin: this.origin(userId, options.from),
    });
    const response = await this.send(body, FORM_CONTENT_TYPE);
    if (response.statusCode === 200) response.answerProblems.push(...suggestionProblems(response.body));
    return response;
  }

  /** A person opens the app's Home tab (the Events API's app_home_opened). */
  async openHome(
    userId: string,
    options: { headers?: Record<string, string>; from?: From } = {},
  ): Promise<DriverResponse> {
    const home = this.workspace.homeOf(userId);
    const body = appHomeOpened({
      user: userId,
      ...(home ? { view: viewJson(home) } : {}),
      eventId: this.workspace.ids.event(),
      eventTime: Math.floor(this.workspace.now() / 1000),
      origin: this.origin(userId, options.from),
    });
    return this.send(body, JSON_CONTENT_TYPE, options.headers);
  }

  async urlVerification(challenge: string): Promise<DriverResponse> {
    return this.send(urlVerification(challenge), JSON_CONTENT_TYPE);
  }

  /** The same bytes and signature again, as Slack's retries are (add X-Slack-Retry-Num / -Reason as wanted). */
  async resend(request: DriverRequest | undefined, headers: Record<string, string> = {}): Promise<DriverResponse> {
    if (!request) throw new Error('nothing was sent, so nothing can be sent again');
    return deliver(this.target, { ...request, headers: { ...request.headers, ...headers } });
  }

  /** Signs and delivers any body, for payloads the helpers above do not build. */
  async send(body: string, contentType: string, headers: Record<string, string> = {}): Promise<DriverResponse> {
    const timestamp = Math.floor(this.signingNow() / 1000);
    const signed = signSlackRequest({ signingSecret: this.signingSecret, body, timestamp, contentType });
    return deliver(this.target, { url: this.path, headers: { ...signed, ...headers }, body });
  }

  /**
   * This workspace (and its Grid org), with the person's own workspace as `user.team_id`, unless
   * `from` says otherwise; a `from.teamId` alone moves the person there too.
   */
  private origin(userId: string, from: From = {}): PayloadOrigin {
    const { workspace } = this;
    const person = workspace.user(userId);
    return {
      teamId: workspace.team.id,
      domain: workspace.team.domain,
      enterprise: workspace.enterprise ?? null,
      ...from,
      userTeamId: from.userTeamId ?? from.teamId ?? (person ? workspace.teamOf(person) : workspace.team.id),
    };
  }

  private user(userId: string): PayloadUser {
    const user = this.workspace.user(userId);
    if (!user) throw new Error(`no user ${userId} in the workspace`);
    return { id: user.id, name: user.handle };
  }

  private channel(idOrName: string): PayloadChannel {
    const channel = this.workspace.channel(idOrName);
    if (!channel) throw new Error(`no channel ${idOrName} in the workspace`);
    return { id: channel.id, name: channel.kind === 'im' ? 'directmessage' : channel.name };
  }

  private mintResponseUrl(channel: string, userId: string, origin: { messageTs?: string; ephemeralTs?: string }) {
    return this.workspace.mintResponseUrl({ channel, userId, baseUrl: this.responseBaseUrl, ...origin });
  }

  private openView(userId: string, viewId: string): ViewRecord {
    const view = this.workspace.view(viewId);
    if (!view?.open || view.user !== userId) throw new Error(`${userId} has no open view ${viewId}`);
    return view;
  }

  /** The blocks a click lands on, and the part of the payload that says where they are. */
  private surface(
    userId: string,
    where: ClickTarget,
  ): {
    blocks: Json[];
    viewId: string | undefined;
    source: Json;
    message?: { channel: string; ts: string; blocks: Json[] };
  } {
    if (typeof where === 'string' || 'viewId' in where) {
      const view = this.openView(userId, typeof where === 'string' ? where : where.viewId);
      const json = viewJson(view);
      return { blocks: view.blocks, viewId: view.id, source: { view: json } };
    }
    const channel = this.channel(where.channel);
    const message = this.workspace.findMessage(channel.id, where.ts);
    if (message) {
      const responseUrl = this.mintResponseUrl(channel.id, userId, { messageTs: message.ts });
      const source = { channel, message: messageJson(this.workspace, message) as Json, responseUrl };
      const blocks = message.blocks ?? [];
      return { blocks, viewId: undefined, source, message: { channel: channel.id, ts: message.ts, blocks } };
    }
    const ephemeral = this.workspace.ephemeralsFor(userId).find((candidate) => candidate.ts === where.ts);
    if (!ephemeral || ephemeral.channel !== channel.id)
      throw new Error(`no message ${where.ts} in ${channel.id} for ${userId}`);
    const responseUrl = this.mintResponseUrl(channel.id, userId, { ephemeralTs: ephemeral.ts });
    const blocks = ephemeral.blocks ?? [];
    return {
      blocks,
      viewId: undefined,
      source: { channel, ephemeralTs: ephemeral.ts, responseUrl },
      message: { channel: channel.id, ts: ephemeral.ts, blocks },
    };
  }
}
