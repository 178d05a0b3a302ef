import type { DelegationView } from '../../../flows/index.js';
import type { SlackMessage } from './request-card.js';
import { escapeWithin, mrkdwn, nameText, slackTime } from './text.js';

/**
 * The answers to `/access delegate …` (issue 21, point 4): who decides the person's approvals while
 * they are away, from when and until when (in the reader's own time zone), or that nobody does.
 */

export const HOW_TO_DELEGATE =
  '`/access delegate @person until <date>` appoints someone; `/access delegate off` ends it.';

function message(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: mrkdwn(text) }] };
}

function period(view: DelegationView): string {
  // The flow sets `from` only for an appointment that starts later.
  const from = view.from ? ` from ${slackTime(view.from)}` : '';
  const until = view.until ? ` until ${slackTime(view.until)}` : ' until you end it';
  const note = view.note ? ` (“${escapeWithin(view.note, 300).text}”)` : '';
  return `${from}${until}${note}`;
}

export function renderDelegated(view: DelegationView): SlackMessage {
  return message(
    `:white_check_mark: *${nameText(view.delegate.name)}* decides your approvals${period(view)}. They get the cards; every decision is in the audit log.`,
  );
}

export function renderDelegation(view: DelegationView | null): SlackMessage {
  if (!view) return message(`Nobody decides your approvals for you. ${escapeHow()}`);
  return message(
    `*${nameText(view.delegate.name)}* decides your approvals${period(view)}. \`/access delegate off\` ends it.`,
  );
}

export function renderDelegationEnded(ended: boolean): SlackMessage {
  return message(
    ended
      ? ':white_check_mark: Your delegate no longer decides your approvals; they come to you again.'
      : `You had no delegate, so nothing changed. ${escapeHow()}`,
  );
}

/** The command's own words: `<date>` escaped for mrkdwn. */
function escapeHow(): string {
  return HOW_TO_DELEGATE.replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const MENTION_NEEDED = message(
  ':warning: Name the person with an @-mention, so Slack tells Gatehouse who they are: `/access delegate @dana until 2026-12-24`.',
);
