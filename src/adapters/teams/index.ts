import { ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { BackgroundWork } from '../../background.js';
import type { TeamsConfig } from '../../config.js';
import type { Flows } from '../../flows/index.js';
import type { Pacer } from '../../notifier/pacing.js';
import type { Store } from '../../store/index.js';
import { GatehouseTeamsBot } from './bot.js';
import { TeamsCloudAdapter } from './cloud-adapter.js';
import { messagesRoute } from './http.js';
import { TeamsMessenger } from './messenger.js';
import { TeamsPeople } from './people.js';
import { type ServiceUrlPolicy, serviceUrlPolicy } from './service-url.js';

export interface TeamsAdapterOptions {
  config: TeamsConfig;
  flows: Flows;
  store: Store;
  logger: Logger;
  approvalsChannel?: string;
  /** Keeps the notifier's sends under Teams' limits (see rate-limits.ts). */
  pacer?: Pacer;
  /** Where work that outlives Teams' answer is tracked. */
  background?: BackgroundWork;
}

/**
 * Gatehouse in Microsoft Teams: botbuilder's CloudAdapter behind `POST /api/messages`, the bot's
 * handlers, and the Messenger the notifier posts and edits cards through. Every botbuilder import
 * stays in this folder, so moving to its successor SDK touches one place.
 */
export class TeamsAdapter {
  readonly adapter: TeamsCloudAdapter;
  readonly people: TeamsPeople;
  readonly messenger: TeamsMessenger;
  /** Outside sandbox mode, only Microsoft's Teams service URLs (service-url.ts). */
  readonly serviceUrlAllowed: ServiceUrlPolicy;
  private readonly bot: GatehouseTeamsBot;

  constructor(private readonly options: TeamsAdapterOptions) {
    const { config, store, logger } = options;
    // With an empty app id botbuilder skips token validation; config only allows that in sandbox
    // mode, which listens on loopback.
    const auth = new ConfigurationBotFrameworkAuthentication({
      MicrosoftAppId: config.appId,
      MicrosoftAppPassword: config.appPassword ?? '',
      MicrosoftAppType: config.appType,
      MicrosoftAppTenantId: config.tenantId ?? '',
    });
    this.adapter = new TeamsCloudAdapter(auth);
    this.adapter.onTurnError = async (_context, err) => {
      logger.error({ err }, 'Teams turn failed');
    };
    this.serviceUrlAllowed = serviceUrlPolicy({ enforced: Boolean(config.appId), configured: config.serviceUrl });
    this.people = new TeamsPeople(store);
    this.messenger = new TeamsMessenger({
      adapter: this.adapter,
      appId: config.appId,
      tenantId: config.tenantId,
      people: this.people,
      serviceUrl: config.serviceUrl,
      serviceUrlAllowed: this.serviceUrlAllowed,
      approvalsChannel: options.approvalsChannel,
      logger,
      pacer: options.pacer,
    });
    this.bot = new GatehouseTeamsBot({
      adapter: this.adapter,
      appId: config.appId,
      tenantId: config.tenantId,
      flows: options.flows,
      people: this.people,
      store,
      logger,
      background: options.background,
      approvalsChannel: options.approvalsChannel,
    });
  }

  get plugin(): FastifyPluginAsync {
    const { bot } = this;
    const { config, logger } = this.options;
    return messagesRoute({
      adapter: this.adapter,
      logic: (context: TurnContext) => bot.run(context),
      logger,
      appId: config.appId,
      tenantId: config.tenantId,
      serviceUrlAllowed: this.serviceUrlAllowed,
    });
  }
}
