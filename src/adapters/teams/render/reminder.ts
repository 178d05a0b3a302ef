import type { PersonView } from '../../../flows/index.js';
import type { CardReason, RequestCard } from '../../../notifier/index.js';
import { type Card, type CardOptions, renderRequestCard } from './request-card.js';
import { nameText, teamsTime } from './text.js';

/**
 * A request card posted again or to someone not on the request (a reminder, an escalation, a
 * delegate's copy): the card itself, buttons and all, under a first line saying why it came.
 */
export function renderCardWithReason(card: RequestCard, options: CardOptions = {}): Card {
  return renderRequestCard(
    card.role,
    card.request,
    card.reason ? { ...options, notice: reasonLine(card.reason) } : options,
  );
}

/** Why the card came, in Teams markdown (names escaped). */
export function reasonLine(reason: CardReason): string {
  switch (reason.kind) {
    case 'reminder': {
      const which = reason.rounds > 1 ? ` (reminder ${reason.round} of ${reason.rounds})` : '';
      return `⏰ Reminder: waiting since ${teamsTime(reason.waitingSince)} for your decision${which}.`;
    }
    case 'escalation': {
      const who = names(reason.approvers);
      return reason.to === 'manager'
        ? `🚨 ${who} ${reason.approvers.length > 1 ? 'have' : 'has'} not decided on this request since ${teamsTime(reason.waitingSince)}; you are their manager.`
        : `🚨 No decision since ${teamsTime(reason.waitingSince)}: it waits for ${who}. Can an approver take it?`;
    }
    case 'delegate': {
      const until = reason.until ? `until ${teamsTime(reason.until)}` : 'until they end it';
      return `👥 For ${nameText(reason.for.name)}, who appointed you their delegate ${until}.`;
    }
  }
}

function names(people: PersonView[]): string {
  const shown = people.slice(0, 5).map((p) => nameText(p.name));
  const more = people.length > 5 ? ` and ${people.length - 5} more` : '';
  return shown.join(', ') + more;
}
