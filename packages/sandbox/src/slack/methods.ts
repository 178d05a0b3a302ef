import { type Args, loggedArgs } from './args.js';
import * as chat from './chat.js';
import * as conversations from './conversations.js';
import { SlackApiError } from './errors.js';
import type { Json } from './records.js';
import * as users from './users.js';
import * as views from './views.js';
import type { SlackWorkspace } from './workspace.js';

type Method = (workspace: SlackWorkspace, args: Args) => Json;

/** The Web API methods the emulator serves: the subset Gatehouse calls, and auth.test Bolt calls. */
const METHODS: Record<string, Method> = {
  'auth.test': (workspace) => users.authTest(workspace),
  'chat.postMessage': chat.postMessage,
  'chat.update': chat.update,
  'chat.postEphemeral': chat.postEphemeral,
  'chat.delete': chat.remove,
  'conversations.open': conversations.open,
  'conversations.info': conversations.info,
  'conversations.history': conversations.history,
  'conversations.replies': conversations.replies,
  'users.info': users.info,
  'users.list': users.list,
  'users.lookupByEmail': users.lookupByEmail,
  'views.open': views.open,
  'views.update': views.update,
  'views.push': views.push,
  'views.publish': views.publish,
};

/**
 * One Web API call, answered as Slack answers: `{ ok: true, ... }` or `{ ok: false, error }`.
 * An unknown method is `unknown_method` whatever the token; then no token is `not_authed` and any
 * token but the bot's `invalid_auth`. Every call is logged on the workspace.
 */
export function answerCall(workspace: SlackWorkspace, method: string, args: Args, token: string | undefined): Json {
  try {
    const run = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
    if (!run) throw new SlackApiError('unknown_method');
    if (!token) throw new SlackApiError('not_authed');
    if (token !== workspace.botToken) throw new SlackApiError('invalid_auth');
    const result = run(workspace, args);
    logCall(workspace, method, args);
    return { ok: true, ...result };
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    logCall(workspace, method, args, error.code);
    return error.body;
  }
}

export function logCall(workspace: SlackWorkspace, method: string, args: Args, error?: string): void {
  workspace.calls.push({
    method,
    ok: error === undefined,
    ...(error === undefined ? {} : { error }),
    at: workspace.now(),
    args: loggedArgs(args),
  });
}
