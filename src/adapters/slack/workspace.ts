import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from 'pino';
import { within } from '../../deadline.js';
import { type Failure, failure } from '../../flows/index.js';
import { renderHome } from './render/home.js';
import { renderFailure } from './render/lists.js';
import { messageView } from './render/modals.js';

/**
 * The Slack workspace Gatehouse serves, and the Enterprise Grid org it belongs to: configured
 * (SLACK_TEAM_ID, SLACK_ENTERPRISE_ID) or, when neither is, learned from auth.test at start-up.
 *
 * The rule, for payloads and for people alike: when an org is known, anything of that org is ours
 * (an org-wide install serves every workspace in it, each with its own team id); otherwise only
 * that one workspace is. A signing secret is per app, not per workspace, so a distributed app, an
 * org-wide install or a channel shared over Slack Connect would otherwise let people of another
 * organisation reach Gatehouse, identified by an email their own admin controls.
 */
export interface SlackHome {
  teamId?: string;
  enterpriseId?: string;
  /** The workspace's name, from auth.test, for messages. */
  teamName?: string;
}

/** What a person is, as users.info answers (cached). */
export interface PersonOrigin {
  teamId?: string;
  enterpriseId?: string;
  /** Enterprise Grid: the workspaces of the org this person is in (`enterprise_user.teams`). */
  teams?: string[];
  /** Seen through another organisation, sharing no channel with the bot (`is_stranger`). */
  stranger?: boolean;
}

/** How long a delivery waits to learn the workspace (auth.test) before it is refused, to answer Slack in time. */
const HOME_DEADLINE_MS = 1_500;

/**
 * Whether a person is ours. Guests (`is_restricted`, `is_ultra_restricted`) of our own workspace
 * are: an admin of ours invited them and Slack confirms their email, and they still need an
 * account the governance system knows. People of another workspace or organisation (Slack Connect
 * partners) and strangers are not, whatever email their profile shows.
 */
export function isOurPerson(home: SlackHome, person: PersonOrigin): boolean {
  if (person.stranger) return false;
  if (home.enterpriseId) {
    if (person.enterpriseId) return person.enterpriseId === home.enterpriseId;
    // users.info names the org of every Grid person; without one, only our own workspace's id counts.
    return person.teamId === home.enterpriseId || (home.teamId !== undefined && person.teamId === home.teamId);
  }
  if (!home.teamId) return false;
  return person.teamId === home.teamId || (person.teams ?? []).includes(home.teamId);
}

/**
 * The workspaces and orgs a payload names (every shape Slack sends: commands, interactions, events).
 * `teams` is where the delivery arrived (`team_id`, `team.id`, `authorizations[].team_id`);
 * `personTeams` is the acting person's own workspace (`user.team_id` of an interaction), which is
 * not where they acted: on Enterprise Grid it is their home workspace wherever they click
 * (slackapi/bolt-js#1875), and for a Slack Connect partner their own organisation's workspace. Org
 * ids (E…) from any of these are in `enterprises`.
 */
export interface PayloadOrigins {
  teams: string[];
  personTeams: string[];
  enterprises: string[];
}

