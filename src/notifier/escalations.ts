import type { Logger } from 'pino';
import { z } from 'zod';
import type { Governance } from '../api/governance.js';
import type { ReminderSettings } from '../config/notifier.js';
import { GovernanceRateLimited } from '../domain/errors.js';
import type { PersonView, RequestSnapshot } from '../flows/index.js';
import { getJson, type MessageRef, type Store, setJson } from '../store/index.js';
import { DeliveryLedger } from './ledger.js';
import type { CardReason, Messenger, RequestCard } from './messenger.js';
import type { ApprovalRouting } from './routing.js';

/** A manager found (or not) is looked up again after this: directories change slowly. */
const MANAGER_TTL_MS = 6 * 3_600_000;

const cachedManager = z.object({
  manager: z.object({ id: z.string(), name: z.string(), email: z.string().optional() }).nullable(),
});

export interface EscalationsOptions {
  governance: Governance;
  store: Store;
  routing: ApprovalRouting;
  logger: Logger;
  settings: ReminderSettings;
  /** Sends once across replicas (the reminders' claim); false when there was nobody to send to. */
  once: (key: string, send: () => Promise<boolean>) => Promise<boolean>;
  quietFor: (messenger: Messenger, person: PersonView, now: number) => Promise<boolean>;
}

/**
 * A step nobody decided after its reminders goes to a named target: each approver's manager from
 * the directory (Principal.managerId), with the card and a line saying why they get it; or a
 * channel (ESCALATE_TO), which is also where it goes for approvers with no manager Gatehouse can
 * reach on the platform. Once per request, step, platform and target. A manager is not told at
 * night in their time zone either (held until the next check after); a channel is told at once.
 */
export class Escalations {
  private readonly ledger: DeliveryLedger;

  constructor(private readonly options: EscalationsOptions) {
    this.ledger = new DeliveryLedger(options.store);
  }

  async escalate(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    step: number,
    approvers: PersonView[],
    since: string,
    now: number,
  ): Promise<{ sent: number; held: number }> {
    const { settings, store } = this.options;
    const requestId = snapshot.view.id;
    const platform = messenger.platform;
    const result = { sent: 0, held: 0 };
    const toChannel: PersonView[] = [];
    const managers = new Map<string, { manager: PersonView; of: PersonView[] }>();
    for (const approver of approvers) {
      const manager = settings.escalateTo.kind === 'manager' ? await this.managerOf(approver) : null;
      // An approver's own manager approving too: telling them "your report has not decided" helps nobody.
      // Nor is an escalation about a request sent to whom it is by or for: it goes to the channel.
      const party = manager && [snapshot.view.requester.id, snapshot.view.requestedFor.id].includes(manager.id);
      if (!manager || party || approvers.some((a) => a.id === manager.id)) toChannel.push(approver);
      else {
        const group = managers.get(manager.id) ?? { manager, of: [] };
        group.of.push(approver);
        managers.set(manager.id, group);
      }
    }
    for (const { manager, of } of managers.values()) {
      const key = `escalate:${requestId}:${step}:${platform}:manager:${manager.id}`;
      if ((await store.get(key)) !== null) continue;
      if (await this.options.quietFor(messenger, manager, now)) {
        result.held += 1;
        continue;
      }
      const reason: CardReason = { kind: 'escalation', to: 'manager', approvers: of, waitingSince: since };
      const card: RequestCard = { role: 'approval', request: snapshot.as(manager) };
      let reached = false;
      const sent = await this.options.once(key, async () => {
        const ref = await messenger.sendToPerson(manager, { ...card, reason });
        if (ref) await this.keep(requestId, { ...ref, kind: 'approval', recipientId: manager.id }, card);
        reached = ref !== null;
        return reached;
      });
      if (sent) result.sent += 1;
      // The manager is not on this platform: the channel hears of it instead.
      else if (!reached && (await store.get(key)) !== null) toChannel.push(...of);
    }
    if (toChannel.length > 0 && (await this.toChannel(messenger, snapshot, step, toChannel, since))) result.sent += 1;
    return result;
  }

  private async toChannel(
    messenger: Messenger,
    snapshot: RequestSnapshot,
    step: number,
    approvers: PersonView[],
    since: string,
  ): Promise<boolean> {
    const { settings, routing, logger } = this.options;
    const { view } = snapshot;
    const platform = messenger.platform;
    const configured = settings.escalateTo.kind === 'channel' ? settings.escalateTo.channels[platform] : undefined;
    const channel = configured ?? routing.channelFor(view, platform);
    if (!channel) {
      logger.warn({ requestId: view.id, platform }, 'a waiting step has no manager to tell and no channel to go to');
      return false;
    }
    const key = `escalate:${view.id}:${step}:${platform}:channel`;
    const reason: CardReason = { kind: 'escalation', to: 'channel', approvers, waitingSince: since };
    const card: RequestCard = { role: 'channel', request: view };
    return this.options.once(key, async () => {
      // Under the channel's own card when it has one there, so the thread holds the whole story.
      const refs = await this.options.store.listMessageRefs(view.id);
      const original = refs
        .filter((r) => r.platform === platform && r.kind === 'channel' && r.conversationId === channel && !r.threadId)
        .at(-1);
      const ref =
        original && messenger.replyWithCard
          ? await messenger.replyWithCard(original, { ...card, reason })
          : await messenger.sendToChannel(channel, { ...card, reason });
      await this.keep(view.id, { ...ref, kind: 'channel' }, card);
      return true;
    });
  }

  /** The approver's manager as the directory names them, cached; null when there is none (or none active). */
  private async managerOf(approver: PersonView): Promise<PersonView | null> {
    const { store, governance, logger } = this.options;
    const key = `reminders:manager:${approver.id}`;
    const cached = await getJson(store, key, cachedManager);
    if (cached) return cached.manager;
    let manager: PersonView | null = null;
    try {
      const principal = await governance.getPrincipal(approver.id);
      // The vendor does not say managerId is a user id (Okta's profile attribute is free text): a
      // value that names nobody reads as no manager.
      const found = principal?.managerId ? await governance.getPrincipal(principal.managerId) : null;
      if (found?.active) manager = { id: found.id, name: found.displayName, email: found.email };
    } catch (err) {
      // The budget gave way to people: the next check asks again, rather than tell the channel.
      if (err instanceof GovernanceRateLimited) throw err;
      logger.info({ err }, 'manager not found; the escalation goes to the channel');
      return null;
    }
    await setJson(store, key, { manager }, { ttlMs: MANAGER_TTL_MS });
    return manager;
  }

  private async keep(requestId: string, ref: MessageRef, card: RequestCard): Promise<void> {
    await this.options.store.addMessageRef(requestId, ref);
    await this.ledger.rememberCard(ref, card);
  }
}
