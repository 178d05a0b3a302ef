import type { App } from '@slack/bolt';
import { currentPriority } from '../../../api/priority.js';
import { failure, isFailure } from '../../../flows/index.js';
import { renderHome } from '../render/home.js';
import { actorOf, type SlackDeps } from './context.js';

/** Draws a person's App Home: what waits for their decision, and their open requests. */
export async function publishHome(
  deps: Pick<SlackDeps, 'flows' | 'people' | 'client' | 'logger'>,
  slackUserId: string,
): Promise<void> {
  const actor = await actorOf(deps, slackUserId);
  let view: ReturnType<typeof renderHome>;
  if (isFailure(actor)) {
    view = renderHome({ failure: actor });
  } else {
    const [pending, open] = await Promise.all([deps.flows.pendingApprovals(actor), deps.flows.status(actor)]);
    // A redraw nobody asked for that the governance budget held back leaves the Home as it was
    // (it is drawn again when the person opens it), rather than replacing it with "busy".
    const heldBack = [pending, open].some((outcome) => !outcome.ok && outcome.error.code === 'governance_rate_limited');
    if (heldBack && currentPriority() !== 'person') {
      deps.logger.info({ slackUserId }, 'App Home left as it was: the governance budget gave way to people');
      return;
    }
    if (!pending.ok) view = renderHome({ failure: pending.error });
    else if (!open.ok) view = renderHome({ failure: open.error });
    else if (!('items' in open.value)) view = renderHome({ failure: failure('internal_error', 'Unexpected answer.') });
    else view = renderHome({ pending: pending.value, open: open.value });
  }
  await deps.client.views.publish({ user_id: slackUserId, view });
}

export function registerHome(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await deps.publishHome(event.user).catch((err) => deps.logger.warn({ err }, 'App Home not published'));
  });
}
