import { App, type Authorize } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { BackgroundWork } from '../../background.js';
import type { SlackConfig } from '../../config.js';
import type { Flows } from '../../flows/index.js';
import type { ClicksDrawing } from '../../notifier/clicks-drawing.js';
import type { Pacer } from '../../notifier/pacing.js';
import type { Store } from '../../store/index.js';
import { ShownLists } from '../shown-lists.js';
import { boltLogger } from './bolt-logger.js';
import { ClickedMessage } from './clicked-message.js';
import { oncePerDelivery } from './deliveries.js';
import { HomeRefresh } from './home-refresh.js';
import { registerButtons } from './listeners/buttons.js';
import { registerCommands } from './listeners/commands.js';
import type { SlackDeps } from './listeners/context.js';
import { registerForms } from './listeners/forms.js';
import { registerForwarding } from './listeners/forwarding.js';
import { publishHome, registerHome } from './listeners/home.js';
import { registerSeveral } from './listeners/several.js';
import { SlackMessenger } from './messenger.js';
import { SlackPeople } from './people.js';
import { FastifyReceiver } from './receiver.js';
import { onlyOurWorkspace, type SlackHome } from './workspace.js';

export { SlackMessenger } from './messenger.js';

export interface SlackAdapterOptions {
  config: SlackConfig;
  flows: Flows;
  store: Store;
  logger: Logger;
  /** Keeps the notifier's posts under Slack's limits (see rate-limits.ts). */
  pacer?: Pacer;
  /** Where work that outlives Slack's ack is tracked. */
  background?: BackgroundWork;
  /** How often at most a person's App Home is redrawn on changes (default 5 s). */
  homeSpacingMs?: number;
  /** Told when a click draws its own message, so the notifier's passes about it wait. */
  clicks?: ClicksDrawing;
}

/**
 * Gatehouse in Slack: Bolt's App with our listeners, fed by our fastify receiver at
 * `POST /slack/events` or by Socket Mode when an app token is set, plus the Messenger the notifier
 * posts and edits cards through.
 */
/** How long an opened Home keeps being redrawn on changes without being opened again. */
const HOME_SEEN_TTL_MS = 30 * 24 * 60 * 60_000;
const homeSeenKey = (userId: string) => `slack:home-seen:${userId}`;

/** What auth.test tells about the bot token: the bot, and the workspace and Grid org it was installed in. */
interface Installation {
  botId?: string;
  botUserId?: string;
  teamId?: string;
  enterpriseId?: string;
  teamName?: string;
}

export class SlackAdapter {
  readonly client: WebClient;
  readonly people: SlackPeople;
  readonly messenger: SlackMessenger;
  private readonly app: App;
  private receiver: FastifyReceiver | undefined;
  private installation: Promise<Installation> | undefined;
  private learned: Installation | undefined;

  constructor(private readonly options: SlackAdapterOptions) {
    const clientOptions = webClientOptions(options.config, options.logger);
    this.client = new WebClient(options.config.botToken, clientOptions);
    this.people = new SlackPeople(this.client, options.store, async () => this.home(), options.logger);
    this.messenger = new SlackMessenger(this.client, this.people, (userId) => this.refreshHome(userId), options.pacer);
    this.homes = new HomeRefresh((userId) => this.drawHome(userId), options.homeSpacingMs);
    this.app = this.boltApp();
  }

  /** Bolt's App with our listeners: they parse, call a flow and answer; the flows tell the notifier. */
  private boltApp(): App {
    const { config, logger, flows } = this.options;
    const common = {
      authorize: this.authorize(),
      clientOptions: webClientOptions(config, logger),
      logger: boltLogger(logger.child({ component: 'bolt' })),
      ignoreSelf: true,
      // Bolt's conversation store keeps per-conversation state in memory for every delivery;
      // Gatehouse keeps nothing there (the store holds what must survive), so it is only cost.
      convoStore: false as const,
    };
    if (!config.appToken) {
      this.receiver = new FastifyReceiver({
        signingSecret: config.signingSecret,
        logger,
        background: this.options.background,
      });
    }
    const app = this.receiver
      ? new App({ ...common, receiver: this.receiver })
      : new App({ ...common, socketMode: true, appToken: config.appToken });
    // First: a delivery from another workspace or organisation goes no further (not even a claim).
    app.use(onlyOurWorkspace(() => this.home(), logger));
    app.use(oncePerDelivery(this.options.store, logger));
    app.error(async (err) => {
      logger.error({ err }, 'Slack listener error');
    });
    const deps: SlackDeps = {
      flows,
      people: this.people,
      client: this.client,
      logger,
      // An ephemeral list stays on screen until the person reloads Slack: a working day is plenty.
      lists: new ShownLists(this.options.store, logger, { platform: 'slack', ttlMs: 24 * 60 * 60_000 }),
      clicked: new ClickedMessage(this.options.store, this.messenger, logger, this.options.clicks),
      // Someone opened their Home or acted on it: drawn now, not after the notifier's spacing.
      publishHome: (userId) => this.openedHome(userId),
    };
    registerCommands(app, deps);
    registerButtons(app, deps);
    registerForms(app, deps);
    registerHome(app, deps);
    registerForwarding(app, deps);
    registerSeveral(app, deps);
    return app;
  }

  /** The HTTP route, when Slack reaches Gatehouse over HTTP (not Socket Mode). */
  get plugin(): FastifyPluginAsync | undefined {
    return this.receiver?.plugin;
  }

  get socketMode(): boolean {
    return Boolean(this.options.config.appToken);
  }

