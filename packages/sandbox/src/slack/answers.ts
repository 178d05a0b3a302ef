import { viewProblems, viewTooLarge } from './block-kit.js';
import { LIMITS } from './block-kit-limits.js';
import { checkList, checkOption, checkText, isObject, Problems } from './block-kit-objects.js';
import { SlackApiError } from './errors.js';
import { checkMessageContent, hasContent } from './message-content.js';
import type { Json } from './records.js';
import { SLACK_SEED } from './seed.js';
import { storedBlocks } from './stored-blocks.js';
import { createView, replaceView } from './views.js';
import type { SlackWorkspace } from './workspace.js';

/**
 * What Slack does with the bot's HTTP answer (its `ack()`) to an inbound request. Each function
 * applies the answer to the workspace as Slack would and returns the problems Slack would have with
 * it (empty when none), in which case nothing is applied: Slack shows the person an error instead.
 */

/**
 * A slash command's answer: a text body or a message (`text`, `blocks`, `response_type`) is shown
 * to the person who typed it (`ephemeral`, the default) or posted in the channel (`in_channel`).
 * An empty answer shows nothing.
 */
export function applyCommandAnswer(
  workspace: SlackWorkspace,
  command: { user: string; channel: string },
  answer: unknown,
): string[] {
  const message = typeof answer === 'string' ? { text: answer } : answer;
  if (!isObject(message)) return [];
  try {
    const content = checkMessageContent({ text: message.text, blocks: message.blocks });
    if (!hasContent(content)) return [];
    const fields = {
      channel: command.channel,
      text: content.text ?? '',
      ...(content.blocks ? { blocks: storedBlocks(content.blocks, () => workspace.ids.filler()) } : {}),
    };
    if (message.response_type === 'in_channel') {
      workspace.append({
        ...fields,
        user: SLACK_SEED.bot.userId,
        bot_id: SLACK_SEED.bot.botId,
        app_id: SLACK_SEED.appId,
      });
    } else {
      workspace.addEphemeral({ ...fields, user: command.user, via: 'command_answer' });
    }
    return [];
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    return [error.code, ...((error.extra.errors as string[] | undefined) ?? [])];
  }
}

/**
 * A view_submission's answer. Empty: the submitted view closes (the one below it shows again).
 * `response_action`: `errors` (block_id of an input → message, shown under it; the view stays),
 * `update` (replaces the submitted view), `push` (a new view on the stack, at most 3), `clear`
 * (closes the whole modal).
 */
export function applyViewSubmissionAnswer(
  workspace: SlackWorkspace,
  submitted: { user: string; viewId: string },
  answer: unknown,
): string[] {
  const view = workspace.viewRecord(submitted.viewId);
  if (!view) return [`view ${submitted.viewId} is not open`];
  const stack = workspace.modalStack(submitted.user);
  const action = isObject(answer) ? answer.response_action : undefined;
  if (action === undefined) {
    const index = stack.indexOf(view.id);
    for (const id of index >= 0 ? stack.splice(index) : [view.id]) {
      const closed = workspace.viewRecord(id);
      if (closed) closed.open = false;
    }
    return [];
  }
  const body = answer as Json;
  switch (action) {
    case 'errors': {
      const inputs = new Set(view.blocks.filter((block) => block.type === 'input').map((block) => block.block_id));
      if (!isObject(body.errors)) return ['response_action errors needs an `errors` object'];
      const strays = Object.keys(body.errors).filter((blockId) => !inputs.has(blockId));
      if (strays.length > 0) return strays.map((blockId) => `errors names ${blockId}, which is not an input block`);
      view.errors = Object.fromEntries(Object.entries(body.errors).map(([id, message]) => [id, String(message)]));
      return [];
    }
    case 'update': {
      const problems = modalProblems(body.view);
      if (problems.length > 0) return problems;
      replaceView(workspace, view, body.view as Json);
      return [];
    }
    case 'push': {
      const problems = modalProblems(body.view);
      if (problems.length > 0) return problems;
      if (stack.length >= 3) return ['push_limit_reached'];
      const pushed = createView(workspace, body.view as Json, submitted.user, {
        root: stack[0] ?? view.id,
        previous: stack.at(-1) ?? view.id,
      });
      stack.push(pushed.id);
      return [];
    }
    case 'clear':
      workspace.closeModal(submitted.user);
      return [];
    default:
      return [`unknown response_action: ${String(action)}`];
  }
}

/** A view given in a response_action: a modal within Block Kit's limits and 250 kB. */
function modalProblems(view: unknown): string[] {
  if (viewTooLarge(view)) return ['view_too_large'];
  const problems = viewProblems(view);
  if (problems.length === 0 && isObject(view) && view.type !== 'modal')
    return ['must be modal [json-pointer:/view/type]'];
  return problems;
}

/** A block_suggestion's answer: `options` or `option_groups`, at most 100, each a plain_text option. */
export function suggestionProblems(answer: unknown): string[] {
  const problems = new Problems();
  if (!isObject(answer) || (answer.options === undefined && answer.option_groups === undefined)) {
    problems.add('must provide options or option_groups', '');
    return problems.list;
  }
  const checkOptions = (options: unknown, at: string) => {
    if (!checkList(problems, options, at, { max: LIMITS.selectOptions })) return;
    for (const [index, option] of options.entries())
      checkOption(problems, option, `${at}/${index}`, { plainOnly: true });
  };
  if (answer.options !== undefined) checkOptions(answer.options, '/options');
  if (answer.option_groups !== undefined && checkList(problems, answer.option_groups, '/option_groups', { max: 100 })) {
    for (const [index, group] of answer.option_groups.entries()) {
      const at = `/option_groups/${index}`;
      checkText(problems, isObject(group) ? group.label : undefined, `${at}/label`, {
        max: LIMITS.optionGroupLabel,
        plainOnly: true,
      });
      checkOptions(isObject(group) ? group.options : undefined, `${at}/options`);
    }
  }
  return problems.list;
}
