import type { AllMiddlewareArgs, AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Logger } from 'pino';
import { StoreUnavailable, storeOutageIn } from '../../domain/errors.js';
import { Failure } from '../../flows/index.js';
import type { Store } from '../../store/index.js';
import { renderHome } from './render/home.js';
import { renderFailure } from './render/lists.js';
import { messageView } from './render/modals.js';
import type { SlackMessage } from './render/request-card.js';

/** Slack retries within minutes; a day covers every retry and a replay inside the signature window. */
const DELIVERY_TTL_MS = 24 * 60 * 60_000;

interface DeliveryBody {
  type?: unknown;
  event_id?: unknown;
  trigger_id?: unknown;
  user_id?: unknown;
  user?: { id?: unknown };
  view?: { id?: unknown };
  event?: { type?: unknown; tab?: unknown; user?: unknown };
}

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;

/**
 * Slack redelivers events it thinks were lost (X-Slack-Retry-Num), and a replayed request is still
 * validly signed for five minutes. Each delivery carries an id that stays the same across retries
 * (event_id for events, trigger_id for commands and interactions); the first delivery of an id
 * claims it in the store, shared by every replica, and later ones are acknowledged and dropped.
 *
 * When the store cannot be reached the delivery is handled without its claim: what must happen
 * once (a request, a decision) takes its own claim before writing and stops there, while what only
 * reads or answers (help, a form) still works. Whatever then fails for want of the store is told
 * to the person where they acted, instead of leaving Slack's spinner with nothing after it.
 */
export function oncePerDelivery(store: Store, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as DeliveryBody;
    const id =
      typeof body.event_id === 'string' ? body.event_id : typeof body.trigger_id === 'string' ? body.trigger_id : null;
    if (id) {
      const first = await store.claim(`slack:delivery:${id}`, DELIVERY_TTL_MS).catch(async (error: unknown) => {
        if (!(error instanceof StoreUnavailable)) throw error;
        logger.warn({ err: error, delivery: id }, 'store unreachable; handling a Slack delivery without its claim');
        await showOnHome(args, body, error, logger);
        return true;
      });
      if (!first) {
        logger.info({ delivery: id, type: body.type }, 'dropped a repeated Slack delivery');
        if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
        return;
      }
    }
    try {
      await args.next();
    } catch (error) {
      const outage = storeOutageIn(error);
      if (!outage) throw error;
      logger.warn({ err: outage, type: body.type }, 'a Slack action needed the store, which is unreachable');
      await tellWhereTheyActed(args, body, failureOf(outage), logger);
    }
  };
}

function failureOf(outage: StoreUnavailable): Failure {
  return Failure.of(outage);
}

/**
 * Someone opened their Home while the store is out: their Home cannot be drawn (it needs to know
 * who they are), so it says why. Drawn before the listener runs, which replaces it if it can.
 */
async function showOnHome(args: Args, body: DeliveryBody, outage: StoreUnavailable, logger: Logger): Promise<void> {
  const event = body.event;
  if (body.type !== 'event_callback' || event?.type !== 'app_home_opened' || event.tab !== 'home') return;
  if (typeof event.user !== 'string') return;
  await args.client.views
    .publish({ user_id: event.user, view: renderHome({ failure: failureOf(outage) }) })
    .catch((err) => logger.warn({ err }, 'App Home not told the store is unreachable'));
}

/**
 * Only to the person: in the form they submitted, through response_url where Slack gave one
 * (commands, message buttons), otherwise (App Home, or a modal closed meanwhile) in their DM.
 */
async function tellWhereTheyActed(args: Args, body: DeliveryBody, failure: Failure, logger: Logger): Promise<void> {
  const message = renderFailure(failure);
  if (await answeredInPlace(args, body, message)) return;
  const userId =
    typeof body.user_id === 'string' ? body.user_id : typeof body.user?.id === 'string' ? body.user.id : undefined;
  if (!userId) return;
  await args.client.chat
    .postMessage({ channel: userId, ...message })
    .catch((err) => logger.warn({ err, userId }, 'could not tell a Slack user the store is unreachable'));
}

async function answeredInPlace(args: Args, body: DeliveryBody, message: SlackMessage): Promise<boolean> {
  try {
    if (body.type === 'view_submission' && typeof body.view?.id === 'string') {
      await args.client.views.update({ view_id: body.view.id, view: messageView('Not done', message.text) });
      return true;
    }
    if ('respond' in args && typeof args.respond === 'function') {
      await args.respond({ response_type: 'ephemeral', replace_original: false, ...message });
      return true;
    }
  } catch {
    // Told in their DM instead.
  }
  return false;
}
