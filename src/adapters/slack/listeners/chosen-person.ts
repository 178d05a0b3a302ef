import { type ChatIdentity, type Failure, failure } from '../../../flows/index.js';
import { SlackUserForeign, SlackUserUnknown, SlackWorkspaceUnknown } from '../people.js';
import { WORKSPACE_UNCONFIRMED } from '../workspace.js';
import type { SlackDeps } from './context.js';

/** A Slack user id as Slack sends it in a mention or a users_select: U… or W… (Enterprise Grid). */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;

/**
 * The person someone chose (in a users_select, or by @-mentioning them) as a chat identity the flows
 * resolve, or why not, worded about that person rather than about the one choosing: forwarding to,
 * or appointing, someone is about them. The flow still decides whether they may take it.
 */
export async function chosenPerson(
  deps: Pick<SlackDeps, 'people' | 'logger'>,
  userId: string,
): Promise<ChatIdentity | Failure> {
  if (!SLACK_USER_ID.test(userId)) return failure('unknown_user', 'That is not a Slack person Gatehouse can read.');
  try {
    const person = await deps.people.identity(userId);
    if (!person.email) {
      return failure(
        'no_email',
        'The person you chose shows no confirmed email in Slack, so Gatehouse cannot tell who they are in the governance system. Choose someone else.',
      );
    }
    return person;
  } catch (error) {
    if (error instanceof SlackUserForeign) {
      return failure(
        'slack_user_foreign',
        'The person you chose belongs to another workspace or organisation. Choose someone of yours.',
      );
    }
    if (error instanceof SlackWorkspaceUnknown) return WORKSPACE_UNCONFIRMED;
    if (!(error instanceof SlackUserUnknown)) throw error;
    deps.logger.warn({ err: error, userId }, 'Slack user lookup failed for a chosen person');
    return failure(
      'slack_user_unknown',
      'Slack did not say who the person you chose is just now. Please try again in a moment.',
    );
  }
}

/** `<@U123>` or `<@U123|name>`, as Slack sends a mention in a command's text: the user id, or undefined. */
export function mentionedUser(sent: string): string | undefined {
  const match = /^<@([UW][A-Z0-9]{2,30})(?:\|[^<>]*)?>$/.exec(sent.trim());
  return match?.[1];
}
