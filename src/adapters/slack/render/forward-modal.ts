import type { ModalView } from '@slack/types';
import { MAX_TEXT_LENGTH, type RequestView } from '../../../flows/index.js';
import { entryText, escapeText, escapeWithin, mrkdwn, nameText, plain } from './text.js';

/** The form an approver forwards one approval with (issue 21, point 4): whom to, and why (optional). */
export const FORWARD = {
  form: 'forward_form',
  /** The users_select, as block and action id. */
  to: 'forward_to',
  reason: 'forward_reason',
} as const;

/** Kept in the form: the request and step the button was drawn for, and the card clicked (to redraw it). */
export interface ForwardMetadata {
  r: string;
  t?: string;
  c?: string;
  m?: string;
}

type AboutRequest = { id: string } & Partial<Pick<RequestView, 'requestedFor' | 'entry'>>;

export function forwardForm(request: AboutRequest, metadata: ForwardMetadata): ModalView {
  const about =
    request.requestedFor && request.entry
      ? `Forward the approval of *${entryText(request.entry.name)}* for *${nameText(request.requestedFor.name)}* (\`${escapeText(request.id)}\`) to someone else. They decide it instead of you.`
      : `Forward the approval of request \`${escapeText(request.id)}\` to someone else. They decide it instead of you.`;
  return {
    type: 'modal',
    callback_id: FORWARD.form,
    title: plain('Forward approval', 24),
    submit: plain('Forward', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      { type: 'section', text: mrkdwn(about) },
      {
        type: 'input',
        block_id: FORWARD.to,
        label: plain('Forward to'),
        element: { type: 'users_select', action_id: FORWARD.to, placeholder: plain('Choose a person') },
      },
      {
        type: 'input',
        block_id: FORWARD.reason,
        optional: true,
        label: plain('Why (optional) — they see it'),
        element: { type: 'plain_text_input', action_id: FORWARD.reason, multiline: true, max_length: MAX_TEXT_LENGTH },
      },
    ],
  };
}

/** What the form shows once the step was handed on. */
export function forwardedText(request: RequestView, toUserId: string): string {
  // A mention of the id Slack itself gave in the users_select: Slack shows the person's name.
  return `:arrow_right: Forwarded *${entryText(request.entry.name)}* for ${nameText(request.requestedFor.name)} (\`${escapeText(request.id)}\`) to <@${escapeWithin(toUserId, 40).text}>. They get the card to decide it.`;
}
