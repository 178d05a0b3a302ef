import type { RequestSnapshot } from '../flows/index.js';
import { deliverOnce, type OnceContext } from './deliver-once.js';
import { deliveryKeys } from './ledger.js';
import type { Messenger } from './messenger.js';
import type { PassDeps } from './platform-pass.js';

/**
 * Where a stranded request goes (a step nobody but its requester could approve, self-approval
 * refused: see src/flows/stranded.ts): the approvals channel its routing rules name, where an
 * administrator can reassign the step or decide it in the portal. Gatehouse knows no other
 * administrators. The channel card posted when the request first showed a step already says why it
 * is there; a step that becomes stranded later (the second of two) gets a channel card of its own,
 * posted once, so the channel hears of it instead of an older card being edited in silence.
 */
export class StrandedRouting {
  constructor(
    private readonly deps: PassDeps,
    private readonly messenger: Messenger,
    private readonly snapshot: RequestSnapshot,
  ) {}

  /** Whether the approvals channel had a card about the request before this pass drew it. */
  async channelCardBefore(): Promise<boolean> {
    const refs = await this.deps.store.listMessageRefs(this.snapshot.view.id);
    return refs.some((ref) => ref.kind === 'channel' && ref.platform === this.messenger.platform);
  }

  /** After the pass: the card of a step stranded since the channel's card was first posted. */
  async route(once: OnceContext, hadChannelCard: boolean): Promise<void> {
    const { view } = this.snapshot;
    const { ledger, logger, routing, store } = this.deps;
    if (!view.stranded) return;
    const platform = this.messenger.platform;
    const key = deliveryKeys.notice(view.id, platform, `stranded:step${view.stranded.step}`);
    const channel = routing.channelFor(view, platform);
    if (!channel) {
      logger.warn(
        { requestId: view.id, platform, step: view.stranded.step },
        'only the requester can approve this step and no approvals channel is configured to send it to',
      );
      return;
    }
    // The card this pass posted first already shows the stranded step.
    if (!hadChannelCard) return ledger.markDelivered(key);
    await deliverOnce(once, key, async () => {
      const ref = await this.messenger.sendToChannel(channel, { role: 'channel', request: view });
      return async () => {
        // Edited with every other card from now on, and owing no thread reply for older comments.
        await store.addMessageRef(view.id, { ...ref, kind: 'channel' });
        const comments = [...view.comments, ...(await ledger.chatComments(view.id))];
        for (const comment of comments) await ledger.markDelivered(deliveryKeys.commentReply(view.id, comment.id, ref));
      };
    });
  }
}
