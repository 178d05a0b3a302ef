import type { RequestView } from '../../../flows/index.js';
import type { DoneMark } from '../../shown-lists.js';
import { NOTHING_PENDING, renderList, renderText } from '../render/lists.js';
import { entryText } from '../render/text.js';
import { type SlackDeps, tell } from './context.js';

/** Posts to a response_url, as Bolt's respond() does: a refusal (used up, expired) throws. */
export type Respond = (message: object) => Promise<unknown>;

/**
 * Where a decision from `/access pending` is confirmed: the list itself, redrawn through the click's
 * response_url (`replace_original`), the only way Slack lets an app change an ephemeral message
 * (chat.update cannot). The row decided shows what the person did, without its buttons; the other
 * rows keep theirs.
 */
export async function confirmInList(
  deps: SlackDeps,
  where: { userId: string; respond: Respond; listId: string },
  request: RequestView,
  mark: DoneMark,
): Promise<void> {
  const list = await deps.lists.markDone(where.listId, where.userId, request, mark);
  if (list) {
    try {
      await where.respond({
        response_type: 'ephemeral',
        replace_original: true,
        ...renderList(list, NOTHING_PENDING, list),
      });
      return;
    } catch (err) {
      deps.logger.warn({ err, requestId: request.id }, 'pending list not redrawn; confirming apart from it');
    }
  }
  // The list is no longer kept (or cannot be replaced): the confirmation still comes where they clicked.
  const verb =
    mark.kind === 'approve'
      ? ':white_check_mark: You approved'
      : mark.kind === 'reject'
        ? ':x: You rejected'
        : ':speech_balloon: You commented on';
  await tell(deps, where, renderText(`${verb} *${entryText(request.entry.name)}* (\`${request.id}\`).`));
}

/** A response_url kept with the list for a modal (Bolt gives respond() to clicks only), posted to as Bolt would. */
export function respondAt(url: string): Respond {
  return async (message) => {
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      // Slack answers at the address itself; a redirect would send the message somewhere else.
      redirect: 'error',
      signal: AbortSignal.timeout(5_000),
    });
    if (!answer.ok) throw new Error(`response_url answered HTTP ${answer.status}`);
  };
}