export function originsOf(body: Record<string, unknown>): PayloadOrigins {
  const teams = new Set<string>();
  const personTeams = new Set<string>();
  const enterprises = new Set<string>();
  const id = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const team = (value: unknown, into = teams) => {
    const found = id(value);
    // On Enterprise Grid `user.team_id` may name the org (E…) instead of the workspace (T…).
    if (found) (found.startsWith('E') ? enterprises : into).add(found);
  };
  const enterprise = (value: unknown) => {
    const found = id(value);
    if (found) enterprises.add(found);
  };
  const object = (value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  // Slash commands and the Events API envelope.
  team(body.team_id);
  enterprise(body.enterprise_id);
  // Interactions: `team` is null on an org-wide install; `user.team_id` is the person's own workspace.
  team(object(body.team)?.id);
  enterprise(object(body.team)?.enterprise_id);
  enterprise(object(body.enterprise)?.id);
  team(object(body.user)?.team_id, personTeams);
  // Events: the installation each delivery is for.
  if (Array.isArray(body.authorizations)) {
    for (const authorization of body.authorizations) {
      team(object(authorization)?.team_id);
      enterprise(object(authorization)?.enterprise_id);
    }
  }
  return { teams: [...teams], personTeams: [...personTeams], enterprises: [...enterprises] };
}

/**
 * Whether a payload comes from what Gatehouse serves. With an org: every org it names is ours, and
 * one that names none is only ours from our own workspace (the person's included). Without: it
 * arrived in our workspace and no other (`team_id`, `team.id`, `authorizations`); org ids are then
 * not ours to judge (a workspace on Grid configured alone still has one), and neither is the
 * person's own workspace (`user.team_id`): on Grid a member of ours may have a sister workspace as
 * their home, and a Slack Connect partner clicking in our shared channel is refused by the person
 * check (isOurPerson, on users.info), which every listener runs. A payload naming nothing is refused.
 */
export function servesPayload(home: SlackHome, origins: PayloadOrigins): boolean {
  if (home.enterpriseId) {
    if (origins.enterprises.some((enterprise) => enterprise !== home.enterpriseId)) return false;
    if (origins.enterprises.length > 0) return true;
    const named = [...origins.teams, ...origins.personTeams];
    return named.length > 0 && named.every((team) => team === home.teamId);
  }
  if (!home.teamId) return false;
  return origins.teams.length > 0 && origins.teams.every((team) => team === home.teamId);
}

/** "the Acme workspace", as messages name what Gatehouse serves. */
export function homeLabel(home: SlackHome): string {
  if (home.enterpriseId) {
    return home.teamName
      ? `the Slack organisation of the ${home.teamName} workspace (${home.enterpriseId})`
      : `the Slack organisation ${home.enterpriseId}`;
  }
  return home.teamName ? `the ${home.teamName} Slack workspace (${home.teamId})` : `the Slack workspace ${home.teamId}`;
}

export function foreignWorkspace(home: SlackHome): Failure {
  return failure(
    'slack_foreign_workspace',
    `Gatehouse only serves ${homeLabel(home)}; this request came from another workspace or organisation, so nothing was done.`,
  );
}

export const WORKSPACE_UNCONFIRMED = failure(
  'slack_workspace_unconfirmed',
  'Gatehouse could not confirm which Slack workspace it serves (Slack did not answer it just now), so nothing was done. Please try again in a moment.',
);

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;

interface RefusedBody {
  type?: unknown;
  command?: unknown;
  response_url?: unknown;
  user?: { id?: unknown };
  view?: { id?: unknown; type?: unknown };
  container?: { type?: unknown };
  event?: { type?: unknown; user?: unknown; tab?: unknown };
}

/**
 * Bolt global middleware, first in the chain: a delivery from another workspace or organisation is
 * acknowledged, the person is told why where Slack lets Gatehouse answer, and nothing else runs (no
 * listener, no delivery claim, no governance call). When the workspace is not known (nothing
 * configured and auth.test unanswered), every delivery is refused the same way: fail closed.
 */
export function onlyOurWorkspace(
  home: () => SlackHome | undefined | Promise<SlackHome | undefined>,
  logger: Logger,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as Record<string, unknown>;
    const found = home();
    const known =
      found instanceof Promise
        ? await within(
            found.catch(() => undefined),
            HOME_DEADLINE_MS,
          )
        : found;
    const served = known && known !== 'late' ? known : undefined;
    const origins = originsOf(body);
    if (served && servesPayload(served, origins)) {
      await args.next();
      return;
    }
    const refused = body as RefusedBody;
    const user = typeof refused.user?.id === 'string' ? refused.user.id : (body.user_id ?? refused.event?.user);
    logger.warn(
      { type: refused.type ?? (refused.command ? 'command' : undefined), user, ...origins, served },
      served
        ? 'refused a Slack delivery from another workspace or organisation'
        : 'refused a Slack delivery: the workspace Gatehouse serves is not known (auth.test unanswered)',
    );
    await tellRefusal(args as Args, refused, served ? foreignWorkspace(served) : WORKSPACE_UNCONFIRMED, logger);
  };
}

/**
 * Only to the person, in Slack's own ways: a command's answer, a modal's `update`, an ephemeral
 * message through response_url for a click on a message, the modal or Home they clicked in.
 * Type-ahead can only be answered with no options.
 */
async function tellRefusal(args: Args, body: RefusedBody, failure: Failure, logger: Logger): Promise<void> {
  const message = renderFailure(failure);
  const ack =
    'ack' in args && typeof args.ack === 'function' ? (args.ack as (answer?: unknown) => Promise<void>) : null;
  try {
    if (typeof body.command === 'string') return await ack?.(message);
    switch (body.type) {
      case 'view_submission':
        return await ack?.({ response_action: 'update', view: messageView('Not done', message.text) });
      case 'block_suggestion':
        return await ack?.({ options: [] });
      case 'block_actions': {
        await ack?.();
        if (typeof body.response_url === 'string' && 'respond' in args && typeof args.respond === 'function') {
          await args.respond({ response_type: 'ephemeral', replace_original: false, ...message });
        } else if (body.container?.type === 'view' && typeof body.view?.id === 'string') {
          if (body.view.type === 'home' && typeof body.user?.id === 'string') {
            await args.client.views.publish({ user_id: body.user.id, view: renderHome({ failure }) });
          } else {
            await args.client.views.update({ view_id: body.view.id, view: messageView('Not done', message.text) });
          }
        }
        return;
      }
      case 'event_callback': {
        const event = body.event;
        if (event?.type === 'app_home_opened' && event.tab === 'home' && typeof event.user === 'string') {
          await args.client.views.publish({ user_id: event.user, view: renderHome({ failure }) });
        }
        return;
      }
      default:
        return await ack?.();
    }
  } catch (err) {
    logger.warn({ err }, 'could not tell a Slack user their request was refused');
  }
}
