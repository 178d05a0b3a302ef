import type { ActionsBlock, Checkboxes, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { Decision } from '../../../domain/types.js';
import type { RequestView, SeveralDecided } from '../../../flows/index.js';
import { MAX_TEXT_LENGTH } from '../../../flows/index.js';
import type { ShownList } from '../../shown-lists.js';
import { riskLines } from './approver-context.js';
import { entryText, escapeText, escapeWithin, mrkdwn, nameText, plain, TEXT_MAX } from './text.js';

/**
 * Deciding several requests of `/access pending` in one action (issue 21, point 5): checkboxes under
 * the list, "Approve selected" and "Reject selected", a reason form when one is needed, and the
 * outcome of each item. What is ticked comes back in the click's `state.values`; every item is
 * re-authorized by the flow on its own.
 */

export const SEVERAL = {
  /** The checkboxes (one element per group of ten: Slack's most options in one checkboxes element). */
  pick: 'several_pick',
  approve: 'approve_selected',
  reject: 'reject_selected',
  /** callback_id of the reason form. */
  form: 'several_reason',
  /** The reason input of that form (block and action). */
  reason: 'several_reason_text',
} as const;

/** block_id prefix of each checkbox group; the group's number follows. */
export const PICK_BLOCK = 'several_pick_';

/** Slack takes at most 10 options in one checkboxes element. */
const OPTIONS_PER_GROUP = 10;
/** An option's value is at most 150 characters. */
const OPTION_VALUE_MAX = 150;

/** What a ticked option carries: the request and the step it was drawn for (never who may decide). */
export interface PickedItem {
  r: string;
  t?: string;
}

/** What the two buttons carry: the kept list they were drawn in. */
export interface SeveralButtonValue {
  l: string;
}

/** Kept in the reason form: the list, what to do, and the items ticked when the button was pressed. */
export interface SeveralFormMetadata {
  l: string;
  k: Decision;
  i: PickedItem[];
}

function pickedValue(item: RequestView): string {
  const step = item.steps.find((s) => s.index === item.currentStep?.index);
  const full = JSON.stringify({ r: item.id, ...(step?.taskId ? { t: step.taskId } : {}) });
  // Without the task the flow decides the step open now, which is what the list showed anyway.
  return full.length <= OPTION_VALUE_MAX ? full : JSON.stringify({ r: item.id });
}

function option(item: RequestView): PlainTextOption {
  return {
    text: plain(`${item.entry.name} · for ${item.requestedFor.name}`, 75),
    description: plain(item.id, 75),
    value: pickedValue(item),
  };
}

/**
 * The selection part of a kept pending list: the rows still to be decided as checkboxes, in groups
 * of ten, and the two buttons. Nothing when fewer than two rows can be decided.
 */
export function selectionBlocks(items: RequestView[], shown: Pick<ShownList, 'id' | 'done'>): KnownBlock[] {
  const open = items.filter((item) => {
    const done = shown.done[item.id]?.kind;
    return item.actions.includes('approve') && done !== 'approve' && done !== 'reject';
  });
  if (open.length < 2) return [];
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: 'several_intro', text: mrkdwn('*Decide several at once*: tick them, then choose.') },
  ];
  for (let at = 0, group = 0; at < open.length; at += OPTIONS_PER_GROUP, group++) {
    const element: Checkboxes = {
      type: 'checkboxes',
      action_id: SEVERAL.pick,
      options: open.slice(at, at + OPTIONS_PER_GROUP).map(option),
    };
    blocks.push({ type: 'actions', block_id: `${PICK_BLOCK}${group}`, elements: [element] });
  }
  const value = JSON.stringify({ l: shown.id } satisfies SeveralButtonValue);
  const buttons: ActionsBlock = {
    type: 'actions',
    block_id: 'several_actions',
    elements: [
      { type: 'button', action_id: SEVERAL.approve, text: plain('Approve selected'), style: 'primary', value },
      { type: 'button', action_id: SEVERAL.reject, text: plain('Reject selected'), style: 'danger', value },
    ],
  };
  blocks.push(buttons);
  return blocks;
}

/** The reason form for several items (opened when a reason is needed), with the risk of each ticked item that has one. */
export function severalReasonForm(metadata: SeveralFormMetadata, items: RequestView[]): ModalView {
  const approve = metadata.k === 'approve';
  const count = metadata.i.length;
  const what = `${count} request${count === 1 ? '' : 's'}`;
  const lines = items.map((item) => {
    const risk = riskLines(item, { compact: true });
    return `• *${entryText(item.entry.name)}* for ${nameText(item.requestedFor.name)}${risk.length > 0 ? `\n   ${risk.join('\n   ')}` : ''}`;
  });
  const about = `${approve ? 'Approve' : 'Reject'} ${what}:`;
  return {
    type: 'modal',
    callback_id: SEVERAL.form,
    title: plain(approve ? 'Approve selected' : 'Reject selected', 24),
    submit: plain(approve ? 'Approve' : 'Reject', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks: [
      { type: 'section', text: mrkdwn(withinSection([about, ...lines])) },
      {
        type: 'input',
        block_id: SEVERAL.reason,
        label: plain('Reason — each requester sees it'),
        element: { type: 'plain_text_input', action_id: SEVERAL.reason, multiline: true, max_length: MAX_TEXT_LENGTH },
      },
    ],
  };
}

/** One line per item: decided, or refused and why, in the order they were decided. */
export function outcomeLines(decision: Decision, results: SeveralDecided['results']): string[] {
  return results.map((result) => {
    if (result.ok) {
      const request = result.request;
      const mark = decision === 'approve' ? ':white_check_mark: Approved' : ':x: Rejected';
      return `${mark} *${entryText(request.entry.name)}* for ${nameText(request.requestedFor.name)} (\`${escapeText(request.id)}\`)`;
    }
    const name = result.entryName
      ? `*${entryText(result.entryName)}* (\`${escapeText(result.requestId)}\`)`
      : `\`${escapeText(result.requestId)}\``;
    return `:warning: Not decided: ${name}: ${escapeWithin(result.failure.message, 400).text}`;
  });
}

/** The outcome as mrkdwn within one section (Slack's 3000 characters): how many, then each item. */
export function outcomeText(decision: Decision, results: SeveralDecided['results']): string {
  const decided = results.filter((result) => result.ok).length;
  const head = `*${decided} of ${results.length} ${decision === 'approve' ? 'approved' : 'rejected'}*`;
  return withinSection([head, ...outcomeLines(decision, results)]);
}

/** The outcome as a section, to head the redrawn list or answer alone. */
export function outcomeBlock(decision: Decision, results: SeveralDecided['results']): KnownBlock {
  return { type: 'section', block_id: 'several_outcome', text: mrkdwn(outcomeText(decision, results)) };
}

/** Whole lines up to Slack's 3000 characters of a section, and how many more there were. */
function withinSection(lines: string[]): string {
  const kept: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const rest = lines.length - index;
    if (length + line.length + 1 > TEXT_MAX - 40) {
      kept.push(`…and ${rest} more.`);
      break;
    }
    kept.push(line);
    length += line.length + 1;
  }
  return kept.join('\n');
}
