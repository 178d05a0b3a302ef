import { App, type Authorize } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { SlackConfig } from '../../config.js';
import type { Flows } from '../../flows/index.js';
import type { RequestMessages } from '../../notifier/index.js';
import type { Pacer } from '../../notifier/pacing.js';
import type { Store } from '../../store/index.js';
import { boltLogger } from './bolt-logger.js';
import { oncePerDelivery } from './deliveries.js';
import { HomeRefresh } from './home-refresh.js';
import { registerButtons } from './listeners/buttons.js';
import { registerCommands } from './listeners/commands.js';
import type { SlackDeps } from './listeners/context.js';
import { registerForms } from './listeners/forms.js';
import { publishHome, registerHome } from './listeners/home.js';
import { SlackMessenger } from './messenger.js';
import { SlackPeople } from './people.js';
import { FastifyReceiver } from './receiver.js';

export { SlackMessenger } from './messenger.js';

export interface SlackAdapterOptions {
  config: SlackConfig;
  flows: Flows;
  store: Store;
  logger: Logger;
  /** Keeps the notifier's posts under Slack's limits (see rate-limits.ts). */
  pacer?: Pacer;
}

/**
 * Gatehouse in Slack: Bolt's App with our listeners, fed by our fastify receiver at
 * `POST /slack/events` or by Socket Mode when an app token is set, plus the Messenger the notifier
 * posts and edits cards through.
 */
/** How long an opened Home keeps being redrawn on changes without being opened again. */
const HOME_SEEN_TTL_MS = 30 * 24 * 60 * 60_000;
const homeSeenKey = (userId: string) => `slack:home-seen:${userId}`;

export class SlackAdapter {
  readonly client: WebClient;
  readonly people: SlackPeople;
  readonly messenger: SlackMessenger;
  private app: App | undefined;
  private receiver: FastifyReceiver | undefined;
  private knownIds: Promise<{ botId?: string; botUserId?: string }> | undefined;

  constructor(private readonly options: SlackAdapterOptions) {
    const clientOptions = webClientOptions(options.config, options.logger);
    this.client = new WebClient(options.config.botToken, clientOptions);
    this.people = new SlackPeople(this.client, options.store);
    this.messenger = new SlackMessenger(this.client, this.people, (userId) => this.refreshHome(userId), options.pacer);
  }

  /** Builds the Bolt App and its listeners; the notifier's messages are needed to answer clicks. */
  connect(messages: RequestMessages): void {
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
    if (config.appToken) {
      this.app = new App({ ...common, socketMode: true, appToken: config.appToken });
    } else {
      this.receiver = new FastifyReceiver({ signingSecret: config.signingSecret, logger });
      this.app = new App({ ...common, receiver: this.receiver });
    }
    this.app.use(oncePerDelivery(this.options.store, logger));
    this.app.error(async (err) => {
      logger.error({ err }, 'Slack listener error');
    });
    const deps: SlackDeps = {
      flows,
      people: this.people,
      messages,
      client: this.client,
      logger,
      // Someone opened their Home or acted on it: drawn now, not after the notifier's spacing.
      publishHome: (userId) => this.openedHome(userId),
    };
    registerCommands(this.app, deps);
    registerButtons(this.app, deps);
    registerForms(this.app, deps);
    registerHome(this.app, deps);
  }

  /** The HTTP route, when Slack reaches Gatehouse over HTTP (not Socket Mode). */
  get plugin(): FastifyPluginAsync | undefined {
    return this.receiver?.plugin;
  }

  get socketMode(): boolean {
    return Boolean(this.options.config.appToken);
  }

  /** Learns the bot's ids once (so no event waits for auth.test), then connects Socket Mode if used. */
  async start(): Promise<void> {
    await this.botIds().catch((err) =>
      this.options.logger.warn({ err }, 'Slack auth.test failed at start; will ask again on first use'),
    );
    if (this.socketMode) await this.app?.start();
  }

  async stop(): Promise<void> {
    if (this.socketMode) await this.app?.stop();
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

  private readonly homes = new HomeRefresh(async (userId) => {
    const { flows, logger, pacer } = this.options;
    await pacer?.take('views.publish');
    await publishHome({ flows, people: this.people, client: this.client, logger }, userId);
  });

  /** The bot's own ids, asked of Slack once (auth.test) and remembered; asked again after a failure. */
  private botIds(): Promise<{ botId?: string; botUserId?: string }> {
    this.knownIds ??= this.client.auth.test().then(
      (answer) => ({ botId: answer.bot_id, botUserId: answer.user_id }),
      (err) => {
        this.knownIds = undefined;
        throw err;
      },
    );
    return this.knownIds;
  }

  private authorize(): Authorize<boolean> {
    const token = this.options.config.botToken;
    return async () => ({ botToken: token, ...(await this.botIds()) });
  }
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
