import type { Logger } from 'pino';
import type { Governance } from '../api/governance.js';
import { withPriority } from '../api/priority.js';
import { currentStep } from '../domain/types.js';
import { requestView } from '../flows/index.js';
import { approversWhoMayDecide, strandedStep } from '../flows/stranded.js';
import { MESSAGE_REF_RETENTION_MS, type Store } from '../store/index.js';
import type { Messenger } from './messenger.js';
import type { ApprovalRouting } from './routing.js';

export interface RemindersOptions {
  governance: Governance;
  store: Store;
  messengers: Messenger[];
  routing: ApprovalRouting;
  logger: Logger;
  /** An approval waiting this long reminds its approvers, once (REMINDER_AFTER). */
  remindAfterMs: number;
  /** Waiting this long, it is escalated to the approvals channel, once; twice the reminder delay by default. */
  escalateAfterMs?: number;
  /** The clock (default Date.now) that says how long an approval has waited, so tests can move it. */
  now?: () => number;
}

const MAX_PAGES = 20;

/**
 * Reminds approvers of decisions that have waited too long, then escalates to the approvals
 * channel. Only approvers who may decide are reminded (never a requester of their own request), and
 * a step nobody may decide is not escalated: it went to the channel at once (stranded-routing.ts).
 * Each reminder is claimed per request, step, approver and platform, so a restart, a second replica
 * or the next check never repeats one.
 */
export class Reminders {
  constructor(private readonly options: RemindersOptions) {}

  check(now = (this.options.now ?? Date.now)()): Promise<{ reminded: number; escalated: number }> {
    // Reminders can wait for a window to reset; people and the notifier's syncs go first.
    return withPriority('background', () => this.remind(now));
  }

  private async remind(now: number): Promise<{ reminded: number; escalated: number }> {
    const { governance, remindAfterMs } = this.options;
    const escalateAfterMs = this.options.escalateAfterMs ?? remindAfterMs * 2;
    let reminded = 0;
    let escalated = 0;
    let cursor: string | undefined;
    const policy = await governance.policy();
    for (let page = 0; page < MAX_PAGES; page++) {
      const batch = await governance.listRequests({ status: ['pending'], cursor, limit: 100 });
      for (const request of batch.items) {
        const step = currentStep(request);
        if (!step) continue;
        const since = step.startedAt ?? request.created;
        const waited = now - Date.parse(since);
        if (!(waited >= remindAfterMs)) continue;
        const view = requestView(request);
        // Only those who may decide are reminded: never the requester of their own request.
        const deciders = approversWhoMayDecide(request, policy).map((a) => a.id);
        const approvers = view.steps.find((s) => s.index === step.index)?.approvers ?? [];
        // A stranded step went to the approvals channel at once, saying an administrator has to act;
        // "can an approver take it?" would send them looking for an approver there is not.
        const stranded = strandedStep(request, policy) !== undefined;
        for (const messenger of this.options.messengers) {
          for (const approver of approvers.filter((a) => deciders.includes(a.id))) {
            const key = `remind:${request.id}:${step.index}:${approver.id}:${messenger.platform}`;
            const notice = { kind: 'reminder' as const, request: view, waitingSince: since, escalated: false };
            if (await this.once(key, () => messenger.notify(approver, notice))) reminded += 1;
          }
          const channel = this.options.routing.channelFor(view, messenger.platform);
          if (channel && messenger.noticeToChannel && waited >= escalateAfterMs && !stranded) {
            const key = `escalate:${request.id}:${step.index}:${messenger.platform}`;
            const notice = { kind: 'reminder' as const, request: view, waitingSince: since, escalated: true };
            const post = messenger.noticeToChannel.bind(messenger);
            if (await this.once(key, () => post(channel, notice))) escalated += 1;
          }
        }
      }
      if (!batch.cursor) break;
      cursor = batch.cursor;
    }
    if (reminded + escalated > 0) this.options.logger.info({ reminded, escalated }, 'reminders sent');
    return { reminded, escalated };
  }

  private async once(key: string, send: () => Promise<unknown>): Promise<boolean> {
    const { store, logger } = this.options;
    if (!(await store.claim(key, MESSAGE_REF_RETENTION_MS))) return false;
    try {
      await send();
      return true;
    } catch (err) {
      await store.delete(key);
      logger.warn({ err, key }, 'reminder not sent; the next check retries');
      return false;
    }
  }
}
