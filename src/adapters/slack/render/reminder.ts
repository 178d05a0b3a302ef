import type { PersonView } from '../../../flows/index.js';
import type { CardReason, RequestCard } from '../../../notifier/index.js';
import { renderRequestCard, type SlackMessage } from './request-card.js';
import { clip, entryText, mrkdwn, nameText, slackTime, TEXT_MAX } from './text.js';

/**
 * A request card posted again or to someone not on the request (a reminder, an escalation, a
 * delegate's copy): the card itself, buttons and all, under a first line saying why it came. The
 * line is also the message's text, which is what the notification shows.
 */
export function renderCardWithReason(card: RequestCard): SlackMessage {
  const drawn = renderRequestCard(card.role, card.request);
  if (!card.reason) return drawn;
  const line = reasonLine(card.reason);
  const about = `${nameText(card.request.requestedFor.name)} asks for ${entryText(card.request.entry.name)}`;
  return {
    text: clip(`${stripMarks(line)} ${about}`, TEXT_MAX),
    blocks: [{ type: 'section', text: mrkdwn(line) }, ...drawn.blocks],
  };
}

/** Why the card came, in mrkdwn (names escaped). */
export function reasonLine(reason: CardReason): string {
  switch (reason.kind) {
    case 'reminder': {
      const which = reason.rounds > 1 ? ` (reminder ${reason.round} of ${reason.rounds})` : '';
      return `:alarm_clock: *Reminder:* waiting since ${slackTime(reason.waitingSince)} for your decision${which}.`;
    }
    case 'escalation': {
      const who = names(reason.approvers);
      return reason.to === 'manager'
        ? `:rotating_light: *${who}* ${reason.approvers.length > 1 ? 'have' : 'has'} not decided on this request since ${slackTime(reason.waitingSince)}; you are their manager.`
        : `:rotating_light: No decision since ${slackTime(reason.waitingSince)}: it waits for *${who}*. Can an approver take it?`;
    }
    case 'delegate': {
      const until = reason.until ? `until ${slackTime(reason.until)}` : 'until they end it';
      return `:busts_in_silhouette: For *${nameText(reason.for.name)}*, who appointed you their delegate ${until}.`;
    }
  }
}

function names(people: PersonView[]): string {
  const shown = people.slice(0, 5).map((p) => nameText(p.name));
  const more = people.length > 5 ? ` and ${people.length - 5} more` : '';
  return shown.join(', ') + more;
}

/** The notification text: the line without emoji codes, dates as their fallback. */
function stripMarks(line: string): string {
  return line
    .replace(/^:[a-z_]+:\s*/, '')
    .replace(/<!date\^\d+\^[^|]*\|([^>]*)>/g, '$1')
    .replace(/\*/g, '');
}
