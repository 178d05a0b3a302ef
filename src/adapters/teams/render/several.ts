import type { Decision, SeveralDecided } from '../../../flows/index.js';
import { entryText, escapeMarkdown, escapeWithin, linkText, nameText } from './text.js';

/**
 * What became of each request decided together from `pending`, one line each in the order they
 * were listed: decided (and where the request now stands), or why not. A refused item is named by
 * its entry only where the flow could see it (a forged id learns nothing), else by its id.
 */
export function severalOutcomeLines(decided: SeveralDecided, decision: Decision): string[] {
  const verb = decision === 'approve' ? '✅ Approved' : '❌ Rejected';
  return decided.results.map((result) => {
    if (result.ok) {
      const request = result.request;
      const what = `**${entryText(request.entry.name)}** for ${nameText(request.requestedFor.name)}`;
      const next = request.currentStep ? `; it now waits for step ${request.currentStep.index}` : '';
      return `${verb} ${what}${next}.`;
    }
    const what = result.entryName ? `**${entryText(result.entryName)}**` : escapeMarkdown(result.requestId);
    const link = result.failure.link ? ` ${linkText(result.failure.link)}` : '';
    return `⚠️ ${what}: ${escapeWithin(result.failure.message, 500)}${link}`;
  });
}

/** The answer when nothing was selected: said apart from the card, which keeps what was ticked. */
export const NOTHING_SELECTED =
  'Select the requests to decide first (the switch beside each), then press the button again.';
