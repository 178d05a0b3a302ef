import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { type ChatIdentity, type Failure, type Flows, failure } from '../../../flows/index.js';
import type { ShownLists } from '../../shown-lists.js';
import type { ClickedMessage } from '../clicked-message.js';
import { type SlackPeople, SlackUserForeign, SlackUserUnknown, SlackWorkspaceUnknown } from '../people.js';
import type { SlackMessage } from '../render/request-card.js';
import { homeLabel, WORKSPACE_UNCONFIRMED } from '../workspace.js';

/** What every listener works with. Listeners parse, call a flow, render; no rules live here. */
export interface SlackDeps {
  flows: Flows;
  people: SlackPeople;
  client: WebClient;
  logger: Logger;
  /** Pending lists as shown, so a decision made from one is confirmed in it. */
  lists: ShownLists;
  /** The message a decision was made from, shown decided before the notifier redraws the others. */
  clicked: ClickedMessage;
  publishHome(slackUserId: string): Promise<void>;
}

export const SLACK_UNREACHABLE = failure(
  'slack_user_unknown',
  'Slack did not tell Gatehouse who you are just now. Please try again in a moment.',
);

/**
 * Someone of another workspace or organisation (a Slack Connect partner in a shared channel, a
 * stranger): told plainly, not "unknown user", because no account would ever make them one of ours.
 */
export function slackUserForeign(error: SlackUserForeign): Failure {
  return failure(
    'slack_user_foreign',
    `Your Slack account belongs to another workspace or organisation, and Gatehouse only acts for people of ${homeLabel(error.home)}, ` +
      'so nothing was done. Ask for access through your own organisation.',
  );
}

/** The acting Slack user as a chat identity, or the failure to show them. */
export async function actorOf(
  deps: Pick<SlackDeps, 'people' | 'logger'>,
  userId: string,
): Promise<ChatIdentity | Failure> {
  try {
    return await deps.people.identity(userId);
  } catch (error) {
    if (error instanceof SlackUserForeign) {
      deps.logger.warn(
        { userId, person: error.origin, served: error.home },
        'refused a Slack user of another organisation',
      );
      return slackUserForeign(error);
    }
    if (error instanceof SlackWorkspaceUnknown) {
      deps.logger.warn({ userId }, 'refused a Slack user: the workspace Gatehouse serves is not known');
      return WORKSPACE_UNCONFIRMED;
    }
    if (!(error instanceof SlackUserUnknown)) throw error;
    deps.logger.warn({ err: error, userId }, 'Slack user lookup failed');
    return SLACK_UNREACHABLE;
  }
}

/**
 * Says something to the person who acted, only to them: through response_url when Slack gave one
 * (messages, commands), otherwise as a direct message (App Home and modals have no response_url).
 */
export async function tell(
  deps: SlackDeps,
  where: { userId: string; respond?: (message: object) => Promise<unknown> },
  message: SlackMessage,
): Promise<void> {
  try {
    if (where.respond) {
      await where.respond({ response_type: 'ephemeral', replace_original: false, ...message });
      return;
    }
    await deps.client.chat.postMessage({ channel: where.userId, ...message });
  } catch (err) {
    deps.logger.warn({ err, userId: where.userId }, 'could not tell a Slack user the result');
  }
}

/** JSON a client sent us (button values, private_metadata), or undefined: callers validate with zod. */
export function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}
