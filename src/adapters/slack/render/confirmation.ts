import type { RequestView } from '../../../flows/index.js';
import { entryText, escapeText, nameText } from './text.js';

/** Names listed before "and N others", so a group of forty approvers stays one readable line. */
const NAMES_SHOWN = 3;

/** What the requester reads right after asking: the id, where it stands, and the portal link. */
export function confirmation(request: RequestView): string {
  const step = request.steps.find((s) => s.index === request.currentStep?.index);
  const total = request.currentStep?.total ? ` of ${request.currentStep.total}` : '';
  const waiting = request.stranded
    ? ` ${escapeText(request.stranded.note)}`
    : step?.approvers.length
      ? ` It waits for ${people(step.approvers.map((a) => a.name))} (step ${step.index}${total}).`
      : request.status === 'approved'
        ? ' It needed no approval and is approved.'
        : '';
  const portal = request.portalUrl && request.portalUrl.length <= 500 ? ` <${request.portalUrl}|Open the portal>.` : '';
  return `:white_check_mark: Requested *${entryText(request.entry.name)}*: request \`${escapeText(request.id)}\`.${waiting} I will message you as it moves.${portal}`;
}

function people(names: string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).map(nameText);
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} other${rest === 1 ? '' : 's'}` : shown.join(', ');
}
