import {
  type Activity,
  CloudAdapter,
  type ConfigurationBotFrameworkAuthentication,
  type TurnContext,
} from 'botbuilder';

/** What botbuilder's authentication answers for a request it accepted: the identity, and how to reach the channel. */
export type AuthenticatedRequest = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

/**
 * botbuilder's CloudAdapter with its two halves apart. `CloudAdapter.process` authenticates and runs
 * the turn in one call and answers every failure alike: an unverifiable token, Entra's metadata
 * out of reach and a bug in a turn all come out as 401 or 500, after a console.error. Gatehouse's
 * route (http.ts) authenticates first, answers what it finds, and only then runs the turn.
 */
export class TeamsCloudAdapter extends CloudAdapter {
  /** Checks the request's Bot Framework token (none needed without an app id); throws when it cannot vouch for it. */
  authenticate(activity: Activity, authorization: string): Promise<AuthenticatedRequest> {
    return this.botFrameworkAuthentication.authenticateRequest(activity, authorization);
  }

  /** Runs the bot's turn for an activity already authenticated; the invoke response, if any. */
  runAuthenticated(
    authenticated: AuthenticatedRequest,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ) {
    return this.processActivity(authenticated, activity, logic);
  }
}