  /**
   * Learns the bot's ids and its workspace once (so no event waits for auth.test), then connects
   * Socket Mode if used. A configured workspace that is not the token's is said at once: every
   * delivery from the token's workspace would be refused.
   */
  async start(): Promise<void> {
    const { config, logger } = this.options;
    const installed = await this.install().catch((err) => {
      logger.warn({ err }, 'Slack auth.test failed at start; will ask again on first use');
      return undefined;
    });
    const configured = config.teamId !== undefined || config.enterpriseId !== undefined;
    if (installed && configured) {
      const otherTeam = config.teamId !== undefined && installed.teamId !== config.teamId;
      const otherOrg = config.enterpriseId !== undefined && installed.enterpriseId !== config.enterpriseId;
      if (otherTeam || otherOrg) {
        logger.warn(
          { configured: { teamId: config.teamId, enterpriseId: config.enterpriseId }, installed },
          'SLACK_TEAM_ID / SLACK_ENTERPRISE_ID do not name the workspace the bot token was installed in; only the configured one is served',
        );
      }
    }
    if (installed) logger.info({ served: await this.home() }, 'the Slack workspace (or Grid org) Gatehouse serves');
    if (this.socketMode) await this.app.start();
  }

  /**
   * What Gatehouse serves: the configuration when it names a workspace or org (it wins over
   * auth.test, and a workspace configured alone stays one workspace even on Grid), otherwise what
   * auth.test said. Undefined while neither is known, which refuses every delivery.
   */
  private home(): SlackHome | undefined | Promise<SlackHome | undefined> {
    const { teamId, enterpriseId } = this.options.config;
    if (teamId !== undefined || enterpriseId !== undefined) {
      const named = this.learned?.teamId === teamId ? this.learned?.teamName : undefined;
      return { teamId, enterpriseId, ...(named ? { teamName: named } : {}) };
    }
    // Known at once after start (no promise per delivery); asked of Slack again while it is not.
    if (this.learned) return homeOf(this.learned);
    return this.install().then(homeOf, () => undefined);
  }

  async stop(): Promise<void> {
    if (this.socketMode) await this.app.stop();
  }

  /** A person looked at their Home (or acted from it): from now on changes redraw it for them. */
  private async openedHome(userId: string): Promise<void> {
    await this.options.store
      .set(homeSeenKey(userId), '1', { ttlMs: HOME_SEEN_TTL_MS })
      .catch((err) => this.options.logger.warn({ err }, 'could not remember an opened Home'));
    await this.homes.request(userId, { urgent: true });
  }

  /**
   * The notifier's redraw after a change, only for people who use their Home: drawing one reads
   * everything waiting for them and everything they asked for, wasted on a tab never opened (it
   * is drawn fresh when they first open it).
   */
  private async refreshHome(userId: string): Promise<void> {
    if (!(await this.options.store.get(homeSeenKey(userId)).catch(() => '1'))) return;
    await this.homes.request(userId);
  }

  /** Resolves once no App Home is being drawn or waits for its spacing to be drawn (for tests and drills). */
  homesSettled(): Promise<void> {
    return this.homes.settled();
  }

  private readonly homes: HomeRefresh;

  private async drawHome(userId: string): Promise<void> {
    const { flows, logger, pacer } = this.options;
    await pacer?.take('views.publish');
    // Not counted against the person's rate limit: a Home is drawn at most every few seconds per
    // person however often it is asked for (HomeRefresh), and most draws follow changes the
    // notifier saw, not anything the person did.
    await flows.unmetered(() => publishHome({ flows, people: this.people, client: this.client, logger }, userId));
  }

  /**
   * The bot's own ids and its workspace, asked of Slack once (auth.test; on Enterprise Grid it
   * also names the org) and remembered; asked again after a failure.
   */
  private install(): Promise<Installation> {
    this.installation ??= this.client.auth.test().then(
      (answer) => {
        this.learned = {
          botId: answer.bot_id,
          botUserId: answer.user_id,
          teamId: answer.team_id || undefined,
          enterpriseId: answer.enterprise_id || undefined,
          teamName: answer.team || undefined,
        };
        return this.learned;
      },
      (err) => {
        this.installation = undefined;
        throw err;
      },
    );
    return this.installation;
  }

  /**
   * The bot token, with the bot's ids when auth.test answered. Without them the delivery still
   * reaches the workspace check, which serves a configured workspace and refuses everything (with
   * a message) while none is known.
   */
  private authorize(): Authorize<boolean> {
    const token = this.options.config.botToken;
    return async () => {
      const installed = await this.install().catch(() => undefined);
      return { botToken: token, botId: installed?.botId, botUserId: installed?.botUserId };
    };
  }
}

function homeOf(installed: Installation): SlackHome | undefined {
  if (!installed.teamId && !installed.enterpriseId) return undefined;
  return { teamId: installed.teamId, enterpriseId: installed.enterpriseId, teamName: installed.teamName };
}

/**
 * Interactive paths must not wait minutes: a rate-limited call fails at once and is reported,
 * rather than pausing every call of the client (the default waits and retries for ~30 minutes).
 */
function webClientOptions(config: SlackConfig, logger: Logger): WebClientOptions {
  return {
    slackApiUrl: `${config.apiUrl.replace(/\/+$/, '')}/`,
    logger: boltLogger(logger.child({ component: 'slack-web-api' })),
    rejectRateLimitedCalls: true,
    // No silent re-sends: a post whose answer was lost may have happened, and the caller decides.
    retryConfig: { retries: 0 },
    timeout: 10_000,
  };
}
